//! The device secret: 32 random bytes kept in the operating system's keyring and mixed into the
//! passphrase slot, so that copied vault files plus a shoulder-surfed passphrase are not enough
//! on another computer. The store sits behind a small trait so tests can use a memory store.

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use crate::secret::Key32;

/// Why the device-secret store could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreUnavailable(pub String);

/// Where device secrets live on this computer, each under its own id (the key slot's
/// `device_secret_id`: a new one is made whenever the passphrase slot is tied to a computer).
pub trait DeviceSecretStore: Send + Sync {
    /// The secret stored under `id`, `Ok(None)` when this computer has none.
    fn get(&self, id: &Uuid) -> Result<Option<Key32>, StoreUnavailable>;
    /// Stores (or replaces) the secret under `id`.
    fn put(&self, id: &Uuid, secret: &Key32) -> Result<(), StoreUnavailable>;
    /// Removes the secret stored under `id` (nothing to do when there is none).
    fn remove(&self, id: &Uuid) -> Result<(), StoreUnavailable> {
        let _ = id;
        Ok(())
    }
    /// A note about a vault folder that a copy of the folder must not carry back (the audit
    /// anchor, the failed-attempt count), kept under `account`, as one line.
    fn note(&self, kind: Note, account: &str) -> Result<Option<String>, StoreUnavailable> {
        let _ = (kind, account);
        Ok(None)
    }
    /// Keeps (or, with `None`, removes) a note.
    fn set_note(
        &self,
        kind: Note,
        account: &str,
        line: Option<&str>,
    ) -> Result<(), StoreUnavailable> {
        let _ = (kind, account, line);
        Ok(())
    }
    /// Whether the store answers at all (asks for an id that is never used).
    fn probe(&self) -> Result<(), StoreUnavailable> {
        self.get(&Uuid::nil()).map(|_| ())
    }
}

/// The real OS keyring (Secret Service on Linux, Keychain on macOS, Credential Manager on
/// Windows), through the `keyring` crate. Never falls back to a plain file.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeyring;

const SERVICE: &str = "uk.casebook.device-secret";
/// What the keyring keeps about a vault folder besides its device secret (nothing secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Note {
    /// The audit trail's head, MAC'd with the data key (`anchor.rs`).
    AuditAnchor,
    /// Failed unlocks since the last good one (count and last time), so that deleting
    /// `casebook.attempts` does not reset the delay.
    FailedAttempts,
    /// The team's names by key-slot id, for the unlock screen's "who are you" list: kept in
    /// the keyring (encrypted with the user's login) rather than in the key file beside the
    /// vault, so the folder names nobody.
    Members,
}

impl Note {
    fn service(self) -> &'static str {
        match self {
            Note::AuditAnchor => "uk.casebook.audit-anchor",
            Note::FailedAttempts => "uk.casebook.failed-attempts",
            Note::Members => "uk.casebook.members",
        }
    }
}

impl OsKeyring {
    fn entry(vault_id: &Uuid) -> Result<keyring::Entry, StoreUnavailable> {
        keyring::Entry::new(SERVICE, &vault_id.to_string()).map_err(unavailable)
    }
}

fn unavailable(e: keyring::Error) -> StoreUnavailable {
    StoreUnavailable(e.to_string())
}

impl DeviceSecretStore for OsKeyring {
    fn get(&self, vault_id: &Uuid) -> Result<Option<Key32>, StoreUnavailable> {
        match Self::entry(vault_id)?.get_password() {
            Ok(hex) => {
                let hex = zeroize::Zeroizing::new(hex);
                Key32::from_hex(&hex).map(Some).ok_or_else(|| {
                    StoreUnavailable(
                        "the keyring entry for this vault is not a Casebook key".into(),
                    )
                })
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn put(&self, vault_id: &Uuid, secret: &Key32) -> Result<(), StoreUnavailable> {
        Self::entry(vault_id)?
            .set_password(&secret.to_hex())
            .map_err(unavailable)
    }

    fn note(&self, kind: Note, account: &str) -> Result<Option<String>, StoreUnavailable> {
        let entry = keyring::Entry::new(kind.service(), account).map_err(unavailable)?;
        match entry.get_password() {
            Ok(line) => Ok(Some(line)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set_note(
        &self,
        kind: Note,
        account: &str,
        line: Option<&str>,
    ) -> Result<(), StoreUnavailable> {
        let entry = keyring::Entry::new(kind.service(), account).map_err(unavailable)?;
        match line {
            Some(line) => entry.set_password(line).map_err(unavailable),
            None => match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(unavailable(e)),
            },
        }
    }

    fn remove(&self, id: &Uuid) -> Result<(), StoreUnavailable> {
        match Self::entry(id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// An in-memory store: for tests, and to simulate "another computer" (a second, empty store).
#[derive(Debug, Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<Uuid, Key32>>,
    notes: Mutex<HashMap<(Note, String), String>>,
    /// When set, every call fails as if the keyring were not running.
    pub broken: bool,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
    /// A store that always fails, like a machine with no keyring service.
    pub fn unavailable() -> Self {
        MemoryStore {
            broken: true,
            ..Self::default()
        }
    }
}

impl DeviceSecretStore for MemoryStore {
    fn get(&self, vault_id: &Uuid) -> Result<Option<Key32>, StoreUnavailable> {
        if self.broken {
            return Err(StoreUnavailable("no keyring service is running".into()));
        }
        let map = self
            .secrets
            .lock()
            .map_err(|_| StoreUnavailable("memory store poisoned".into()))?;
        Ok(map.get(vault_id).cloned())
    }

    fn put(&self, vault_id: &Uuid, secret: &Key32) -> Result<(), StoreUnavailable> {
        if self.broken {
            return Err(StoreUnavailable("no keyring service is running".into()));
        }
        let mut map = self
            .secrets
            .lock()
            .map_err(|_| StoreUnavailable("memory store poisoned".into()))?;
        map.insert(*vault_id, secret.clone());
        Ok(())
    }

    fn remove(&self, id: &Uuid) -> Result<(), StoreUnavailable> {
        let mut map = self
            .secrets
            .lock()
            .map_err(|_| StoreUnavailable("memory store poisoned".into()))?;
        map.remove(id);
        Ok(())
    }

    fn note(&self, kind: Note, account: &str) -> Result<Option<String>, StoreUnavailable> {
        if self.broken {
            return Err(StoreUnavailable("no keyring service is running".into()));
        }
        let map = self
            .notes
            .lock()
            .map_err(|_| StoreUnavailable("memory store poisoned".into()))?;
        Ok(map.get(&(kind, account.to_owned())).cloned())
    }

    fn set_note(
        &self,
        kind: Note,
        account: &str,
        line: Option<&str>,
    ) -> Result<(), StoreUnavailable> {
        if self.broken {
            return Err(StoreUnavailable("no keyring service is running".into()));
        }
        let mut map = self
            .notes
            .lock()
            .map_err(|_| StoreUnavailable("memory store poisoned".into()))?;
        match line {
            Some(line) => map.insert((kind, account.to_owned()), line.to_owned()),
            None => map.remove(&(kind, account.to_owned())),
        };
        Ok(())
    }
}
