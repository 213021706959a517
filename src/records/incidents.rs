//! Incidents: what happened, who was involved, its status and retention. Owns `incidents`,
//! `incident_versions`, `incident_people` and `reference_counters`.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::people::{self, PersonKind};
use super::search;
use super::RecordId;
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    /// The kinds of online-safety incident in the seed policies.
    Category {
        SharingNudes = "sharing_nudes", "Sharing nudes or semi-nudes";
        IndecentImages = "indecent_images", "Indecent images of children";
        OnlineSexualAbuse = "online_sexual_abuse", "Online sexual abuse or exploitation (grooming)";
        Radicalisation = "radicalisation", "Radicalisation or extremism";
        Cyberbullying = "cyberbullying", "Cyberbullying";
        OnlineHate = "online_hate", "Online hate";
        Upskirting = "upskirting", "Upskirting";
        SexualHarassment = "sexual_harassment", "Sexual harassment";
        InappropriateContent = "inappropriate_content", "Inappropriate content or misuse";
        FilteringBreach = "filtering_breach", "Filtering or monitoring breach";
        AllegationAgainstStaff = "allegation_against_staff", "Allegation against staff";
        ComputerMisuse = "computer_misuse", "Computer misuse";
        Other = "other", "Other";
    }
}

text_enum! {
    /// The 4 Cs of online risk (KCSIE).
    FourC {
        Content = "content", "Content";
        Contact = "contact", "Contact";
        Conduct = "conduct", "Conduct";
        Commerce = "commerce", "Commerce";
    }
}

text_enum! {
    Risk {
        Low = "low", "Low";
        Medium = "medium", "Medium";
        High = "high", "High";
        Immediate = "immediate", "Immediate danger";
    }
}

text_enum! {
    Status {
        Open = "open", "Open";
        Referred = "referred", "Referred";
        Monitoring = "monitoring", "Monitoring";
        Closed = "closed", "Closed";
    }
}

text_enum! {
    /// How a person is involved in an incident.
    Role {
        Subject = "subject", "Subject";
        Victim = "victim", "Victim";
        AllegedHarmer = "alleged_harmer", "Alleged harmer";
        Witness = "witness", "Witness";
        Reporter = "reporter", "Reporter";
        ParentCarer = "parent_carer", "Parent or carer";
        MakingAllegation = "making_allegation", "Person making the allegation";
        CaseManager = "case_manager", "Case manager";
        Professional = "professional", "Professional";
    }
}

/// What the DSL enters for an incident (new or amended).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IncidentInput {
    /// When it happened, if known.
    pub occurred_at: Option<Moment>,
    /// When it was reported to the DSL; `None`: now, as it is saved.
    pub reported_at: Option<Moment>,
    pub reported_by: String,
    /// Required: `None` is a form where nothing was chosen yet.
    pub category: Option<Category>,
    pub four_cs: Vec<FourC>,
    pub summary: String,
    /// The child's own words, verbatim.
    #[serde(default)]
    pub childs_words: String,
    /// Required, with no default: a hurried DSL must not leave "medium" by accident.
    pub risk: Option<Risk>,
    pub status: Status,
    /// Required when the status is closed.
    #[serde(default)]
    pub outcome: String,
    /// Leave empty for the default (see [`default_retention`]).
    pub retention_until: Option<NaiveDate>,
}

/// A person linked to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonLink {
    pub person_id: RecordId,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LinkedPerson {
    pub person_id: RecordId,
    pub full_name: String,
    pub kind: PersonKind,
    pub role: Role,
}

/// One version of an incident, with the people linked now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Incident {
    pub id: RecordId,
    pub reference: String,
    pub version: RecordId,
    pub occurred_at: Option<String>,
    pub reported_at: String,
    pub reported_by: String,
    pub category: Category,
    pub four_cs: Vec<FourC>,
    pub summary: String,
    pub childs_words: String,
    pub risk: Risk,
    pub status: Status,
    pub outcome: String,
    pub retention_until: NaiveDate,
    pub retention_auto: bool,
    pub changed_at: String,
    pub changed_by: String,
    pub people: Vec<LinkedPerson>,
}

struct Checked {
    category: Category,
    risk: Risk,
    occurred_at: Option<DateTime<Utc>>,
    reported_at: DateTime<Utc>,
    reported_by: String,
    four_cs: String,
    summary: String,
    childs_words: String,
    outcome: String,
}

/// Checks every field and reports every problem at once.
fn check(input: &IncidentInput) -> Result<Checked> {
    let now = Utc::now();
    let mut form = Form::default();
    let reported_at =
        time::typed::read_moment(&mut form, Field::ReportedAt, input.reported_at.as_ref())
            .unwrap_or(now);
    let occurred_at =
        time::typed::read_moment(&mut form, Field::OccurredAt, input.occurred_at.as_ref());
    form.check(fields::not_future(Field::ReportedAt, reported_at, now));
    if let Some(occurred) = occurred_at {
        form.check(fields::not_future(Field::OccurredAt, occurred, now));
        if !form.has(Field::OccurredAt) && occurred > reported_at + chrono::Duration::minutes(5) {
            form.add(fields::invalid(
                Field::OccurredAt,
                "this is after it was reported; check both times",
            ));
        }
    }
    // In the order the form shows them, so the error summary reads down the page.
    let reported_by = form.check(fields::required_line(
        Field::ReportedBy,
        &input.reported_by,
        fields::SHORT,
    ));
    if input.category.is_none() {
        form.add(fields::invalid(
            Field::Category,
            "choose the kind of incident",
        ));
    }
    if input.risk.is_none() {
        form.add(fields::invalid(Field::Risk, "choose the level of risk"));
    }
    let summary = form.check(fields::required_text(
        Field::Summary,
        &input.summary,
        fields::LONG,
    ));
    let childs_words = form.check(fields::text(
        Field::ChildsWords,
        &input.childs_words,
        fields::LONG,
    ));
    let outcome = form.check(fields::text(Field::Outcome, &input.outcome, fields::LONG));
    if input.status == Status::Closed && outcome.is_empty() && !form.has(Field::Outcome) {
        form.add(fields::invalid(
            Field::Outcome,
            "record the outcome before closing the incident",
        ));
    }
    form.finish()?;
    let four_cs = FourC::ALL
        .iter()
        .filter(|c| input.four_cs.contains(c))
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",");
    Ok(Checked {
        category: input.category.unwrap_or(Category::Other),
        risk: input.risk.unwrap_or(Risk::Low),
        occurred_at,
        reported_at,
        reported_by,
        four_cs,
        summary,
        childs_words,
        outcome,
    })
}

/// Default retention (IRMS toolkit): child protection records until the youngest child's date
/// of birth plus 25 years; allegations against staff until the adult's normal retirement age
/// (taken as 67) or 10 years, whichever is later, and never before the child protection rule
/// for any child in it (the child's disclosure is a child protection record too). With no date
/// of birth known, the report date plus 25 years (or 10 for allegations with no child): longer
/// rather than shorter.
///
/// `child_years` is the organisation's period for child protection records (25 unless it
/// chose longer: [`super::local_practice`]).
pub fn default_retention(
    category: Category,
    reported: NaiveDate,
    people: &[(PersonKind, Option<NaiveDate>)],
    child_years: u32,
) -> NaiveDate {
    let plus = |d: NaiveDate, years: u32| {
        d.checked_add_months(Months::new(12 * years))
            .unwrap_or(NaiveDate::MAX)
    };
    let children: Vec<Option<NaiveDate>> = people
        .iter()
        .filter(|(k, _)| *k == PersonKind::Child)
        .map(|(_, dob)| *dob)
        .collect();
    // The youngest child's date of birth plus the period; a child whose date of birth is not
    // known counts as born on the report date.
    let child_rule = children
        .iter()
        .map(|dob| plus(dob.unwrap_or(reported), child_years))
        .max();
    if category == Category::AllegationAgainstStaff {
        let ten_years = plus(reported, 10);
        let retirement = people
            .iter()
            // The adult the allegation is about: staff (or another adult working with
            // children), not a parent or a professional on the incident.
            .filter(|(k, _)| matches!(k, PersonKind::Staff | PersonKind::Adult))
            .filter_map(|(_, dob)| dob.map(|d| plus(d, 67)))
            .max();
        let staff_rule = retirement.map_or(ten_years, |r| r.max(ten_years));
        return child_rule.map_or(staff_rule, |c| c.max(staff_rule));
    }
    child_rule.unwrap_or_else(|| plus(reported, child_years))
}

/// Reserves the next reference for `year`: `CB-2026-0001`, … never reused (`DEMO-2026-0001`
/// in a demo vault, so a fictional record can never be taken for a real one).
fn next_reference(tx: &Connection, year: i32) -> Result<String> {
    tx.execute(
        "INSERT INTO reference_counters (year, last_number) VALUES (?1, 1)
         ON CONFLICT(year) DO UPDATE SET last_number = last_number + 1",
        [year],
    )?;
    let n: RecordId = tx.query_row(
        "SELECT last_number FROM reference_counters WHERE year = ?1",
        [year],
        |r| r.get(0),
    )?;
    let prefix = if crate::organisation::is_demo(tx)? {
        "DEMO"
    } else {
        "CB"
    };
    Ok(format!("{prefix}-{year}-{n:04}"))
}

/// Creates an incident with the people involved. One transaction: all or nothing.
pub fn create(
    session: &mut Session,
    input: &IncidentInput,
    links: &[PersonLink],
) -> Result<Incident> {
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| create_in_tx(tx, &actor, input, links))?;
    get_by_id(session.conn(), id)
}

/// Someone not recorded yet, added on the new-incident form: recorded with the incident, in the
/// same transaction, so that an incident refused (or a draft discarded) leaves no stray person
/// in the vault.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NewPersonLink {
    pub person: people::PersonInput,
    pub role: Role,
}

/// [`create`], also recording `new_people` and linking them, all or nothing.
pub fn create_with_new_people(
    session: &mut Session,
    input: &IncidentInput,
    links: &[PersonLink],
    new_people: &[NewPersonLink],
) -> Result<Incident> {
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let mut all = links.to_vec();
        for new in new_people {
            let person_id = people::create_in_tx(tx, &actor, &new.person)?;
            all.push(PersonLink {
                person_id,
                role: new.role,
            });
        }
        create_in_tx(tx, &actor, input, &all)
    })?;
    get_by_id(session.conn(), id)
}

/// [`create`] inside a transaction the caller holds (and commits).
pub fn create_in_tx(
    tx: &Connection,
    actor: &str,
    input: &IncidentInput,
    links: &[PersonLink],
) -> Result<RecordId> {
    let checked = check(input)?;
    let mut involved = Vec::with_capacity(links.len());
    for link in links {
        let p = people::get(tx, link.person_id)?;
        involved.push((p.kind, p.latest_birth_date()));
    }
    let now = Utc::now();
    let at = time::format(now);
    let reference = next_reference(tx, checked.reported_at.year())?;
    tx.execute(
        "INSERT INTO incidents (reference, created_at, created_by) VALUES (?1, ?2, ?3)",
        params![reference, at, actor],
    )?;
    let id = super::last_id(tx)?;
    for link in links {
        tx.execute(
            "INSERT INTO incident_people (incident_id, person_id, role, action, at, by_whom)
             VALUES (?1, ?2, ?3, 'added', ?4, ?5)",
            params![id, link.person_id, link.role.as_str(), at, actor],
        )?;
    }
    let child_years = super::local_practice::retention_period(tx)?.child_years;
    let retention = input.retention_until.unwrap_or_else(|| {
        default_retention(
            checked.category,
            checked.reported_at.date_naive(),
            &involved,
            child_years,
        )
    });
    insert_version(tx, id, 1, input, &checked, retention, &at, actor)?;
    index(tx, id, &checked)?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordCreated,
        &reference,
        &json!({ "record": "incident", "version": 1, "people": links.len() }),
    )?;
    Ok(id)
}

/// Saves a new version of an incident; the old one stays in [`history`].
pub fn amend(session: &mut Session, reference: &str, input: &IncidentInput) -> Result<Incident> {
    let checked = check(input)?;
    let current = get(session.conn(), reference)?;
    let involved = involved(session.conn(), &current)?;
    let child_years = super::local_practice::retention_period(session.conn())?.child_years;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version = current.version + 1;
        let retention = input.retention_until.unwrap_or_else(|| {
            default_retention(
                checked.category,
                checked.reported_at.date_naive(),
                &involved,
                child_years,
            )
        });
        insert_version(
            tx,
            current.id,
            version,
            input,
            &checked,
            retention,
            &time::format(now),
            &actor,
        )?;
        index(tx, current.id, &checked)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &current.reference,
            &json!({ "record": "incident", "version": version }),
        )?;
        Ok(())
    })?;
    get_by_id(session.conn(), current.id)
}

/// Brings incident `id`'s retention date forward to `until` (never later than it is), by a new
/// version that copies the current one with that date, inside the caller's transaction; `why`
/// goes in its audit entry. Returns whether it changed. For the organisation's rule after a
/// child's file is transferred (`transfers`).
pub(crate) fn bring_retention_forward_in_tx(
    tx: &Connection,
    actor: &str,
    id: RecordId,
    until: NaiveDate,
    why: &str,
) -> Result<bool> {
    let (reference, version, current): (String, RecordId, String) = tx.query_row(
        "SELECT i.reference, h.version, h.retention_until FROM incident_heads h
         JOIN incidents i ON i.id = h.incident_id WHERE h.incident_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if time::parse_date(&current).is_some_and(|d| d <= until) {
        return Ok(false);
    }
    let now = Utc::now();
    let at = time::format(now);
    tx.execute(
        "INSERT INTO incident_versions (incident_id, version, occurred_at, reported_at,
             reported_by, category, four_cs, summary, childs_words, risk, status, outcome,
             retention_until, retention_auto, changed_at, changed_by)
         SELECT incident_id, version + 1, occurred_at, reported_at, reported_by, category,
             four_cs, summary, childs_words, risk, status, outcome, ?3, 0, ?4, ?5
         FROM incident_versions WHERE incident_id = ?1 AND version = ?2",
        params![id, version, time::format_date(until), at, actor],
    )?;
    tx.execute(
        "UPDATE incident_heads SET version = ?2, retention_until = ?3 WHERE incident_id = ?1",
        params![id, version + 1, time::format_date(until)],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordAmended,
        &reference,
        &json!({ "record": "incident", "version": version + 1,
                 "retention_until": time::format_date(until), "why": why }),
    )?;
    Ok(true)
}

/// Links a person with a role (an event; a version of the incident is not needed).
pub fn link_person(session: &mut Session, reference: &str, link: PersonLink) -> Result<Incident> {
    change_link(session, reference, link, "added")
}

/// Removes a person's link (recorded as an event; the earlier link stays in the record).
pub fn unlink_person(session: &mut Session, reference: &str, link: PersonLink) -> Result<Incident> {
    change_link(session, reference, link, "removed")
}

/// Changes a person's role on an incident: the old role's link is removed and the new one
/// added, in one transaction (both events stay in the record).
pub fn change_role(
    session: &mut Session,
    reference: &str,
    person_id: RecordId,
    from: Role,
    to: Role,
) -> Result<Incident> {
    let incident = get(session.conn(), reference)?;
    let has = |role: Role| {
        incident
            .people
            .iter()
            .any(|p| p.person_id == person_id && p.role == role)
    };
    if !has(from) {
        return Err(fields::invalid(
            Field::Person,
            &format!(
                "this person is not recorded here as {}",
                from.label().to_lowercase()
            ),
        ));
    }
    if from == to || has(to) {
        return Ok(incident);
    }
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        for (role, action) in [(from, "removed"), (to, "added")] {
            tx.execute(
                "INSERT INTO incident_people (incident_id, person_id, role, action, at, by_whom)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![incident.id, person_id, role.as_str(), action, time::format(now), actor],
            )?;
        }
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &incident.reference,
            &json!({ "record": "incident_person", "person": person_id, "from": from.as_str(), "to": to.as_str() }),
        )
    })?;
    get_by_id(session.conn(), incident.id)
}

/// The ids of the people linked to an incident now (in any role).
pub fn people_on(conn: &Connection, incident_id: RecordId) -> Result<Vec<RecordId>> {
    let mut ids: Vec<RecordId> = linked_people(conn, incident_id)?
        .into_iter()
        .map(|p| p.person_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn change_link(
    session: &mut Session,
    reference: &str,
    link: PersonLink,
    action: &str,
) -> Result<Incident> {
    let incident = get(session.conn(), reference)?;
    people::get(session.conn(), link.person_id)?;
    let linked = incident
        .people
        .iter()
        .any(|p| p.person_id == link.person_id && p.role == link.role);
    if (action == "added") == linked {
        return Ok(incident);
    }
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO incident_people (incident_id, person_id, role, action, at, by_whom)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![incident.id, link.person_id, link.role.as_str(), action, time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &incident.reference,
            &json!({ "record": "incident_person", "person": link.person_id, "role": link.role.as_str(), "action": action }),
        )?;
        Ok(())
    })?;
    get_by_id(session.conn(), incident.id)
}

#[allow(clippy::too_many_arguments)]
fn insert_version(
    tx: &Connection,
    id: RecordId,
    version: RecordId,
    input: &IncidentInput,
    c: &Checked,
    retention: NaiveDate,
    now: &str,
    actor: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO incident_versions (incident_id, version, occurred_at, reported_at,
             reported_by, category, four_cs, summary, childs_words, risk, status, outcome,
             retention_until, retention_auto, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            id,
            version,
            c.occurred_at.map(time::format),
            time::format(c.reported_at),
            c.reported_by,
            c.category.as_str(),
            c.four_cs,
            c.summary,
            c.childs_words,
            c.risk.as_str(),
            input.status.as_str(),
            c.outcome,
            time::format_date(retention),
            input.retention_until.is_none(),
            now,
            actor
        ],
    )?;
    tx.execute(
        "INSERT INTO incident_heads (incident_id, version, reported_at, status, category,
             retention_until, four_cs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(incident_id) DO UPDATE SET version = excluded.version,
             reported_at = excluded.reported_at, status = excluded.status,
             category = excluded.category, retention_until = excluded.retention_until,
             four_cs = excluded.four_cs",
        params![
            id,
            version,
            time::format(c.reported_at),
            input.status.as_str(),
            c.category.as_str(),
            time::format_date(retention),
            c.four_cs
        ],
    )?;
    Ok(())
}

fn index(tx: &Connection, id: RecordId, c: &Checked) -> Result<()> {
    search::index(tx, id, "summary", id, &c.summary)?;
    search::index(tx, id, "childs_words", id, &c.childs_words)
}

fn involved(
    conn: &Connection,
    incident: &Incident,
) -> Result<Vec<(PersonKind, Option<NaiveDate>)>> {
    incident
        .people
        .iter()
        .map(|p| people::get(conn, p.person_id).map(|x| (x.kind, x.latest_birth_date())))
        .collect()
}

const COLUMNS: &str = "i.id, i.reference, v.version, v.occurred_at, v.reported_at, v.reported_by,
    v.category, v.four_cs, v.summary, v.childs_words, v.risk, v.status, v.outcome,
    v.retention_until, v.retention_auto, v.changed_at, v.changed_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Incident> {
    let text = |i: usize| r.get::<_, String>(i);
    let four_cs: String = text(7)?;
    Ok(Incident {
        id: r.get(0)?,
        reference: text(1)?,
        version: r.get(2)?,
        occurred_at: r.get(3)?,
        reported_at: text(4)?,
        reported_by: text(5)?,
        category: r.get(6)?,
        four_cs: four_cs.split(',').filter_map(FourC::parse).collect(),
        summary: text(8)?,
        childs_words: text(9)?,
        risk: r.get(10)?,
        status: r.get(11)?,
        outcome: text(12)?,
        retention_until: time::date_column(r, 13)?,
        retention_auto: r.get(14)?,
        changed_at: text(15)?,
        changed_by: text(16)?,
        people: Vec::new(),
    })
}

/// The current version of the incident with this reference.
pub fn get(conn: &Connection, reference: &str) -> Result<Incident> {
    let id: Option<RecordId> = conn
        .query_row(
            "SELECT id FROM incidents WHERE reference = ?1",
            [reference.trim().to_uppercase()],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_by_id(conn, id),
        None => Err(Error::NotFound {
            what: format!("Incident {}", reference.trim()),
        }),
    }
}

pub fn get_by_id(conn: &Connection, id: RecordId) -> Result<Incident> {
    let mut incident = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM incidents i JOIN incident_versions v ON v.incident_id = i.id
                 WHERE i.id = ?1 ORDER BY v.version DESC LIMIT 1"
            ),
            [id],
            from_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Incident {id}"),
        })?;
    incident.people = linked_people(conn, id)?;
    Ok(incident)
}

/// Every version, oldest first (people as linked now).
pub fn history(conn: &Connection, reference: &str) -> Result<Vec<Incident>> {
    let current = get(conn, reference)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM incidents i JOIN incident_versions v ON v.incident_id = i.id
             WHERE i.id = ?1 ORDER BY v.version"
    ))?;
    let rows = stmt.query_map([current.id], from_row)?;
    rows.map(|r| {
        r.map(|mut i| {
            i.people = current.people.clone();
            i
        })
    })
    .collect::<rusqlite::Result<Vec<_>>>()
    .map_err(Error::from)
}

/// The people linked now: for each person and role, the latest link event is "added".
fn linked_people(conn: &Connection, incident_id: RecordId) -> Result<Vec<LinkedPerson>> {
    let mut stmt = conn.prepare(
        "SELECT l.person_id, l.role FROM incident_people l
             WHERE l.incident_id = ?1 AND l.action = 'added'
               AND l.id = (SELECT max(id) FROM incident_people
                           WHERE incident_id = l.incident_id AND person_id = l.person_id
                             AND role = l.role)
             ORDER BY l.id",
    )?;
    let rows = stmt.query_map([incident_id], |r| {
        Ok((r.get::<_, RecordId>(0)?, r.get::<_, Role>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (person_id, role) = row?;
        let p = people::get(conn, person_id)?;
        out.push(LinkedPerson {
            person_id,
            full_name: p.full_name,
            kind: p.kind,
            role,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn retention_follows_the_youngest_child() {
        let reported = d(2026, 11, 23);
        let people = [
            (PersonKind::Child, Some(d(2011, 3, 1))),
            (PersonKind::Child, Some(d(2013, 9, 14))),
            (PersonKind::Adult, Some(d(1980, 1, 1))),
            (PersonKind::Child, None),
        ];
        // A child whose date of birth is not known may be the youngest: kept as if born on
        // the report date (longer rather than shorter).
        assert_eq!(
            default_retention(Category::SharingNudes, reported, &people, 25),
            d(2051, 11, 23)
        );
        assert_eq!(
            default_retention(Category::SharingNudes, reported, &people[..3], 25),
            d(2038, 9, 14)
        );
        assert_eq!(
            default_retention(Category::Cyberbullying, reported, &[], 25),
            d(2051, 11, 23)
        );
    }

    #[test]
    fn retention_of_allegations_is_retirement_or_ten_years() {
        let reported = d(2026, 11, 23);
        let older = [(PersonKind::Staff, Some(d(1962, 5, 2)))];
        assert_eq!(
            default_retention(Category::AllegationAgainstStaff, reported, &older, 25),
            d(2036, 11, 23)
        );
        let younger = [(PersonKind::Staff, Some(d(1995, 5, 2)))];
        assert_eq!(
            default_retention(Category::AllegationAgainstStaff, reported, &younger, 25),
            d(2062, 5, 2)
        );
    }

    #[test]
    fn labels_and_texts_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(*c));
            assert!(!c.label().is_empty());
        }
        assert_eq!(Category::ALL.len(), 13);
    }
}
