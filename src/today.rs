//! What is due: the first thing the DSL sees after unlocking. Open actions past their date,
//! due today and coming up in the next week; agencies' answers to chase or escalate; checklists
//! started and not finished; child protection files to send or whose receipt is awaited;
//! records due for the retention review; the backup reminder.
//! Each item names the incident it belongs to, so the window opens it there.
//!
//! "Today" is the DSL's calendar date, given by the caller (the laptop's local date), so that
//! an action due on Tuesday is overdue on Wednesday morning wherever the clock's zone is.

use chrono::{Duration, NaiveDate};
use rusqlite::params;
use serde::Serialize;

use crate::checklists::template;
use crate::records::RecordId;
use crate::vault::Session;
use crate::Result;

/// How far ahead "coming up" looks.
pub const AHEAD_DAYS: i64 = 7;
/// At most this many items in each list (the rest are counted).
pub const LIST_LIMIT: u32 = 100;

/// At most this many records past their retention date (the review lists them all).
pub const RETENTION_LIMIT: u32 = 20;

/// An open action with a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DueAction {
    pub entry_id: RecordId,
    pub reference: String,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    /// Days past the due date (0 today, negative when still to come).
    pub days_late: i32,
}

/// A contact with an agency whose answer is due (or overdue) and not yet received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AwaitedAnswer {
    pub entry_id: RecordId,
    pub reference: String,
    pub agency: String,
    pub contacted_at: String,
    pub due: NaiveDate,
    /// Days past the date (0 today, negative when still to come).
    pub days_late: i32,
    pub chases: u32,
    pub escalated: bool,
    /// Past its date after a chase, and not yet escalated: time to escalate under the local
    /// escalation procedure (Working Together 2023: professionals challenge and escalate when
    /// a referral is not answered).
    pub escalate_now: bool,
}

/// A checklist started and not finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenChecklist {
    pub run_id: RecordId,
    pub reference: String,
    pub title: String,
    pub started_at: String,
    pub started_by: String,
}

/// Everything due, in the order the DSL should see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Today {
    pub date: NaiveDate,
    pub overdue: Vec<DueAction>,
    pub due_today: Vec<DueAction>,
    pub coming_up: Vec<DueAction>,
    /// Answers awaited from agencies, by the date they were due (past it: chase, escalate).
    pub awaited_answers: Vec<AwaitedAnswer>,
    pub open_checklists: Vec<OpenChecklist>,
    /// Child protection files to send, or whose receipt is awaited, by due date (chase the
    /// late ones).
    pub transfers: Vec<crate::records::transfers::OpenTransfer>,
    /// Subject access requests not yet answered, by due date.
    pub subject_access: Vec<crate::records::subject_access::OpenRequest>,
    /// Records past their retention date, for the retention review (the first few).
    pub retention_due: Vec<crate::records::retention::DueRecord>,
    /// A reminder when the last verified backup is old (or there is none).
    pub backup_reminder: Option<String>,
}

impl Today {
    /// Nothing needs doing.
    pub fn is_clear(&self) -> bool {
        self.overdue.is_empty()
            && self.due_today.is_empty()
            && self.coming_up.is_empty()
            && self.awaited_answers.is_empty()
            && self.open_checklists.is_empty()
            && self.transfers.is_empty()
            && self.subject_access.is_empty()
            && self.retention_due.is_empty()
            && self.backup_reminder.is_none()
    }
}

/// Checklists started and not finished, newest first. CROSS JOIN keeps SQLite from starting at
/// the incidents when its statistics say the (often empty) runs table is large: 3.6 ms to 3 µs
/// at 100 000 incidents (docs/benchmarks.md). A test holds the plan to it.
const OPEN_CHECKLISTS: &str =
    "SELECT r.id, i.reference, r.template_file, r.template_text, r.started_at, r.started_by
     FROM checklist_runs r CROSS JOIN incidents i ON i.id = r.incident_id
     WHERE NOT EXISTS (SELECT 1 FROM checklist_run_ends x WHERE x.run_id = r.id)
     ORDER BY r.started_at DESC LIMIT ?1";

/// What is due on `date`.
pub fn today(session: &Session, date: NaiveDate) -> Result<Today> {
    let conn = session.conn();
    let until = date + Duration::days(AHEAD_DAYS);
    // Open actions due in `[from, to]`, from the derived `action_heads` (schema 13, kept by
    // triggers); at most LIST_LIMIT, each list on its own so that many overdue
    // actions never hide those due today or coming up.
    let actions = |from: Option<NaiveDate>, to: NaiveDate| -> Result<Vec<DueAction>> {
        let mut stmt = conn.prepare_cached(
            "SELECT h.entry_id, i.reference, v.text, v.action_owner, h.due
             FROM action_heads h
             JOIN chronology_versions v ON v.entry_id = h.entry_id
              AND v.version = (SELECT max(version) FROM chronology_versions
                               WHERE entry_id = h.entry_id)
             JOIN chronology_entries e ON e.id = h.entry_id
             JOIN incidents i ON i.id = e.incident_id
             WHERE h.state = 'open' AND h.due >= ?1 AND h.due <= ?2
             ORDER BY h.due, h.entry_id
             LIMIT ?3",
        )?;
        let from = from.map_or_else(|| "0000-01-01".to_owned(), crate::time::format_date);
        let rows = stmt.query_map(
            params![from, crate::time::format_date(to), LIST_LIMIT],
            |r| {
                let due = crate::time::date_column(r, 4)?;
                Ok(DueAction {
                    entry_id: r.get(0)?,
                    reference: r.get(1)?,
                    text: r.get(2)?,
                    owner: r.get(3)?,
                    days_late: i32::try_from((date - due).num_days()).unwrap_or(i32::MAX),
                    due,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    let awaited_answers = {
        // Contacts still waiting for an answer due within the week (`answer_heads`, schema 13).
        let mut stmt = conn.prepare_cached(
            "SELECT h.entry_id, i.reference, v.agency, v.occurred_at, h.due, h.chases,
                    h.escalated
             FROM answer_heads h
             JOIN chronology_versions v ON v.entry_id = h.entry_id
              AND v.version = (SELECT max(version) FROM chronology_versions
                               WHERE entry_id = h.entry_id)
             JOIN chronology_entries e ON e.id = h.entry_id
             JOIN incidents i ON i.id = e.incident_id
             WHERE h.last_event <> 'answered' AND h.due <= ?1
             ORDER BY h.due, h.entry_id
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![crate::time::format_date(until), LIST_LIMIT], |r| {
            let due = crate::time::date_column(r, 4)?;
            let days_late = i32::try_from((date - due).num_days()).unwrap_or(i32::MAX);
            let chases: u32 = r.get(5)?;
            let escalated: bool = r.get(6)?;
            Ok(AwaitedAnswer {
                entry_id: r.get(0)?,
                reference: r.get(1)?,
                agency: r.get(2)?,
                contacted_at: r.get(3)?,
                days_late,
                due,
                chases,
                escalated,
                escalate_now: days_late > 0 && chases > 0 && !escalated,
            })
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    let open_checklists = {
        let mut stmt = conn.prepare_cached(OPEN_CHECKLISTS)?;
        let rows = stmt.query_map([LIST_LIMIT], |r| {
            Ok((
                r.get::<_, RecordId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run_id, reference, file, text, started_at, started_by) = row?;
            // The title as the run knows it (the template text it started with).
            let title = template::parse_stored(&file, &text)
                .map(|t| t.title)
                .unwrap_or(file);
            out.push(OpenChecklist {
                run_id,
                reference,
                title,
                started_at,
                started_by,
            });
        }
        out
    };
    let reminder_days = crate::settings::backup_reminder_days(conn)?;
    Ok(Today {
        date,
        overdue: actions(None, date - Duration::days(1))?,
        due_today: actions(Some(date), date)?,
        coming_up: actions(Some(date + Duration::days(1)), until)?,
        awaited_answers,
        open_checklists,
        transfers: crate::records::transfers::open(conn, date)?,
        subject_access: crate::records::subject_access::open(conn, date)?,
        retention_due: crate::records::retention::due_limited(conn, date, RETENTION_LIMIT)?,
        backup_reminder: session.backup_reminder(reminder_days, chrono::Utc::now())?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// The open-checklists query starts from the runs however the statistics read: here they
    /// say 100 000 incidents and nothing about the runs, which is what led SQLite to walk every
    /// incident before the CROSS JOIN.
    #[test]
    fn open_checklists_start_from_the_runs_whatever_the_statistics_say() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::vault::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            "ANALYZE; DELETE FROM sqlite_stat1;
             INSERT INTO sqlite_stat1 VALUES ('incidents', 'sqlite_autoindex_incidents_1', '100000 1');
             INSERT INTO sqlite_stat1 VALUES ('incidents', NULL, '100000');
             ANALYZE sqlite_schema;",
        )
        .unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", super::OPEN_CHECKLISTS))
            .unwrap()
            .query_map([10], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(plan[0].starts_with("SCAN r"), "{plan:?}");
    }
}
