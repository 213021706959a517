//! Re-wrapping and rotating keys: a passphrase change, a new recovery code, a new passphrase
//! after a recovery-code unlock, strengthening a slot made with weaker key-derivation settings,
//! and the rekey that removing a member (or a new recovery code) needs.
//!
//! Re-wrapping writes the key-slot file atomically, then audits the change; the data key stays,
//! so an older copy of the key file (in an older backup, say) still opens the vault with the old
//! secret. A rekey goes further: the database is re-encrypted under a new data key, sealed to
//! the members who remain, crash-safely:
//! 1. the database is copied, re-encrypted under the new key, to `casebook.vault.next`, with
//!    the change's own records and audit entry, and synced; the new key slots go to
//!    `casebook.keys.next`;
//! 2. the old connection is checkpointed and closed, and `casebook.vault.next` is renamed over
//!    `casebook.vault` (one atomic step: from here on the database is the new one);
//! 3. `casebook.keys.next` is renamed over `casebook.keys`.
//!
//! A crash anywhere is settled at the next unlock by [`finish_interrupted_rekey`]: a key file
//! `.next` whose database was already renamed is put in place (roll forward); otherwise both
//! `.next` files are removed (roll back). Either way the vault opens with one consistent set of
//! slots and no committed record is lost.

use chrono::Utc;
use rusqlite::Transaction;
use serde_json::json;
use uuid::Uuid;

use std::path::{Path, PathBuf};

use super::keyslots::Seed;
use super::{db, passphrase_policy, RecoveryCode, Session, VaultPaths};
use crate::audit::{self, Action};
use crate::organisation;
use crate::secret::{Key32, Passphrase};
use crate::vault::keyslots::KeySlotFile;
use crate::{Error, Result};

impl Session {
    /// Changes this member's passphrase: checks the current one, then re-wraps their seed. No
    /// database page is re-encrypted; their recovery code is unchanged.
    pub fn change_passphrase(
        &mut self,
        current: &Passphrase,
        new: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<()> {
        self.check_new_passphrase(new, confirm)?;
        let (seed, device_secret_id, device_secret) = self.check_current_passphrase(current)?;
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_passphrase(
            self.member,
            &seed,
            new,
            device_secret_id,
            &device_secret,
            kdf,
        )?;
        self.commit_keys(keys, Action::PassphraseChanged, json!({ "kdf": kdf }))
    }

    /// Replaces this member's recovery code, once their passphrase is checked: they get a new
    /// seed (so new key slots), and the database is rekeyed under a new data key, so neither
    /// the old code nor any older copy of the key file opens this vault as it is now. Backups
    /// made before still open with the old code, as they carry their own key slots and data
    /// key: make a new backup and destroy the older ones. `code` is a fresh
    /// [`RecoveryCode::generate`] the member has already written down and checked.
    pub fn replace_recovery_code(
        &mut self,
        current: &Passphrase,
        code: &RecoveryCode,
    ) -> Result<()> {
        self.check_current_passphrase(current)?;
        self.new_seed_and_rekey(
            current,
            code,
            Action::RecoveryCodeReplaced,
            json!({ "rekeyed": true }),
        )
    }

    /// Refuses a new passphrase the policy does not accept.
    pub fn check_new_passphrase(&self, new: &Passphrase, confirm: &Passphrase) -> Result<()> {
        let org = organisation::current(&self.conn)?;
        passphrase_policy::check_new(new, confirm, &[&org.name, &self.actor])
    }

    /// New slots for this member around a new seed (for `passphrase` and `code`), a new device
    /// secret on this computer, and the database rekeyed under a new data key sealed to every
    /// member (this computer's old keyring entry is removed when no slot uses it).
    fn new_seed_and_rekey(
        &mut self,
        passphrase: &Passphrase,
        code: &RecoveryCode,
        action: Action,
        mut detail: serde_json::Value,
    ) -> Result<()> {
        let kdf = self.config.kdf_params()?;
        detail["kdf"] = json!(kdf);
        let new_key = Key32::random()?;
        let seed = Seed::random()?;
        let device_secret = Key32::random()?;
        let device_secret_id = Uuid::new_v4();
        let old_device_secret_id = self.my_slots()?.passphrase.device_secret_id;
        // A new keyring entry first: until the switch, the old slots and entry still match.
        self.config
            .device_store
            .put(&device_secret_id, &device_secret)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })?;
        let mut keys = self.keys.clone();
        let me = self.my_slots()?.clone();
        keys.remove_member(me.id);
        keys.add_member(
            &new_key,
            super::keyslots::NewMember {
                id: me.id,
                seed: &seed,
                passphrase,
                device_secret_id,
                device_secret: &device_secret,
                recovery: code,
                kdf,
            },
        )?;
        keys.reseal(&new_key)?;
        keys.bind(&new_key)?;
        self.rekey(new_key, keys, move |tx, actor| {
            audit::append(tx, Utc::now(), actor, action, "vault", &detail).map(drop)
        })?;
        // Best effort: a stale entry unlocks nothing now that the slots are new.
        if !self
            .keys
            .members
            .iter()
            .any(|m| m.passphrase.device_secret_id == old_device_secret_id)
        {
            let _ = self.config.device_store.remove(&old_device_secret_id);
        }
        Ok(())
    }

    /// This session's member's slots.
    fn my_slots(&self) -> Result<&super::keyslots::MemberSlots> {
        self.keys
            .member(self.member)
            .ok_or_else(|| Error::Internal("no key slots for this session".into()))
    }

    /// Re-encrypts the database under `new_key` and puts `keys` (which seal it) in place, with
    /// `write` (the change's own records and audit entry, given the actor) in the re-encrypted
    /// database. See the module documentation.
    pub(super) fn rekey(
        &mut self,
        new_key: Key32,
        keys: KeySlotFile,
        write: impl FnOnce(&Transaction<'_>, &str) -> Result<()>,
    ) -> Result<()> {
        let paths = self.paths.clone();
        let (db_path, db_next, keys_next) = (paths.db(), paths.db_next(), paths.keys_next());
        finish_interrupted_rekey(&paths)?;
        let actor = self.actor.clone();
        let prepared = (|| {
            let mut out = db::open(&db_next, &new_key, keys.cipher, true)?;
            {
                let backup = rusqlite::backup::Backup::new(&self.conn, &mut out)
                    .map_err(|e| Error::sqlite(&db_next, e))?;
                backup
                    .run_to_completion(1024, std::time::Duration::ZERO, None)
                    .map_err(|e| Error::sqlite(&db_next, e))?;
            }
            let tx = out.transaction()?;
            write(&tx, &actor)?;
            tx.commit()?;
            // The new key file anchors the new database's trail (see `anchor.rs`).
            let mut keys = keys.clone();
            if let Some((seq, hash)) = audit::head(&out)? {
                keys.audit_anchor = Some(super::anchor::AuditAnchor::new(
                    keys.vault_id,
                    &new_key,
                    seq,
                    &hash,
                )?);
            }
            out.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
                .map_err(|e| Error::sqlite(&db_next, e))?;
            drop(out);
            std::fs::File::open(&db_next)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&db_next, e))?;
            keys.save(&keys_next)
        })();
        if let Err(e) = prepared {
            remove_next_files(&paths);
            return Err(e);
        }
        // The switch. The old connection's WAL is folded in and closed first, so no stale WAL
        // can ever be read with the new database.
        let switched = (|| {
            self.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(|e| Error::sqlite(&db_path, e))?;
            let old = std::mem::replace(&mut self.conn, rusqlite::Connection::open_in_memory()?);
            old.close().map_err(|(_, e)| Error::sqlite(&db_path, e))?;
            for side in [with_suffix(&db_path, "-wal"), with_suffix(&db_path, "-shm")] {
                match std::fs::remove_file(&side) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(&side, e)),
                }
            }
            std::fs::rename(&db_next, &db_path).map_err(|e| Error::io(&db_path, e))?;
            crate::files::sync_dir(paths.dir())?;
            std::fs::rename(&keys_next, paths.keys()).map_err(|e| Error::io(&paths.keys(), e))?;
            crate::files::sync_dir(paths.dir())
        })();
        // Whatever happened, settle the files and reopen with the key that matches them.
        let settled = finish_interrupted_rekey(&paths);
        let now = KeySlotFile::load(&paths.keys())?;
        let key = if now.binding == keys.binding {
            new_key
        } else {
            self.data_key.clone()
        };
        self.conn = db::open(&db_path, &key, now.cipher, false)?;
        self.data_key = key;
        self.keys = now;
        switched?;
        settled?;
        self.anchor_audit_head()
    }

    /// Checks the passphrase this member typed; returns their seed and this computer's device
    /// secret (with its id), needed to re-wrap their slots.
    fn check_current_passphrase(&self, current: &Passphrase) -> Result<(Seed, Uuid, Key32)> {
        let slots = self.my_slots()?;
        let device_secret_id = slots.passphrase.device_secret_id;
        let device_secret = self
            .config
            .device_store
            .get(&device_secret_id)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })?
            .ok_or(Error::NotThisComputer)?;
        match self
            .keys
            .open_with_passphrase(slots, current, &device_secret)?
        {
            Some(seed) if self.keys.data_key(slots, &seed).as_ref() == Some(&self.data_key) => {
                Ok((seed, device_secret_id, device_secret))
            }
            _ => Err(Error::WrongPassphrase),
        }
    }

    /// After a recovery-code unlock: a new passphrase for this member, and a new device secret
    /// on this computer.
    pub(super) fn reset_passphrase_slot(
        &mut self,
        seed: &Seed,
        new: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<()> {
        self.check_new_passphrase(new, confirm)?;
        let device_secret = Key32::random()?;
        let device_secret_id = Uuid::new_v4();
        // A new keyring entry under a new id: if saving the key file fails, the old slot and its
        // entry still match each other and the recovery code still opens the vault.
        self.config
            .device_store
            .put(&device_secret_id, &device_secret)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })?;
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_passphrase(
            self.member,
            seed,
            new,
            device_secret_id,
            &device_secret,
            kdf,
        )?;
        self.commit_keys(
            keys,
            Action::PassphraseResetAfterRecovery,
            json!({ "kdf": kdf }),
        )
    }

    /// Re-wraps this member's passphrase slot with stronger parameters if it is below today's
    /// floor.
    pub(super) fn strengthen_passphrase_slot(
        &mut self,
        seed: &Seed,
        passphrase: &Passphrase,
        device_secret: &Key32,
    ) -> Result<()> {
        let slots = self.my_slots()?;
        let old = slots.passphrase.kdf;
        let device_secret_id = slots.passphrase.device_secret_id;
        if !old.weaker_than(&self.config.kdf_floor()) {
            return Ok(());
        }
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_passphrase(
            self.member,
            seed,
            passphrase,
            device_secret_id,
            device_secret,
            kdf,
        )?;
        self.commit_keys(
            keys,
            Action::KeySlotStrengthened,
            json!({ "from": old, "to": kdf }),
        )
    }

    /// Binds and saves a new key file, then audits it. The key file is written atomically
    /// first, so a crash in between leaves a working vault with one audit entry missing, never
    /// a vault whose trail describes a key file that does not exist.
    pub(super) fn commit_keys(
        &mut self,
        mut keys: KeySlotFile,
        action: Action,
        detail: serde_json::Value,
    ) -> Result<()> {
        keys.bind(&self.data_key)?;
        keys.save(&self.paths.keys())?;
        self.keys = keys;
        let actor = self.actor.clone();
        self.with_tx(|tx| {
            audit::append(tx, Utc::now(), &actor, action, "vault", &detail)?;
            Ok(())
        })
    }
}

/// Settles a rekey that was interrupted (see the module documentation): rolls forward when the
/// re-encrypted database is already in place, else removes what was prepared.
pub(super) fn finish_interrupted_rekey(paths: &VaultPaths) -> Result<()> {
    let keys_next = paths.keys_next();
    if keys_next.exists() && !paths.db_next().exists() {
        std::fs::rename(&keys_next, paths.keys()).map_err(|e| Error::io(&paths.keys(), e))?;
        crate::files::sync_dir(paths.dir())?;
    } else {
        remove_next_files(paths);
    }
    Ok(())
}

fn remove_next_files(paths: &VaultPaths) {
    let db_next = paths.db_next();
    for p in [
        with_suffix(&db_next, "-wal"),
        with_suffix(&db_next, "-shm"),
        db_next,
        paths.keys_next(),
    ] {
        let _ = std::fs::remove_file(p);
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}
