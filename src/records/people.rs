//! People: children and young people, adults, staff. Owns `people` and `person_versions`.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::RecordId;
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    PersonKind {
        /// A child or young person (under 18, or a learner).
        Child = "child", "Child or young person";
        Adult = "adult", "Adult";
        Staff = "staff", "Member of staff";
    }
}

/// What the DSL enters for a person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonInput {
    pub kind: PersonKind,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    pub class_year: String,
    #[serde(default)]
    pub send: bool,
    #[serde(default)]
    pub looked_after: bool,
    #[serde(default)]
    pub cp_plan: bool,
}

/// One version of a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Person {
    pub id: RecordId,
    pub version: RecordId,
    pub kind: PersonKind,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub class_year: String,
    /// Special educational needs and disabilities.
    pub send: bool,
    pub looked_after: bool,
    /// Subject of a child protection plan.
    pub cp_plan: bool,
    pub changed_at: String,
    pub changed_by: String,
}

struct Checked {
    full_name: String,
    class_year: String,
    date_of_birth: Option<String>,
}

/// Checks every field and reports every problem at once.
fn check(input: &PersonInput) -> Result<Checked> {
    let mut form = Form::default();
    let full_name = form.check(fields::required_line(
        Field::FullName,
        &input.full_name,
        fields::SHORT,
    ));
    let class_year = form.check(fields::line(Field::ClassYear, &input.class_year, 50));
    let today = Utc::now().date_naive();
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    match input.date_of_birth {
        Some(d) if d > today => {
            form.add(fields::invalid(Field::DateOfBirth, "this is in the future"))
        }
        Some(d) if d < earliest => form.add(fields::invalid(Field::DateOfBirth, "check the year")),
        _ => {}
    }
    form.finish()?;
    let date_of_birth = input.date_of_birth.map(time::format_date);
    Ok(Checked {
        full_name,
        class_year,
        date_of_birth,
    })
}

fn insert_version(
    tx: &Connection,
    id: RecordId,
    version: RecordId,
    input: &PersonInput,
    c: &Checked,
    now: &str,
    actor: &str,
) -> Result<()> {
    // The name index holds the current name only.
    tx.execute("DELETE FROM people_search WHERE rowid = ?1", [id])?;
    tx.execute(
        "INSERT INTO people_search (rowid, name) VALUES (?1, ?2)",
        params![id, c.full_name],
    )?;
    tx.execute(
        "INSERT INTO person_versions (person_id, version, kind, full_name, date_of_birth,
             class_year, send, looked_after, cp_plan, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id,
            version,
            input.kind.as_str(),
            c.full_name,
            c.date_of_birth,
            c.class_year,
            input.send,
            input.looked_after,
            input.cp_plan,
            now,
            actor
        ],
    )?;
    Ok(())
}

/// Adds a person.
pub fn create(session: &mut Session, input: &PersonInput) -> Result<Person> {
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| create_in_tx(tx, &actor, input))?;
    get(session.conn(), id)
}

/// [`create`] inside a transaction the caller holds (and commits).
pub fn create_in_tx(tx: &Connection, actor: &str, input: &PersonInput) -> Result<RecordId> {
    let checked = check(input)?;
    let now = Utc::now();
    let at = time::format(now);
    tx.execute(
        "INSERT INTO people (created_at, created_by) VALUES (?1, ?2)",
        params![at, actor],
    )?;
    let id = super::last_id(tx)?;
    insert_version(tx, id, 1, input, &checked, &at, actor)?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordCreated,
        &format!("person {id}"),
        &json!({ "record": "person", "version": 1 }),
    )?;
    Ok(id)
}

/// Saves a new version of a person; the old one stays readable in [`history`].
pub fn amend(session: &mut Session, id: RecordId, input: &PersonInput) -> Result<Person> {
    let checked = check(input)?;
    let current = get(session.conn(), id)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version = current.version + 1;
        insert_version(tx, id, version, input, &checked, &time::format(now), &actor)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &format!("person {id}"),
            &json!({ "record": "person", "version": version }),
        )?;
        Ok(())
    })?;
    get(session.conn(), id)
}

const COLUMNS: &str = "person_id, version, kind, full_name, date_of_birth, class_year, send,
                       looked_after, cp_plan, changed_at, changed_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    let dob: Option<String> = r.get(4)?;
    Ok(Person {
        id: r.get(0)?,
        version: r.get(1)?,
        kind: r.get(2)?,
        full_name: r.get(3)?,
        date_of_birth: match dob {
            Some(_) => Some(time::date_column(r, 4)?),
            None => None,
        },
        class_year: r.get(5)?,
        send: r.get(6)?,
        looked_after: r.get(7)?,
        cp_plan: r.get(8)?,
        changed_at: r.get(9)?,
        changed_by: r.get(10)?,
    })
}

/// The current version of a person.
pub fn get(conn: &Connection, id: RecordId) -> Result<Person> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM person_versions WHERE person_id = ?1 ORDER BY version DESC LIMIT 1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: format!("Person {id}"),
    })
}

/// Every version of a person, oldest first.
pub fn history(conn: &Connection, id: RecordId) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM person_versions WHERE person_id = ?1 ORDER BY version"
    ))?;
    let rows = stmt.query_map([id], from_row)?;
    let all = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    if all.is_empty() {
        return Err(Error::NotFound {
            what: format!("Person {id}"),
        });
    }
    Ok(all)
}

/// People whose name matches every word of `text` (each word as the start of a name part),
/// folded for case and accents, by name; at most `limit`.
pub fn search(conn: &Connection, text: &str, limit: u32) -> Result<Vec<Person>> {
    let Some(query) = super::search::fts_query(text) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM person_versions v
         WHERE v.person_id IN (SELECT rowid FROM people_search WHERE people_search MATCH ?1)
           AND version = (SELECT max(version) FROM person_versions WHERE person_id = v.person_id)
         ORDER BY full_name COLLATE NOCASE, person_id
         LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![query, limit], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// Everyone, current versions, by name.
pub fn list(conn: &Connection) -> Result<Vec<Person>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM person_versions v
             WHERE version = (SELECT max(version) FROM person_versions WHERE person_id = v.person_id)
             ORDER BY full_name COLLATE NOCASE, person_id"
        ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}
