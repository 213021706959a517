//! What a referral says, for each recipient: the police, children's social care, the LADO.
//!
//! The summary is a plain model (sections of fields, paragraphs, quotes and dated entries) so
//! the same content is rendered to PDF and shown as the on-screen preview. Each recipient's
//! summary is **the list of its form's parts** ([`Recipient::parts`]), one small function per
//! part, shared where forms share a part, so that an adviser can check a recipient's content
//! against the form by reading one list. Sources for each list are beside it.
//!
//! Who appears (data minimisation, domain review §2.3): the children the referral is about
//! (victim, subject, or the child making an allegation), their parents and carers, and the
//! alleged harmer. Witnesses and reporters appear only where the DSL chooses them, and any
//! sensitive detail of anyone (status with services, SEND, ethnicity, other agencies) can be
//! left out (the check-your-answers step, `Choices`).
//!
//! What is not recorded is left out, except what the recipient's form asks for: that reads "not
//! recorded" in the PDF, and the summary lists it in `gaps` so that the check-your-answers step
//! can say what is missing, and whose details to fill in, before anything is signed.

use chrono::NaiveDate;
use serde::Serialize;

use crate::checklists::engine::{self, Answer};
use crate::checklists::template::StepKind;
use crate::organisation::Organisation;
use crate::records::chronology::{self, EntryKind};
use crate::records::family::{self, FamilyRecord};
use crate::records::incidents::{self, Category, Incident, Role};
use crate::records::people::{self, Fact, Person, PersonKind};
use crate::records::relationships::{self, RelationshipKind};
use crate::records::sharing::SharedDetail;
use crate::records::{evidence, RecordId};
use crate::referral::choices::{Choices, HarmCriterion, Sensitive};
use crate::vault::Session;
use crate::Result;

text_enum! {
    /// Who a referral is for.
    Recipient {
        Police = "police", "the police";
        SocialCare = "social_care", "children's social care";
        Lado = "lado", "the LADO";
    }
}

impl Recipient {
    /// For file names: "police", "childrens social care", "LADO".
    pub fn file_label(self) -> &'static str {
        match self {
            Recipient::Police => "police",
            Recipient::SocialCare => "childrens social care",
            Recipient::Lado => "LADO",
        }
    }

    /// How the choice reads in a list of recipients.
    pub fn choice_label(self) -> &'static str {
        match self {
            Recipient::Police => "The police",
            Recipient::SocialCare => "Children's social care (MASH / front door)",
            Recipient::Lado => "The LADO (allegation about an adult)",
        }
    }

    /// The parts of this recipient's referral, in the order its form asks for them.
    ///
    /// - Children's social care: an inter-agency referral form (MARF), as in the Shropshire,
    ///   Herefordshire, Kirklees and Nottingham forms (domain review §2.2): the referrer, the
    ///   child (with the agencies involved), the alleged perpetrator, parents and household,
    ///   what the family knows, what happened, what has been done.
    /// - The police: the same core about the child, and the alleged harmer, the viewing record
    ///   (the checklist's record steps) and the chain of custody.
    /// - The LADO: the North Yorkshire, East Sussex, Doncaster and Trafford forms: the adult and
    ///   their work (other work with children, own children, previous concerns, whether they
    ///   know), the children by name with date of birth, address and social worker (no
    ///   initials), the allegation, the harm criteria it meets (KCSIE 2025 Part four, section
    ///   one), actions so far (suspension), and the reporting restriction on allegations against
    ///   teachers (Education Act 2002 s141F, inserted by the Education Act 2011 s13).
    ///
    /// Each starts with the phone call it confirms, where it confirms one: forms ask for the
    /// written referral within a day or two of a call, naming whom the referrer spoke to.
    fn parts(self) -> &'static [Part] {
        match self {
            Recipient::SocialCare => &[
                referrer,
                the_referral,
                reporting_restriction,
                phone_call_confirmed,
                why_and_what_is_asked,
                children,
                the_child_now,
                alleged_harmers,
                parents_and_carers,
                household,
                what_the_family_knows,
                not_for_the_family,
                what_happened,
                also_named,
                decisions,
                actions,
                agencies_contacted,
                checklist_answers,
                evidence_in_words,
            ],
            Recipient::Police => &[
                referrer,
                the_referral,
                reporting_restriction,
                phone_call_confirmed,
                why_and_what_is_asked,
                children,
                the_child_now,
                alleged_harmers,
                parents_and_carers,
                what_the_family_knows,
                not_for_the_family,
                what_happened,
                also_named,
                decisions,
                actions,
                agencies_contacted,
                checklist_answers,
                evidence_and_custody,
            ],
            Recipient::Lado => &[
                referrer,
                the_referral,
                reporting_restriction,
                phone_call_confirmed,
                why_and_what_is_asked,
                the_adult,
                children_for_the_lado,
                the_allegation,
                harm_threshold,
                done_about_the_adult,
                also_named,
                decisions,
                actions,
                agencies_contacted,
                checklist_answers,
                evidence_in_words,
            ],
        }
    }

    fn title(self) -> &'static str {
        match self {
            Recipient::Police => "Referral to the police",
            Recipient::SocialCare => "Referral to children's social care",
            Recipient::Lado => "Referral to the LADO: allegation about an adult",
        }
    }
}

/// One item in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Field {
        label: String,
        value: String,
    },
    Paragraph {
        text: String,
    },
    /// Words kept exactly as said.
    Quote {
        text: String,
    },
    /// A dated entry: a heading line and lines under it.
    Entry {
        heading: String,
        lines: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

/// Everything a referral says, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Summary {
    pub recipient: Recipient,
    pub title: String,
    pub organisation: String,
    pub reference: String,
    pub sections: Vec<Section>,
    /// From a demo vault: marked as fictional on every page.
    pub demo: bool,
    /// Whose details it carries, and which kinds: the information-sharing record of the
    /// referral (`records::sharing`) is written from these.
    pub people: Vec<crate::records::RecordId>,
    pub shares: Vec<crate::records::sharing::SharedDetail>,
    /// What the recipient's form asks for that the record does not hold: shown before signing,
    /// never printed (the PDF says "not recorded" in place).
    pub gaps: Vec<Gap>,
}

/// Something the recipient needs that is not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Gap {
    /// Whose details lack it (their page has the form to fill it in); `None`: the incident's.
    pub person_id: Option<RecordId>,
    /// Their name, or empty.
    pub person: String,
    /// What is missing, as the PDF labels it ("Address"), or a sentence for a missing person.
    pub what: String,
}

fn field(label: &str, value: impl Into<String>) -> Item {
    Item::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

/// What every part reads, loaded once.
struct Facts<'a> {
    session: &'a Session,
    recipient: Recipient,
    choices: &'a Choices,
    org: Organisation,
    incident: Incident,
    /// Everyone linked to the incident, with their role there.
    linked: Vec<(Person, Role)>,
    family: FamilyRecord,
    /// The incident's chronology, oldest first (decisions, actions and contacts read it).
    chronology: Vec<chronology::Entry>,
    /// Each child the referral is about, with their relatives (parents and household read them).
    relatives: Vec<(RecordId, Vec<relationships::Relative>)>,
    today: NaiveDate,
}

/// One part of a form: a section, or nothing when the part has nothing to say. It notes whose
/// details it carried and which kinds in `shared`, for the information-sharing record.
type Part = fn(&Facts<'_>, &mut Shared) -> Result<Option<Section>>;

/// Whose details went and which kinds, and what the form asks that is not recorded.
#[derive(Default)]
struct Shared {
    people: Vec<RecordId>,
    what: Vec<SharedDetail>,
    gaps: Vec<Gap>,
}

impl Shared {
    fn gap(&mut self, person: Option<&Person>, what: &str) {
        let gap = Gap {
            person_id: person.map(|p| p.id),
            person: person.map(|p| p.full_name.clone()).unwrap_or_default(),
            what: what.to_owned(),
        };
        if !self.gaps.contains(&gap) {
            self.gaps.push(gap);
        }
    }
    fn person(&mut self, id: RecordId) {
        if !self.people.contains(&id) {
            self.people.push(id);
        }
    }
    fn detail(&mut self, d: SharedDetail) {
        if !self.what.contains(&d) {
            self.what.push(d);
        }
    }
}

fn section(title: &str, items: Vec<Item>) -> Option<Section> {
    Some(Section {
        title: title.to_owned(),
        items,
    })
}

/// A person's entry: their `facts` as lines under their name. A fact not recorded is left out,
/// unless it is one the form `asks` for: then it reads "not recorded" and is noted as a gap. A
/// date of birth has the age beside it, as a screener reads it.
fn person_entry(
    f: &Facts<'_>,
    shared: &mut Shared,
    p: &Person,
    facts: impl IntoIterator<Item = Fact>,
    asks: &[&str],
) -> Item {
    let lines = facts
        .into_iter()
        .filter_map(|(label, value)| {
            if value.trim().is_empty() {
                if !asks.contains(&label) {
                    return None;
                }
                shared.gap(Some(p), label);
                return Some(format!("{label}: not recorded"));
            }
            if label == "Date of birth" {
                if let Some(age) = p.date_of_birth.and_then(|dob| f.today.years_since(dob)) {
                    return Some(format!("{label}: {value} (aged {age})"));
                }
            }
            Some(format!("{label}: {value}"))
        })
        .collect();
    Item::Entry {
        heading: p.full_name.clone(),
        lines,
    }
}

/// A free-text answer: its question as a heading, the answer under it (kept together better
/// than a label beside a long value).
fn prose(question: &str, answer: &str) -> Item {
    Item::Entry {
        heading: question.to_owned(),
        lines: vec![answer.to_owned()],
    }
}

fn nobody(text: &str) -> Vec<Item> {
    vec![Item::Paragraph {
        text: text.to_owned(),
    }]
}

/// `items`, or a sentence saying there are none.
fn or_nobody(items: Vec<Item>, text: &str) -> Vec<Item> {
    if items.is_empty() {
        nobody(text)
    } else {
        items
    }
}

impl Facts<'_> {
    /// The children the referral is about: victim, subject, or the child making an allegation.
    fn children(&self) -> impl Iterator<Item = &(Person, Role)> {
        self.linked.iter().filter(|(p, role)| {
            p.kind == PersonKind::Child
                && matches!(role, Role::Victim | Role::Subject | Role::MakingAllegation)
        })
    }

    fn relatives_of(&self, child: RecordId) -> &[relationships::Relative] {
        self.relatives
            .iter()
            .find(|(id, _)| *id == child)
            .map_or(&[], |(_, r)| r.as_slice())
    }

    fn with_role(&self, wanted: Role) -> impl Iterator<Item = &(Person, Role)> {
        self.linked.iter().filter(move |(_, role)| *role == wanted)
    }

    /// Whether this referral carries `detail` of `person` (the referrer may leave it out).
    fn shows(&self, person: &Person, detail: Sensitive) -> bool {
        !self.choices.leaves_out(person.id, detail)
    }
}

/// Builds the summary of `reference` for `recipient` from the vault.
/// The referrer's `choices` must be checked ([`Choices::checked`]); those it names must be on
/// the incident as witnesses or reporters.
pub fn build(
    session: &Session,
    reference: &str,
    recipient: Recipient,
    choices: &Choices,
) -> Result<Summary> {
    let conn = session.conn();
    let incident = incidents::get(conn, reference)?;
    if let Some(stranger) = choices.also_name.iter().find(|id| {
        !incident
            .people
            .iter()
            .any(|l| l.person_id == **id && matches!(l.role, Role::Witness | Role::Reporter))
    }) {
        return Err(crate::records::fields::invalid(
            crate::Field::AlsoName,
            &format!("choose witnesses or reporters on this incident (not person {stranger})"),
        ));
    }
    let linked = incident
        .people
        .iter()
        .map(|l| Ok((people::get(conn, l.person_id)?, l.role)))
        .collect::<Result<Vec<_>>>()?;
    let mut chronology = chronology::for_incident(conn, reference)?;
    chronology.reverse();
    if let Some(call) = choices.confirms_call {
        if !chronology
            .iter()
            .any(|e| e.id == call && e.kind == EntryKind::AgencyContact)
        {
            return Err(crate::records::fields::invalid(
                crate::Field::ConfirmsCall,
                "choose a contact with an agency recorded in this incident's chronology",
            ));
        }
    }
    let mut facts = Facts {
        session,
        recipient,
        choices,
        org: crate::organisation::current(conn)?,
        family: family::get(conn, incident.id)?,
        incident,
        linked,
        chronology,
        relatives: Vec::new(),
        today: crate::time::uk_date(chrono::Utc::now()),
    };
    facts.relatives = facts
        .children()
        .map(|(child, _)| Ok((child.id, relationships::relatives(conn, child.id)?)))
        .collect::<Result<_>>()?;
    let mut shared = Shared::default();
    let mut sections = Vec::new();
    for part in recipient.parts() {
        if let Some(s) = part(&facts, &mut shared)? {
            sections.push(s);
        }
    }
    shared.people.sort_unstable();
    Ok(Summary {
        gaps: shared.gaps,
        recipient,
        title: recipient.title().to_owned(),
        organisation: facts.org.name.clone(),
        reference: facts.incident.reference.clone(),
        sections,
        demo: crate::organisation::is_demo(conn)?,
        people: shared.people,
        shares: shared.what,
    })
}

/// The referrer (the member making the referral, whom the recipient calls back) and the
/// setting, as every form's first part asks: name, role, phone, secure e-mail; the setting's
/// name, address and URN; and the DSL, when someone else refers.
fn referrer(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let me = f.session.current_member()?;
    let setting = crate::organisation::setting_details(f.session.conn())?;
    let mut items = vec![field("Referrer", format!("{}, {}", me.name, me.role_title))];
    for (label, value) in [("Phone", &me.phone), ("Secure e-mail", &me.secure_email)] {
        if !value.is_empty() {
            items.push(field(label, value.clone()));
        }
    }
    items.push(field("Setting", f.org.name.clone()));
    for (label, value) in [
        ("Setting's address", &setting.address),
        ("URN", &setting.urn),
        ("Safeguarding team's phone", &setting.phone),
        ("Safeguarding team's secure e-mail", &setting.secure_email),
    ] {
        if !value.is_empty() {
            items.push(field(label, value.clone()));
        }
    }
    if me.name != f.org.dsl_name {
        items.push(field(
            "Designated Safeguarding Lead",
            f.org.dsl_name.clone(),
        ));
    }
    Ok(section("Who is referring", items))
}

/// The incident: its reference, kind, the 4 Cs, risk, and when it happened and was reported.
fn the_referral(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let i = &f.incident;
    Ok(section(
        "The referral",
        vec![
            field("Incident reference", i.reference.clone()),
            field("To", f.recipient.label()),
            field("Category", i.category.label()),
            field(
                "Area of risk (4 Cs)",
                i.four_cs
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            field("Risk", i.risk.label()),
            field("Status", i.status.label()),
            field(
                "Happened",
                i.occurred_at
                    .as_deref()
                    .map_or("Not known".to_owned(), display_time),
            ),
            field(
                "Reported",
                format!("{} by {}", display_time(&i.reported_at), i.reported_by),
            ),
            field(
                "Sent by",
                f.choices.sent_by.map_or("Not said", |r| r.label()),
            ),
        ],
    ))
}

/// The phone call this written referral confirms, from the agency contact in the chronology.
fn phone_call_confirmed(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let Some(call) = f
        .choices
        .confirms_call
        .and_then(|id| f.chronology.iter().find(|e| e.id == id))
    else {
        return Ok(None);
    };
    let mut text = format!(
        "This written referral confirms our call to {} on {}",
        call.agency,
        display_time(&call.occurred_at)
    );
    if !call.agency_person.is_empty() {
        text.push_str(&format!(", when we spoke to {}", call.agency_person));
    }
    text.push('.');
    let mut items = vec![Item::Paragraph { text }];
    if !call.text.is_empty() {
        items.push(field("What we said", call.text.clone()));
    }
    if !call.agency_outcome.is_empty() {
        items.push(field("What was agreed", call.agency_outcome.clone()));
    }
    if !call.agency_reference.is_empty() {
        items.push(field("Your reference", call.agency_reference.clone()));
    }
    Ok(section("The phone call this confirms", items))
}

/// Why now, and what the referrer asks for: the two things no form can do without.
fn why_and_what_is_asked(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    Ok(section(
        "Why we are referring, and what we ask",
        vec![
            prose("Reason for the referral", &f.choices.reason),
            prose("What we ask you to do", &f.choices.asks),
        ],
    ))
}

/// Where the child is now, and what they say they want, where the referrer knows.
fn the_child_now(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (label, value) in [
        ("Where the child is now", &f.choices.where_child_is),
        ("The child's views and wishes", &f.choices.childs_views),
    ] {
        if !value.is_empty() {
            items.push(prose(label, value));
        }
    }
    Ok((!items.is_empty())
        .then(|| section("The child now", items))
        .flatten())
}

/// What must not reach the family, so that the recipient does not tell them.
fn not_for_the_family(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    Ok((!f.choices.not_for_family.is_empty())
        .then(|| {
            section(
                "Not to be shared with the family",
                vec![Item::Paragraph {
                    text: f.choices.not_for_family.clone(),
                }],
            )
        })
        .flatten())
}

/// Witnesses and reporters the referrer chose to name: by name and role only.
fn also_named(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (p, role) in f
        .linked
        .iter()
        .filter(|(p, _)| f.choices.also_name.contains(&p.id))
    {
        shared.person(p.id);
        shared.detail(SharedDetail::Identity);
        items.push(field(role.label(), p.full_name.clone()));
    }
    Ok((!items.is_empty())
        .then(|| section("Others the referrer names", items))
        .flatten())
}

/// The children the referral is about, in full, as an inter-agency form asks: names, date of
/// birth, gender, address, ethnicity, language and communication needs, school and SEND,
/// status with services with dates, the allocated social worker and other agencies.
fn children(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    // Asked by every inter-agency form (domain review §2.2); ethnicity by social care's.
    let mut asks = vec![
        "Date of birth",
        "Gender or sex",
        "Address",
        "First language",
        "Year group and form",
    ];
    if f.recipient == Recipient::SocialCare {
        asks.push("Ethnicity");
    }
    for (p, role) in f.children() {
        shared.person(p.id);
        shared.detail(SharedDetail::Identity);
        let mut facts: Vec<Fact> = vec![("Role", role.label().to_owned())];
        facts.extend(
            p.identity_facts()
                .into_iter()
                .filter(|(l, _)| !matches!(*l, "Name" | "Kind")),
        );
        for (label, value) in p.school_facts() {
            let detail = match label {
                "SEND" => Some(Sensitive::Send),
                "Ethnicity" => Some(Sensitive::Ethnicity),
                _ => None,
            };
            if detail.is_some_and(|d| !f.shows(p, d)) {
                continue;
            }
            if label == "SEND"
                && p.details.send.is_some_and(|s| {
                    matches!(
                        s,
                        people::SendSupport::SenSupport | people::SendSupport::Ehcp
                    )
                })
            {
                shared.detail(SharedDetail::Send);
            }
            facts.push((label, value));
        }
        if f.shows(p, Sensitive::StatusWithServices) {
            let statuses = p.status_lines(f.today);
            if !statuses.is_empty() {
                shared.detail(SharedDetail::StatusWithServices);
            }
            facts.push((
                "Status with services",
                if statuses.is_empty() {
                    "none in the school's record".to_owned()
                } else {
                    statuses.join("; ")
                },
            ));
        }
        for (label, value) in p.services_facts() {
            if label == "Other agencies" && !f.shows(p, Sensitive::OtherAgencies) {
                continue;
            }
            facts.push((label, value));
        }
        items.push(person_entry(f, shared, p, facts, &asks));
    }
    let items = or_nobody(
        items,
        "No child recorded as the one this referral is about.",
    );
    Ok(section("The child or children", items))
}

/// The parents and carers of those children (recorded as relationships, or linked to the
/// incident as parent or carer), with parental responsibility, address and phone.
fn parents_and_carers(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut seen = Vec::new();
    let mut items = Vec::new();
    let mut add = |p: &Person, relation: String, shared: &mut Shared| {
        if seen.contains(&p.id) {
            return;
        }
        seen.push(p.id);
        shared.person(p.id);
        shared.detail(SharedDetail::Family);
        let support = p.details.interpreter_needed || !p.details.communication_needs.is_empty();
        let facts = std::iter::once(("Relationship", relation)).chain(
            p.identity_facts()
                .into_iter()
                .filter(move |(l, _)| match *l {
                    "Date of birth" | "Address" | "Phone" | "Secure e-mail" | "First language" => {
                        true
                    }
                    // Only when they need it: "not needed" for every parent is noise.
                    "Interpreter or communication support" => support,
                    _ => false,
                }),
        );
        items.push(person_entry(f, shared, p, facts, &["Address", "Phone"]));
    };
    for (child, _) in f.children() {
        for r in f.relatives_of(child.id) {
            if r.is_parent {
                let pr = r
                    .parental_responsibility
                    .map_or("parental responsibility not recorded", |p| p.label());
                add(
                    &r.person,
                    format!(
                        "{} of {}; {}",
                        r.relation,
                        child.full_name,
                        pr.to_lowercase()
                    ),
                    shared,
                );
            }
        }
    }
    for (p, _) in f.with_role(Role::ParentCarer) {
        add(
            p,
            "Parent or carer (linked to the incident)".to_owned(),
            shared,
        );
    }
    if items.is_empty() && f.recipient == Recipient::SocialCare {
        shared.gap(
            None,
            "No parent or carer is recorded: add them from the child's page (Household)",
        );
    }
    let items = or_nobody(items, "No parent or carer recorded.");
    Ok(section("Parents and carers", items))
}

/// Brothers and sisters, and others the child lives with.
fn household(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (child, _) in f.children() {
        for r in f.relatives_of(child.id) {
            if matches!(
                r.kind,
                RelationshipKind::SiblingOf | RelationshipKind::LivesWith
            ) {
                shared.person(r.person.id);
                shared.detail(SharedDetail::Family);
                let facts = [
                    (
                        "Relationship",
                        format!("{} {}", r.relation, child.full_name),
                    ),
                    (
                        "Date of birth",
                        r.person
                            .date_of_birth
                            .map_or_else(String::new, crate::time::long_date),
                    ),
                ];
                items.push(person_entry(f, shared, &r.person, facts, &[]));
            }
        }
    }
    if items.is_empty() {
        return Ok(None);
    }
    Ok(section("Household and siblings", items))
}

/// Whether the parents know of the concern and of the referral, and whether they consented to
/// sharing, and if not why not (every inter-agency form asks).
fn what_the_family_knows(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    match f.choices.parents_know {
        Some(true) => items.push(field("Parents or carers know of this referral", "Yes")),
        Some(false) => items.push(field(
            "Parents or carers know of this referral",
            format!("No: {}", f.choices.parents_know_why_not),
        )),
        None => items.push(field("Parents or carers know of this referral", "Not said")),
    }
    match &f.family.parents_informed {
        Some(p) if p.informed => items.push(field(
            "Parents or carers told of the concern",
            format!(
                "Yes: {} told {}{}{}",
                p.told_by,
                p.who_was_told,
                p.at.as_deref()
                    .map(|t| format!(" on {}", display_time(t)))
                    .unwrap_or_default(),
                if p.how.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", p.how)
                }
            ),
        )),
        Some(p) => items.push(field(
            "Parents or carers told of the concern",
            format!("No: {}", p.reason_not),
        )),
        None => items.push(field(
            "Parents or carers told of the concern",
            "Not recorded",
        )),
    }
    let c = &f.choices;
    match c.consent {
        Some(outcome) => items.push(field(
            "Consent to share information",
            match outcome {
                family::ConsentOutcome::Given => format!("Given by {}", c.consent_by),
                _ => format!("{}: {}", outcome.label(), c.consent_note),
            },
        )),
        None => consent_on_record(f, &mut items),
    }
    Ok(section("What the family knows", items))
}

/// Consent as the incident records it, where the referrer did not answer for this referral.
fn consent_on_record(f: &Facts<'_>, items: &mut Vec<Item>) {
    match &f.family.consent_to_share {
        Some(c) => items.push(field(
            "Consent to share information",
            format!(
                "{}{}{}",
                c.outcome.label(),
                if c.given_by.is_empty() {
                    String::new()
                } else {
                    format!(", by {}", c.given_by)
                },
                if c.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", c.reason)
                }
            ),
        )),
        None => items.push(field("Consent to share information", "Not recorded")),
    }
}

/// The person alleged to have caused harm, as the police need them: name, date of birth,
/// address, other names (online identifiers included) and how they stand to the child.
fn alleged_harmers(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (p, _) in f.with_role(Role::AllegedHarmer) {
        shared.person(p.id);
        shared.detail(SharedDetail::Identity);
        let support = p.details.interpreter_needed || !p.details.communication_needs.is_empty();
        let mut facts: Vec<Fact> = p
            .identity_facts()
            .into_iter()
            .filter(|(l, _)| match *l {
                "Name" => false,
                "Interpreter or communication support" => support,
                _ => true,
            })
            .collect();
        if p.kind == PersonKind::Child {
            facts.extend(p.school_facts().into_iter().take(1));
        }
        if matches!(p.kind, PersonKind::Staff | PersonKind::Professional) {
            // Who they are at work; their employment terms are the LADO's business.
            facts.extend(
                p.employment_facts()
                    .into_iter()
                    .filter(|(l, _)| matches!(*l, "Role" | "Employer")),
            );
        }
        // How they stand to each child, where the record says (the police ask).
        for (child, _) in f.children() {
            if let Some(r) = f
                .relatives_of(child.id)
                .iter()
                .find(|r| r.person.id == p.id)
            {
                facts.push((
                    "Relationship to the child",
                    format!("{} of {}", r.relation, child.full_name),
                ));
            }
        }
        let asks: &[&str] = if f.recipient == Recipient::Police {
            &["Date of birth", "Address"]
        } else {
            &[]
        };
        items.push(person_entry(f, shared, p, facts, asks));
    }
    let items = or_nobody(
        items,
        "No alleged harmer recorded (not known, or online and not identified).",
    );
    Ok(section("The person alleged to have caused harm", items))
}

/// The adult the allegation is about, as LADO forms ask: identity, their work (role,
/// employer, basis, start), and the case manager.
fn the_adult(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (p, _) in f
        .with_role(Role::AllegedHarmer)
        .filter(|(p, _)| p.kind != PersonKind::Child)
    {
        shared.person(p.id);
        shared.detail(SharedDetail::Identity);
        let mut facts: Vec<Fact> = p
            .identity_facts()
            .into_iter()
            .filter(|(l, _)| {
                !matches!(
                    *l,
                    "Name" | "First language" | "Interpreter or communication support"
                )
            })
            .collect();
        facts.extend(p.employment_facts());
        items.push(person_entry(
            f,
            shared,
            p,
            facts,
            &[
                "Date of birth",
                "Gender or sex",
                "Address",
                "Role",
                "Employer",
                "Basis",
                "Start date",
            ],
        ));
    }
    if items.is_empty() {
        shared.gap(
            None,
            "No adult is linked to the incident as the alleged harmer: add them under People on the incident",
        );
    }
    let mut items = or_nobody(items, "No adult recorded as the alleged harmer.");
    let a = &f.choices.adult;
    for (label, value) in [
        ("Other work with children or adults at risk", &a.other_work),
        ("Own children or caring responsibilities", &a.own_children),
    ] {
        items.push(field(
            label,
            if value.is_empty() { "Not known" } else { value },
        ));
    }
    items.push(prose(
        "Previous allegations or concerns, low-level concerns included",
        &a.previous_concerns,
    ));
    items.push(field(
        "The adult knows of the allegation",
        match a.adult_knows {
            Some(true) => "Yes".to_owned(),
            Some(false) => format!("No: {}", a.adult_knows_note),
            None => "Not said".to_owned(),
        },
    ));
    // The case manager, with their role and how to reach them (the LADO works with them).
    for (p, _) in f.with_role(Role::CaseManager) {
        let reach = [
            p.details.employment.role.as_str(),
            p.details.phone.as_str(),
            p.details.secure_email.as_str(),
        ]
        .into_iter()
        .filter(|x| !x.trim().is_empty())
        .collect::<Vec<_>>();
        items.insert(
            0,
            field(
                "Case manager",
                std::iter::once(p.full_name.as_str())
                    .chain(reach)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        );
    }
    Ok(section("The adult the allegation is about", items))
}

/// The children, as LADO forms ask: by name (never initials), date of birth, role, and their
/// social worker (the LADO tells them, and a looked-after child's reviewing officer).
fn children_for_the_lado(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for (p, role) in f.children() {
        shared.person(p.id);
        shared.detail(SharedDetail::Identity);
        let mut facts: Vec<Fact> = vec![("Role", role.label().to_owned())];
        facts.extend(
            p.identity_facts()
                .into_iter()
                .filter(|(l, _)| matches!(*l, "Date of birth" | "Address")),
        );
        facts.extend(p.services_facts().into_iter().take(1));
        let looked_after = p
            .details
            .statuses
            .iter()
            .any(|s| s.kind == people::ServiceKind::LookedAfter && s.is_current(f.today));
        if looked_after && f.shows(p, Sensitive::StatusWithServices) {
            shared.detail(SharedDetail::StatusWithServices);
            facts.push(("Looked after", "yes".to_owned()));
        }
        items.push(person_entry(
            f,
            shared,
            p,
            facts,
            &["Date of birth", "Address"],
        ));
    }
    let items = or_nobody(items, "No child recorded.");
    Ok(section("Children involved", items))
}

fn happened_items(f: &Facts<'_>, shared: &mut Shared) -> Vec<Item> {
    shared.detail(SharedDetail::WhatHappened);
    let mut items = vec![Item::Paragraph {
        text: f.incident.summary.clone(),
    }];
    if !f.incident.childs_words.is_empty() {
        shared.detail(SharedDetail::ChildsWords);
        items.push(Item::Paragraph {
            text: "In the child's own words:".to_owned(),
        });
        items.push(Item::Quote {
            text: f.incident.childs_words.clone(),
        });
    }
    items
}

fn what_happened(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    Ok(section("What happened", happened_items(f, shared)))
}

fn the_allegation(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    let mut items = happened_items(f, shared);
    for (p, _) in f.with_role(Role::MakingAllegation) {
        items.push(field("Allegation made by", p.full_name.clone()));
    }
    Ok(section("The allegation", items))
}

/// Which of KCSIE's four harm criteria the referrer says the allegation meets.
fn harm_threshold(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let mut items = vec![Item::Paragraph {
        text: "The allegation meets these harm criteria (Keeping children safe in education \
               2025, Part four, section one). The adult has:"
            .to_owned(),
    }];
    for c in HarmCriterion::ALL {
        if f.choices.adult.harm_criteria.contains(c) {
            items.push(Item::Paragraph {
                text: format!("• {}", c.label()),
            });
        }
    }
    Ok(section("The harm threshold", items))
}

/// What has been done about the adult so far (suspension, other arrangements), as LADO forms
/// ask.
fn done_about_the_adult(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let done = &f.choices.adult.actions_taken;
    Ok(section(
        "Action taken about the adult so far",
        vec![Item::Paragraph {
            text: if done.is_empty() {
                "None yet: we are waiting for your advice.".to_owned()
            } else {
                done.clone()
            },
        }],
    ))
}

/// The chronology's entries of one kind, oldest first.
fn entries_of<'f>(
    f: &'f Facts<'_>,
    kind: EntryKind,
) -> impl Iterator<Item = &'f chronology::Entry> {
    f.chronology.iter().filter(move |e| e.kind == kind)
}

fn decisions(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    shared.detail(SharedDetail::Decisions);
    let items: Vec<Item> = entries_of(f, EntryKind::Decision)
        .map(|e| Item::Entry {
            heading: format!("{} · {}", display_time(&e.occurred_at), e.changed_by),
            lines: vec![
                format!("Decision: {}", e.text),
                format!("Reason: {}", e.reason),
            ],
        })
        .collect();
    Ok(section(
        "Decisions and the reasons for them",
        or_nobody(items, "No decision recorded yet."),
    ))
}

fn actions(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let items: Vec<Item> = entries_of(f, EntryKind::Action)
        .map(|e| Item::Entry {
            heading: format!("{} · {}", display_time(&e.occurred_at), e.text),
            lines: vec![format!(
                "Owner: {}{}",
                e.action_owner,
                e.action_due
                    .map(|d| format!(", due {}", crate::time::long_date(d)))
                    .unwrap_or_default()
            )],
        })
        .collect();
    Ok(section(
        "What has been done: actions",
        or_nobody(items, "No action recorded."),
    ))
}

/// Agencies already contacted; a phone referral this PDF confirms reads as such (forms ask for
/// the written referral within a day or two of the call, naming whom the referrer spoke to).
fn agencies_contacted(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let items: Vec<Item> = entries_of(f, EntryKind::AgencyContact)
        .map(|e| {
            let mut lines = vec![e.text.clone()];
            if !e.agency_person.is_empty() {
                lines.push(format!("Spoke to: {}", e.agency_person));
            }
            if !e.agency_outcome.is_empty() {
                lines.push(format!("Outcome: {}", e.agency_outcome));
            }
            if !e.agency_reference.is_empty() {
                lines.push(format!("Their reference: {}", e.agency_reference));
            }
            Item::Entry {
                heading: format!("{} · {}", display_time(&e.occurred_at), e.agency),
                lines,
            }
        })
        .collect();
    Ok(section(
        "Agencies contacted",
        or_nobody(items, "No agency contact recorded."),
    ))
}

/// Checklist answers: questions and decisions, steps marked not done, and (except for the LADO)
/// what was recorded, such as who viewed imagery and why. The LADO gets only the allegation
/// checklist's.
fn checklist_answers(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let mut items = Vec::new();
    for run in engine::for_incident(f.session, &f.incident.reference)? {
        let state = engine::get(f.session, run.id)?;
        if f.recipient == Recipient::Lado
            && !state
                .template
                .categories
                .contains(&Category::AllegationAgainstStaff)
        {
            continue;
        }
        let mut lines = Vec::new();
        for step_id in &state.route {
            let (Some(step), Some(a)) = (state.template.step(step_id), state.answer(step_id))
            else {
                continue;
            };
            let relevant = matches!(step.kind, StepKind::Question | StepKind::Decision)
                || (step.kind == StepKind::Record && f.recipient != Recipient::Lado)
                || matches!(a.answer, Answer::NotDone { .. });
            if relevant {
                // "Is a child in immediate danger? No", not "…danger?: No".
                let sep = if step.title.ends_with('?') { " " } else { ": " };
                lines.push(format!("{}{sep}{}", step.title, a.answer.describe(step)));
            }
        }
        if lines.is_empty() {
            continue;
        }
        items.push(Item::Entry {
            heading: format!(
                "{} (version {}), {}",
                state.template.title,
                state.template.version,
                match &state.run.finished_at {
                    Some(t) => format!("finished {}", display_time(t)),
                    None => "in progress".to_owned(),
                }
            ),
            lines,
        });
    }
    Ok((!items.is_empty())
        .then(|| section("Checklist answers", items))
        .flatten())
}

fn evidence_items(f: &Facts<'_>, shared: &mut Shared, custody: bool) -> Result<Vec<Item>> {
    let notes = evidence::for_incident(f.session.conn(), &f.incident.reference)?;
    if notes.is_empty() {
        return Ok(nobody("No evidence note recorded."));
    }
    shared.detail(SharedDetail::Evidence);
    let mut items = Vec::new();
    for n in &notes {
        let mut lines = vec![n.description.clone()];
        if !n.device.is_empty() {
            lines.push(format!("Device: {}", n.device));
        }
        if f.recipient != Recipient::SocialCare {
            if !n.device_location.is_empty() {
                lines.push(format!("Where it is: {}", n.device_location));
            }
            if !n.held_by.is_empty() {
                lines.push(format!("Held by: {}", n.held_by));
            }
        }
        for url in &n.urls {
            lines.push(format!("Address (as text, not visited): {url}"));
        }
        if custody {
            for c in &n.custody {
                let mut line = format!(
                    "Custody: {} {} by {}",
                    display_time(&c.at),
                    c.event.label(),
                    c.by_whom
                );
                for (label, v) in [
                    ("bag", &c.bag_number),
                    ("at", &c.location),
                    ("to", &c.recipient),
                    ("collar number", &c.collar_number),
                    ("note", &c.note),
                ] {
                    if !v.is_empty() {
                        line.push_str(&format!(", {label} {v}"));
                    }
                }
                lines.push(line);
            }
        }
        items.push(Item::Entry {
            heading: format!("Evidence note recorded {}", display_time(&n.changed_at)),
            lines,
        });
    }
    Ok(items)
}

fn evidence_in_words(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    Ok(section(
        "Evidence (described in words; no images are held)",
        evidence_items(f, shared, false)?,
    ))
}

fn evidence_and_custody(f: &Facts<'_>, shared: &mut Shared) -> Result<Option<Section>> {
    Ok(section(
        "Evidence and chain of custody (described in words; no images are held)",
        evidence_items(f, shared, true)?,
    ))
}

/// The restriction on publishing an allegation against a teacher before charge (Education Act
/// 2002 s141F, inserted by the Education Act 2011 s13; text checked on legislation.gov.uk), near
/// the top of any referral about an allegation against an adult who works at the setting (every
/// LADO referral; others when the incident is one, or a member of staff is the alleged harmer),
/// before the pages that name them. Worded conditionally: it binds where the adult is a teacher and the
/// allegation is of a criminal offence, which the referrer may not yet know.
fn reporting_restriction(f: &Facts<'_>, _: &mut Shared) -> Result<Option<Section>> {
    let about_staff = f.recipient == Recipient::Lado
        || f.incident.category == Category::AllegationAgainstStaff
        || f.with_role(Role::AllegedHarmer)
            .any(|(p, _)| p.kind == PersonKind::Staff);
    if !about_staff {
        return Ok(None);
    }
    Ok(section(
        "Reporting restriction",
        vec![Item::Paragraph {
            text: "This referral is about an allegation against an adult who works at the \
                   school. Where a pupil, or someone on their behalf, alleges that a teacher \
                   there committed a criminal offence, nothing may be published that is likely \
                   to lead members of the public to identify the teacher, until they are \
                   charged or the restriction otherwise ends (Education Act 2002, section 141F, \
                   inserted by the Education Act 2011, section 13). Keep this referral to \
                   secure routes and to those who need it."
                .to_owned(),
        }],
    ))
}

/// "23 November 2026, 09:41 GMT" from a stored time (UK time: `time::uk`).
pub fn display_time(stored: &str) -> String {
    crate::time::uk_stored(stored)
}
