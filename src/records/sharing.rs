//! Who was told what: the information-sharing record (UK GDPR Art. 5(2), accountability; HM
//! Government, "Information sharing: advice for practitioners", 2024: record what was shared,
//! with whom, when and why). Owns `information_shared` (schema 12). Every time information
//! about people leaves the school (a referral issued, a phone call, an e-mail, a meeting) is a
//! row: to whom, when, how, about whom and which kinds of detail, and the lawful basis. An
//! issued referral writes its own row ([`record_in_tx`], called by `referral::issue`).

use chrono::Utc;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fields, incidents, people, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    /// How it was shared.
    SharingMethod {
        Referral = "referral", "Signed referral";
        Phone = "phone", "Phone call";
        Email = "email", "Secure e-mail";
        Meeting = "meeting", "Meeting";
        Letter = "letter", "Letter";
        Other = "other", "Other";
    }
}

text_enum! {
    /// The lawful basis for processing (UK GDPR Article 6(1)). Consent is rarely the right one
    /// for safeguarding (the 2024 advice: do not seek consent where it would put a child at
    /// risk); contract does not arise.
    Article6 {
        PublicTask = "public_task", "Article 6(1)(e): public task (a school's safeguarding duty)";
        LegalObligation = "legal_obligation", "Article 6(1)(c): legal obligation (Education Act 2002 s. 175 / s. 157)";
        VitalInterests = "vital_interests", "Article 6(1)(d): vital interests (life at risk)";
        LegitimateInterests = "legitimate_interests", "Article 6(1)(f): legitimate interests (independent settings)";
        Consent = "consent", "Article 6(1)(a): consent";
    }
}

text_enum! {
    /// The condition for special category data (UK GDPR Article 9(2), with the Data Protection
    /// Act 2018, Schedule 1, where Article 9(2)(b), (g) or (h) requires one).
    Article9 {
        NoSpecialCategory = "none", "No special category data shared";
        Safeguarding = "safeguarding", "Article 9(2)(g) with DPA 2018 Sch. 1 para 18: safeguarding of children and individuals at risk";
        StatutoryPurposes = "statutory", "Article 9(2)(g) with DPA 2018 Sch. 1 para 6: statutory and government purposes";
        VitalInterests = "vital_interests", "Article 9(2)(c): vital interests, consent cannot be given";
        HealthOrSocialCare = "health_social_care", "Article 9(2)(h) with DPA 2018 Sch. 1 para 2: health or social care";
        ExplicitConsent = "explicit_consent", "Article 9(2)(a): explicit consent";
        LegalClaims = "legal_claims", "Article 9(2)(f): legal claims";
    }
}

text_enum! {
    /// Which kinds of detail went.
    SharedDetail {
        Identity = "identity", "Names, date of birth and address";
        WhatHappened = "what_happened", "What happened";
        ChildsWords = "childs_words", "The child's own words";
        Family = "family", "Family and household";
        StatusWithServices = "status_with_services", "Status with services";
        Send = "send", "Special educational needs";
        Health = "health", "Health";
        Evidence = "evidence", "Evidence notes and custody";
        Decisions = "decisions", "Decisions and actions";
        Other = "other", "Other";
    }
}

/// What the DSL records.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SharingInput {
    /// When it was shared; now if empty.
    pub at: Option<Moment>,
    pub method: SharingMethod,
    pub recipient_name: String,
    pub recipient_organisation: String,
    #[serde(default)]
    pub recipient_role: String,
    /// The people whose details were shared.
    pub people: Vec<RecordId>,
    pub what: Vec<SharedDetail>,
    pub article6: Article6,
    pub article9: Article9,
    /// One sentence: why it was necessary and proportionate.
    pub reason: String,
}

/// One row of the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Shared {
    pub id: RecordId,
    pub at: String,
    pub method: SharingMethod,
    pub recipient_name: String,
    pub recipient_organisation: String,
    pub recipient_role: String,
    /// The people, by name as they are now.
    pub people: Vec<String>,
    pub what: Vec<SharedDetail>,
    pub article6: Article6,
    pub article9: Article9,
    pub reason: String,
    /// The referral this row was written for, when it was a signed referral, and the SHA-256
    /// of the PDF it signed (which "Check a PDF" matches).
    pub referral_id: Option<RecordId>,
    pub referral_sha256: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// Records that information was shared. Refused with a sentence for a missing recipient,
/// reason or kind of detail, a time in the future, or someone not on the incident.
pub fn record(session: &mut Session, reference: &str, input: &SharingInput) -> Result<Shared> {
    let incident = incidents::get(session.conn(), reference)?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| record_in_tx(tx, &actor, incident.id, reference, input, None))?;
    list(session.conn(), incident.id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::Internal("a sharing record just saved is not there".into()))
}

/// [`record`] inside a transaction the caller holds; `referral_id` ties it to an issued
/// referral.
pub fn record_in_tx(
    tx: &Connection,
    actor: &str,
    incident_id: RecordId,
    reference: &str,
    input: &SharingInput,
    referral_id: Option<i64>,
) -> Result<RecordId> {
    let now = Utc::now();
    let mut form = Form::default();
    let at = time::typed::read_moment(&mut form, Field::At, input.at.as_ref()).unwrap_or(now);
    form.check(fields::not_future(Field::At, at, now));
    let name = form.check(fields::required_line(
        Field::RecipientName,
        &input.recipient_name,
        fields::SHORT,
    ));
    let organisation = form.check(fields::required_line(
        Field::RecipientOrganisation,
        &input.recipient_organisation,
        fields::SHORT,
    ));
    let role = form.check(fields::line(
        Field::RecipientRole,
        &input.recipient_role,
        fields::SHORT,
    ));
    let reason = form.check(fields::required_text(Field::Reason, &input.reason, 2_000));
    if input.what.is_empty() {
        form.add(fields::invalid(
            Field::What,
            "choose at least one kind of detail",
        ));
    }
    if input.people.is_empty() {
        form.add(fields::invalid(
            Field::People,
            "choose whose details were shared",
        ));
    }
    // Those on the incident, and their families (a referral names a child's parents and
    // siblings, who need not be on the incident themselves).
    let mut known = incidents::people_on(tx, incident_id)?;
    for id in known.clone() {
        known.extend(
            super::relationships::relatives(tx, id)?
                .into_iter()
                .map(|r| r.person.id),
        );
    }
    if input.people.iter().any(|p| !known.contains(p)) {
        form.add(fields::invalid(
            Field::People,
            "choose people recorded on this incident or in their families",
        ));
    }
    form.finish()?;
    let mut people = input.people.clone();
    people.sort_unstable();
    people.dedup();
    let mut what: Vec<&str> = input.what.iter().map(|w| w.as_str()).collect();
    what.sort_unstable();
    what.dedup();
    tx.execute(
        "INSERT INTO information_shared (incident_id, at, method, recipient_name,
             recipient_organisation, recipient_role, people, what, article6, article9, reason,
             referral_id, recorded_at, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            incident_id,
            time::format(at),
            input.method.as_str(),
            name,
            organisation,
            role,
            json!(people).to_string(),
            json!(what).to_string(),
            input.article6.as_str(),
            input.article9.as_str(),
            reason,
            referral_id,
            time::format(now),
            actor
        ],
    )?;
    let id = super::last_id(tx)?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordCreated,
        reference,
        &json!({ "record": "information_shared", "id": id, "method": input.method.as_str() }),
    )?;
    Ok(id)
}

/// Everything shared about an incident, oldest first.
pub fn list(conn: &Connection, incident_id: RecordId) -> Result<Vec<Shared>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.at, s.method, s.recipient_name, s.recipient_organisation,
                s.recipient_role, s.people, s.what, s.article6, s.article9, s.reason,
                s.referral_id, s.recorded_at, s.recorded_by, r.sha256
         FROM information_shared s LEFT JOIN referral_issues r ON r.id = s.referral_id
         WHERE s.incident_id = ?1 ORDER BY s.at, s.id",
    )?;
    let rows = stmt.query_map([incident_id], |r| {
        Ok((
            Shared {
                id: r.get(0)?,
                at: r.get(1)?,
                method: r.get(2)?,
                recipient_name: r.get(3)?,
                recipient_organisation: r.get(4)?,
                recipient_role: r.get(5)?,
                people: Vec::new(),
                what: Vec::new(),
                article6: r.get(8)?,
                article9: r.get(9)?,
                reason: r.get(10)?,
                referral_id: r.get(11)?,
                referral_sha256: r.get(14)?,
                recorded_at: r.get(12)?,
                recorded_by: r.get(13)?,
            },
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut shared, people_json, what_json) = row?;
        let ids: Vec<RecordId> = serde_json::from_str(&people_json)
            .map_err(|_| Error::Internal("a sharing record's people are not a list".into()))?;
        for id in ids {
            // A person deleted by retention with another incident is no longer named.
            shared.people.push(
                people::get(conn, id)
                    .map_or_else(|_| "(deleted record)".to_owned(), |p| p.full_name),
            );
        }
        let codes: Vec<String> = serde_json::from_str(&what_json)
            .map_err(|_| Error::Internal("a sharing record's details are not a list".into()))?;
        shared.what = codes
            .iter()
            .filter_map(|c| SharedDetail::parse(c))
            .collect();
        out.push(shared);
    }
    Ok(out)
}
