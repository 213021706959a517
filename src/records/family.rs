//! What the family knows and agreed: whether parents or carers were told of the concern (when,
//! by whom, how; or not, and why: normally they are told, unless that would put the child at
//! risk, as the UKCIS guidance and Working Together 2023 say), and consent to share information
//! or to early help (who gave it, what it covers; or the lawful reason to share without it).
//! Owns `parents_informed` and `consents` (schema 12). Appended; the newest of each is current.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fields, incidents, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::{Error, Result};

/// Whether parents or carers were told, as the DSL records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ParentsInformedInput {
    pub informed: bool,
    /// When they were told; now if empty.
    pub at: Option<Moment>,
    #[serde(default)]
    pub who_was_told: String,
    #[serde(default)]
    pub told_by: String,
    /// By phone, in person, by letter…
    #[serde(default)]
    pub how: String,
    /// Why they were not told: the risk it would bring (required when not informed).
    #[serde(default)]
    pub reason_not: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ParentsInformed {
    pub id: RecordId,
    pub informed: bool,
    pub at: Option<String>,
    pub who_was_told: String,
    pub told_by: String,
    pub how: String,
    pub reason_not: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

text_enum! {
    ConsentPurpose {
        Share = "share", "To share information";
        EarlyHelp = "early_help", "To early help";
    }
}

text_enum! {
    ConsentOutcome {
        Given = "given", "Given";
        Refused = "refused", "Refused";
        NotSought = "not_sought", "Not sought";
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentInput {
    pub purpose: ConsentPurpose,
    pub outcome: ConsentOutcome,
    /// Who gave (or refused) it: required when given.
    #[serde(default)]
    pub given_by: String,
    pub at: Option<Moment>,
    /// What it covers (which agencies, which information).
    #[serde(default)]
    pub covers: String,
    /// When not given: the lawful reason to go on without it (or why it was not sought).
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Consent {
    pub id: RecordId,
    pub purpose: ConsentPurpose,
    pub outcome: ConsentOutcome,
    pub given_by: String,
    pub at: Option<String>,
    pub covers: String,
    pub reason: String,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// The family side of an incident: the newest record of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FamilyRecord {
    pub parents_informed: Option<ParentsInformed>,
    pub consent_to_share: Option<Consent>,
    pub consent_to_early_help: Option<Consent>,
}

/// Records whether parents or carers were told. Refused with a sentence when informed
/// without a time or who was told, or not informed without the reason.
pub fn record_parents_informed(
    session: &mut Session,
    reference: &str,
    input: &ParentsInformedInput,
) -> Result<FamilyRecord> {
    let incident = incidents::get(session.conn(), reference)?;
    let now = Utc::now();
    let mut form = Form::default();
    let who = form.check(fields::line(
        Field::WhoWasTold,
        &input.who_was_told,
        fields::SHORT,
    ));
    let told_by = form.check(fields::line(Field::ToldBy, &input.told_by, fields::SHORT));
    let how = form.check(fields::line(Field::How, &input.how, fields::SHORT));
    let reason_not = form.check(fields::text(Field::ReasonNot, &input.reason_not, 2_000));
    // When they were told: now, unless the DSL says when.
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref())
        .or_else(|| (!form.has(Field::At)).then_some(now));
    if input.informed {
        if let Some(at) = at {
            form.check(fields::not_future(Field::At, at, now));
        }
        if who.is_empty() {
            form.add(fields::invalid(Field::WhoWasTold, "please fill this in"));
        }
        if told_by.is_empty() {
            form.add(fields::invalid(Field::ToldBy, "please fill this in"));
        }
        if !reason_not.is_empty() {
            form.add(fields::invalid(
                Field::ReasonNot,
                "leave this empty when they were told",
            ));
        }
    } else if reason_not.is_empty() {
        form.add(fields::invalid(
            Field::ReasonNot,
            "say why they were not told (the risk it would bring to the child)",
        ));
    }
    form.finish()?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO parents_informed (incident_id, informed, at, who_was_told, told_by, how,
                 reason_not, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                incident.id,
                input.informed,
                at.filter(|_| input.informed).map(time::format),
                who,
                told_by,
                how,
                reason_not,
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
            &json!({ "record": "parents_informed", "id": id, "informed": input.informed }),
        )
    })?;
    get(session.conn(), incident.id)
}

/// Records consent given, refused or not sought.
pub fn record_consent(
    session: &mut Session,
    reference: &str,
    input: &ConsentInput,
) -> Result<FamilyRecord> {
    let incident = incidents::get(session.conn(), reference)?;
    let now = Utc::now();
    let mut form = Form::default();
    let given_by = form.check(fields::line(Field::GivenBy, &input.given_by, fields::SHORT));
    let covers = form.check(fields::text(Field::Covers, &input.covers, 2_000));
    let reason = form.check(fields::text(Field::Reason, &input.reason, 2_000));
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref());
    if let Some(at) = at {
        form.check(fields::not_future(Field::At, at, now));
    }
    match input.outcome {
        ConsentOutcome::Given => {
            if given_by.is_empty() {
                form.add(fields::invalid(Field::GivenBy, "say who gave consent"));
            }
            if covers.is_empty() {
                form.add(fields::invalid(
                    Field::Covers,
                    "say what the consent covers",
                ));
            }
        }
        ConsentOutcome::Refused | ConsentOutcome::NotSought => {
            if reason.is_empty() {
                form.add(fields::invalid(
                    Field::Reason,
                    "give the lawful reason to go on without consent, or why nothing will be shared",
                ));
            }
        }
    }
    form.finish()?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO consents (incident_id, purpose, outcome, given_by, at, covers, reason,
                 recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                incident.id,
                input.purpose.as_str(),
                input.outcome.as_str(),
                given_by,
                at.map(time::format),
                covers,
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
            reference,
            &json!({ "record": "consent", "id": id, "purpose": input.purpose.as_str(), "outcome": input.outcome.as_str() }),
        )
    })?;
    get(session.conn(), incident.id)
}

/// The newest of each record for an incident.
pub fn get(conn: &Connection, incident_id: RecordId) -> Result<FamilyRecord> {
    let parents_informed = conn
        .prepare_cached(
            "SELECT id, informed, at, who_was_told, told_by, how, reason_not, recorded_at, recorded_by
             FROM parents_informed WHERE incident_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([incident_id], |r| {
            Ok(ParentsInformed {
                id: r.get(0)?,
                informed: r.get(1)?,
                at: r.get(2)?,
                who_was_told: r.get(3)?,
                told_by: r.get(4)?,
                how: r.get(5)?,
                reason_not: r.get(6)?,
                recorded_at: r.get(7)?,
                recorded_by: r.get(8)?,
            })
        })
        .optional()?;
    let consent = |purpose: ConsentPurpose| -> Result<Option<Consent>> {
        conn.prepare_cached(
            "SELECT id, purpose, outcome, given_by, at, covers, reason, recorded_at, recorded_by
             FROM consents WHERE incident_id = ?1 AND purpose = ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![incident_id, purpose.as_str()], |r| {
            Ok(Consent {
                id: r.get(0)?,
                purpose: r.get(1)?,
                outcome: r.get(2)?,
                given_by: r.get(3)?,
                at: r.get(4)?,
                covers: r.get(5)?,
                reason: r.get(6)?,
                recorded_at: r.get(7)?,
                recorded_by: r.get(8)?,
            })
        })
        .optional()
        .map_err(Error::from)
    };
    Ok(FamilyRecord {
        parents_informed,
        consent_to_share: consent(ConsentPurpose::Share)?,
        consent_to_early_help: consent(ConsentPurpose::EarlyHelp)?,
    })
}
