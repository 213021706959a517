//! The audit trail's head kept outside the database, so that putting back an older copy of the
//! vault ("rollback") is noticed at the next unlock.
//!
//! The head (sequence number and hash of the newest entry) is written, with an HMAC keyed by
//! the data key, into the key-slot file and into the OS keyring beside the device secret, each
//! time the vault is unlocked or locked. A copy of the whole folder carries an old key file
//! back with it, but not the keyring entry; a database swapped alone disagrees with the key
//! file. At unlock, a database whose trail is shorter than either anchor, or whose entry at the
//! anchored position differs, is refused with [`Error::OlderCopy`] unless the DSL opens it
//! deliberately (after a restore, say), which is audited.
//!
//! Limits: the anchors are refreshed at unlock and lock, not at every change, so changes made
//! since the last unlock or lock are not anchored; and someone who can write this user's
//! keyring and key file and knows the data key can forge both.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use crate::secret::Key32;
use crate::{Error, Result};

/// One anchor: the head it records, and its MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub mac: String,
}

impl AuditAnchor {
    /// An anchor for `(seq, hash)` of the vault `vault_id`, keyed by its data key.
    pub fn new(vault_id: Uuid, key: &Key32, seq: i64, hash: &str) -> Result<Self> {
        Ok(AuditAnchor {
            seq,
            hash: hash.to_owned(),
            mac: mac(vault_id, key, seq, hash)?,
        })
    }

    /// Whether the MAC is right for this vault and key.
    pub fn checks(&self, vault_id: Uuid, key: &Key32) -> bool {
        let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key.expose()) else {
            return false;
        };
        m.update(message(vault_id, self.seq, &self.hash).as_bytes());
        hex::decode(&self.mac).is_ok_and(|expected| m.verify_slice(&expected).is_ok())
    }

    /// As kept in the keyring: one line.
    pub fn to_line(&self) -> String {
        format!("{} {} {}", self.seq, self.hash, self.mac)
    }

    pub fn from_line(line: &str) -> Option<Self> {
        let mut parts = line.split_whitespace();
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?.to_owned();
        let mac = parts.next()?.to_owned();
        parts
            .next()
            .is_none()
            .then_some(AuditAnchor { seq, hash, mac })
    }
}

/// Where the keyring keeps a vault's anchor: its id and its folder, so that two copies of one
/// vault kept in two folders on purpose (a restore into a new folder) each have their own,
/// while a copy put back into the same folder meets the anchor it must match.
pub fn keyring_account(vault_id: Uuid, dir: &std::path::Path) -> String {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    format!("{vault_id} {}", dir.display())
}

fn message(vault_id: Uuid, seq: i64, hash: &str) -> String {
    format!("casebook audit anchor v1|{vault_id}|{seq}|{hash}")
}

fn mac(vault_id: Uuid, key: &Key32, seq: i64, hash: &str) -> Result<String> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key.expose())
        .map_err(|_| Error::Internal("anchor key".into()))?;
    m.update(message(vault_id, seq, hash).as_bytes());
    Ok(hex::encode(m.finalize().into_bytes()))
}

/// Compares the database's trail with one anchor. `entry_hash(seq)` is the hash of the
/// database's entry `seq`, if there is one. Returns why the database is not the one anchored.
pub fn disagreement(
    anchor: &AuditAnchor,
    place: &str,
    head_seq: i64,
    entry_hash: impl Fn(i64) -> Result<Option<String>>,
) -> Result<Option<String>> {
    if head_seq < anchor.seq {
        return Ok(Some(format!(
            "its audit trail ends at entry {head_seq}, but entry {} was recorded {place}",
            anchor.seq
        )));
    }
    match entry_hash(anchor.seq)? {
        Some(h) if h == anchor.hash => Ok(None),
        _ => Ok(Some(format!(
            "its audit trail differs at entry {} from the one recorded {place}",
            anchor.seq
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_checks_only_with_its_vault_and_key_and_survives_its_line() {
        let key = Key32::random().unwrap();
        let id = Uuid::new_v4();
        let a = AuditAnchor::new(id, &key, 42, "abc").unwrap();
        assert!(a.checks(id, &key));
        assert!(!a.checks(Uuid::new_v4(), &key));
        assert!(!a.checks(id, &Key32::random().unwrap()));
        let forged = AuditAnchor {
            seq: 41,
            ..a.clone()
        };
        assert!(!forged.checks(id, &key));
        assert_eq!(AuditAnchor::from_line(&a.to_line()), Some(a));
        assert_eq!(AuditAnchor::from_line("1 2"), None);
    }
}
