//! The key-slot file beside the database (like LUKS): the random data key, wrapped with
//! XChaCha20-Poly1305 under keys derived from
//! - the passphrase mixed with this computer's device secret (passphrase slot), and
//! - the recovery code alone (recovery slot), which opens the vault on any computer.
//!
//! The file holds no record data and nothing that identifies the organisation: only a random
//! vault id, KDF parameters, salts, nonces and ciphertexts. Each slot's AEAD additional data
//! binds it to this vault id and slot kind, so slots cannot be swapped between files.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::db::CipherProfile;
use super::kdf::{self, KdfParams};
use super::recovery::RecoveryCode;
use crate::files::write_atomic;
use crate::secret::{fill_random, Key32, Passphrase};
use crate::{Error, Result};

/// The file format version this build writes and reads.
pub const FORMAT: u32 = 1;

/// The whole key-slot file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeySlotFile {
    pub format: u32,
    pub vault_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub passphrase: PassphraseSlot,
    pub recovery: RecoverySlot,
    /// How the database is encrypted; absent in files written before it was recorded.
    #[serde(default)]
    pub cipher: CipherProfile,
    /// The audit trail's head at the last unlock or lock (see `anchor.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<super::anchor::AuditAnchor>,
}

/// The data key under Argon2id(passphrase, salt, secret = device secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassphraseSlot {
    pub kdf: KdfParams,
    /// Which keyring entry holds the device secret. A reset makes a new entry under a new id,
    /// so a crash half-way never leaves the slot and the keyring disagreeing.
    pub device_secret_id: Uuid,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    /// SHA-256 of the device secret (with a label), so "made on another computer" can be told
    /// apart from "wrong passphrase". The secret is 256 random bits: its hash reveals nothing.
    pub device_check: String,
    pub wrapped: Wrapped,
}

/// The data key under Argon2id(recovery code, salt).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecoverySlot {
    pub kdf: KdfParams,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    pub wrapped: Wrapped,
}

/// An AEAD ciphertext and its nonce.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Wrapped {
    #[serde(with = "b64")]
    pub nonce: Vec<u8>,
    #[serde(with = "b64")]
    pub ciphertext: Vec<u8>,
}

#[derive(Clone, Copy)]
enum SlotKind {
    Passphrase,
    Recovery,
}

impl KeySlotFile {
    /// Builds a fresh file for a new vault.
    pub fn create(
        vault_id: Uuid,
        device_secret_id: Uuid,
        data_key: &Key32,
        passphrase: &Passphrase,
        device_secret: &Key32,
        recovery: &RecoveryCode,
        kdf: KdfParams,
    ) -> Result<Self> {
        Ok(KeySlotFile {
            format: FORMAT,
            vault_id,
            created_at: Utc::now(),
            passphrase: PassphraseSlot::seal(
                vault_id,
                data_key,
                passphrase,
                device_secret_id,
                device_secret,
                kdf,
            )?,
            recovery: RecoverySlot::seal(vault_id, data_key, recovery, kdf)?,
            cipher: CipherProfile::NEW_VAULTS,
            audit_anchor: None,
        })
    }

    /// Reads and checks the file. Anything unreadable is a [`Error::DamagedKeyFile`] naming it.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let damaged = |detail: String| Error::DamagedKeyFile {
            path: path.to_path_buf(),
            detail,
        };
        let file: KeySlotFile =
            serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        file.check().map_err(damaged)?;
        Ok(file)
    }

    /// Checks what was read from a file (the vault's key file or a backup's) is shaped as
    /// Casebook writes it, before any of it is used: the format, the sizes of salts, nonces and
    /// wrapped keys, and key-derivation costs within [`KdfParams::check`]'s bounds.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "format {} is not one this version of Casebook reads",
                self.format
            ));
        }
        for (name, kdf, salt, w) in [
            (
                "passphrase",
                &self.passphrase.kdf,
                &self.passphrase.salt,
                &self.passphrase.wrapped,
            ),
            (
                "recovery",
                &self.recovery.kdf,
                &self.recovery.salt,
                &self.recovery.wrapped,
            ),
        ] {
            if w.nonce.len() != 24 || w.ciphertext.len() != 48 || salt.len() != 16 {
                return Err(format!("the {name} slot has the wrong size"));
            }
            kdf.check()
                .map_err(|why| format!("the {name} slot {why}"))?;
        }
        Ok(())
    }

    /// Writes the file atomically with owner-only permissions.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("key file: {e}")))?;
        write_atomic(path, &json)
    }

    /// Whether `device_secret` is the one this vault's passphrase slot was made with.
    pub fn device_matches(&self, device_secret: &Key32) -> bool {
        device_check(self.vault_id, device_secret) == self.passphrase.device_check
    }

    /// Unwraps the data key with the passphrase. `None` means the passphrase is wrong.
    pub fn open_with_passphrase(
        &self,
        passphrase: &Passphrase,
        device_secret: &Key32,
    ) -> Result<Option<Key32>> {
        let slot = &self.passphrase;
        let kek = kdf::derive(
            passphrase.expose().as_bytes(),
            &slot.salt,
            Some(device_secret),
            &slot.kdf,
        )?;
        Ok(unwrap(
            &kek,
            &slot.wrapped,
            self.vault_id,
            SlotKind::Passphrase,
        ))
    }

    /// Unwraps the data key with the recovery code. `None` means the code is wrong.
    pub fn open_with_recovery(&self, code: &RecoveryCode) -> Result<Option<Key32>> {
        let slot = &self.recovery;
        let kek = kdf::derive(code.kdf_input(), &slot.salt, None, &slot.kdf)?;
        Ok(unwrap(
            &kek,
            &slot.wrapped,
            self.vault_id,
            SlotKind::Recovery,
        ))
    }

    /// Replaces the passphrase slot (new passphrase, new device secret or stronger KDF):
    /// the data key is re-wrapped; no database page changes.
    pub fn rewrap_passphrase(
        &mut self,
        data_key: &Key32,
        passphrase: &Passphrase,
        device_secret_id: Uuid,
        device_secret: &Key32,
        kdf: KdfParams,
    ) -> Result<()> {
        self.passphrase = PassphraseSlot::seal(
            self.vault_id,
            data_key,
            passphrase,
            device_secret_id,
            device_secret,
            kdf,
        )?;
        Ok(())
    }

    /// Replaces the recovery slot with one for a new recovery code; no database page changes.
    pub fn rewrap_recovery(
        &mut self,
        data_key: &Key32,
        code: &RecoveryCode,
        kdf: KdfParams,
    ) -> Result<()> {
        self.recovery = RecoverySlot::seal(self.vault_id, data_key, code, kdf)?;
        Ok(())
    }
}

impl PassphraseSlot {
    fn seal(
        vault_id: Uuid,
        data_key: &Key32,
        passphrase: &Passphrase,
        device_secret_id: Uuid,
        device_secret: &Key32,
        kdf: KdfParams,
    ) -> Result<Self> {
        let salt = random_vec(16)?;
        let kek = kdf::derive(
            passphrase.expose().as_bytes(),
            &salt,
            Some(device_secret),
            &kdf,
        )?;
        Ok(PassphraseSlot {
            kdf,
            device_secret_id,
            salt,
            device_check: device_check(vault_id, device_secret),
            wrapped: wrap(&kek, data_key, vault_id, SlotKind::Passphrase)?,
        })
    }
}

impl RecoverySlot {
    fn seal(vault_id: Uuid, data_key: &Key32, code: &RecoveryCode, kdf: KdfParams) -> Result<Self> {
        let salt = random_vec(16)?;
        let kek = kdf::derive(code.kdf_input(), &salt, None, &kdf)?;
        Ok(RecoverySlot {
            kdf,
            salt,
            wrapped: wrap(&kek, data_key, vault_id, SlotKind::Recovery)?,
        })
    }
}

fn aad(vault_id: Uuid, kind: SlotKind) -> String {
    let kind = match kind {
        SlotKind::Passphrase => "passphrase",
        SlotKind::Recovery => "recovery",
    };
    format!("casebook key slot v{FORMAT}|{vault_id}|{kind}")
}

fn device_check(vault_id: Uuid, secret: &Key32) -> String {
    let mut h = Sha256::new();
    h.update(b"casebook device check v1|");
    h.update(vault_id.as_bytes());
    h.update(secret.expose());
    hex::encode(h.finalize())
}

fn wrap(kek: &Key32, data_key: &Key32, vault_id: Uuid, kind: SlotKind) -> Result<Wrapped> {
    let cipher = XChaCha20Poly1305::new(kek.expose().into());
    let nonce = random_vec(24)?;
    let aad = aad(vault_id, kind);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: data_key.expose(),
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Error::Internal("could not seal the key slot".into()))?;
    Ok(Wrapped { nonce, ciphertext })
}

fn unwrap(kek: &Key32, w: &Wrapped, vault_id: Uuid, kind: SlotKind) -> Option<Key32> {
    let cipher = XChaCha20Poly1305::new(kek.expose().into());
    let aad = aad(vault_id, kind);
    let plain = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&w.nonce),
                Payload {
                    msg: &w.ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .ok()?,
    );
    Key32::from_slice(&plain)
}

fn random_vec(len: usize) -> Result<Vec<u8>> {
    let mut v = vec![0u8; len];
    fill_random(&mut v)?;
    Ok(v)
}

mod b64 {
    use super::{Engine, B64};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s.as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (KeySlotFile, Key32, Key32, RecoveryCode) {
        let data_key = Key32::random().unwrap();
        let device = Key32::random().unwrap();
        let code = RecoveryCode::generate().unwrap();
        let file = KeySlotFile::create(
            Uuid::new_v4(),
            Uuid::new_v4(),
            &data_key,
            &Passphrase::new("lantern orbit mossy kettle"),
            &device,
            &code,
            KdfParams::INSECURE_FOR_TESTS,
        )
        .unwrap();
        (file, data_key, device, code)
    }

    #[test]
    fn both_slots_open_and_wrong_secrets_do_not() {
        let (file, key, device, code) = sample();
        let good = Passphrase::new("lantern orbit mossy kettle");
        assert_eq!(
            file.open_with_passphrase(&good, &device).unwrap(),
            Some(key.clone())
        );
        assert_eq!(file.open_with_recovery(&code).unwrap(), Some(key));
        let bad = Passphrase::new("lantern orbit mossy kettles");
        assert_eq!(file.open_with_passphrase(&bad, &device).unwrap(), None);
        let other_device = Key32::random().unwrap();
        assert!(!file.device_matches(&other_device));
        assert!(file.device_matches(&device));
        assert_eq!(
            file.open_with_passphrase(&good, &other_device).unwrap(),
            None
        );
        let other_code = RecoveryCode::generate().unwrap();
        assert_eq!(file.open_with_recovery(&other_code).unwrap(), None);
    }

    #[test]
    fn slots_cannot_be_moved_to_another_vault() {
        let (mut file, _key, device, _code) = sample();
        file.vault_id = Uuid::new_v4();
        let good = Passphrase::new("lantern orbit mossy kettle");
        assert_eq!(file.open_with_passphrase(&good, &device).unwrap(), None);
    }

    #[test]
    fn the_file_holds_no_key_material_in_clear() {
        let (file, key, device, code) = sample();
        let json = serde_json::to_string(&file).unwrap();
        assert!(!json.contains(key.to_hex().as_str()));
        assert!(!json.contains(device.to_hex().as_str()));
        assert!(!json.contains(&code.display_grouped()));
    }
}
