//! Subject access requests (UK GDPR Article 15): a child, a parent or someone acting for a
//! person asks for the information held about them. Owns `subject_access_requests` and
//! `subject_access_events` (schema 18).
//!
//! The time limit is the ICO's ("Right of access: how long do we have to comply?"): from the
//! day the request is received (or, if later, the day the identity or clarification asked for
//! arrives) to the corresponding calendar date in the next month; the last day of that month
//! when it has no such date; the next working day when it falls on a weekend or a bank
//! holiday. School holidays do not extend it (ICO, "Education data": a request received in the
//! holidays is still due within the month), so the organisation's closure days are not skipped.
//! A complex or numerous request may be extended by two further months, with the reason, told
//! to the requester within the first month.
//!
//! Parts of the response may be withheld under an exemption (DPA 2018 Schedules 2 and 3) with
//! the reason: the reason is kept here and never shown in the response.

use chrono::{Months, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fields, people, RecordId};
use crate::audit::{self, Action};
use crate::calendar;
use crate::error::{Field, Form};
use crate::time::{self, Day};
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    /// Who asked.
    Requester {
        Themselves = "themselves", "The person the information is about";
        ParentCarer = "parent_carer", "A parent or carer, for a child";
        Representative = "representative", "Someone acting for them, with their written authority";
    }
}

text_enum! {
    /// Why a part is withheld (DPA 2018). Third parties' details are not an exemption to choose:
    /// they are redacted by role throughout (Schedule 2, Part 3, para 16, "protection of the
    /// rights of others").
    Exemption {
        SeriousHarm = "serious_harm", "Serious harm: disclosure would be likely to cause serious harm to the physical or mental health of the child or another person (DPA 2018 Sch. 3 Part 4, education data, the serious harm test of para 17(2))";
        ChildAbuse = "child_abuse", "Child abuse data: asked for by a parent, and disclosure would not be in the child's best interests (DPA 2018 Sch. 3 Part 5)";
        SocialWork = "social_work", "Social work data: disclosure would be likely to prejudice social work by causing serious harm (DPA 2018 Sch. 3 Part 3)";
        Crime = "crime", "Crime: disclosure would be likely to prejudice the prevention or detection of crime or the prosecution of offenders (DPA 2018 Sch. 2 Part 1 para 2)";
        LegalPrivilege = "legal_privilege", "Legal professional privilege (DPA 2018 Sch. 2 Part 4 para 19)";
        ConfidentialReference = "confidential_reference", "A confidential reference (DPA 2018 Sch. 2 Part 4 para 24)";
    }
}

text_enum! {
    /// What happened to a request.
    RequestEventKind {
        Extended = "extended", "Extended by two months";
        Withheld = "withheld", "Part withheld";
        Released = "released", "Part no longer withheld";
        Responded = "responded", "Signed response made";
    }
}

/// What the DSL records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RequestInput {
    pub person_id: RecordId,
    /// Who asked, by name.
    pub requester: String,
    pub relation: Requester,
    /// The day the request (and any proof of identity asked for) was received.
    pub received_on: Option<Day>,
    /// How their identity (and, for someone acting for another, their authority) was checked.
    pub identity_checked: String,
}

/// A part withheld, with why (kept in the vault, never in the response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Withheld {
    /// The part of the file ("entry 14", "evidence 3", "CB-2026-0001 what happened").
    pub part: String,
    pub exemption: Exemption,
    pub reason: String,
    pub at: String,
    pub by: String,
}

/// One event of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RequestEvent {
    pub kind: RequestEventKind,
    pub at: String,
    pub detail: String,
    pub recorded_by: String,
}

/// A request with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Request {
    pub id: RecordId,
    pub person_id: RecordId,
    pub subject_name: String,
    pub requester: String,
    pub relation: Requester,
    pub received_on: NaiveDate,
    pub identity_checked: String,
    /// One calendar month on, or three once extended.
    pub due: NaiveDate,
    /// Why it was extended, if it was.
    pub extended: Option<String>,
    /// Parts withheld now.
    pub withheld: Vec<Withheld>,
    pub events: Vec<RequestEvent>,
    /// A signed response was made.
    pub responded: bool,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// `months` calendar months from `received` (the ICO's rule): the corresponding date, or the
/// last day of that month when it has none; then the next working day if that is a weekend
/// or a bank holiday. Closure days do not count: school holidays do not extend the time.
pub fn due_date(received: NaiveDate, months: u32) -> NaiveDate {
    // chrono's month arithmetic already clamps to the month's last day (30 January + 1 month
    // is 28 or 29 February).
    let mut day = received
        .checked_add_months(Months::new(months))
        .unwrap_or(received);
    while !calendar::is_working_day(day, &[]) {
        day = day.succ_opt().unwrap_or(day);
    }
    day
}

/// The audit subject of request `id`.
pub fn subject(id: RecordId) -> String {
    format!("subject access request {id}")
}

/// Records a request. Refused, every problem at once, for a missing requester, date or
/// identity check, or a date in the future.
pub fn record(session: &mut Session, input: &RequestInput) -> Result<Request> {
    let person = people::get(session.conn(), input.person_id)?;
    let mut form = Form::default();
    let requester = form.check(fields::required_line(
        Field::Requester,
        &input.requester,
        fields::SHORT,
    ));
    let identity = form.check(fields::required_text(
        Field::IdentityChecked,
        &input.identity_checked,
        2_000,
    ));
    let received = time::typed::read_day(&mut form, Field::ReceivedOn, input.received_on.as_ref());
    let today = time::uk_date(Utc::now());
    match received {
        None if !form.has(Field::ReceivedOn) => {
            form.add(fields::invalid(Field::ReceivedOn, "enter the date"))
        }
        Some(d) if d > today => form.add(fields::invalid(
            Field::ReceivedOn,
            "the date cannot be in the future",
        )),
        _ => {}
    }
    form.finish()?;
    let received = received.ok_or_else(|| Error::Internal("checked above".into()))?;
    let due = due_date(received, 1);
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO subject_access_requests (person_id, subject_name, requester,
                 requester_relation, received_on, identity_checked, due, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                person.id,
                person.full_name,
                requester,
                input.relation,
                time::format_date(received),
                identity,
                time::format_date(due),
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
            &subject(id),
            &json!({ "record": "subject_access_request", "person": person.id,
                     "relation": input.relation.as_str() }),
        )?;
        Ok(id)
    })?;
    get(session.conn(), id)
}

fn add_event(
    session: &mut Session,
    id: RecordId,
    kind: RequestEventKind,
    detail: &serde_json::Value,
) -> Result<Request> {
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO subject_access_events (request_id, kind, at, detail, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, kind, time::format(now), detail.to_string(), time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &subject(id),
            &json!({ "record": "subject_access_event", "kind": kind.as_str() }),
        )?;
        Ok(())
    })?;
    get(session.conn(), id)
}

/// Extends a request by two further months, with the reason (complex or numerous). Once
/// only, before the first month is out, and not after the response.
pub fn extend(session: &mut Session, id: RecordId, reason: &str) -> Result<Request> {
    let r = get(session.conn(), id)?;
    let reason = fields::required_text(Field::Reason, reason, 2_000)?;
    let today = time::uk_date(Utc::now());
    let problem = if r.extended.is_some() {
        Some("it is already extended: two further months is the most the law allows")
    } else if r.responded {
        Some("it has been answered")
    } else if today > r.due {
        Some("an extension must be decided, and told to the requester, within the first month")
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(fields::invalid(Field::Reason, p));
    }
    add_event(
        session,
        id,
        RequestEventKind::Extended,
        &json!({ "reason": reason }),
    )
}

/// Withholds `part` of the response under `exemption`, with the reason (kept in the vault).
pub fn withhold(
    session: &mut Session,
    id: RecordId,
    part: &str,
    exemption: Exemption,
    reason: &str,
) -> Result<Request> {
    get(session.conn(), id)?;
    let mut form = Form::default();
    let reason = form.check(fields::required_text(Field::Reason, reason, 2_000));
    let part = form.check(fields::required_line(Field::Part, part, fields::SHORT));
    form.finish()?;
    add_event(
        session,
        id,
        RequestEventKind::Withheld,
        &json!({ "part": part, "exemption": exemption.as_str(), "reason": reason }),
    )
}

/// No longer withholds `part`.
pub fn release(session: &mut Session, id: RecordId, part: &str) -> Result<Request> {
    let r = get(session.conn(), id)?;
    if !r.withheld.iter().any(|w| w.part == part) {
        return Err(fields::invalid(Field::Part, "that part is not withheld"));
    }
    add_event(
        session,
        id,
        RequestEventKind::Released,
        &json!({ "part": part }),
    )
}

/// Records the signed response inside the caller's transaction.
pub(crate) fn responded_in_tx(
    tx: &Connection,
    actor: &str,
    id: RecordId,
    detail: &serde_json::Value,
) -> Result<()> {
    let now = Utc::now();
    tx.execute(
        "INSERT INTO subject_access_events (request_id, kind, at, detail, recorded_at, recorded_by)
         VALUES (?1, 'responded', ?2, ?3, ?4, ?5)",
        params![
            id,
            time::format(now),
            detail.to_string(),
            time::format(now),
            actor
        ],
    )?;
    Ok(())
}

const SELECT: &str = "SELECT id, person_id, subject_name, requester, requester_relation,
    received_on, identity_checked, due, recorded_at, recorded_by FROM subject_access_requests";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Request> {
    Ok(Request {
        id: r.get(0)?,
        person_id: r.get(1)?,
        subject_name: r.get(2)?,
        requester: r.get(3)?,
        relation: r.get(4)?,
        received_on: time::date_column(r, 5)?,
        identity_checked: r.get(6)?,
        due: time::date_column(r, 7)?,
        extended: None,
        withheld: Vec::new(),
        events: Vec::new(),
        responded: false,
        recorded_at: r.get(8)?,
        recorded_by: r.get(9)?,
    })
}

fn with_events(conn: &Connection, mut r: Request) -> Result<Request> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, at, detail, recorded_by FROM subject_access_events
         WHERE request_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([r.id], |x| {
        Ok((
            x.get::<_, RequestEventKind>(0)?,
            x.get::<_, String>(1)?,
            x.get::<_, String>(2)?,
            x.get::<_, String>(3)?,
        ))
    })?;
    for row in rows {
        let (kind, at, detail, by) = row?;
        let d: serde_json::Value = serde_json::from_str(&detail)
            .map_err(|_| Error::Internal("a request's event is not JSON".into()))?;
        let text = |k: &str| {
            d.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let words = match kind {
            RequestEventKind::Extended => {
                r.extended = Some(text("reason"));
                r.due = due_date(r.received_on, 3);
                text("reason")
            }
            RequestEventKind::Withheld => {
                let exemption = Exemption::parse(&text("exemption"))
                    .ok_or_else(|| Error::Internal("an unknown exemption is stored".into()))?;
                r.withheld.retain(|w| w.part != text("part"));
                r.withheld.push(Withheld {
                    part: text("part"),
                    exemption,
                    reason: text("reason"),
                    at: at.clone(),
                    by: by.clone(),
                });
                format!("{} ({})", text("part"), exemption.as_str())
            }
            RequestEventKind::Released => {
                r.withheld.retain(|w| w.part != text("part"));
                text("part")
            }
            RequestEventKind::Responded => {
                r.responded = true;
                format!("SHA-256 {}", text("sha256"))
            }
        };
        r.events.push(RequestEvent {
            kind,
            at,
            detail: words,
            recorded_by: by,
        });
    }
    Ok(r)
}

/// Request `id`.
pub fn get(conn: &Connection, id: RecordId) -> Result<Request> {
    let r = conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Subject access request {id}"),
        })?;
    with_events(conn, r)
}

/// A person's requests, newest first.
pub fn for_person(conn: &Connection, person_id: RecordId) -> Result<Vec<Request>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE person_id = ?1 ORDER BY id DESC"))?;
    let rows = stmt
        .query_map([person_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|r| with_events(conn, r)).collect()
}

/// A request not yet answered, as Today lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenRequest {
    pub id: RecordId,
    pub person_id: RecordId,
    pub subject_name: String,
    pub requester: String,
    pub due: NaiveDate,
    /// Days past the due date (0 on it, negative before).
    pub days_late: i32,
    pub extended: bool,
}

/// Requests without a response, by due date.
pub fn open(conn: &Connection, today: NaiveDate) -> Result<Vec<OpenRequest>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} r WHERE NOT EXISTS (SELECT 1 FROM subject_access_events e
                                     WHERE e.request_id = r.id AND e.kind = 'responded')
         ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let r = with_events(conn, r)?;
        out.push(OpenRequest {
            id: r.id,
            person_id: r.person_id,
            days_late: i32::try_from((today - r.due).num_days()).unwrap_or(i32::MAX),
            subject_name: r.subject_name,
            requester: r.requester,
            due: r.due,
            extended: r.extended.is_some(),
        });
    }
    out.sort_by_key(|r| (r.due, r.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::Datelike;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The ICO's examples and rules: the corresponding date; the last day of a shorter month;
    /// the next working day after a weekend or bank holiday; school holidays do not count.
    #[test]
    fn one_calendar_month_as_the_ico_counts_it() {
        // Received Thursday 3 September 2026: due Saturday 3 October, so Monday 5 October.
        assert_eq!(due_date(d(2026, 9, 3), 1), d(2026, 10, 5));
        // Received Friday 30 January 2026: no 30 February, so Saturday 28 February, so Monday
        // 2 March.
        assert_eq!(due_date(d(2026, 1, 30), 1), d(2026, 3, 2));
        // Received 31 January 2028 (a leap year): Tuesday 29 February.
        assert_eq!(due_date(d(2028, 1, 31), 1), d(2028, 2, 29));
        // Received Tuesday 25 November 2025: Thursday 25 December is Christmas Day, Friday is
        // Boxing Day, then the weekend: Monday 29 December.
        assert_eq!(due_date(d(2025, 11, 25), 1), d(2025, 12, 29));
        // Received in the summer holiday, Friday 31 July 2026: Monday 31 August is the summer
        // bank holiday, so Tuesday 1 September; the school holiday itself does not extend it.
        assert_eq!(due_date(d(2026, 7, 31), 1), d(2026, 9, 1));
        // Extended: three months from receipt.
        assert_eq!(due_date(d(2026, 9, 3), 3), d(2026, 12, 3));
        assert_eq!(d(2026, 12, 3).weekday(), chrono::Weekday::Thu);
    }
}
