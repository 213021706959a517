//! What the shell holds between commands: the vault folder, and at most one unlocked session.
//! The data key lives only inside the core's `Session`; the UI never sees key material.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use casebook::time::since_boot;

use casebook::vault::{LockReason, RecoveredVault, Session, Vault};

use crate::error::{CommandError, CommandResult};

/// The session slot: locked, opened by recovery code (waiting for a new passphrase), or open.
#[derive(Default)]
pub enum Slot {
    #[default]
    Locked,
    Recovered(Box<RecoveredVault>),
    Open(Box<Session>),
}

pub struct AppState {
    pub vault: Vault,
    slot: Mutex<Slot>,
    activity: Mutex<Activity>,
    /// The backup file chosen on the restore screen, kept here so that the window never holds
    /// a path and the file is chosen once.
    chosen_backup: Mutex<Option<PathBuf>>,
    /// A transfer package, and a receipt, chosen to import: held here for the same reason.
    chosen_package: Mutex<Option<PathBuf>>,
    chosen_receipt: Mutex<Option<PathBuf>>,
}

/// When the DSL last did something, and how long until the app locks itself.
#[derive(Debug, Clone, Copy)]
pub struct Activity {
    /// Time since boot, counting time asleep ([`since_boot`]): a laptop that slept past the
    /// idle limit locks as soon as it wakes.
    pub last: Duration,
    pub idle_limit: Duration,
}

impl AppState {
    pub fn new(vault: Vault) -> Self {
        AppState {
            vault,
            slot: Mutex::new(Slot::Locked),
            chosen_backup: Mutex::new(None),
            chosen_package: Mutex::new(None),
            chosen_receipt: Mutex::new(None),
            activity: Mutex::new(Activity {
                last: since_boot(),
                idle_limit: Duration::from_secs(
                    60 * u64::from(casebook::settings::DEFAULT_IDLE_LOCK_MINUTES),
                ),
            }),
        }
    }

    /// The session slot. A poisoned lock (a panic while held) is still usable: the slot only
    /// ever holds whole values.
    pub fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The backup file chosen for a restore, if one was.
    pub fn chosen_backup(&self) -> MutexGuard<'_, Option<PathBuf>> {
        self.chosen_backup.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The transfer package chosen to import, if one was.
    pub fn chosen_package(&self) -> MutexGuard<'_, Option<PathBuf>> {
        self.chosen_package
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The transfer receipt chosen to import, if one was.
    pub fn chosen_receipt(&self) -> MutexGuard<'_, Option<PathBuf>> {
        self.chosen_receipt
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the open session, or says the vault is locked.
    pub fn with_session<T>(
        &self,
        f: impl FnOnce(&mut Session) -> CommandResult<T>,
    ) -> CommandResult<T> {
        match &mut *self.slot() {
            Slot::Open(session) => f(session),
            _ => Err(CommandError::locked()),
        }
    }

    /// Locks whatever is open. Returns whether anything was.
    pub fn lock(&self, reason: LockReason) -> CommandResult<bool> {
        let previous = std::mem::take(&mut *self.slot());
        match previous {
            Slot::Open(session) => {
                session.lock(reason)?;
                Ok(true)
            }
            // Dropping it closes the database and wipes the key.
            Slot::Recovered(_) => Ok(true),
            Slot::Locked => Ok(false),
        }
    }

    /// Locks the vault when the DSL has been inactive for the idle limit. Returns whether it did.
    pub fn lock_if_idle(&self) -> CommandResult<bool> {
        let activity = *self.activity();
        let idle = since_boot().saturating_sub(activity.last);
        if self.is_unlocked() && idle >= activity.idle_limit {
            return self.lock(LockReason::Idle);
        }
        Ok(false)
    }

    /// How long until the idle lock, while the vault is open.
    pub fn idle_remaining(&self) -> Option<Duration> {
        let activity = *self.activity();
        let idle = since_boot().saturating_sub(activity.last);
        self.is_unlocked()
            .then(|| activity.idle_limit.saturating_sub(idle))
    }

    /// How long before the idle lock the DSL is warned: a minute, or half the limit when the
    /// limit is shorter than two minutes.
    pub fn idle_warning(&self) -> Duration {
        (self.activity().idle_limit / 2).min(Duration::from_secs(60))
    }

    pub fn touch(&self) {
        self.activity().last = since_boot();
    }

    pub fn set_idle_limit(&self, limit: Duration) {
        self.activity().idle_limit = limit;
    }

    fn activity(&self) -> MutexGuard<'_, Activity> {
        self.activity.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_unlocked(&self) -> bool {
        !matches!(*self.slot(), Slot::Locked)
    }
}

/// A shell state with a new vault open, for the shell's own tests.
#[cfg(test)]
pub(crate) mod testing {
    use std::sync::Arc;

    use casebook::secret::Passphrase;
    use casebook::vault::{MemoryStore, NewVault, Vault, VaultConfig};

    use super::{AppState, Slot};

    pub const PASSPHRASE: &str = "lantern orbit mossy kettle";

    /// The state (with its vault open) and the folder holding the vault.
    pub fn open_state() -> (AppState, tempfile::TempDir) {
        let tmp = tempfile::tempdir().unwrap();
        let vault = Vault::new(
            tmp.path().join("vault"),
            VaultConfig::for_tests(Arc::new(MemoryStore::new())),
        );
        let pass = Passphrase::new(PASSPHRASE);
        let (session, _code) = vault
            .create(NewVault {
                organisation: "Test School",
                dsl_name: "Test DSL",
                passphrase: &pass,
                confirm: &pass,
                demo: false,
            })
            .unwrap();
        let state = AppState::new(vault);
        *state.slot() = Slot::Open(Box::new(session));
        (state, tmp)
    }
}

#[cfg(test)]
mod tests {
    use casebook::secret::Passphrase;

    use super::testing::{open_state, PASSPHRASE};
    use super::*;

    #[test]
    fn an_idle_session_locks_itself_and_an_active_one_does_not() {
        let (state, _tmp) = open_state();
        let vault = state.vault.clone();
        let pass = Passphrase::new(PASSPHRASE);

        state.set_idle_limit(Duration::from_millis(300));
        state.touch();
        assert!(!state.lock_if_idle().unwrap(), "active: stays open");
        assert!(state.is_unlocked());

        std::thread::sleep(Duration::from_millis(350));
        assert!(state.lock_if_idle().unwrap(), "idle: locks");
        assert!(!state.is_unlocked());
        assert!(
            !state.lock_if_idle().unwrap(),
            "already locked: nothing to do"
        );

        let session = vault.unlock(&pass).unwrap().session;
        let entries = casebook::audit::recent(session.conn(), 2).unwrap();
        assert_eq!(entries[1].action, "vault.locked");
        assert!(entries[1].detail.contains("idle time-out"));
    }

    #[test]
    fn going_to_sleep_locks_an_open_vault_and_says_why() {
        let (state, _tmp) = open_state();
        let vault = state.vault.clone();
        assert!(state.lock(LockReason::Sleep).unwrap());
        assert!(!state.is_unlocked());
        let session = vault.unlock(&Passphrase::new(PASSPHRASE)).unwrap().session;
        let entries = casebook::audit::recent(session.conn(), 2).unwrap();
        assert!(entries[1].detail.contains("computer going to sleep"));
    }
}
