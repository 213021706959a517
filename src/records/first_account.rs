//! Who first received the disclosure or concern (often a teacher, not the DSL) and where the
//! original note is kept (often on paper, in a locked cabinet): a court or a LADO asks for the
//! first account. Owns `first_accounts` (schema 12): appended, the newest is current.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fields, incidents, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time;
use crate::vault::Session;
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FirstAccountInput {
    pub received_by: String,
    #[serde(default)]
    pub received_role: String,
    /// Where the original handwritten or typed note is kept; empty when there is none.
    #[serde(default)]
    pub note_location: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FirstAccount {
    pub id: RecordId,
    pub received_by: String,
    pub received_role: String,
    pub note_location: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// Records (or corrects, by a newer row) who received the disclosure and where the note is.
pub fn record(
    session: &mut Session,
    reference: &str,
    input: &FirstAccountInput,
) -> Result<FirstAccount> {
    let incident = incidents::get(session.conn(), reference)?;
    let mut form = Form::default();
    let received_by = form.check(fields::required_line(
        Field::ReceivedBy,
        &input.received_by,
        fields::SHORT,
    ));
    let role = form.check(fields::line(
        Field::ReceivedRole,
        &input.received_role,
        fields::SHORT,
    ));
    let location = form.check(fields::line(
        Field::NoteLocation,
        &input.note_location,
        fields::SHORT,
    ));
    form.finish()?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO first_accounts (incident_id, received_by, received_role, note_location,
                 recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                incident.id,
                received_by,
                role,
                location,
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
            reference,
            &json!({ "record": "first_account", "id": id }),
        )
    })?;
    current(session.conn(), incident.id)?
        .ok_or_else(|| crate::Error::Internal("a first account just saved is not there".into()))
}

/// The newest record for an incident, if any.
pub fn current(conn: &Connection, incident_id: RecordId) -> Result<Option<FirstAccount>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, received_by, received_role, note_location, recorded_at, recorded_by
             FROM first_accounts WHERE incident_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([incident_id], |r| {
            Ok(FirstAccount {
                id: r.get(0)?,
                received_by: r.get(1)?,
                received_role: r.get(2)?,
                note_location: r.get(3)?,
                recorded_at: r.get(4)?,
                recorded_by: r.get(5)?,
            })
        })
        .optional()?)
}
