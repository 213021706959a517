//! Retention: incidents past their retention date are listed for review and deleted only on
//! purpose — one at a time or a reviewed batch — with a reason. Deletion removes every row of
//! the incident (versions, people links, chronology, evidence and custody, checklist runs,
//! referral records, search passages) in one transaction; `secure_delete` zeroes the freed
//! pages, and a checkpoint and `VACUUM` afterwards leave no deleted text in free pages or the
//! WAL. The audit trail keeps a tombstone — reference, retention date, who, when, why — and no
//! content. References are never reused: the counter only goes up.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::fields::{self, sql};
use super::incidents::{self, Category};
use crate::audit::{self, Action};
use crate::vault::Session;
use crate::{Error, Result};

/// An incident past its retention date, as the review list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DueRecord {
    pub reference: String,
    pub category: Category,
    pub reported_at: String,
    pub retention_until: NaiveDate,
}

/// Incidents whose retention date is before `today`, oldest first.
pub fn due(conn: &Connection, today: NaiveDate) -> Result<Vec<DueRecord>> {
    let mut stmt = conn
        .prepare(
            "SELECT i.reference FROM incidents i
             JOIN incident_heads h ON h.incident_id = i.id
             ORDER BY h.reported_at",
        )
        .map_err(sql)?;
    let refs: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(sql)?
        .collect::<rusqlite::Result<_>>()
        .map_err(sql)?;
    let mut out = Vec::new();
    for reference in refs {
        let i = incidents::get(conn, &reference)?;
        if i.retention_until < today {
            out.push(DueRecord {
                reference: i.reference,
                category: i.category,
                reported_at: i.reported_at,
                retention_until: i.retention_until,
            });
        }
    }
    out.sort_by_key(|d| d.retention_until);
    Ok(out)
}

/// Deletes the given incidents, all past their retention date, with the reason recorded.
/// All or nothing: if any is not due (or unknown), nothing is deleted.
pub fn delete(
    session: &mut Session,
    references: &[String],
    reason: &str,
    today: NaiveDate,
) -> Result<Vec<String>> {
    let reason = fields::required_text("Reason for deletion", reason, fields::SHORT * 5)?;
    if references.is_empty() {
        return Err(fields::invalid(
            "Records",
            "choose at least one record to delete",
        ));
    }
    let mut targets = Vec::new();
    for r in references {
        let i = incidents::get(session.conn(), r)?;
        if i.retention_until >= today {
            return Err(Error::InvalidInput {
                field: "Records",
                message: format!(
                    "{} is kept until {}; it cannot be deleted before then",
                    i.reference,
                    i.retention_until.format("%-d %B %Y")
                ),
            });
        }
        targets.push(i);
    }
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        for i in &targets {
            delete_incident(tx, i.id)?;
            audit::append(
                tx,
                now,
                &actor,
                Action::RecordDeleted,
                &i.reference,
                &json!({
                    "record": "incident",
                    "retention_until": fields::date(i.retention_until),
                    "reason": reason,
                }),
            )?;
        }
        Ok(())
    })?;
    // Leave nothing of the deleted text in the WAL or in free pages.
    session
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(sql)?;
    Ok(targets.into_iter().map(|i| i.reference).collect())
}

fn delete_incident(tx: &Connection, id: u32) -> Result<()> {
    let statements = [
        "DELETE FROM search_index WHERE rowid IN (SELECT passage FROM search_sources WHERE incident_id = ?1)",
        "DELETE FROM search_sources WHERE incident_id = ?1",
        "DELETE FROM custody_events WHERE note_id IN (SELECT id FROM evidence_notes WHERE incident_id = ?1)",
        "DELETE FROM evidence_versions WHERE note_id IN (SELECT id FROM evidence_notes WHERE incident_id = ?1)",
        "DELETE FROM evidence_notes WHERE incident_id = ?1",
        "DELETE FROM chronology_versions WHERE entry_id IN (SELECT id FROM chronology_entries WHERE incident_id = ?1)",
        "DELETE FROM chronology_entries WHERE incident_id = ?1",
        "DELETE FROM checklist_answers WHERE run_id IN (SELECT id FROM checklist_runs WHERE incident_id = ?1)",
        "DELETE FROM checklist_run_ends WHERE run_id IN (SELECT id FROM checklist_runs WHERE incident_id = ?1)",
        "DELETE FROM checklist_runs WHERE incident_id = ?1",
        "DELETE FROM referral_issues WHERE incident_id = ?1",
        "DELETE FROM incident_people WHERE incident_id = ?1",
        "DELETE FROM incident_heads WHERE incident_id = ?1",
        "DELETE FROM incident_versions WHERE incident_id = ?1",
        "DELETE FROM incidents WHERE id = ?1",
    ];
    for s in statements {
        tx.execute(s, params![id]).map_err(sql)?;
    }
    Ok(())
}
