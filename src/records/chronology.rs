//! The chronology of an incident: notes, decisions with their reasons, actions, and contacts
//! with agencies. Owns `chronology_entries` and `chronology_versions`.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::RecordId;
use super::{incidents, search};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Day, Moment};
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    EntryKind {
        Note = "note", "Note";
        /// A decision; its reason is required (KCSIE: record the decision and the reason for it).
        Decision = "decision", "Decision";
        /// Something to be done, by whom, by when.
        Action = "action", "Action";
        /// A contact with an agency (police, children's social care, LADO, CEOP, Prevent …).
        AgencyContact = "agency_contact", "Contact with an agency";
    }
}

/// What the DSL enters. Fields that do not apply to the kind are left empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct EntryInput {
    pub kind: Option<EntryKind>,
    /// When it happened; now (as it is saved) if empty.
    pub occurred_at: Option<Moment>,
    pub text: String,
    pub reason: String,
    pub action_owner: String,
    pub action_due: Option<Day>,
    pub agency: String,
    pub agency_person: String,
    pub agency_outcome: String,
    pub agency_reference: String,
    /// For a contact with an agency: the date an answer is expected by, if one is (see
    /// `answers.rs`; children's social care acknowledges a referral within one working day).
    #[serde(default)]
    pub answer_due: Option<Day>,
}

/// One version of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Entry {
    pub id: RecordId,
    pub incident_id: RecordId,
    pub version: RecordId,
    pub kind: EntryKind,
    pub occurred_at: String,
    pub text: String,
    pub reason: String,
    pub action_owner: String,
    pub action_due: Option<NaiveDate>,
    pub agency: String,
    pub agency_person: String,
    pub agency_outcome: String,
    pub agency_reference: String,
    pub changed_at: String,
    pub changed_by: String,
    /// For an action: where it stands, as last recorded (`None`: open, nothing recorded).
    pub action_state: Option<super::actions::ActionStatus>,
    /// For a contact with an agency: waiting for their answer, if one was expected.
    pub answer: Option<super::answers::Waiting>,
}

/// An entry with the reference of its incident, for a person's chronology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonChronologyItem {
    pub reference: String,
    pub entry: Entry,
}

struct Checked {
    kind: EntryKind,
    occurred_at: String,
    action_due: Option<NaiveDate>,
    answer_due: Option<NaiveDate>,
    text: String,
    reason: String,
    action_owner: String,
    agency: String,
    agency_person: String,
    agency_outcome: String,
    agency_reference: String,
}

/// Checks every field and reports every problem at once.
fn check(input: &EntryInput) -> Result<Checked> {
    let now = Utc::now();
    let mut form = Form::default();
    if input.kind.is_none() {
        form.add(fields::invalid(
            Field::Kind,
            "choose note, decision, action or contact",
        ));
    }
    let occurred =
        time::typed::read_moment(&mut form, Field::OccurredAt, input.occurred_at.as_ref())
            .unwrap_or(now);
    let action_due = time::typed::read_day(&mut form, Field::ActionDue, input.action_due.as_ref());
    let answer_due = time::typed::read_day(&mut form, Field::AnswerDue, input.answer_due.as_ref());
    form.check(fields::not_future(Field::OccurredAt, occurred, now));
    // An answer is expected only from an agency, and not before it was contacted.
    if let Some(due) = answer_due {
        if input.kind != Some(EntryKind::AgencyContact) {
            form.add(fields::invalid(
                Field::AnswerDue,
                "only a contact with an agency can expect an answer",
            ));
        } else if due < occurred.date_naive() {
            form.add(fields::invalid(
                Field::AnswerDue,
                "the date is before the contact was made",
            ));
        }
    }
    // An action cannot be due before it was set (a slip of the date picker, usually).
    if let (Some(EntryKind::Action), Some(due)) = (input.kind, action_due) {
        if due < occurred.date_naive() {
            form.add(fields::invalid(
                Field::ActionDue,
                "the due date is before the action was set: check the date, or set \"When\" to when the action was agreed",
            ));
        }
    }
    let c = Checked {
        kind: input.kind.unwrap_or(EntryKind::Note),
        occurred_at: time::format(occurred),
        action_due,
        answer_due,
        text: form.check(fields::required_text(
            Field::Text,
            &input.text,
            fields::LONG,
        )),
        reason: form.check(fields::text(Field::Reason, &input.reason, fields::LONG)),
        action_owner: form.check(fields::line(
            Field::ActionOwner,
            &input.action_owner,
            fields::SHORT,
        )),
        agency: form.check(fields::line(Field::Agency, &input.agency, fields::SHORT)),
        agency_person: form.check(fields::line(
            Field::AgencyPerson,
            &input.agency_person,
            fields::SHORT,
        )),
        agency_outcome: form.check(fields::text(
            Field::AgencyOutcome,
            &input.agency_outcome,
            fields::LONG,
        )),
        agency_reference: form.check(fields::line(
            Field::AgencyReference,
            &input.agency_reference,
            fields::SHORT,
        )),
    };
    let missing = match input.kind {
        Some(EntryKind::Decision) if c.reason.is_empty() => Some((
            Field::Reason,
            "record the reason for this decision, even when it is to take no further action",
        )),
        Some(EntryKind::Action) if c.action_owner.is_empty() => {
            Some((Field::ActionOwner, "say who will do this"))
        }
        Some(EntryKind::AgencyContact) if c.agency.is_empty() => {
            Some((Field::Agency, "say which agency was contacted"))
        }
        _ => None,
    };
    if let Some((field, problem)) = missing.filter(|(f, _)| !form.has(*f)) {
        form.add(fields::invalid(field, problem));
    }
    form.finish()?;
    Ok(c)
}

fn insert_version(
    tx: &Connection,
    id: RecordId,
    version: RecordId,
    c: &Checked,
    due: Option<NaiveDate>,
    now: &str,
    actor: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO chronology_versions (entry_id, version, kind, occurred_at, text, reason,
             action_owner, action_due, agency, agency_person, agency_outcome, agency_reference,
             changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            id,
            version,
            c.kind.as_str(),
            c.occurred_at,
            c.text,
            c.reason,
            c.action_owner,
            due.map(time::format_date),
            c.agency,
            c.agency_person,
            c.agency_outcome,
            c.agency_reference,
            now,
            actor
        ],
    )?;
    Ok(())
}

fn index(tx: &Connection, incident_id: RecordId, id: RecordId, c: &Checked) -> Result<()> {
    search::index_fields(
        tx,
        incident_id,
        "chronology",
        id,
        &[
            &c.text,
            &c.reason,
            &c.agency,
            &c.agency_outcome,
            &c.agency_reference,
        ],
    )
}

/// Adds an entry to an incident's chronology.
pub fn add(session: &mut Session, reference: &str, input: &EntryInput) -> Result<Entry> {
    let incident = incidents::get(session.conn(), reference)?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| add_in_tx(tx, &incident, input, &actor))?;
    get(session.conn(), id)
}

/// Records a 999 call made from a checklist's immediate-risk panel: an agency contact with the
/// police, now, with what the DSL noted about the call.
pub fn record_emergency_call(session: &mut Session, reference: &str, note: &str) -> Result<Entry> {
    add(
        session,
        reference,
        &EntryInput {
            kind: Some(EntryKind::AgencyContact),
            occurred_at: Some(Utc::now().into()),
            text: "Called 999 (immediate risk of harm)".to_owned(),
            agency: "Police (999)".to_owned(),
            agency_outcome: note.to_owned(),
            ..EntryInput::default()
        },
    )
}

/// Adds an entry inside a transaction that is already open (used by other modules that record
/// a chronology entry as part of a larger change, e.g. a finished checklist).
pub fn add_in_tx(
    tx: &Connection,
    incident: &incidents::Incident,
    input: &EntryInput,
    actor: &str,
) -> Result<RecordId> {
    let c = check(input)?;
    add_in(tx, incident, &c, actor)
}

fn add_in(
    tx: &Connection,
    incident: &incidents::Incident,
    c: &Checked,
    actor: &str,
) -> Result<RecordId> {
    let now = Utc::now();
    let at = time::format(now);
    tx.execute(
        "INSERT INTO chronology_entries (incident_id, created_at, created_by) VALUES (?1, ?2, ?3)",
        params![incident.id, at, actor],
    )?;
    let id = super::last_id(tx)?;
    insert_version(tx, id, 1, c, c.action_due, &at, actor)?;
    index(tx, incident.id, id, c)?;
    // The answer expected is part of the same change (and of its audit entry).
    if let Some(due) = c.answer_due {
        super::answers::expect_in_tx(tx, id, due, actor)?;
    }
    audit::append(
        tx,
        now,
        actor,
        Action::RecordCreated,
        &incident.reference,
        &json!({ "record": "chronology", "entry": id, "kind": c.kind.as_str(), "version": 1 }),
    )?;
    Ok(id)
}

/// Saves a new version of an entry.
pub fn amend(session: &mut Session, id: RecordId, input: &EntryInput) -> Result<Entry> {
    let c = check(input)?;
    let current = get(session.conn(), id)?;
    let incident = incidents::get_by_id(session.conn(), current.incident_id)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version = current.version + 1;
        insert_version(
            tx,
            id,
            version,
            &c,
            c.action_due,
            &time::format(now),
            &actor,
        )?;
        index(tx, incident.id, id, &c)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &incident.reference,
            &json!({ "record": "chronology", "entry": id, "version": version }),
        )?;
        Ok(())
    })?;
    get(session.conn(), id)
}

const COLUMNS: &str = "e.id, e.incident_id, v.version, v.kind, v.occurred_at, v.text, v.reason,
    v.action_owner, v.action_due, v.agency, v.agency_person, v.agency_outcome,
    v.agency_reference, v.changed_at, v.changed_by,
    (SELECT json_object('state', s.state, 'at', s.at, 'note', s.note,
                        'recorded_at', s.recorded_at, 'recorded_by', s.recorded_by)
     FROM action_states s WHERE s.entry_id = e.id ORDER BY s.id DESC LIMIT 1)";

/// The current version of each entry, joined to its entry row.
const CURRENT: &str = "chronology_entries e JOIN chronology_versions v ON v.entry_id = e.id
    AND v.version = (SELECT max(version) FROM chronology_versions WHERE entry_id = e.id)";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Entry> {
    let due: Option<String> = r.get(8)?;
    Ok(Entry {
        id: r.get(0)?,
        incident_id: r.get(1)?,
        version: r.get(2)?,
        kind: r.get(3)?,
        occurred_at: r.get(4)?,
        text: r.get(5)?,
        reason: r.get(6)?,
        action_owner: r.get(7)?,
        action_due: match due {
            Some(_) => Some(time::date_column(r, 8)?),
            None => None,
        },
        agency: r.get(9)?,
        agency_person: r.get(10)?,
        agency_outcome: r.get(11)?,
        agency_reference: r.get(12)?,
        changed_at: r.get(13)?,
        changed_by: r.get(14)?,
        action_state: match r.get::<_, Option<String>>(15)? {
            None => None,
            Some(json) => Some(serde_json::from_str(&json).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    15,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?),
        },
        answer: None,
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<Entry> {
    let mut entry = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM {CURRENT} WHERE e.id = ?1"),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Chronology entry {id}"),
        })?;
    entry.answer = super::answers::waiting(conn, id)?;
    Ok(entry)
}

/// Every version of an entry, oldest first.
pub fn history(conn: &Connection, id: RecordId) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM chronology_entries e JOIN chronology_versions v
             ON v.entry_id = e.id WHERE e.id = ?1 ORDER BY v.version"
    ))?;
    let rows = stmt.query_map([id], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// An incident's chronology in the order things happened.
pub fn for_incident(conn: &Connection, reference: &str) -> Result<Vec<Entry>> {
    let incident = incidents::get(conn, reference)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM {CURRENT} WHERE e.incident_id = ?1 ORDER BY v.occurred_at, e.id"
    ))?;
    let rows = stmt.query_map([incident.id], from_row)?;
    let mut entries = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    for e in entries
        .iter_mut()
        .filter(|e| e.kind == EntryKind::AgencyContact)
    {
        e.answer = super::answers::waiting(conn, e.id)?;
    }
    Ok(entries)
}

/// A person's chronology across every incident they are (or were) linked to, newest first.
pub fn for_person(
    conn: &Connection,
    person_id: RecordId,
    limit: u32,
) -> Result<Vec<PersonChronologyItem>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, i.reference FROM {CURRENT}
             JOIN incidents i ON i.id = e.incident_id
             WHERE e.incident_id IN (SELECT incident_id FROM incident_people WHERE person_id = ?1)
             ORDER BY v.occurred_at DESC, e.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![person_id, limit], |r| {
        Ok(PersonChronologyItem {
            entry: from_row(r)?,
            reference: r.get(16)?,
        })
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}
