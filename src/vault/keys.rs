//! Re-wrapping the data key: a passphrase change, a new recovery code, a new passphrase after
//! a recovery-code unlock, and strengthening a slot made with weaker key-derivation settings.
//! Each writes the key-slot file atomically, then audits the change.

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{passphrase_policy, RecoveryCode, Session};
use crate::audit::{self, Action};
use crate::organisation;
use crate::secret::{Key32, Passphrase};
use crate::vault::keyslots::KeySlotFile;
use crate::{Error, Result};

impl Session {
    /// Changes the passphrase: checks the current one, then re-wraps the data key. No database
    /// page is re-encrypted; the recovery code is unchanged.
    pub fn change_passphrase(
        &mut self,
        current: &Passphrase,
        new: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<()> {
        let org = organisation::current(&self.conn)?;
        passphrase_policy::check_new(new, confirm, &[&org.name, &org.dsl_name])?;
        let device_secret = self.check_current_passphrase(current)?;
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_passphrase(
            &self.data_key,
            new,
            keys.passphrase.device_secret_id,
            &device_secret,
            kdf,
        )?;
        self.commit_keys(keys, Action::PassphraseChanged, json!({ "kdf": kdf }))
    }

    /// Replaces the recovery code, once the current passphrase is checked: the old code no
    /// longer opens this vault (backups made before still open with it, as they carry their
    /// own key slots). `code` is a fresh [`RecoveryCode::generate`] the DSL has already written
    /// down and checked.
    pub fn replace_recovery_code(
        &mut self,
        current: &Passphrase,
        code: &RecoveryCode,
    ) -> Result<()> {
        self.check_current_passphrase(current)?;
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_recovery(&self.data_key, code, kdf)?;
        self.commit_keys(keys, Action::RecoveryCodeReplaced, json!({ "kdf": kdf }))
    }

    /// Checks the passphrase the DSL typed against this vault; returns this computer's device
    /// secret, needed to re-wrap the passphrase slot.
    fn check_current_passphrase(&self, current: &Passphrase) -> Result<Key32> {
        let device_secret = self
            .config
            .device_store
            .get(&self.keys.passphrase.device_secret_id)
            .map_err(|e| Error::KeyringUnavailable { detail: e.0 })?
            .ok_or(Error::NotThisComputer)?;
        match self.keys.open_with_passphrase(current, &device_secret)? {
            Some(k) if k == self.data_key => Ok(device_secret),
            _ => Err(Error::WrongPassphrase),
        }
    }

    /// After a recovery-code unlock: new passphrase, new device secret on this computer.
    pub(super) fn reset_passphrase_slot(
        &mut self,
        new: &Passphrase,
        confirm: &Passphrase,
    ) -> Result<()> {
        let org = organisation::current(&self.conn)?;
        passphrase_policy::check_new(new, confirm, &[&org.name, &org.dsl_name])?;
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
        keys.rewrap_passphrase(&self.data_key, new, device_secret_id, &device_secret, kdf)?;
        self.commit_keys(
            keys,
            Action::PassphraseResetAfterRecovery,
            json!({ "kdf": kdf }),
        )
    }

    /// Re-wraps the passphrase slot with stronger parameters if it is below today's floor.
    pub(super) fn strengthen_passphrase_slot(
        &mut self,
        passphrase: &Passphrase,
        device_secret: &Key32,
    ) -> Result<()> {
        let old = self.keys.passphrase.kdf;
        if !old.weaker_than(&self.config.kdf_floor()) {
            return Ok(());
        }
        let kdf = self.config.kdf_params()?;
        let mut keys = self.keys.clone();
        keys.rewrap_passphrase(
            &self.data_key,
            passphrase,
            keys.passphrase.device_secret_id,
            device_secret,
            kdf,
        )?;
        self.commit_keys(
            keys,
            Action::KeySlotStrengthened,
            json!({ "from": old, "to": kdf }),
        )
    }

    /// Saves a new key file, then audits it. The key file is written atomically first, so a
    /// crash in between leaves a working vault with one audit entry missing, never a vault
    /// whose trail describes a key file that does not exist.
    fn commit_keys(
        &mut self,
        keys: KeySlotFile,
        action: Action,
        detail: serde_json::Value,
    ) -> Result<()> {
        keys.save(&self.paths.keys())?;
        self.keys = keys;
        let actor = self.actor.clone();
        self.with_tx(|tx| {
            audit::append(tx, Utc::now(), &actor, action, "vault", &detail)?;
            Ok(())
        })
    }
}
