//! The trail covers the records (schema 7): each row a change writes to a record table is
//! queued by a trigger in `audit_pending`; the audit entry of that change takes the queue and
//! records each row's key and the SHA-256 of its content (never the content). Verifying
//! recomputes every covered row, so a version replaced by DELETE and INSERT, a row removed
//! outside the retention review, or a row added outside Casebook, breaks the trail.
//!
//! Rows that existed when a vault was upgraded to schema 7 are listed in `audit_legacy`: no
//! entry holds their digest, so only the chain vouches for them.

use std::collections::{HashMap, HashSet};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// The detail field of an audit entry that lists the rows it covers.
pub(super) const FIELD: &str = "covers";

/// Every record table and its key columns (the `json_array` the triggers write, in order).
const COVERED: &[(&str, &[&str])] = &[
    ("organisation_versions", &["version"]),
    ("people", &["id"]),
    ("person_versions", &["person_id", "version"]),
    ("incidents", &["id"]),
    ("incident_versions", &["incident_id", "version"]),
    ("incident_people", &["id"]),
    ("chronology_entries", &["id"]),
    ("chronology_versions", &["entry_id", "version"]),
    ("evidence_notes", &["id"]),
    ("evidence_versions", &["note_id", "version"]),
    ("custody_events", &["id"]),
    ("contact_versions", &["version"]),
    ("checklist_runs", &["id"]),
    ("checklist_answers", &["run_id", "step_id", "version"]),
    ("checklist_run_ends", &["run_id"]),
    ("signing_identities", &["id"]),
    ("referral_issues", &["id"]),
    ("action_states", &["id"]),
    ("agency_answers", &["id"]),
    ("person_details", &["person_id", "version"]),
    ("relationships", &["id"]),
    ("relationship_ends", &["relationship_id"]),
    ("parents_informed", &["id"]),
    ("consents", &["id"]),
    ("information_shared", &["id"]),
    ("first_accounts", &["id"]),
    ("closure_days", &["id"]),
    ("retention_settings", &["version"]),
    ("members", &["id"]),
    ("member_versions", &["member_id", "version"]),
    ("signing_identity_members", &["identity_id"]),
    ("setting_details", &["version"]),
    ("member_contacts", &["member_id", "version"]),
    ("transfers", &["id"]),
    ("transfer_events", &["id"]),
    ("transfer_sharing", &["transfer_id", "sharing_id"]),
    ("transfer_keys", &["id"]),
    ("known_signers", &["fingerprint"]),
    ("signer_events", &["id"]),
    ("received_files", &["id"]),
    ("subject_access_requests", &["id"]),
    ("subject_access_events", &["id"]),
    ("after_transfer_settings", &["version"]),
];

/// One covered row: its table, its key (a JSON array) and the SHA-256 of its content.
pub(super) type Covered = (String, String, String);

pub(super) fn to_json(covers: &[Covered]) -> serde_json::Value {
    serde_json::Value::Array(
        covers
            .iter()
            .map(|(t, k, h)| serde_json::json!([t, k, h]))
            .collect(),
    )
}

fn schema_has_coverage(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_pending'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Takes the queued rows and digests them (empty before schema 7).
pub(super) fn take_pending(conn: &Connection) -> Result<Vec<Covered>> {
    if !schema_has_coverage(conn)? {
        return Ok(Vec::new());
    }
    let pending: Vec<(String, String)> = {
        let mut stmt =
            conn.prepare_cached("SELECT tbl, key FROM audit_pending ORDER BY tbl, key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut out = Vec::with_capacity(pending.len());
    for (tbl, key) in pending {
        let digest = row_digest(conn, &tbl, &key)?
            .ok_or_else(|| Error::Internal(format!("queued row {tbl} {key} is not there")))?;
        out.push((tbl, key, digest));
    }
    conn.execute("DELETE FROM audit_pending", [])?;
    Ok(out)
}

fn columns(tbl: &str) -> Result<&'static [&'static str]> {
    COVERED
        .iter()
        .find(|(t, _)| *t == tbl)
        .map(|(_, k)| *k)
        .ok_or_else(|| Error::Internal(format!("{tbl} is not a record table")))
}

/// The SHA-256 of one row (found by its key), or `None` when it is not there.
fn row_digest(conn: &Connection, tbl: &str, key: &str) -> Result<Option<String>> {
    let cols = columns(tbl)?;
    let values: Vec<serde_json::Value> = serde_json::from_str(key)
        .map_err(|_| Error::Internal(format!("a covered key of {tbl} is not a key")))?;
    if values.len() != cols.len() {
        return Err(Error::Internal(format!(
            "a covered key of {tbl} is not a key"
        )));
    }
    let condition = cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("\"{c}\" = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    // Table and column names come from COVERED, never from the database or the user.
    let mut stmt = conn.prepare_cached(&format!("SELECT * FROM \"{tbl}\" WHERE {condition}"))?;
    let params: Vec<rusqlite::types::Value> = values
        .iter()
        .map(|v| match v {
            serde_json::Value::Number(n) => n.as_i64().map_or(
                rusqlite::types::Value::Null,
                rusqlite::types::Value::Integer,
            ),
            serde_json::Value::String(s) => rusqlite::types::Value::Text(s.clone()),
            _ => rusqlite::types::Value::Null,
        })
        .collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    match rows.next()? {
        Some(row) => Ok(Some(digest(row)?)),
        None => Ok(None),
    }
}

/// SHA-256 over every column's name and typed value, each length-prefixed.
fn digest(row: &rusqlite::Row<'_>) -> Result<String> {
    let mut h = Sha256::new();
    h.update(b"casebook row v1");
    let names = row.as_ref().column_names();
    for (i, name) in names.iter().enumerate() {
        let (tag, bytes): (u8, Vec<u8>) = match row.get_ref(i)? {
            ValueRef::Null => (b'n', Vec::new()),
            ValueRef::Integer(v) => (b'i', v.to_be_bytes().to_vec()),
            ValueRef::Real(v) => (b'r', v.to_bits().to_be_bytes().to_vec()),
            ValueRef::Text(t) => (b't', t.to_vec()),
            ValueRef::Blob(b) => (b'b', b.to_vec()),
        };
        h.update((name.len() as u64).to_be_bytes());
        h.update(name.as_bytes());
        h.update([tag]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(&bytes);
    }
    Ok(hex::encode(h.finalize()))
}

/// The key of a row as the triggers write it (`json_array` of the key columns).
fn key_of(row: &rusqlite::Row<'_>, cols: &[&str]) -> Result<String> {
    let mut values = Vec::with_capacity(cols.len());
    for c in cols {
        let v = match row.get_ref(*c)? {
            ValueRef::Integer(i) => serde_json::Value::from(i),
            ValueRef::Text(t) => serde_json::Value::from(String::from_utf8_lossy(t).into_owned()),
            _ => serde_json::Value::Null,
        };
        values.push(v);
    }
    Ok(serde_json::Value::Array(values).to_string())
}

/// Checks every covered row against its entry, and every record row is covered (or legacy).
/// Returns the first problem: the entry's sequence number (0 when no entry is to blame) and
/// why, in words.
pub(super) fn check(conn: &Connection) -> Result<Option<(i64, String)>> {
    if !schema_has_coverage(conn)? {
        return Ok(None);
    }
    let pending: i64 = conn.query_row("SELECT count(*) FROM audit_pending", [], |r| r.get(0))?;
    if pending > 0 {
        return Ok(Some((
            0,
            format!("{pending} record row(s) were written without an audit entry"),
        )));
    }
    // What the trail says: each covered row's digest and entry, and the subjects deleted by
    // the retention review (with the entry that deleted them).
    let mut covered: HashMap<(String, String), (i64, String, String)> = HashMap::new();
    let mut deleted: HashMap<String, i64> = HashMap::new();
    {
        let mut stmt =
            conn.prepare("SELECT seq, action, subject, detail FROM audit_log ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (seq, action, subject, detail): (i64, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            if action == super::Action::RecordDeleted.as_str() {
                deleted.insert(subject.clone(), seq);
            }
            if !detail.contains(FIELD) {
                continue;
            }
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&detail) else {
                continue;
            };
            for item in value[FIELD].as_array().into_iter().flatten() {
                if let (Some(t), Some(k), Some(h)) =
                    (item[0].as_str(), item[1].as_str(), item[2].as_str())
                {
                    covered.insert(
                        (t.to_owned(), k.to_owned()),
                        (seq, h.to_owned(), subject.clone()),
                    );
                }
            }
        }
    }
    let legacy: HashSet<(String, String)> = {
        let mut stmt = conn.prepare("SELECT tbl, key FROM audit_legacy")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (tbl, cols) in COVERED {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{tbl}\""))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let key = key_of(row, cols)?;
            let id = ((*tbl).to_owned(), key);
            match covered.get(&id) {
                Some((seq, sha, _)) if *sha != digest(row)? => {
                    return Ok(Some((
                        *seq,
                        format!(
                            "the {tbl} row {} it records was changed or replaced since",
                            id.1
                        ),
                    )));
                }
                Some(_) => {
                    seen.insert(id);
                }
                None if legacy.contains(&id) => {}
                None => {
                    return Ok(Some((
                        0,
                        format!(
                            "the {tbl} row {} was added outside Casebook: no audit entry covers it",
                            id.1
                        ),
                    )));
                }
            }
        }
    }
    // A covered row that is gone must have been deleted by the retention review, after it.
    let mut missing: Vec<_> = covered
        .iter()
        .filter(|(id, _)| !seen.contains(*id))
        .collect();
    missing.sort_by_key(|(_, (seq, _, _))| *seq);
    for ((tbl, key), (seq, _, subject)) in missing {
        let tombstoned = deleted.get(subject).is_some_and(|d| d > seq);
        if !tombstoned {
            return Ok(Some((
                *seq,
                format!("the {tbl} row {key} it records was removed outside the retention review"),
            )));
        }
    }
    Ok(None)
}
