//! How people are related, and so a child's household. Owns `relationships` and
//! `relationship_ends` (schema 12): a relationship is added, and ended by a later row, never
//! edited. The same parent is one person, related to each of their children.

use chrono::Utc;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::people::{self, Person};
use super::{fields, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    RelationshipKind {
        /// `person` is a parent or carer of `other`.
        ParentCarerOf = "parent_carer_of", "Parent or carer of";
        SiblingOf = "sibling_of", "Sibling of";
        LivesWith = "lives_with", "Lives with";
        /// Named in `label` ("grandmother of", "mother's partner").
        Other = "other", "Other";
    }
}

text_enum! {
    /// Parental responsibility (Children Act 1989, s. 3).
    ParentalResponsibility {
        Yes = "yes", "Has parental responsibility";
        No = "no", "Does not have parental responsibility";
        NotKnown = "not_known", "Parental responsibility not known";
    }
}

/// What the DSL enters: `person` is `kind` of `other`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RelationshipInput {
    pub person_id: RecordId,
    pub other_id: RecordId,
    pub kind: RelationshipKind,
    /// Parents and carers only.
    pub parental_responsibility: Option<ParentalResponsibility>,
    /// For "Other": what `person` is to `other` ("Grandmother", "Mother's partner").
    #[serde(default)]
    pub label: String,
}

/// A relationship in force, seen from one person (`of`): who the other is and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Relative {
    pub relationship_id: RecordId,
    pub person: Person,
    /// How the other person stands to the one whose page it is, in words ("Parent or carer",
    /// "Child", "Sibling", "Lives with", or the label).
    pub relation: String,
    pub kind: RelationshipKind,
    /// The other person is a parent or carer of this one.
    pub is_parent: bool,
    pub parental_responsibility: Option<ParentalResponsibility>,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// The audit trail's subject for a relationship: its own, so that the retention review's
/// tombstone for it ([`super::retention`]) names exactly what went.
pub fn subject(id: RecordId) -> String {
    format!("relationship {id}")
}

/// Records a relationship. Refused with a sentence when it relates a person to themselves,
/// names a child as a parent, gives parental responsibility outside a parent relationship, or
/// repeats one in force.
pub fn add(session: &mut Session, input: &RelationshipInput) -> Result<Relative> {
    let conn = session.conn();
    let mut form = Form::default();
    if input.person_id == input.other_id {
        form.add(fields::invalid(
            Field::Relationship,
            "a person cannot be related to themselves",
        ));
    }
    let person = people::get(conn, input.person_id)?;
    let other = people::get(conn, input.other_id)?;
    let label = form.check(fields::line(Field::Relationship, &input.label, 100));
    match input.kind {
        RelationshipKind::ParentCarerOf
            if person.kind == people::PersonKind::Child
                && other.kind != people::PersonKind::Child =>
        {
            form.add(fields::invalid(
                Field::Relationship,
                "a child cannot be the parent or carer of an adult; swap them round",
            ));
        }
        RelationshipKind::Other if label.is_empty() => form.add(fields::invalid(
            Field::Relationship,
            "say what the relationship is",
        )),
        _ => {}
    }
    if input.parental_responsibility.is_some() && input.kind != RelationshipKind::ParentCarerOf {
        form.add(fields::invalid(
            Field::Relationship,
            "only a parent or carer can have parental responsibility",
        ));
    }
    form.finish()?;
    let in_force = relatives(conn, input.person_id)?;
    // One relationship of a kind between two people (either way round) at a time.
    if in_force
        .iter()
        .any(|r| r.person.id == input.other_id && r.kind == input.kind)
    {
        return Err(fields::invalid(
            Field::Relationship,
            "this relationship is already recorded; end it first to change it",
        ));
    }
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO relationships (person_id, other_id, kind, parental_responsibility, label,
                 recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                input.person_id,
                input.other_id,
                input.kind.as_str(),
                input.parental_responsibility.map(|p| p.as_str()),
                label,
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
            &json!({ "record": "relationship", "person": input.person_id, "other": input.other_id }),
        )?;
        Ok(id)
    })?;
    relatives(session.conn(), input.other_id)?
        .into_iter()
        .find(|r| r.relationship_id == id)
        .ok_or_else(|| Error::Internal("a relationship just saved is not there".into()))
}

/// Ends a relationship (a later row, with the reason; the relationship stays in the history).
pub fn end(session: &mut Session, relationship_id: RecordId, reason: &str) -> Result<()> {
    let reason = fields::required_text(Field::Reason, reason, 2_000)?;
    let ended: bool = session
        .conn()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM relationship_ends WHERE relationship_id = r.id)
             FROM relationships r WHERE id = ?1",
            [relationship_id],
            |r| r.get(0),
        )
        .map_err(|_| Error::NotFound {
            what: format!("Relationship {relationship_id}"),
        })?;
    if ended {
        return Err(fields::invalid(
            Field::Relationship,
            "this relationship has already been ended",
        ));
    }
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO relationship_ends (relationship_id, reason, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![relationship_id, reason, time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordAmended,
            &subject(relationship_id),
            &json!({ "record": "relationship", "ended": true }),
        )?;
        Ok(())
    })
}

/// Everyone related to `of` by a relationship in force: parents and carers first, then
/// children, siblings, others; each by name.
pub fn relatives(conn: &Connection, of: RecordId) -> Result<Vec<Relative>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.person_id, r.other_id, r.kind, r.parental_responsibility, r.label,
                r.recorded_at, r.recorded_by
         FROM relationships r
         WHERE (r.person_id = ?1 OR r.other_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM relationship_ends e WHERE e.relationship_id = r.id)
         ORDER BY r.id",
    )?;
    type Raw = (
        RecordId,
        RecordId,
        RecordId,
        RelationshipKind,
        Option<String>,
        String,
        String,
        String,
    );
    let raw: Vec<Raw> = stmt
        .query_map([of], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(raw.len());
    for (id, person_id, other_id, kind, pr, label, recorded_at, recorded_by) in raw {
        let forward = person_id == of;
        let who = if forward { other_id } else { person_id };
        let is_parent = kind == RelationshipKind::ParentCarerOf && !forward;
        let relation = match kind {
            RelationshipKind::ParentCarerOf if is_parent => "Parent or carer".to_owned(),
            RelationshipKind::ParentCarerOf => "Child they care for".to_owned(),
            RelationshipKind::SiblingOf => "Sibling".to_owned(),
            RelationshipKind::LivesWith => "Lives with".to_owned(),
            // `label` says what `person_id` is to `other_id` ("Grandmother").
            RelationshipKind::Other if forward => format!("Related (this person is their {label})"),
            RelationshipKind::Other => label.clone(),
        };
        out.push(Relative {
            relationship_id: id,
            person: people::get(conn, who)?,
            relation,
            kind,
            is_parent,
            parental_responsibility: pr.as_deref().and_then(ParentalResponsibility::parse),
            recorded_at,
            recorded_by,
        });
    }
    out.sort_by_key(|r| {
        let rank = match (r.kind, r.is_parent) {
            (RelationshipKind::ParentCarerOf, true) => 0,
            (RelationshipKind::ParentCarerOf, false) => 1,
            (RelationshipKind::SiblingOf, _) => 2,
            (RelationshipKind::LivesWith, _) => 3,
            (RelationshipKind::Other, _) => 4,
        };
        (rank, r.person.full_name.to_lowercase())
    });
    Ok(out)
}
