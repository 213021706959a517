//! Evidence notes — what was reported or seen, in words, never an image — and the chain of
//! custody of any device. Owns `evidence_notes`, `evidence_versions` and `custody_events`.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::RecordId;
use super::{incidents, search};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::{Error, Result};

/// What the DSL enters for an evidence note.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct EvidenceInput {
    /// What was reported or seen, described in words.
    pub description: String,
    /// The device, if any (e.g. "Year 9 pupil's iPhone, blue case").
    pub device: String,
    /// Where the device is now.
    pub device_location: String,
    /// Who holds it.
    pub held_by: String,
    /// Addresses, kept as inert text and never opened.
    pub urls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EvidenceNote {
    pub id: RecordId,
    pub incident_id: RecordId,
    pub version: RecordId,
    pub description: String,
    pub device: String,
    pub device_location: String,
    pub held_by: String,
    pub urls: Vec<String>,
    pub changed_at: String,
    pub changed_by: String,
    pub custody: Vec<CustodyEvent>,
}

text_enum! {
    CustodyKind {
        Seized = "seized", "Seized";
        Sealed = "sealed", "Sealed";
        Stored = "stored", "Stored";
        /// Handed to the police: officer and collar number required.
        HandedOver = "handed_over", "Handed to police";
        Returned = "returned", "Returned";
        Other = "other", "Other";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustodyInput {
    pub event: CustodyKind,
    /// When it happened; now if empty.
    pub at: Option<Moment>,
    /// Who did it (seized it, sealed it …).
    pub by_whom: String,
    #[serde(default)]
    pub bag_number: String,
    #[serde(default)]
    pub location: String,
    /// To whom it was handed (officer's name) or returned.
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub collar_number: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CustodyEvent {
    pub id: RecordId,
    pub event: CustodyKind,
    pub at: String,
    pub by_whom: String,
    pub bag_number: String,
    pub location: String,
    pub recipient: String,
    pub collar_number: String,
    pub note: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

struct Checked {
    description: String,
    device: String,
    device_location: String,
    held_by: String,
    urls: String,
}

/// Checks every field and reports every problem at once.
fn check(input: &EvidenceInput) -> Result<Checked> {
    let mut form = Form::default();
    let mut urls = Vec::new();
    for u in &input.urls {
        let u = form.check(fields::line(Field::Urls, u, 2000));
        if u.contains(char::is_whitespace) && !form.has(Field::Urls) {
            form.add(fields::invalid(Field::Urls, "put one address on each line"));
        }
        if !u.is_empty() {
            urls.push(u);
        }
    }
    let checked = Checked {
        description: form.check(fields::required_text(
            Field::Description,
            &input.description,
            fields::LONG,
        )),
        device: form.check(fields::line(Field::Device, &input.device, fields::SHORT)),
        device_location: form.check(fields::line(
            Field::DeviceLocation,
            &input.device_location,
            fields::SHORT,
        )),
        held_by: form.check(fields::line(Field::HeldBy, &input.held_by, fields::SHORT)),
        urls: urls.join("\n"),
    };
    form.finish()?;
    Ok(checked)
}

fn insert_version(
    tx: &Connection,
    id: RecordId,
    version: RecordId,
    c: &Checked,
    now: &str,
    actor: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO evidence_versions (note_id, version, description, device, device_location,
             held_by, urls, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            version,
            c.description,
            c.device,
            c.device_location,
            c.held_by,
            c.urls,
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
        "evidence",
        id,
        &[
            &c.description,
            &c.device,
            &c.device_location,
            &c.held_by,
            &c.urls,
        ],
    )
}

/// Adds an evidence note to an incident.
pub fn add(session: &mut Session, reference: &str, input: &EvidenceInput) -> Result<EvidenceNote> {
    let c = check(input)?;
    let incident = incidents::get(session.conn(), reference)?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        let at = time::format(now);
        tx.execute(
            "INSERT INTO evidence_notes (incident_id, created_at, created_by) VALUES (?1, ?2, ?3)",
            params![incident.id, at, actor],
        )?;
        let id = super::last_id(tx)?;
        insert_version(tx, id, 1, &c, &at, &actor)?;
        index(tx, incident.id, id, &c)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordCreated,
            &incident.reference,
            &json!({ "record": "evidence", "note": id, "version": 1 }),
        )?;
        Ok(id)
    })?;
    get(session.conn(), id)
}

/// Saves a new version of an evidence note.
pub fn amend(session: &mut Session, id: RecordId, input: &EvidenceInput) -> Result<EvidenceNote> {
    let c = check(input)?;
    let current = get(session.conn(), id)?;
    let incident = incidents::get_by_id(session.conn(), current.incident_id)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version = current.version + 1;
        insert_version(tx, id, version, &c, &time::format(now), &actor)?;
        index(tx, incident.id, id, &c)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &incident.reference,
            &json!({ "record": "evidence", "note": id, "version": version }),
        )?;
        Ok(())
    })?;
    get(session.conn(), id)
}

/// Appends a custody event (seized, sealed, stored, handed over …) to a note's chain.
pub fn record_custody(
    session: &mut Session,
    note_id: RecordId,
    input: &CustodyInput,
) -> Result<CustodyEvent> {
    let now = Utc::now();
    let mut form = Form::default();
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref()).unwrap_or(now);
    form.check(fields::not_future(Field::At, at, now));
    let by_whom = form.check(fields::required_line(
        Field::ByWhom,
        &input.by_whom,
        fields::SHORT,
    ));
    let bag_number = form.check(fields::line(Field::BagNumber, &input.bag_number, 100));
    let location = form.check(fields::line(
        Field::Location,
        &input.location,
        fields::SHORT,
    ));
    let recipient = form.check(fields::line(
        Field::Recipient,
        &input.recipient,
        fields::SHORT,
    ));
    let collar_number = form.check(fields::line(Field::CollarNumber, &input.collar_number, 50));
    let note = form.check(fields::text(Field::Note, &input.note, fields::LONG));
    // What each kind of event must record.
    let required: &[(Field, bool, &str)] = match input.event {
        CustodyKind::Sealed => &[(
            Field::BagNumber,
            bag_number.is_empty(),
            "record the number on the evidence bag or seal",
        )],
        CustodyKind::Stored => &[(
            Field::Location,
            location.is_empty(),
            "say where the device is stored",
        )],
        CustodyKind::HandedOver => &[
            (
                Field::Recipient,
                recipient.is_empty(),
                "record the officer's name",
            ),
            (
                Field::CollarNumber,
                collar_number.is_empty(),
                "record the officer's collar number",
            ),
        ],
        CustodyKind::Returned => &[(
            Field::Recipient,
            recipient.is_empty(),
            "say to whom it was returned",
        )],
        _ => &[],
    };
    for (field, missing, problem) in required {
        if *missing && !form.has(*field) {
            form.add(fields::invalid(*field, problem));
        }
    }
    form.finish()?;
    let evidence = get(session.conn(), note_id)?;
    let incident = incidents::get_by_id(session.conn(), evidence.incident_id)?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO custody_events (note_id, event, at, by_whom, bag_number, location,
                 recipient, collar_number, note, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                note_id,
                input.event.as_str(),
                time::format(at),
                by_whom,
                bag_number,
                location,
                recipient,
                collar_number,
                note,
                time::format(now),
                actor
            ],
        )?;
        let id = super::last_id(tx)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordCreated,
            &incident.reference,
            &json!({ "record": "custody", "note": note_id, "event": input.event.as_str() }),
        )?;
        Ok(id)
    })?;
    custody(session.conn(), note_id)?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| Error::Internal("custody event not found after saving".into()))
}

const COLUMNS: &str = "n.id, n.incident_id, v.version, v.description, v.device, v.device_location,
    v.held_by, v.urls, v.changed_at, v.changed_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<EvidenceNote> {
    let urls: String = r.get(7)?;
    Ok(EvidenceNote {
        id: r.get(0)?,
        incident_id: r.get(1)?,
        version: r.get(2)?,
        description: r.get(3)?,
        device: r.get(4)?,
        device_location: r.get(5)?,
        held_by: r.get(6)?,
        urls: urls.lines().map(str::to_owned).collect(),
        changed_at: r.get(8)?,
        changed_by: r.get(9)?,
        custody: Vec::new(),
    })
}

pub fn get(conn: &Connection, id: RecordId) -> Result<EvidenceNote> {
    let mut note = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM evidence_notes n JOIN evidence_versions v ON v.note_id = n.id
                 WHERE n.id = ?1 ORDER BY v.version DESC LIMIT 1"
            ),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Evidence note {id}"),
        })?;
    note.custody = custody(conn, id)?;
    Ok(note)
}

/// Every version of a note, oldest first.
pub fn history(conn: &Connection, id: RecordId) -> Result<Vec<EvidenceNote>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM evidence_notes n JOIN evidence_versions v ON v.note_id = n.id
             WHERE n.id = ?1 ORDER BY v.version"
    ))?;
    let rows = stmt.query_map([id], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// The evidence notes of an incident, each with its chain of custody.
pub fn for_incident(conn: &Connection, reference: &str) -> Result<Vec<EvidenceNote>> {
    let incident = incidents::get(conn, reference)?;
    let ids: Vec<RecordId> = {
        let mut stmt =
            conn.prepare("SELECT id FROM evidence_notes WHERE incident_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([incident.id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// A note's chain of custody, in the order the events happened.
pub fn custody(conn: &Connection, note_id: RecordId) -> Result<Vec<CustodyEvent>> {
    let mut stmt = conn.prepare(
        "SELECT id, event, at, by_whom, bag_number, location, recipient, collar_number, note,
                    recorded_at, recorded_by
             FROM custody_events WHERE note_id = ?1 ORDER BY at, id",
    )?;
    let rows = stmt.query_map([note_id], |r| {
        Ok(CustodyEvent {
            id: r.get(0)?,
            event: r.get(1)?,
            at: r.get(2)?,
            by_whom: r.get(3)?,
            bag_number: r.get(4)?,
            location: r.get(5)?,
            recipient: r.get(6)?,
            collar_number: r.get(7)?,
            note: r.get(8)?,
            recorded_at: r.get(9)?,
            recorded_by: r.get(10)?,
        })
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}
