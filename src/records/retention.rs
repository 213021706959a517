//! Retention: incidents past their retention date are listed for review and deleted only on
//! purpose — one at a time or a reviewed batch — with a reason. Deletion removes every row of
//! the incident (versions, people links, chronology, evidence and custody, checklist runs,
//! referral records, search passages) in one transaction; `secure_delete` zeroes the freed
//! pages, and a checkpoint and `VACUUM` afterwards leave no deleted text in free pages or the
//! WAL. The audit trail keeps a tombstone — reference, retention date, who, when, why — and no
//! content. References are never reused: the counter only goes up.
//!
//! People (names, dates of birth, flags) recorded only in the deleted incidents are deleted with
//! them: once no record needs a child's details, keeping them has no purpose. People linked to
//! any incident that is kept stay, as do people not yet linked to any incident.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::fields;
use super::incidents::{self, Category};
use crate::audit::{self, Action};
use crate::error::Field;
use crate::time;
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
    /// People linked to this incident.
    pub people: u32,
    /// Of those, people linked to no other incident: deleting this record deletes them too.
    pub people_only_here: u32,
}

/// What a deletion removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Deletion {
    pub references: Vec<String>,
    /// People recorded only in the deleted incidents, deleted with them.
    pub people_deleted: u32,
}

/// Incidents whose retention date is before `today`, oldest first (found by the date index
/// of `incident_heads`, schema 12, not by reading every incident).
pub fn due(conn: &Connection, today: NaiveDate) -> Result<Vec<DueRecord>> {
    due_limited(conn, today, u32::MAX)
}

/// [`due`], at most `limit` of them (Today shows the first few).
pub fn due_limited(conn: &Connection, today: NaiveDate, limit: u32) -> Result<Vec<DueRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.reference FROM incident_heads h JOIN incidents i ON i.id = h.incident_id
         WHERE h.retention_until < ?1
         ORDER BY h.retention_until, h.incident_id
         LIMIT ?2",
    )?;
    let refs: Vec<String> = stmt
        .query_map(params![time::format_date(today), limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(refs.len());
    for reference in refs {
        let i = incidents::get(conn, &reference)?;
        let (people, people_only_here) = conn.query_row(
            "SELECT count(*), coalesce(sum(NOT EXISTS (
                     SELECT 1 FROM incident_people o
                     WHERE o.person_id = l.person_id AND o.incident_id <> l.incident_id)), 0)
                 FROM (SELECT DISTINCT incident_id, person_id FROM incident_people
                       WHERE incident_id = ?1) l",
            params![i.id],
            |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)),
        )?;
        out.push(DueRecord {
            reference: i.reference,
            category: i.category,
            reported_at: i.reported_at,
            retention_until: i.retention_until,
            people,
            people_only_here,
        });
    }
    Ok(out)
}

/// Deletes the given incidents, all past their retention date, with the reason recorded, and
/// the people recorded only in them. All or nothing: if any is not due (or unknown), nothing
/// is deleted.
pub fn delete(
    session: &mut Session,
    references: &[String],
    reason: &str,
    today: NaiveDate,
) -> Result<Deletion> {
    let reason = fields::required_text(Field::Reason, reason, fields::SHORT * 5)?;
    if references.is_empty() {
        return Err(fields::invalid(
            Field::Records,
            "choose at least one record to delete",
        ));
    }
    let mut targets = Vec::new();
    for r in references {
        let i = incidents::get(session.conn(), r)?;
        if i.retention_until >= today {
            return Err(fields::invalid(
                Field::Records,
                &format!(
                    "{} is kept until {}; it cannot be deleted before then",
                    i.reference,
                    crate::time::long_date(i.retention_until)
                ),
            ));
        }
        targets.push(i);
    }
    let actor = session.actor().to_owned();
    let people_deleted = session.with_tx(|tx| {
        let now = Utc::now();
        // Record tables refuse DELETE without this permit (schema 7); it lives only inside this
        // transaction, which also writes the tombstones.
        tx.execute(
            "INSERT INTO deletion_permit (id, reason) VALUES (1, ?1)",
            params![reason],
        )?;
        let mut linked = Vec::new();
        for i in &targets {
            linked.extend(linked_people(tx, i.id)?);
            delete_incident(tx, i.id)?;
            audit::append(
                tx,
                now,
                &actor,
                Action::RecordDeleted,
                &i.reference,
                &json!({
                    "record": "incident",
                    "retention_until": time::format_date(i.retention_until),
                    "reason": reason,
                }),
            )?;
        }
        linked.sort_unstable();
        linked.dedup();
        let with = targets
            .iter()
            .map(|i| i.reference.as_str())
            .collect::<Vec<_>>();
        let mut removed = 0;
        let mut forget = |tx: &Connection, person: u32| -> Result<Vec<u32>> {
            let relatives = related_people(tx, person)?;
            for relationship in delete_person(tx, person)? {
                audit::append(
                    tx,
                    now,
                    &actor,
                    Action::RecordDeleted,
                    &super::relationships::subject(relationship),
                    &json!({ "record": "relationship", "with": with, "reason": reason }),
                )?;
            }
            audit::append(
                tx,
                now,
                &actor,
                Action::RecordDeleted,
                &format!("person {person}"),
                &json!({ "record": "person", "with": with, "reason": reason }),
            )?;
            removed += 1;
            Ok(relatives)
        };
        // People on the deleted incidents and on no other go with them; so do their relatives
        // (a parent recorded for the child) who are on no incident and related to nobody left.
        let mut family = Vec::new();
        for person in linked {
            if !still_linked(tx, person)? {
                family.extend(forget(tx, person)?);
            }
        }
        while let Some(person) = family.pop() {
            if still_linked(tx, person)? || !related_people(tx, person)?.is_empty() {
                continue;
            }
            family.extend(forget(tx, person)?);
        }
        // FTS5 keeps a deleted term in its segments until they are merged: merge both indexes
        // so no deleted wording or name stays readable in the database.
        tx.execute_batch(
            "INSERT INTO search_index (search_index) VALUES ('optimize');
             INSERT INTO people_search (people_search) VALUES ('optimize');",
        )?;
        tx.execute("DELETE FROM deletion_permit", [])?;
        Ok(removed)
    })?;
    // Leave nothing of the deleted text in the WAL or in free pages.
    session.conn().execute_batch(
        "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
    )?;
    Ok(Deletion {
        references: targets.into_iter().map(|i| i.reference).collect(),
        people_deleted,
    })
}

fn linked_people(tx: &Connection, incident_id: u32) -> Result<Vec<u32>> {
    let mut stmt =
        tx.prepare("SELECT DISTINCT person_id FROM incident_people WHERE incident_id = ?1")?;
    let ids = stmt
        .query_map(params![incident_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<u32>>>()?;
    Ok(ids)
}

fn still_linked(tx: &Connection, person_id: u32) -> Result<bool> {
    tx.query_row(
        // A file received from another school is a record of the child too (schema 17).
        "SELECT EXISTS (SELECT 1 FROM incident_people WHERE person_id = ?1)
             OR EXISTS (SELECT 1 FROM received_files WHERE person_id = ?1)",
        params![person_id],
        |r| r.get(0),
    )
    .map_err(Error::from)
}

/// Everyone related to `person_id` by a relationship still recorded (ended or not).
fn related_people(tx: &Connection, person_id: u32) -> Result<Vec<u32>> {
    let mut stmt = tx.prepare_cached(
        "SELECT other_id FROM relationships WHERE person_id = ?1
         UNION SELECT person_id FROM relationships WHERE other_id = ?1",
    )?;
    let ids = stmt
        .query_map(params![person_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<u32>>>()?;
    Ok(ids)
}

/// Deletes a person with their details and relationships; returns the relationships' ids.
fn delete_person(tx: &Connection, person_id: u32) -> Result<Vec<u32>> {
    let relationships = {
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM relationships WHERE person_id = ?1 OR other_id = ?1 ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![person_id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<u32>>>()?;
        ids
    };
    for s in [
        "DELETE FROM relationship_ends WHERE relationship_id IN
             (SELECT id FROM relationships WHERE person_id = ?1 OR other_id = ?1)",
        "DELETE FROM relationships WHERE person_id = ?1 OR other_id = ?1",
        "DELETE FROM person_details WHERE person_id = ?1",
        "DELETE FROM people_search WHERE rowid = ?1",
        "DELETE FROM person_versions WHERE person_id = ?1",
        "DELETE FROM people WHERE id = ?1",
    ] {
        tx.execute(s, params![person_id])?;
    }
    Ok(relationships)
}

fn delete_incident(tx: &Connection, id: u32) -> Result<()> {
    let statements = [
        "DELETE FROM search_index WHERE rowid IN (SELECT passage FROM search_sources WHERE incident_id = ?1)",
        "DELETE FROM search_sources WHERE incident_id = ?1",
        "DELETE FROM custody_events WHERE note_id IN (SELECT id FROM evidence_notes WHERE incident_id = ?1)",
        "DELETE FROM evidence_versions WHERE note_id IN (SELECT id FROM evidence_notes WHERE incident_id = ?1)",
        "DELETE FROM evidence_notes WHERE incident_id = ?1",
        "DELETE FROM action_states WHERE entry_id IN (SELECT id FROM chronology_entries WHERE incident_id = ?1)",
        "DELETE FROM agency_answers WHERE entry_id IN (SELECT id FROM chronology_entries WHERE incident_id = ?1)",
        "DELETE FROM chronology_versions WHERE entry_id IN (SELECT id FROM chronology_entries WHERE incident_id = ?1)",
        "DELETE FROM chronology_entries WHERE incident_id = ?1",
        "DELETE FROM checklist_answers WHERE run_id IN (SELECT id FROM checklist_runs WHERE incident_id = ?1)",
        "DELETE FROM checklist_run_ends WHERE run_id IN (SELECT id FROM checklist_runs WHERE incident_id = ?1)",
        "DELETE FROM checklist_runs WHERE incident_id = ?1",
        "DELETE FROM information_shared WHERE incident_id = ?1",
        "DELETE FROM referral_issues WHERE incident_id = ?1",
        "DELETE FROM parents_informed WHERE incident_id = ?1",
        "DELETE FROM consents WHERE incident_id = ?1",
        "DELETE FROM first_accounts WHERE incident_id = ?1",
        "DELETE FROM incident_people WHERE incident_id = ?1",
        "DELETE FROM incident_heads WHERE incident_id = ?1",
        "DELETE FROM incident_versions WHERE incident_id = ?1",
        "DELETE FROM incidents WHERE id = ?1",
    ];
    for s in statements {
        tx.execute(s, params![id])?;
    }
    Ok(())
}
