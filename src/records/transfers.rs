//! Child protection file transfers (KCSIE 2025, Annex C, "Opportunity to share information"
//! and "Child protection files": when a child leaves, the DSL makes sure their child protection
//! file goes to the new school or college "as soon as possible, and within 5 days for an
//! in-year transfer or within the first 5 days of the start of a new term", separately from
//! the main pupil file, securely, and obtains confirmation of receipt). Local authorities add:
//! log what was sent, when, when it was acknowledged and by whom, and chase (Devon one-minute
//! guide 6; Bristol; Hampshire SCP).
//!
//! Owns `transfers`, `transfer_events` and `transfer_sharing` (schema 17). A transfer is
//! started from a child's page; making its signed PDF or package (`disclosure`) records an
//! event and the information-sharing rows; receipt is confirmed by a signed receipt or on
//! paper or by phone. The record is kept after the child's file goes.
//!
//! Local choice: KCSIE says "5 days"; Casebook counts school days (weekends, bank holidays and
//! the organisation's closure days skipped), as the local authorities' guidance reads it.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::sharing::{Article6, Article9};
use super::{fields, local_practice, people, RecordId};
use crate::audit::{self, Action};
use crate::calendar;
use crate::error::{Field, Form};
use crate::time::{self, Day, Moment};
use crate::vault::Session;
use crate::{Error, Result};

/// School days allowed for sending the file (KCSIE 2025, Annex C).
pub const DAYS_TO_SEND: u32 = 5;
/// School days between chases once the file is late or its receipt is.
pub const DAYS_BETWEEN_CHASES: u32 = 5;

text_enum! {
    /// When the child moves.
    Move {
        InYear = "in_year", "During the school year: within 5 school days of leaving";
        NewTerm = "new_term", "At the start of a new term: within its first 5 school days";
    }
}

text_enum! {
    /// How the file is sent.
    TransferMethod {
        Package = "package", "Casebook transfer package, encrypted for the receiving school";
        SecureEmail = "secure_email", "The signed PDF by secure e-mail";
        SecureTransfer = "secure_transfer", "The signed PDF through a secure file transfer service";
        ByHand = "by_hand", "Printed, handed from DSL to DSL";
        RecordedPost = "recorded_post", "Printed, by recorded or signed-for post";
    }
}

text_enum! {
    /// How other children in the child's incidents appear in the file.
    OtherChildren {
        Named = "named", "Named";
        ByRole = "by_role", "By their role only (\"Child B, alleged harmer\")";
    }
}

text_enum! {
    /// What happened to a transfer.
    TransferEventKind {
        Pdf = "pdf", "Signed PDF made";
        Package = "package", "Signed transfer package made";
        Chased = "chased", "Chased";
        Confirmed = "confirmed", "Receipt confirmed";
        Cancelled = "cancelled", "Cancelled";
    }
}

text_enum! {
    /// How receipt was confirmed.
    ReceiptHow {
        SignedReceipt = "signed_receipt", "A signed receipt from their Casebook";
        Paper = "paper", "The receipt page, signed and returned";
        Phone = "phone", "By phone";
        Email = "email", "By secure e-mail";
    }
}

text_enum! {
    /// Where a transfer stands.
    TransferState {
        NotSent = "not_sent", "Not sent yet";
        Sent = "sent", "Sent: waiting for confirmation of receipt";
        Confirmed = "confirmed", "Receipt confirmed";
        Cancelled = "cancelled", "Cancelled";
    }
}

/// What the DSL enters to start a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TransferInput {
    pub person_id: RecordId,
    pub destination: String,
    pub destination_dsl: String,
    pub destination_contact: String,
    #[serde(rename = "move")]
    pub move_kind: Move,
    pub moved_on: Option<Day>,
    pub method: TransferMethod,
    pub other_children: OtherChildren,
    pub article6: Article6,
    pub article9: Article9,
    /// Why the file goes (prefilled with KCSIE's duty; the DSL may add to it).
    pub reason: String,
}

/// One event of a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TransferEvent {
    pub kind: TransferEventKind,
    pub at: String,
    /// In words: the file's SHA-256, who confirmed and how, the chase's note, why cancelled.
    pub detail: String,
    /// The SHA-256 of the signed file made, for a PDF or a package.
    pub sha256: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// A transfer with its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Transfer {
    pub id: RecordId,
    /// Random; carried by the package and the receipt that answers it.
    pub uid: String,
    pub person_id: RecordId,
    pub child_name: String,
    /// As recorded when it was started ("14 March 2011", or "not recorded").
    pub child_birth: String,
    pub destination: String,
    pub destination_dsl: String,
    pub destination_contact: String,
    #[serde(rename = "move")]
    pub move_kind: Move,
    pub moved_on: NaiveDate,
    pub due: NaiveDate,
    pub method: TransferMethod,
    pub other_children: OtherChildren,
    pub article6: Article6,
    pub article9: Article9,
    pub reason: String,
    pub started_at: String,
    pub started_by: String,
    pub events: Vec<TransferEvent>,
    pub state: TransferState,
}

impl Transfer {
    /// The last chase, as a UK date.
    fn last_chase(&self) -> Option<NaiveDate> {
        self.events
            .iter()
            .rev()
            .find(|e| e.kind == TransferEventKind::Chased)
            .and_then(|e| time::parse(&e.at))
            .map(time::uk_date)
    }
}

/// The last day for sending the file: 5 school days after the child left (in year), or the
/// 5th school day of the new term, counting its first day.
pub fn due_date(move_kind: Move, moved_on: NaiveDate, closures: &[NaiveDate]) -> NaiveDate {
    match move_kind {
        Move::InYear => calendar::add_working_days(moved_on, DAYS_TO_SEND, closures),
        Move::NewTerm => {
            let first = if calendar::is_working_day(moved_on, closures) {
                moved_on
            } else {
                calendar::add_working_days(moved_on, 1, closures)
            };
            calendar::add_working_days(first, DAYS_TO_SEND - 1, closures)
        }
    }
}

/// The sentence a transfer's reason starts from.
pub const DEFAULT_REASON: &str = "The child has moved school. KCSIE (Annex C) requires the \
designated safeguarding lead to transfer the child protection file to the new school's \
designated safeguarding lead, securely and separately from the main pupil file, so that \
support can be in place when the child arrives.";

/// Starts a transfer. Refused, every problem at once, for a missing destination, DSL or
/// contact, a missing date, a date more than a year away, or someone who is not a child.
pub fn start(session: &mut Session, input: &TransferInput) -> Result<Transfer> {
    let conn = session.conn();
    let child = people::get(conn, input.person_id)?;
    let mut form = Form::default();
    if child.kind != people::PersonKind::Child {
        form.add(fields::invalid(
            Field::Transfer,
            "a child protection file transfer is for a child",
        ));
    }
    let destination = form.check(fields::required_line(
        Field::Destination,
        &input.destination,
        fields::SHORT,
    ));
    let dsl = form.check(fields::required_line(
        Field::DestinationDsl,
        &input.destination_dsl,
        fields::SHORT,
    ));
    let contact = form.check(fields::required_line(
        Field::DestinationContact,
        &input.destination_contact,
        fields::SHORT,
    ));
    let reason = form.check(fields::required_text(Field::Reason, &input.reason, 2_000));
    let moved_on = time::typed::read_day(&mut form, Field::MovedOn, input.moved_on.as_ref());
    let today = time::uk_date(Utc::now());
    match moved_on {
        None if !form.has(Field::MovedOn) => {
            form.add(fields::invalid(Field::MovedOn, "enter the date"));
        }
        Some(d) if (d - today).num_days().abs() > 366 => {
            form.add(fields::invalid(
                Field::MovedOn,
                "enter a date within a year of today",
            ));
        }
        _ => {}
    }
    form.finish()?;
    let moved_on = moved_on.ok_or_else(|| Error::Internal("checked above".into()))?;
    let due = due_date(
        input.move_kind,
        moved_on,
        &local_practice::closed_days(conn)?,
    );
    let birth = child
        .identity_facts()
        .into_iter()
        .find(|(label, _)| *label == "Date of birth")
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "not recorded".to_owned());
    let uid = uuid::Uuid::new_v4().to_string();
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO transfers (uid, person_id, child_name, child_birth, destination,
                 destination_dsl, destination_contact, move, moved_on, due, method,
                 other_children, article6, article9, reason, started_at, started_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                uid,
                child.id,
                child.full_name,
                birth,
                destination,
                dsl,
                contact,
                input.move_kind,
                time::format_date(moved_on),
                time::format_date(due),
                input.method,
                input.other_children,
                input.article6,
                input.article9,
                reason,
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
            &json!({ "record": "transfer", "person": child.id, "method": input.method.as_str() }),
        )?;
        Ok(id)
    })?;
    get(session.conn(), id)
}

/// The audit subject of transfer `id`.
pub fn subject(id: RecordId) -> String {
    format!("transfer {id}")
}

const SELECT: &str = "SELECT id, uid, person_id, child_name, child_birth, destination,
        destination_dsl, destination_contact, move, moved_on, due, method, other_children,
        article6, article9, reason, started_at, started_by FROM transfers";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Transfer> {
    Ok(Transfer {
        id: r.get(0)?,
        uid: r.get(1)?,
        person_id: r.get(2)?,
        child_name: r.get(3)?,
        child_birth: r.get(4)?,
        destination: r.get(5)?,
        destination_dsl: r.get(6)?,
        destination_contact: r.get(7)?,
        move_kind: r.get(8)?,
        moved_on: time::date_column(r, 9)?,
        due: time::date_column(r, 10)?,
        method: r.get(11)?,
        other_children: r.get(12)?,
        article6: r.get(13)?,
        article9: r.get(14)?,
        reason: r.get(15)?,
        started_at: r.get(16)?,
        started_by: r.get(17)?,
        events: Vec::new(),
        state: TransferState::NotSent,
    })
}

fn with_events(conn: &Connection, mut t: Transfer) -> Result<Transfer> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, at, detail, recorded_at, recorded_by FROM transfer_events
         WHERE transfer_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([t.id], |r| {
        Ok((
            r.get::<_, TransferEventKind>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (kind, at, detail, recorded_at, recorded_by) = row?;
        let detail: serde_json::Value = serde_json::from_str(&detail)
            .map_err(|_| Error::Internal("a transfer event's detail is not JSON".into()))?;
        let text = |k: &str| detail.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let sha256 = Some(text("sha256").to_owned()).filter(|s| !s.is_empty());
        let words = match kind {
            TransferEventKind::Pdf | TransferEventKind::Package => {
                format!("SHA-256 {}", text("sha256"))
            }
            TransferEventKind::Chased => text("note").to_owned(),
            TransferEventKind::Confirmed => {
                let how = ReceiptHow::parse(text("how")).map_or("", ReceiptHow::label);
                let mut s = format!("By {}: {how}", text("by_whom"));
                if !text("signer").is_empty() {
                    s.push_str(&format!(
                        "; signed by {} (certificate {})",
                        text("signer"),
                        text("fingerprint")
                    ));
                }
                s
            }
            TransferEventKind::Cancelled => text("reason").to_owned(),
        };
        t.state = match kind {
            TransferEventKind::Pdf | TransferEventKind::Package
                if t.state == TransferState::NotSent =>
            {
                TransferState::Sent
            }
            TransferEventKind::Confirmed => TransferState::Confirmed,
            TransferEventKind::Cancelled => TransferState::Cancelled,
            _ => t.state,
        };
        t.events.push(TransferEvent {
            kind,
            at,
            detail: words,
            sha256,
            recorded_at,
            recorded_by,
        });
    }
    Ok(t)
}

/// Transfer `id`.
pub fn get(conn: &Connection, id: RecordId) -> Result<Transfer> {
    let t = conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Transfer {id}"),
        })?;
    with_events(conn, t)
}

/// The transfer whose package or receipt carries `uid`.
pub fn by_uid(conn: &Connection, uid: &str) -> Result<Option<Transfer>> {
    let t = conn
        .prepare_cached(&format!("{SELECT} WHERE uid = ?1"))?
        .query_row([uid], from_row)
        .optional()?;
    t.map(|t| with_events(conn, t)).transpose()
}

/// A child's transfers, newest first.
pub fn for_person(conn: &Connection, person_id: RecordId) -> Result<Vec<Transfer>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE person_id = ?1 ORDER BY id DESC"))?;
    let rows = stmt
        .query_map([person_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|t| with_events(conn, t)).collect()
}

/// A transfer still open (not confirmed, not cancelled), as Today lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OpenTransfer {
    pub id: RecordId,
    pub person_id: RecordId,
    pub child_name: String,
    pub destination: String,
    pub due: NaiveDate,
    pub state: TransferState,
    /// Days past the due date (0 on it, negative before).
    pub days_late: i32,
    pub chases: u32,
    /// Past the due date and not chased in the last 5 school days: time to chase.
    pub chase_now: bool,
}

/// Transfers not yet confirmed or cancelled, by due date.
pub fn open(conn: &Connection, today: NaiveDate) -> Result<Vec<OpenTransfer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} t WHERE NOT EXISTS (SELECT 1 FROM transfer_events e WHERE e.transfer_id = t.id
                                       AND e.kind IN ('confirmed', 'cancelled'))
         ORDER BY due, id"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let closures = local_practice::closed_days(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let t = with_events(conn, t)?;
        let days_late = i32::try_from((today - t.due).num_days()).unwrap_or(i32::MAX);
        let chases = t
            .events
            .iter()
            .filter(|e| e.kind == TransferEventKind::Chased)
            .count();
        let chase_now = days_late > 0
            && t.last_chase().is_none_or(|last| {
                calendar::add_working_days(last, DAYS_BETWEEN_CHASES, &closures) <= today
            });
        out.push(OpenTransfer {
            id: t.id,
            person_id: t.person_id,
            child_name: t.child_name.clone(),
            destination: t.destination.clone(),
            due: t.due,
            state: t.state,
            days_late,
            chases: u32::try_from(chases).unwrap_or(u32::MAX),
            chase_now,
        });
    }
    Ok(out)
}

/// Appends an event inside the caller's transaction; refused once the transfer is confirmed
/// or cancelled (a closed transfer takes no more events).
pub(crate) fn add_event(
    tx: &Connection,
    actor: &str,
    transfer: &Transfer,
    kind: TransferEventKind,
    at: chrono::DateTime<Utc>,
    detail: &serde_json::Value,
) -> Result<()> {
    if matches!(
        transfer.state,
        TransferState::Confirmed | TransferState::Cancelled
    ) {
        return Err(fields::invalid(
            Field::Transfer,
            &format!(
                "it is {}: nothing more can be recorded on it",
                transfer.state.label().to_lowercase()
            ),
        ));
    }
    let now = Utc::now();
    tx.execute(
        "INSERT INTO transfer_events (transfer_id, kind, at, detail, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            transfer.id,
            kind,
            time::format(at),
            detail.to_string(),
            time::format(now),
            actor
        ],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordAmended,
        &subject(transfer.id),
        &json!({ "record": "transfer_event", "kind": kind.as_str() }),
    )?;
    Ok(())
}

/// Applies the organisation's rule after a transfer is confirmed on `confirmed_on`, inside the
/// caller's transaction: under "review", each of the child's incidents in which no other child
/// is recorded comes to the retention review the set number of months later (its retention
/// date brought forward by a new version, never pushed back). Incidents with another child in
/// them are that child's record too, and keep their date. Returns the references changed.
pub(crate) fn apply_after_transfer(
    tx: &Connection,
    actor: &str,
    transfer: &Transfer,
    confirmed_on: NaiveDate,
) -> Result<Vec<String>> {
    let rule = local_practice::after_transfer(tx)?;
    if rule.rule != local_practice::AfterTransferRule::Review {
        return Ok(Vec::new());
    }
    let until = confirmed_on
        .checked_add_months(chrono::Months::new(rule.months))
        .unwrap_or(confirmed_on);
    let mut stmt = tx.prepare(
        "SELECT DISTINCT l.incident_id, i.reference FROM incident_people l
         JOIN incidents i ON i.id = l.incident_id
         WHERE l.person_id = ?1 AND l.action = 'added'
           AND l.id = (SELECT max(id) FROM incident_people x WHERE x.incident_id = l.incident_id
                       AND x.person_id = l.person_id AND x.role = l.role)
           AND NOT EXISTS (
             SELECT 1 FROM incident_people o JOIN person_versions v ON v.person_id = o.person_id
             WHERE o.incident_id = l.incident_id AND o.person_id <> ?1 AND o.action = 'added'
               AND o.id = (SELECT max(id) FROM incident_people y WHERE y.incident_id = o.incident_id
                           AND y.person_id = o.person_id AND y.role = o.role)
               AND v.kind = 'child'
               AND v.version = (SELECT max(version) FROM person_versions WHERE person_id = o.person_id))
         ORDER BY l.incident_id",
    )?;
    let incidents = stmt
        .query_map([transfer.person_id], |r| {
            Ok((r.get::<_, RecordId>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let why = format!(
        "child protection file transferred to {} (transfer {}), receipt confirmed; the \
         organisation's rule brings it to the retention review",
        transfer.destination, transfer.id
    );
    let mut changed = Vec::new();
    for (id, reference) in incidents {
        if super::incidents::bring_retention_forward_in_tx(tx, actor, id, until, &why)? {
            changed.push(reference);
        }
    }
    Ok(changed)
}

/// Records a chase: a call or e-mail to the receiving school asking whether the file arrived.
pub fn chase(session: &mut Session, id: RecordId, note: &str) -> Result<Transfer> {
    worded_event(
        session,
        id,
        TransferEventKind::Chased,
        (Field::Note, "note"),
        note,
    )
}

/// An event whose detail is one sentence the DSL typed (a chase's note, a cancellation's reason),
/// required, kept under `key`.
fn worded_event(
    session: &mut Session,
    id: RecordId,
    kind: TransferEventKind,
    (field, key): (Field, &str),
    words: &str,
) -> Result<Transfer> {
    let t = get(session.conn(), id)?;
    let words = fields::required_text(field, words, 2_000)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| add_event(tx, &actor, &t, kind, Utc::now(), &json!({ key: words })))?;
    get(session.conn(), id)
}

/// What the DSL records when the receiving school confirms receipt on paper or by phone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConfirmationInput {
    /// Who confirmed (their name and role).
    pub by_whom: String,
    pub how: ReceiptHow,
    pub at: Option<Moment>,
}

/// Records receipt confirmed on paper, by phone or e-mail (a signed receipt is imported by
/// `disclosure::transfer::import_receipt`). Only once the file was sent.
pub fn confirm(session: &mut Session, id: RecordId, input: &ConfirmationInput) -> Result<Transfer> {
    let t = get(session.conn(), id)?;
    let now = Utc::now();
    let mut form = Form::default();
    let by_whom = form.check(fields::required_line(
        Field::ConfirmedBy,
        &input.by_whom,
        fields::SHORT,
    ));
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref()).unwrap_or(now);
    form.check(fields::not_future(Field::At, at, now));
    if input.how == ReceiptHow::SignedReceipt {
        form.add(fields::invalid(
            Field::How,
            "import the signed receipt file instead",
        ));
    }
    if t.state == TransferState::NotSent {
        form.add(fields::invalid(
            Field::Transfer,
            "make and send the file before recording its receipt",
        ));
    }
    form.finish()?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        add_event(
            tx,
            &actor,
            &t,
            TransferEventKind::Confirmed,
            at,
            &json!({ "by_whom": by_whom, "how": input.how.as_str() }),
        )?;
        apply_after_transfer(tx, &actor, &t, time::uk_date(at)).map(|_| ())
    })?;
    get(session.conn(), id)
}

/// Cancels a transfer started in error (the child did not move), with the reason.
pub fn cancel(session: &mut Session, id: RecordId, reason: &str) -> Result<Transfer> {
    worded_event(
        session,
        id,
        TransferEventKind::Cancelled,
        (Field::Reason, "reason"),
        reason,
    )
}
