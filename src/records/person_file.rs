//! A person's page: their details as they are now (and every earlier version), their household,
//! every incident they are in with their roles, and their whole chronology across incidents.
//! Reads only; the tables belong to the modules it reads through.

use rusqlite::Connection;
use serde::Serialize;

use super::chronology::{self, PersonChronologyItem};
use super::incidents::Role;
use super::people::{self, Person};
use super::relationships::{self, Relative};
use super::search::{self, IncidentFilter, IncidentRow};
use super::RecordId;
use crate::Result;

/// The most chronology entries a page carries (the PDF carries them all).
pub const PAGE_CHRONOLOGY: u32 = 500;

/// One incident the person is in, with how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonIncident {
    pub incident: IncidentRow,
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonFile {
    pub person: Person,
    /// Every version, oldest first (the last is `person`).
    pub history: Vec<Person>,
    /// Parents and carers, children they care for, siblings, who they live with, others.
    pub household: Vec<Relative>,
    pub incidents: Vec<PersonIncident>,
    /// Newest first, at most `chronology_limit`.
    pub chronology: Vec<PersonChronologyItem>,
}

/// A person's page.
pub fn get(conn: &Connection, id: RecordId, chronology_limit: u32) -> Result<PersonFile> {
    let history = people::history(conn, id)?;
    let person = history
        .last()
        .cloned()
        .ok_or_else(|| crate::Error::NotFound {
            what: format!("Person {id}"),
        })?;
    let rows = search::incidents(
        conn,
        &IncidentFilter {
            person_id: Some(id),
            limit: Some(500),
            ..IncidentFilter::default()
        },
    )?;
    let mut roles_stmt = conn.prepare_cached(
        "SELECT l.role FROM incident_people l JOIN incidents i ON i.id = l.incident_id
         WHERE i.reference = ?1 AND l.person_id = ?2 AND l.action = 'added'
           AND l.id = (SELECT max(id) FROM incident_people
                       WHERE incident_id = l.incident_id AND person_id = l.person_id
                         AND role = l.role)
         ORDER BY l.id",
    )?;
    let mut incidents = Vec::with_capacity(rows.len());
    for incident in rows {
        let roles = roles_stmt
            .query_map(rusqlite::params![incident.reference, id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<Role>>>()?;
        incidents.push(PersonIncident { incident, roles });
    }
    Ok(PersonFile {
        person,
        history,
        household: relationships::relatives(conn, id)?,
        incidents,
        chronology: chronology::for_person(conn, id, chronology_limit)?,
    })
}
