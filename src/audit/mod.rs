//! The audit trail: one append-only, hash-chained entry per event that matters (vault created,
//! unlocked, failed unlocks, passphrase changed, recovery code used, and every record change as
//! later features add them).
//!
//! Each entry's hash covers its fields and the previous entry's hash; the first entry links to a
//! genesis value derived from the vault id. [`verify`] walks the chain and names the first entry
//! that is missing, out of place, or changed.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

mod coverage;

/// What happened. The string form is stored; never rename a released one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    VaultCreated,
    Unlocked,
    UnlockFailed,
    Locked,
    PassphraseChanged,
    RecoveryCodeReplaced,
    RecoveryCodeUsed,
    PassphraseResetAfterRecovery,
    KeySlotStrengthened,
    SettingChanged,
    OrganisationChanged,
    RecordCreated,
    RecordAmended,
    ChecklistStarted,
    ChecklistAnswered,
    ChecklistFinished,
    SigningIdentityCreated,
    ReferralIssued,
    BackupVerified,
    VaultRestored,
    RecordDeleted,
    OlderCopyOpened,
    MemberAdded,
    MemberChanged,
    MemberRemoved,
    KeyFileUpgraded,
    /// A record left the vault as a file the DSL saved (an incident's or a person's PDF).
    RecordExported,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::VaultCreated => "vault.created",
            Action::Unlocked => "vault.unlocked",
            Action::UnlockFailed => "vault.unlock_failed",
            Action::Locked => "vault.locked",
            Action::PassphraseChanged => "vault.passphrase_changed",
            Action::RecoveryCodeReplaced => "vault.recovery_code_replaced",
            Action::RecoveryCodeUsed => "vault.recovery_code_used",
            Action::PassphraseResetAfterRecovery => "vault.passphrase_reset_after_recovery",
            Action::KeySlotStrengthened => "vault.key_slot_strengthened",
            Action::SettingChanged => "settings.changed",
            Action::OrganisationChanged => "settings.organisation_changed",
            Action::RecordCreated => "record.created",
            Action::RecordAmended => "record.amended",
            Action::ChecklistStarted => "checklist.started",
            Action::ChecklistAnswered => "checklist.answered",
            Action::ChecklistFinished => "checklist.finished",
            Action::SigningIdentityCreated => "referral.signing_identity_created",
            Action::ReferralIssued => "referral.issued",
            Action::BackupVerified => "vault.backup_verified",
            Action::VaultRestored => "vault.restored",
            Action::RecordDeleted => "record.deleted",
            Action::OlderCopyOpened => "vault.older_copy_opened",
            Action::MemberAdded => "team.member_added",
            Action::MemberChanged => "team.member_changed",
            Action::MemberRemoved => "team.member_removed",
            Action::KeyFileUpgraded => "vault.key_file_upgraded",
            Action::RecordExported => "record.exported",
        }
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChainState {
    /// Every entry links to the one before and none was changed.
    Intact { entries: i64 },
    /// The first entry at which the chain breaks, and why.
    Broken { seq: i64, reason: String },
}

impl ChainState {
    pub fn is_intact(&self) -> bool {
        matches!(self, ChainState::Intact { .. })
    }
}

impl std::fmt::Display for ChainState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainState::Intact { entries } => {
                write!(
                    f,
                    "intact ({entries} entries, each linked to the one before)"
                )
            }
            ChainState::Broken { seq, reason } => write!(f, "BROKEN at entry {seq}: {reason}"),
        }
    }
}

/// Appends an entry. Call it inside the transaction that makes the change it records, so the
/// change and its audit entry commit or roll back together.
pub fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    action: Action,
    subject: &str,
    detail: &serde_json::Value,
) -> Result<Entry> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, genesis(conn)?),
    };
    // The rows this change wrote, each by its key and the SHA-256 of its content.
    let covers = coverage::take_pending(conn)?;
    let detail = if covers.is_empty() {
        detail.clone()
    } else {
        let mut d = match detail {
            serde_json::Value::Object(m) => m.clone(),
            other => {
                let mut m = serde_json::Map::new();
                m.insert("detail".into(), other.clone());
                m
            }
        };
        d.insert(coverage::FIELD.into(), coverage::to_json(&covers));
        serde_json::Value::Object(d)
    };
    let mut entry = Entry {
        seq,
        at: crate::time::format(at),
        actor: actor.to_owned(),
        action: action.as_str().to_owned(),
        subject: subject.to_owned(),
        detail: detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.subject,
            entry.detail,
            entry.prev_hash,
            entry.hash
        ],
    )?;
    Ok(entry)
}

/// Walks the whole chain from the first entry.
pub fn verify(conn: &Connection) -> Result<ChainState> {
    let mut prev = genesis(conn)?;
    let mut expected_seq = 1;
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash
             FROM audit_log ORDER BY seq",
    )?;
    let rows = stmt.query_map([], row_to_entry)?;
    for row in rows {
        let e = row?;
        if e.seq != expected_seq {
            return Ok(ChainState::Broken {
                seq: expected_seq,
                reason: format!("entry {expected_seq} is missing"),
            });
        }
        if e.prev_hash != prev {
            return Ok(ChainState::Broken {
                seq: e.seq,
                reason: "it does not link to the entry before it".into(),
            });
        }
        if entry_hash(&e) != e.hash {
            return Ok(ChainState::Broken {
                seq: e.seq,
                reason: "it was changed after it was written".into(),
            });
        }
        prev = e.hash;
        expected_seq += 1;
    }
    if let Some((seq, reason)) = coverage::check(conn)? {
        return Ok(ChainState::Broken { seq, reason });
    }
    Ok(ChainState::Intact {
        entries: expected_seq - 1,
    })
}

/// The newest entry's sequence number and hash: the head of the chain, which signed referrals
/// and backups record so that a trail rewritten later disagrees with them.
pub fn head(conn: &Connection) -> Result<Option<(i64, String)>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The most recent `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash
             FROM audit_log ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], row_to_entry)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

fn row_to_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        detail: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

/// The value the first entry links to: bound to this vault, so a chain cannot be transplanted.
fn genesis(conn: &Connection) -> Result<String> {
    let vault_id: String = conn.query_row(
        "SELECT value FROM vault_meta WHERE key = 'vault_id'",
        [],
        |r| r.get(0),
    )?;
    let mut h = Sha256::new();
    h.update(b"casebook audit genesis v1|");
    h.update(vault_id.as_bytes());
    Ok(hex::encode(h.finalize()))
}

/// SHA-256 over every field, each prefixed with its length so no two entries encode alike.
fn entry_hash(e: &Entry) -> String {
    let mut h = Sha256::new();
    let seq = e.seq.to_string();
    for field in [
        "casebook audit v1",
        seq.as_str(),
        &e.at,
        &e.actor,
        &e.action,
        &e.subject,
        &e.detail,
        &e.prev_hash,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_vault.sql"))
            .unwrap();
        conn.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('vault_id', 'test-vault')",
            [],
        )
        .unwrap();
        conn
    }

    fn fill(conn: &Connection, n: usize) {
        for i in 0..n {
            append(
                conn,
                Utc::now(),
                "Ms Test",
                Action::Unlocked,
                "vault",
                &json!({ "i": i }),
            )
            .unwrap();
        }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let conn = db();
        assert_eq!(verify(&conn).unwrap(), ChainState::Intact { entries: 0 });
        fill(&conn, 5);
        assert_eq!(verify(&conn).unwrap(), ChainState::Intact { entries: 5 });
        assert_eq!(recent(&conn, 2).unwrap()[0].seq, 5);
    }

    #[test]
    fn ordinary_edits_are_refused_by_the_database() {
        let conn = db();
        fill(&conn, 2);
        assert!(conn
            .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1", [])
            .is_err());
        assert!(conn
            .execute("DELETE FROM audit_log WHERE seq = 2", [])
            .is_err());
    }

    fn tamper(conn: &Connection, sql: &str) {
        conn.execute_batch(&format!(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
        ))
        .unwrap();
    }

    #[test]
    fn an_edited_entry_is_named() {
        let conn = db();
        fill(&conn, 5);
        tamper(
            &conn,
            "UPDATE audit_log SET detail = '{\"i\":99}' WHERE seq = 3",
        );
        assert_eq!(
            verify(&conn).unwrap(),
            ChainState::Broken {
                seq: 3,
                reason: "it was changed after it was written".into()
            }
        );
    }

    #[test]
    fn a_removed_entry_is_named() {
        let conn = db();
        fill(&conn, 5);
        tamper(&conn, "DELETE FROM audit_log WHERE seq = 2");
        assert_eq!(
            verify(&conn).unwrap(),
            ChainState::Broken {
                seq: 2,
                reason: "entry 2 is missing".into()
            }
        );
    }

    #[test]
    fn a_rehashed_entry_still_breaks_the_link_after_it() {
        let conn = db();
        fill(&conn, 4);
        // An attacker who edits entry 2 and recomputes its hash breaks entry 3's link.
        let mut e = recent(&conn, 10)
            .unwrap()
            .into_iter()
            .find(|e| e.seq == 2)
            .unwrap();
        e.actor = "someone else".into();
        e.hash = entry_hash(&e);
        tamper(
            &conn,
            &format!(
                "UPDATE audit_log SET actor = 'someone else', hash = '{}' WHERE seq = 2",
                e.hash
            ),
        );
        assert_eq!(
            verify(&conn).unwrap(),
            ChainState::Broken {
                seq: 3,
                reason: "it does not link to the entry before it".into()
            }
        );
    }
}
