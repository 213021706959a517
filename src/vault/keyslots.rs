//! The key-slot file beside the database (like a LUKS header), for a safeguarding team.
//!
//! Each member of the team has a random 256-bit **seed**, wrapped with XChaCha20-Poly1305 twice:
//! under a key derived from their passphrase mixed with this computer's device secret
//! (passphrase slot), and under one derived from their recovery code alone (recovery slot,
//! which opens the vault on any computer). The seed derives the member's X25519 key pair (HPKE's
//! `DeriveKeyPair`, RFC 9180 §7.1.3), and the random **data key** that encrypts the database is
//! sealed to each member's public key with HPKE. So unlocking costs one key derivation whatever
//! the number of members, and the data key can be replaced (after a member is removed) and
//! sealed to everyone who remains without knowing their passphrases.
//!
//! The file holds no record data and names nobody: a random vault id, the members' random ids,
//! KDF parameters, salts, nonces, public keys and ciphertexts (the names the unlock screen lists
//! are kept in this computer's keyring: `members.rs`). A **binding** MAC under the data key
//! covers everything except the audit anchor (which has its own MAC), so a slot added, removed
//! or swapped outside Casebook is refused at unlock.
//!
//! Format 1 (one passphrase slot and one recovery slot wrapping the data key itself) is read
//! for vaults made before the team: its data key becomes the first member's seed, and the
//! vault is then rekeyed under a new data key (see `members.rs`), so the seed is never a key
//! that later members know.

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
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

/// The file format this build writes.
pub const FORMAT: u32 = 2;

/// The most members a vault holds: the DSL and up to eight others.
pub const MAX_MEMBERS: usize = 9;

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Cipher = hpke::aead::ChaCha20Poly1305;

/// The whole key-slot file. Unknown fields are refused: a file Casebook did not write is not
/// read as if it had.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySlotFile {
    pub format: u32,
    pub vault_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// How the database is encrypted; absent in files written before it was recorded.
    #[serde(default)]
    pub cipher: CipherProfile,
    /// The team, in the order they were added. Format 1 files hold one, with no id until the
    /// first unlock upgrades them.
    pub members: Vec<MemberSlots>,
    /// HMAC-SHA256 under the data key of everything above (see [`KeySlotFile::bind`]); empty
    /// in a format 1 file.
    #[serde(default)]
    pub binding: String,
    /// The audit trail's head at the last unlock or lock (see `anchor.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_anchor: Option<super::anchor::AuditAnchor>,
}

/// One member's slots.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSlots {
    pub id: Uuid,
    /// The member's X25519 public key, derived from their seed.
    #[serde(with = "b64")]
    pub public_key: Vec<u8>,
    /// The data key sealed to `public_key` (HPKE base mode).
    pub data_key: Sealed,
    pub passphrase: PassphraseSlot,
    pub recovery: RecoverySlot,
}

/// The member's seed under Argon2id(passphrase, salt, secret = device secret).
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

/// The member's seed under Argon2id(recovery code, salt).
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

/// An HPKE ciphertext: the encapsulated key and the sealed data key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Sealed {
    #[serde(with = "b64")]
    pub enc: Vec<u8>,
    #[serde(with = "b64")]
    pub ciphertext: Vec<u8>,
}

/// The format 1 file, as vaults made before the team have it.
#[derive(Deserialize)]
struct FormatOne {
    vault_id: Uuid,
    created_at: DateTime<Utc>,
    passphrase: PassphraseSlot,
    recovery: RecoverySlot,
    #[serde(default)]
    cipher: CipherProfile,
    #[serde(default)]
    audit_anchor: Option<super::anchor::AuditAnchor>,
}

#[derive(Clone, Copy)]
enum SlotKind {
    Passphrase,
    Recovery,
}

/// A member's seed, unwrapped: it derives their key pair. Zeroed on drop.
pub struct Seed(Key32);

impl Seed {
    /// A new random seed, for a new member (or a member's new recovery code).
    pub fn random() -> Result<Self> {
        Ok(Seed(Key32::random()?))
    }

    fn keypair(
        &self,
    ) -> (
        <Kem as hpke::Kem>::PrivateKey,
        <Kem as hpke::Kem>::PublicKey,
    ) {
        Kem::derive_keypair(self.0.expose())
    }

    /// The public key this seed derives.
    pub fn public_key(&self) -> Vec<u8> {
        self.keypair().1.to_bytes().to_vec()
    }
}

/// What a new member's slots are made from.
pub struct NewMember<'a> {
    pub id: Uuid,
    pub seed: &'a Seed,
    pub passphrase: &'a Passphrase,
    pub device_secret_id: Uuid,
    pub device_secret: &'a Key32,
    pub recovery: &'a RecoveryCode,
    pub kdf: KdfParams,
}

impl KeySlotFile {
    /// A file with no members yet, for a new vault (add the first with [`Self::add_member`],
    /// then [`Self::bind`]).
    pub fn empty(vault_id: Uuid, cipher: CipherProfile) -> Self {
        KeySlotFile {
            format: FORMAT,
            vault_id,
            created_at: Utc::now(),
            cipher,
            members: Vec::new(),
            binding: String::new(),
            audit_anchor: None,
        }
    }

    /// Whether this is a format 1 file, to be upgraded at the first unlock.
    pub fn is_format_one(&self) -> bool {
        self.format == 1
    }

    /// Reads and checks the file. Anything unreadable is a [`Error::DamagedKeyFile`] naming it.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = crate::files::read_regular(path, 1024 * 1024).map_err(|e| match e {
            Error::Io { .. } if !path.exists() => e,
            other => Error::DamagedKeyFile {
                path: path.to_path_buf(),
                detail: other.to_string(),
            },
        })?;
        Self::from_slice(&bytes).map_err(|detail| Error::DamagedKeyFile {
            path: path.to_path_buf(),
            detail,
        })
    }

    /// Parses and checks a key file's bytes (the vault's, or a backup's).
    pub fn from_slice(bytes: &[u8]) -> std::result::Result<Self, String> {
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let format = serde_json::from_slice::<Format>(bytes)
            .map_err(|e| e.to_string())?
            .format;
        let file = match format {
            1 => {
                let old: FormatOne = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
                KeySlotFile {
                    format: 1,
                    vault_id: old.vault_id,
                    created_at: old.created_at,
                    cipher: old.cipher,
                    members: vec![MemberSlots {
                        id: Uuid::nil(),
                        public_key: Vec::new(),
                        data_key: Sealed::default(),
                        passphrase: old.passphrase,
                        recovery: old.recovery,
                    }],
                    binding: String::new(),
                    audit_anchor: old.audit_anchor,
                }
            }
            FORMAT => serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
            other => {
                return Err(format!(
                    "format {other} is not one this version of Casebook reads"
                ))
            }
        };
        file.check()?;
        Ok(file)
    }

    /// Checks what was read is shaped as Casebook writes it, before any of it is used: the
    /// members (at least one, at most [`MAX_MEMBERS`], distinct ids), the sizes of
    /// salts, nonces, keys and ciphertexts, and key-derivation costs within
    /// [`KdfParams::check`]'s bounds.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.members.is_empty() || self.members.len() > MAX_MEMBERS {
            return Err(format!("it lists {} members", self.members.len()));
        }
        for (i, m) in self.members.iter().enumerate() {
            let earlier = &self.members[..i];
            if self.format == FORMAT {
                if earlier.iter().any(|e| e.id == m.id) {
                    return Err("a member is listed twice".into());
                }
                if m.public_key.len() != 32 || m.data_key.enc.len() != 32 {
                    return Err("a member's public key has the wrong size".into());
                }
                if m.data_key.ciphertext.len() != 48 {
                    return Err("a member's sealed key has the wrong size".into());
                }
            }
            for (slot, kdf, salt, w) in [
                (
                    "passphrase",
                    &m.passphrase.kdf,
                    &m.passphrase.salt,
                    &m.passphrase.wrapped,
                ),
                (
                    "recovery",
                    &m.recovery.kdf,
                    &m.recovery.salt,
                    &m.recovery.wrapped,
                ),
            ] {
                if w.nonce.len() != 24 || w.ciphertext.len() != 48 || salt.len() != 16 {
                    return Err(format!("the {slot} slot has the wrong size"));
                }
                kdf.check()
                    .map_err(|why| format!("the {slot} slot {why}"))?;
            }
        }
        Ok(())
    }

    /// Writes the file atomically with owner-only permissions.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Internal(format!("key file: {e}")))?;
        write_atomic(path, &json)
    }

    /// The member with this id.
    pub fn member(&self, id: Uuid) -> Option<&MemberSlots> {
        self.members.iter().find(|m| m.id == id)
    }

    fn member_mut(&mut self, id: Uuid) -> Result<&mut MemberSlots> {
        self.members
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::Internal(format!("no key slots for member {id}")))
    }

    /// Adds a member's slots, with the data key sealed to them. Call [`Self::bind`] after.
    pub fn add_member(&mut self, data_key: &Key32, new: NewMember<'_>) -> Result<()> {
        let passphrase = PassphraseSlot::seal(
            self.vault_id,
            new.seed,
            new.passphrase,
            new.device_secret_id,
            new.device_secret,
            new.kdf,
        )?;
        let recovery = RecoverySlot::seal(self.vault_id, new.seed, new.recovery, new.kdf)?;
        let public_key = new.seed.public_key();
        let data_key = seal_data_key(self.vault_id, new.id, &public_key, data_key)?;
        self.members.push(MemberSlots {
            id: new.id,
            public_key,
            data_key,
            passphrase,
            recovery,
        });
        Ok(())
    }

    /// Removes a member's slots. Their copy of the data key goes with them, but they may have
    /// kept it: replace the data key after ([`Self::reseal`]).
    pub fn remove_member(&mut self, id: Uuid) {
        self.members.retain(|m| m.id != id);
    }

    /// Seals `data_key` to every member (after the data key is replaced). Call [`Self::bind`].
    pub fn reseal(&mut self, data_key: &Key32) -> Result<()> {
        let vault_id = self.vault_id;
        for m in &mut self.members {
            m.data_key = seal_data_key(vault_id, m.id, &m.public_key, data_key)?;
        }
        Ok(())
    }

    /// Upgrades a format 1 file, once it was opened: the one member gets `id`, its public key
    /// from the seed (the old data key), and `data_key` (a new one) sealed to it.
    pub fn upgrade(&mut self, id: Uuid, seed: &Seed, data_key: &Key32) -> Result<()> {
        if !self.is_format_one() {
            return Ok(());
        }
        let vault_id = self.vault_id;
        let m = self
            .members
            .first_mut()
            .ok_or_else(|| Error::Internal("a format 1 key file with no slot".into()))?;
        m.id = id;
        m.public_key = seed.public_key();
        m.data_key = seal_data_key(vault_id, id, &m.public_key, data_key)?;
        self.format = FORMAT;
        Ok(())
    }

    /// Computes the binding MAC under `data_key`: call after any change to the members.
    pub fn bind(&mut self, data_key: &Key32) -> Result<()> {
        self.binding = hex::encode(self.binding_mac(data_key)?.finalize().into_bytes());
        Ok(())
    }

    /// Whether the binding MAC checks under `data_key`: no slot was added, removed or changed
    /// outside Casebook.
    pub fn binding_checks(&self, data_key: &Key32) -> bool {
        let Ok(mac) = self.binding_mac(data_key) else {
            return false;
        };
        hex::decode(&self.binding).is_ok_and(|expected| mac.verify_slice(&expected).is_ok())
    }

    fn binding_mac(&self, data_key: &Key32) -> Result<Hmac<Sha256>> {
        #[derive(Serialize)]
        struct Bound<'a> {
            format: u32,
            vault_id: Uuid,
            created_at: &'a DateTime<Utc>,
            cipher: CipherProfile,
            members: &'a [MemberSlots],
        }
        let bound = serde_json::to_vec(&Bound {
            format: self.format,
            vault_id: self.vault_id,
            created_at: &self.created_at,
            cipher: self.cipher,
            members: &self.members,
        })
        .map_err(|e| Error::Internal(format!("key file: {e}")))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(data_key.expose())
            .map_err(|_| Error::Internal("binding key".into()))?;
        mac.update(b"casebook key file binding v2|");
        mac.update(&bound);
        Ok(mac)
    }

    /// Whether `device_secret` is the one `member`'s passphrase slot was made with.
    pub fn device_matches(&self, member: &MemberSlots, device_secret: &Key32) -> bool {
        device_check(self.vault_id, device_secret) == member.passphrase.device_check
    }

    /// Unwraps `member`'s seed with their passphrase. `None` means the passphrase is wrong.
    pub fn open_with_passphrase(
        &self,
        member: &MemberSlots,
        passphrase: &Passphrase,
        device_secret: &Key32,
    ) -> Result<Option<Seed>> {
        let slot = &member.passphrase;
        let kek = kdf::derive(
            passphrase.expose().as_bytes(),
            &slot.salt,
            Some(device_secret),
            &slot.kdf,
        )?;
        Ok(unwrap(&kek, &slot.wrapped, self.vault_id, SlotKind::Passphrase).map(Seed))
    }

    /// Unwraps `member`'s seed with their recovery code. `None` means the code is wrong.
    pub fn open_with_recovery(
        &self,
        member: &MemberSlots,
        code: &RecoveryCode,
    ) -> Result<Option<Seed>> {
        let slot = &member.recovery;
        let kek = kdf::derive(code.kdf_input(), &slot.salt, None, &slot.kdf)?;
        Ok(unwrap(&kek, &slot.wrapped, self.vault_id, SlotKind::Recovery).map(Seed))
    }

    /// The data key, from a member's unwrapped seed. In a format 1 file the seed is the data
    /// key. `None` when the seed does not open the member's sealed key (the file was changed).
    pub fn data_key(&self, member: &MemberSlots, seed: &Seed) -> Option<Key32> {
        if self.is_format_one() {
            return Some(seed.0.clone());
        }
        let (private, public) = seed.keypair();
        if public.to_bytes().as_slice() != member.public_key.as_slice() {
            return None;
        }
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&member.data_key.enc).ok()?;
        let plain = Zeroizing::new(
            hpke::single_shot_open::<Cipher, Kdf, Kem>(
                &OpModeR::Base,
                &private,
                &enc,
                &info(self.vault_id, member.id),
                &member.data_key.ciphertext,
                b"",
            )
            .ok()?,
        );
        Key32::from_slice(&plain)
    }

    /// Replaces `member`'s passphrase slot (new passphrase, new device secret or stronger
    /// KDF): the seed is re-wrapped; nothing else changes. Call [`Self::bind`] after.
    pub fn rewrap_passphrase(
        &mut self,
        member: Uuid,
        seed: &Seed,
        passphrase: &Passphrase,
        device_secret_id: Uuid,
        device_secret: &Key32,
        kdf: KdfParams,
    ) -> Result<()> {
        let vault_id = self.vault_id;
        self.member_mut(member)?.passphrase = PassphraseSlot::seal(
            vault_id,
            seed,
            passphrase,
            device_secret_id,
            device_secret,
            kdf,
        )?;
        Ok(())
    }
}

/// HPKE's `info`: binds a sealed data key to this vault and member.
fn info(vault_id: Uuid, member: Uuid) -> Vec<u8> {
    format!("casebook data key v{FORMAT}|{vault_id}|{member}").into_bytes()
}

fn seal_data_key(
    vault_id: Uuid,
    member: Uuid,
    public_key: &[u8],
    data_key: &Key32,
) -> Result<Sealed> {
    let public = <Kem as hpke::Kem>::PublicKey::from_bytes(public_key)
        .map_err(|_| Error::Internal("a member's public key does not parse".into()))?;
    let (enc, ciphertext) = hpke::single_shot_seal::<Cipher, Kdf, Kem, _>(
        &OpModeS::Base,
        &public,
        &info(vault_id, member),
        data_key.expose(),
        b"",
        &mut rand_core::OsRng,
    )
    .map_err(|_| Error::Internal("could not seal the data key".into()))?;
    Ok(Sealed {
        enc: enc.to_bytes().to_vec(),
        ciphertext,
    })
}

impl PassphraseSlot {
    fn seal(
        vault_id: Uuid,
        seed: &Seed,
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
            wrapped: wrap(&kek, &seed.0, vault_id, SlotKind::Passphrase)?,
        })
    }
}

impl RecoverySlot {
    fn seal(vault_id: Uuid, seed: &Seed, code: &RecoveryCode, kdf: KdfParams) -> Result<Self> {
        let salt = random_vec(16)?;
        let kek = kdf::derive(code.kdf_input(), &salt, None, &kdf)?;
        Ok(RecoverySlot {
            kdf,
            salt,
            wrapped: wrap(&kek, &seed.0, vault_id, SlotKind::Recovery)?,
        })
    }
}

/// The slots' additional data (unchanged since format 1, whose slots are kept as they are):
/// binds a slot to this vault and its kind; the binding MAC binds it to its member.
fn aad(vault_id: Uuid, kind: SlotKind) -> String {
    let kind = match kind {
        SlotKind::Passphrase => "passphrase",
        SlotKind::Recovery => "recovery",
    };
    format!("casebook key slot v1|{vault_id}|{kind}")
}

fn device_check(vault_id: Uuid, secret: &Key32) -> String {
    let mut h = Sha256::new();
    h.update(b"casebook device check v1|");
    h.update(vault_id.as_bytes());
    h.update(secret.expose());
    hex::encode(h.finalize())
}

fn wrap(kek: &Key32, secret: &Key32, vault_id: Uuid, kind: SlotKind) -> Result<Wrapped> {
    let cipher = XChaCha20Poly1305::new(kek.expose().into());
    let nonce = random_vec(24)?;
    let aad = aad(vault_id, kind);
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: secret.expose(),
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

    struct Sample {
        file: KeySlotFile,
        data_key: Key32,
        device: Key32,
        code: RecoveryCode,
        dsl: Uuid,
    }

    fn pass() -> Passphrase {
        Passphrase::new("lantern orbit mossy kettle")
    }

    fn sample() -> Sample {
        let data_key = Key32::random().unwrap();
        let device = Key32::random().unwrap();
        let code = RecoveryCode::generate().unwrap();
        let mut file = KeySlotFile::empty(Uuid::new_v4(), CipherProfile::NEW_VAULTS);
        let dsl = Uuid::new_v4();
        file.add_member(
            &data_key,
            NewMember {
                id: dsl,
                seed: &Seed::random().unwrap(),
                passphrase: &pass(),
                device_secret_id: Uuid::new_v4(),
                device_secret: &device,
                recovery: &code,
                kdf: KdfParams::INSECURE_FOR_TESTS,
            },
        )
        .unwrap();
        file.bind(&data_key).unwrap();
        Sample {
            file,
            data_key,
            device,
            code,
            dsl,
        }
    }

    fn reload(file: &KeySlotFile) -> KeySlotFile {
        KeySlotFile::from_slice(&serde_json::to_vec(file).unwrap()).unwrap()
    }

    #[test]
    fn both_slots_open_the_data_key_and_wrong_secrets_do_not() {
        let s = sample();
        let file = reload(&s.file);
        assert!(file.binding_checks(&s.data_key));
        let m = file.member(s.dsl).unwrap();
        let seed = file
            .open_with_passphrase(m, &pass(), &s.device)
            .unwrap()
            .unwrap();
        assert_eq!(file.data_key(m, &seed), Some(s.data_key.clone()));
        let seed = file.open_with_recovery(m, &s.code).unwrap().unwrap();
        assert_eq!(file.data_key(m, &seed), Some(s.data_key.clone()));
        let bad = Passphrase::new("lantern orbit mossy kettles");
        assert!(file
            .open_with_passphrase(m, &bad, &s.device)
            .unwrap()
            .is_none());
        let other_device = Key32::random().unwrap();
        assert!(!file.device_matches(m, &other_device));
        assert!(file
            .open_with_passphrase(m, &pass(), &other_device)
            .unwrap()
            .is_none());
        let other_code = RecoveryCode::generate().unwrap();
        assert!(file.open_with_recovery(m, &other_code).unwrap().is_none());
    }

    #[test]
    fn a_resealed_key_opens_for_those_who_remain_only() {
        let mut s = sample();
        let deputy = Uuid::new_v4();
        let deputy_seed = Seed::random().unwrap();
        s.file
            .add_member(
                &s.data_key,
                NewMember {
                    id: deputy,
                    seed: &deputy_seed,
                    passphrase: &Passphrase::new("harbour velvet cinder plume"),
                    device_secret_id: Uuid::new_v4(),
                    device_secret: &s.device,
                    recovery: &RecoveryCode::generate().unwrap(),
                    kdf: KdfParams::INSECURE_FOR_TESTS,
                },
            )
            .unwrap();
        let old = s.file.clone();
        let new_key = Key32::random().unwrap();
        s.file.remove_member(deputy);
        s.file.reseal(&new_key).unwrap();
        s.file.bind(&new_key).unwrap();
        let dsl = s.file.member(s.dsl).unwrap();
        let seed = s
            .file
            .open_with_passphrase(dsl, &pass(), &s.device)
            .unwrap()
            .unwrap();
        assert_eq!(s.file.data_key(dsl, &seed), Some(new_key.clone()));
        // The removed deputy's old slot still gives the old key, which is no longer the key.
        let gone = old.member(deputy).unwrap();
        assert_eq!(old.data_key(gone, &deputy_seed), Some(s.data_key.clone()));
        assert_ne!(s.data_key, new_key);
        // Put back into the new file, their slots fail the binding.
        let mut forged = s.file.clone();
        forged.members.push(gone.clone());
        assert!(!forged.binding_checks(&new_key));
    }

    #[test]
    fn any_change_outside_casebook_breaks_the_binding() {
        let s = sample();
        let mut renumbered = s.file.clone();
        renumbered.members[0].id = Uuid::new_v4();
        assert!(!renumbered.binding_checks(&s.data_key));
        let mut moved = s.file.clone();
        moved.vault_id = Uuid::new_v4();
        assert!(!moved.binding_checks(&s.data_key));
        // A slot from another vault's file does not unwrap here.
        let other = sample();
        let mut swapped = s.file.clone();
        swapped.members[0].passphrase = other.file.members[0].passphrase.clone();
        let m = &swapped.members[0];
        assert!(swapped
            .open_with_passphrase(m, &pass(), &other.device)
            .unwrap()
            .is_none());
        // An anchor is not bound (it has its own MAC), so refreshing it needs no re-binding.
        let mut anchored = s.file.clone();
        anchored.audit_anchor = Some(
            crate::vault::anchor::AuditAnchor::new(s.file.vault_id, &s.data_key, 3, "ab").unwrap(),
        );
        assert!(reload(&anchored).binding_checks(&s.data_key));
    }

    #[test]
    fn a_format_one_file_opens_and_upgrades() {
        let data_key = Key32::random().unwrap();
        let device = Key32::random().unwrap();
        let vault_id = Uuid::new_v4();
        let old_seed = Seed(data_key.clone());
        let json = serde_json::json!({
            "format": 1,
            "vault_id": vault_id,
            "created_at": Utc::now(),
            "passphrase": PassphraseSlot::seal(vault_id, &old_seed, &pass(), Uuid::new_v4(), &device, KdfParams::INSECURE_FOR_TESTS).unwrap(),
            "recovery": RecoverySlot::seal(vault_id, &old_seed, &RecoveryCode::generate().unwrap(), KdfParams::INSECURE_FOR_TESTS).unwrap(),
        });
        let mut file = KeySlotFile::from_slice(&serde_json::to_vec(&json).unwrap()).unwrap();
        assert!(file.is_format_one());
        let m = file.members[0].clone();
        let seed = file
            .open_with_passphrase(&m, &pass(), &device)
            .unwrap()
            .unwrap();
        assert_eq!(file.data_key(&m, &seed), Some(data_key.clone()));
        let new_key = Key32::random().unwrap();
        let id = Uuid::new_v4();
        file.upgrade(id, &seed, &new_key).unwrap();
        file.bind(&new_key).unwrap();
        let file = reload(&file);
        let m = file.member(id).unwrap();
        let seed = file
            .open_with_passphrase(m, &pass(), &device)
            .unwrap()
            .unwrap();
        assert_eq!(file.data_key(m, &seed), Some(new_key.clone()));
        assert!(file.binding_checks(&new_key));
    }

    #[test]
    fn malformed_files_are_refused_before_use() {
        let s = sample();
        let mut twice = s.file.clone();
        twice.members.push(twice.members[0].clone());
        assert!(twice.check().is_err());
        let mut none = s.file.clone();
        none.members.clear();
        assert!(none.check().is_err());
        let mut short = s.file.clone();
        short.members[0].public_key.pop();
        assert!(short.check().is_err());
        assert!(KeySlotFile::from_slice(br#"{"format": 7}"#).is_err());
    }

    #[test]
    fn the_file_holds_no_key_material_in_clear() {
        let s = sample();
        let json = serde_json::to_string(&s.file).unwrap();
        assert!(!json.contains(s.data_key.to_hex().as_str()));
        assert!(!json.contains(s.device.to_hex().as_str()));
        assert!(!json.contains(&s.code.display_grouped()));
    }
}
