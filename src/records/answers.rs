//! Waiting for an agency's answer. A contact with an agency (a referral by phone, a written
//! referral) can expect an answer by a date: children's social care acknowledges a referral
//! within one working day (KCSIE 2025 Part one, as local procedures put it), so that is the
//! default for them ([`default_due`]). Past its date with no answer, the contact is due for a
//! chase on Today; each chase sets the next date; an escalation under the local procedure is
//! recorded the same way; the answer received closes it. Every event is a new row in
//! `agency_answers` (schema 11), audited with the incident.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::chronology::{self, EntryKind};
use super::{fields, incidents, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Day, Moment};
use crate::vault::Session;
use crate::Result;

text_enum! {
    /// What happened while waiting for an agency's answer.
    AnswerEvent {
        Expected = "expected", "Answer expected";
        Chased = "chased", "Chased";
        Escalated = "escalated", "Escalated";
        Answered = "answered", "Answer received";
    }
}

/// What the DSL records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AnswerInput {
    pub event: AnswerEvent,
    /// When it happened; now if empty. Never in the future.
    pub at: Option<Moment>,
    /// By when an answer is (now) expected: required when expecting, chasing or escalating.
    pub due: Option<Day>,
    /// What they said, how it was chased, or to whom it was escalated.
    pub note: String,
}

/// Where waiting for an answer stands: the newest event, and how many chases so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Waiting {
    pub last: AnswerEvent,
    pub at: String,
    /// The date an answer is expected by (`None` once answered).
    pub due: Option<NaiveDate>,
    pub note: String,
    pub chases: u32,
    pub escalated: bool,
}

/// The default date to expect an answer by, for a contact made on `contacted`: the next
/// working day (weekends, bank holidays and the organisation's closure days skipped:
/// [`super::local_practice::closed_days`]).
pub fn default_due(contacted: NaiveDate, closed: &[NaiveDate]) -> NaiveDate {
    crate::calendar::add_working_days(contacted, 1, closed)
}

/// Records an event on the agency contact `entry_id`. Refused, changing nothing, when the
/// entry is not a contact with an agency, a date is missing or before the contact, or the
/// note is missing where it says what happened.
pub fn record(session: &mut Session, entry_id: RecordId, input: &AnswerInput) -> Result<Waiting> {
    let entry = chronology::get(session.conn(), entry_id)?;
    if entry.kind != EntryKind::AgencyContact {
        return Err(fields::invalid(
            Field::Kind,
            "only a contact with an agency can wait for an answer",
        ));
    }
    let now = Utc::now();
    let mut form = Form::default();
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref()).unwrap_or(now);
    let due = time::typed::read_day(&mut form, Field::ActionDue, input.due.as_ref());
    form.check(fields::not_future(Field::At, at, now));
    let note = form.check(fields::text(Field::Note, &input.note, fields::LONG));
    let contacted = time::parse(&entry.occurred_at).map(|t| t.date_naive());
    let due = match (input.event, due) {
        (AnswerEvent::Answered, _) => None,
        (_, None) => {
            form.add(fields::invalid(
                Field::ActionDue,
                "say by when an answer is expected",
            ));
            None
        }
        (_, Some(d)) if contacted.is_some_and(|c| d < c) => {
            form.add(fields::invalid(
                Field::ActionDue,
                "the date is before the contact was made",
            ));
            None
        }
        (_, Some(d)) => Some(d),
    };
    if note.is_empty() && input.event != AnswerEvent::Expected {
        form.add(fields::invalid(
            Field::Note,
            match input.event {
                AnswerEvent::Answered => "record what they said",
                AnswerEvent::Chased => "record how it was chased and what was said",
                _ => "record to whom it was escalated and why",
            },
        ));
    }
    form.finish()?;
    let current = waiting(session.conn(), entry_id)?;
    if current
        .as_ref()
        .is_some_and(|w| w.last == AnswerEvent::Answered)
    {
        return Err(fields::invalid(
            Field::ActionState,
            "the answer was already received",
        ));
    }
    if current.is_none()
        && input.event != AnswerEvent::Expected
        && input.event != AnswerEvent::Answered
    {
        return Err(fields::invalid(
            Field::ActionState,
            "no answer was expected from this contact yet",
        ));
    }
    let incident = incidents::get_by_id(session.conn(), entry.incident_id)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO agency_answers (entry_id, event, at, due, note, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                entry_id,
                input.event,
                time::format(at),
                due.map(time::format_date),
                note,
                time::format(now),
                actor
            ],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &incident.reference,
            &json!({ "record": "agency_answer", "entry": entry_id, "event": input.event.as_str() }),
        )?;
        Ok(())
    })?;
    waiting(session.conn(), entry_id)?
        .ok_or_else(|| crate::Error::Internal("agency answer not recorded".into()))
}

/// Records that an answer is expected by `due` from the contact `entry_id` just added, in the
/// caller's transaction (the contact and its expectation are one change).
pub(crate) fn expect_in_tx(
    tx: &Connection,
    entry_id: RecordId,
    due: NaiveDate,
    actor: &str,
) -> Result<()> {
    let now = time::format(Utc::now());
    tx.execute(
        "INSERT INTO agency_answers (entry_id, event, at, due, note, recorded_at, recorded_by)
         VALUES (?1, 'expected', ?2, ?3, '', ?2, ?4)",
        params![entry_id, now, time::format_date(due), actor],
    )?;
    Ok(())
}

/// Where waiting for an answer from the contact `entry_id` stands; `None` if none was expected.
pub fn waiting(conn: &Connection, entry_id: RecordId) -> Result<Option<Waiting>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event, at, due, note FROM agency_answers WHERE entry_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([entry_id], |r| {
        Ok((
            r.get::<_, AnswerEvent>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out: Option<Waiting> = None;
    for row in rows {
        let (event, at, due, note) = row?;
        let w = out.get_or_insert(Waiting {
            last: event,
            at: at.clone(),
            due: None,
            note: String::new(),
            chases: 0,
            escalated: false,
        });
        w.last = event;
        w.at = at;
        w.note = note;
        w.due = due.as_deref().and_then(time::parse_date);
        w.chases += u32::from(event == AnswerEvent::Chased);
        w.escalated |= event == AnswerEvent::Escalated;
    }
    Ok(out)
}
