//! Following up actions. An action in the chronology (who will do what, by when) is open until
//! someone records that it was done (when, and what happened) or that it is no longer needed
//! (and why); it can be opened again (and why). Each change is a new row in `action_states`
//! (schema 9), audited with the record it changes, never an edit.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::chronology::{self, EntryKind};
use super::{fields, incidents, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::Result;

text_enum! {
    /// Where an action stands.
    ActionState {
        Open = "open", "Open";
        Done = "done", "Done";
        NotNeeded = "not_needed", "No longer needed";
    }
}

/// What the DSL records about an action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StateChange {
    pub state: ActionState,
    /// When it was done (or decided); now if empty. Never in the future.
    pub at: Option<Moment>,
    /// What happened (done), why it is no longer needed, or why it is open again.
    pub note: String,
}

/// The current state of an action, as last recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ActionStatus {
    pub state: ActionState,
    pub at: String,
    pub note: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// Records a change of state of the action `entry_id`. Refused, changing nothing, when the
/// entry is not an action, the note is missing, or the time is in the future.
pub fn set_state(
    session: &mut Session,
    entry_id: RecordId,
    change: &StateChange,
) -> Result<ActionStatus> {
    let entry = chronology::get(session.conn(), entry_id)?;
    if entry.kind != EntryKind::Action {
        return Err(fields::invalid(
            Field::Kind,
            "only an action can be marked done or no longer needed",
        ));
    }
    let now = Utc::now();
    let mut form = Form::default();
    let at = time::typed::read_moment(&mut form, Field::At, change.at.as_ref()).unwrap_or(now);
    form.check(fields::not_future(Field::At, at, now));
    let note = form.check(fields::text(Field::Note, &change.note, fields::LONG));
    if note.is_empty() {
        form.add(fields::invalid(
            Field::Note,
            match change.state {
                ActionState::Done => "record what happened",
                ActionState::NotNeeded => "record why it is no longer needed",
                ActionState::Open => "record why it is open again",
            },
        ));
    }
    form.finish()?;
    if current(session.conn(), entry_id)?.map_or(ActionState::Open, |s| s.state) == change.state {
        return Err(fields::invalid(
            Field::ActionState,
            &format!(
                "this action is already recorded as {}",
                change.state.label().to_lowercase()
            ),
        ));
    }
    let incident = incidents::get_by_id(session.conn(), entry.incident_id)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO action_states (entry_id, state, at, note, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                entry_id,
                change.state,
                time::format(at),
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
            &json!({ "record": "action", "entry": entry_id, "state": change.state.as_str() }),
        )?;
        Ok(())
    })?;
    current(session.conn(), entry_id)?
        .ok_or_else(|| crate::Error::Internal("action state not recorded".into()))
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActionStatus> {
    Ok(ActionStatus {
        state: r.get(0)?,
        at: r.get(1)?,
        note: r.get(2)?,
        recorded_at: r.get(3)?,
        recorded_by: r.get(4)?,
    })
}

/// The current state of an action, `None` when none was ever recorded (it is open).
pub fn current(conn: &Connection, entry_id: RecordId) -> Result<Option<ActionStatus>> {
    Ok(conn
        .query_row(
            "SELECT state, at, note, recorded_at, recorded_by FROM action_states
             WHERE entry_id = ?1 ORDER BY id DESC LIMIT 1",
            [entry_id],
            from_row,
        )
        .optional()?)
}

/// Every change of state of an action, oldest first.
pub fn history(conn: &Connection, entry_id: RecordId) -> Result<Vec<ActionStatus>> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, at, note, recorded_at, recorded_by FROM action_states
         WHERE entry_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([entry_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}
