//! People: children and young people, parents and carers, other adults, staff and
//! professionals. Owns `people`, `person_versions`, `person_details` (schema 12) and the name
//! index `people_search`.
//!
//! A version is one row of `person_versions` (kind, name, date of birth, form or class, and
//! three flags kept for older readers) and, from schema 12, one row of `person_details` beside
//! it holding everything else ([`PersonDetails`]) and the reason the version was made. The
//! flags are derived from the details, so the two cannot disagree.

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::fields;
use super::RecordId;
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::typed::{read_birth, read_day, Birth};
use crate::time::{self, Day};
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    PersonKind {
        /// A child or young person (under 18, or a learner).
        Child = "child", "Child or young person";
        ParentCarer = "parent_carer", "Parent or carer";
        Adult = "adult", "Other adult";
        Staff = "staff", "Member of staff";
        /// A professional from another agency (social worker, police officer, GP…).
        Professional = "professional", "Professional";
    }
}

text_enum! {
    /// The school's year groups (England), and post-16 for sixth forms and colleges.
    YearGroup {
        Nursery = "nursery", "Nursery";
        Reception = "reception", "Reception";
        Year1 = "year_1", "Year 1";
        Year2 = "year_2", "Year 2";
        Year3 = "year_3", "Year 3";
        Year4 = "year_4", "Year 4";
        Year5 = "year_5", "Year 5";
        Year6 = "year_6", "Year 6";
        Year7 = "year_7", "Year 7";
        Year8 = "year_8", "Year 8";
        Year9 = "year_9", "Year 9";
        Year10 = "year_10", "Year 10";
        Year11 = "year_11", "Year 11";
        Year12 = "year_12", "Year 12";
        Year13 = "year_13", "Year 13";
        Post16 = "post_16", "Post-16 (college)";
    }
}

text_enum! {
    /// Special educational needs and disabilities (SEND Code of Practice 2015).
    SendSupport {
        NotRecorded = "not_recorded", "Not recorded";
        None = "none", "No special educational needs";
        SenSupport = "sen_support", "SEN support";
        Ehcp = "ehcp", "Education, health and care plan (EHCP)";
    }
}

text_enum! {
    /// A child's status with services (Working Together to Safeguard Children 2023).
    ServiceKind {
        ChildInNeed = "child_in_need", "Child in need plan (section 17)";
        ChildProtection = "child_protection", "Child protection plan";
        LookedAfter = "looked_after", "Looked after";
        PreviouslyLookedAfter = "previously_looked_after", "Previously looked after";
        EarlyHelp = "early_help", "Early help";
        YoungCarer = "young_carer", "Young carer";
        PrivateFostering = "private_fostering", "Privately fostered";
    }
}

text_enum! {
    /// The category of a child protection plan (Working Together 2023, chapter 4).
    CpCategory {
        Neglect = "neglect", "Neglect";
        Physical = "physical", "Physical abuse";
        Sexual = "sexual", "Sexual abuse";
        Emotional = "emotional", "Emotional abuse";
        Multiple = "multiple", "Multiple categories";
    }
}

text_enum! {
    /// On what basis a member of staff works with the children (KCSIE Part three).
    EmploymentBasis {
        Employed = "employed", "Employed by the school or trust";
        AgencySupply = "agency_supply", "Supply, through an agency";
        Volunteer = "volunteer", "Volunteer";
        Contractor = "contractor", "Contractor";
    }
}

/// One status with services, with its dates. A child protection plan with an end date is one
/// the child "has had".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceStatus {
    pub kind: ServiceKind,
    /// Its dates: as typed in a form, always a plain date once saved.
    pub start: Option<Day>,
    pub end: Option<Day>,
    /// The plan's category: child protection plans only.
    #[serde(default)]
    pub category: Option<CpCategory>,
    /// The lead practitioner (early help), or who is responsible; may be empty.
    #[serde(default)]
    pub lead: String,
}

impl ServiceStatus {
    /// Current on `day`: started (or no start recorded) and not yet ended.
    pub fn is_current(&self, day: NaiveDate) -> bool {
        self.start_date().is_none_or(|s| s <= day) && self.end_date().is_none_or(|e| e >= day)
    }

    pub fn start_date(&self) -> Option<NaiveDate> {
        self.start.as_ref().and_then(Day::date)
    }

    pub fn end_date(&self) -> Option<NaiveDate> {
        self.end.as_ref().and_then(Day::date)
    }
}

/// Another agency involved with a child (GP, CAMHS, youth justice, police…), and how to reach
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AgencyInvolved {
    pub agency: String,
    #[serde(default)]
    pub contact: String,
}

/// A member of staff's employment (for allegations: LADO forms ask for each of these).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Employment {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub employer: String,
    pub basis: Option<EmploymentBasis>,
    /// The agency, when supplied through one.
    #[serde(default)]
    pub agency: String,
    pub start_date: Option<Day>,
}

/// A date of birth known only in part: the year, and the month when known. Forms ask for a date
/// of birth even when the DSL knows only "born in 2011".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PartialBirth {
    pub year: i32,
    pub month: Option<u32>,
}

impl PartialBirth {
    fn birth(self) -> Birth {
        Birth::Partly {
            year: self.year,
            month: self.month,
        }
    }

    /// "March 2011 (day not known)", "2011 (day and month not known)".
    pub fn describe(self) -> String {
        match self
            .month
            .and_then(|m| NaiveDate::from_ymd_opt(self.year, m, 1))
        {
            Some(first) => format!("{} (day not known)", first.format("%B %Y")),
            None => format!("{} (day and month not known)", self.year),
        }
    }
}

/// Everything about a person beyond their name, kind, date of birth and form. Every text is
/// optional (empty when not known) and passes the no-images guard.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PersonDetails {
    /// Other names the person is known by (found by search too).
    pub other_names: Vec<String>,
    /// The date of birth as far as it is known, when it is not known whole (then the person's
    /// `date_of_birth` is empty).
    pub birth_in_part: Option<PartialBirth>,
    /// Gender or sex as the DSL records it.
    pub gender: String,
    pub ethnicity: String,
    pub address: String,
    pub phone: String,
    /// A secure e-mail address (for professionals and referrers).
    pub secure_email: String,
    pub first_language: String,
    /// An interpreter or communication support is needed.
    pub interpreter_needed: bool,
    /// What communication support, when needed.
    pub communication_needs: String,
    // A child's:
    pub year_group: Option<YearGroup>,
    pub send: Option<SendSupport>,
    pub statuses: Vec<ServiceStatus>,
    pub social_worker: String,
    /// How to reach the social worker (phone, secure e-mail, team).
    pub social_worker_contact: String,
    pub agencies: Vec<AgencyInvolved>,
    // A member of staff's (or a professional's organisation and role):
    pub employment: Employment,
}

impl PersonDetails {
    /// Statuses current on `day`.
    pub fn current_statuses(&self, day: NaiveDate) -> impl Iterator<Item = &ServiceStatus> {
        self.statuses.iter().filter(move |s| s.is_current(day))
    }

    fn has_current(&self, kind: ServiceKind, day: NaiveDate) -> bool {
        self.current_statuses(day).any(|s| s.kind == kind)
    }
}

/// What the DSL enters for a person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PersonInput {
    pub kind: PersonKind,
    pub full_name: String,
    /// As typed, or already known; empty when not known.
    pub date_of_birth: Option<Day>,
    /// Form or class ("7B", "Oak").
    #[serde(default)]
    pub class_year: String,
    #[serde(default)]
    pub details: PersonDetails,
    /// Why this version was made: required when a status with services changes.
    #[serde(default)]
    pub reason: String,
}

impl PersonInput {
    /// A person with a name and nothing else known yet.
    pub fn named(kind: PersonKind, full_name: &str) -> Self {
        PersonInput {
            kind,
            full_name: full_name.to_owned(),
            date_of_birth: None,
            class_year: String::new(),
            details: PersonDetails::default(),
            reason: String::new(),
        }
    }
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
    /// Form or class.
    pub class_year: String,
    /// Special educational needs and disabilities (SEN support or an EHCP).
    pub send: bool,
    pub looked_after: bool,
    /// Subject of a child protection plan now.
    pub cp_plan: bool,
    pub details: PersonDetails,
    /// Why this version was made (empty before schema 12, or when not needed).
    pub reason: String,
    pub changed_at: String,
    pub changed_by: String,
}

/// One labelled fact about a person, as a PDF or a referral prints it ("Date of birth", "14 March
/// 2011"). An empty value is not recorded: the reader decides how to say so (the person PDF
/// prints a dash; a referral leaves it out, or says "not recorded" where its form asks for it).
pub type Fact = (&'static str, String);

fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

fn day(d: Option<NaiveDate>) -> String {
    d.map_or_else(String::new, crate::time::long_date)
}

/// A status's start or end: "not recorded" inside a sentence, where a blank would not read.
fn day_in_line(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "not recorded".to_owned(), crate::time::long_date)
}

impl Person {
    /// The latest day they can have been born (the whole date, or the end of the month or year
    /// known): a retention period counts from it, so that nothing is deleted early.
    pub fn latest_birth_date(&self) -> Option<NaiveDate> {
        self.date_of_birth
            .or_else(|| self.details.birth_in_part.and_then(|p| p.birth().latest()))
    }

    /// Who they are and how to reach them: names, kind, date of birth, gender, address, phone,
    /// secure e-mail, first language and communication needs.
    pub fn identity_facts(&self) -> Vec<Fact> {
        let d = &self.details;
        let mut facts = vec![("Name", self.full_name.clone())];
        if !d.other_names.is_empty() {
            facts.push(("Also known as", d.other_names.join("; ")));
        }
        facts.extend([
            ("Kind", self.kind.label().to_owned()),
            (
                "Date of birth",
                match (self.date_of_birth, self.details.birth_in_part) {
                    (None, Some(part)) => part.describe(),
                    (dob, _) => day(dob),
                },
            ),
            ("Gender or sex", trimmed(&d.gender)),
            ("Address", trimmed(&d.address)),
            ("Phone", trimmed(&d.phone)),
            ("Secure e-mail", trimmed(&d.secure_email)),
            ("First language", trimmed(&d.first_language)),
            (
                "Interpreter or communication support",
                if d.interpreter_needed {
                    format!("needed. {}", d.communication_needs)
                        .trim()
                        .to_owned()
                } else if d.communication_needs.is_empty() {
                    "not needed".to_owned()
                } else {
                    d.communication_needs.clone()
                },
            ),
        ]);
        facts
    }

    /// A child's school and needs: year group and form, SEND, ethnicity.
    pub fn school_facts(&self) -> Vec<Fact> {
        vec![
            ("Year group and form", trimmed(&self.year_and_form())),
            (
                "SEND",
                self.details.send.map_or("", |s| s.label()).to_owned(),
            ),
            ("Ethnicity", trimmed(&self.details.ethnicity)),
        ]
    }

    /// A child's statuses with services, a line each with dates ("Child protection plan
    /// (Neglect): from 1 May 2026 to now; lead: …"), marked "(ended)" when over by `today`.
    pub fn status_lines(&self, today: NaiveDate) -> Vec<String> {
        self.details
            .statuses
            .iter()
            .map(|s| {
                let mut line = s.kind.label().to_owned();
                if let Some(c) = s.category {
                    line.push_str(&format!(" ({})", c.label()));
                }
                line.push_str(&format!(
                    ": from {} to {}",
                    day_in_line(s.start_date()),
                    s.end_date()
                        .map_or_else(|| "now".to_owned(), |e| day_in_line(Some(e)))
                ));
                if !s.is_current(today) {
                    line.push_str(" (ended)");
                }
                if !s.lead.is_empty() {
                    line.push_str(&format!("; lead: {}", s.lead));
                }
                line
            })
            .collect()
    }

    /// The allocated social worker and the other agencies involved with a child.
    pub fn services_facts(&self) -> Vec<Fact> {
        let d = &self.details;
        vec![
            (
                "Social worker",
                trimmed(
                    &[d.social_worker.as_str(), d.social_worker_contact.as_str()]
                        .into_iter()
                        .filter(|s| !s.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
            (
                "Other agencies",
                trimmed(
                    &d.agencies
                        .iter()
                        .map(|a| {
                            if a.contact.is_empty() {
                                a.agency.clone()
                            } else {
                                format!("{} ({})", a.agency, a.contact)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ),
        ]
    }

    /// A member of staff's or a professional's work: role, employer, basis, agency, start.
    pub fn employment_facts(&self) -> Vec<Fact> {
        let e = &self.details.employment;
        let mut facts = vec![
            ("Role", trimmed(&e.role)),
            ("Employer", trimmed(&e.employer)),
            ("Basis", e.basis.map_or("", |b| b.label()).to_owned()),
        ];
        if !e.agency.is_empty() {
            facts.push(("Supply agency", e.agency.clone()));
        }
        facts.push(("Start date", day(e.start_date.as_ref().and_then(Day::date))));
        facts
    }

    /// The year group, or the form or class when no year group was chosen (older records).
    pub fn year_and_form(&self) -> String {
        match self.details.year_group {
            Some(y) if self.class_year.is_empty() => y.label().to_owned(),
            Some(y) => format!("{}, {}", y.label(), self.class_year),
            None => self.class_year.clone(),
        }
    }

    pub fn input(&self) -> PersonInput {
        PersonInput {
            kind: self.kind,
            full_name: self.full_name.clone(),
            date_of_birth: match (self.date_of_birth, self.details.birth_in_part) {
                (Some(d), _) => Some(Day::On(d)),
                (None, Some(part)) => Some(Day::Typed(time::DateParts {
                    day: String::new(),
                    month: part.month.map(|m| m.to_string()).unwrap_or_default(),
                    year: part.year.to_string(),
                })),
                (None, None) => None,
            },
            class_year: self.class_year.clone(),
            details: self.details.clone(),
            reason: String::new(),
        }
    }
}

struct Checked {
    full_name: String,
    class_year: String,
    date_of_birth: Option<String>,
    details: PersonDetails,
    reason: String,
}

/// The longest list of other names, statuses or agencies a person can carry.
const MAX_LIST: usize = 30;

fn check_list(form: &mut Form, field: Field, values: &[String], max: usize) -> Vec<String> {
    if values.len() > MAX_LIST {
        form.add(fields::invalid(
            field,
            &format!("record at most {MAX_LIST}"),
        ));
        return Vec::new();
    }
    values
        .iter()
        .map(|v| form.check(fields::line(field, v, max)))
        .filter(|v| !v.is_empty())
        .collect()
}

fn check_date(form: &mut Form, field: Field, date: Option<NaiveDate>, today: NaiveDate) {
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    match date {
        Some(d) if d > today => form.add(fields::invalid(field, "this is in the future")),
        Some(d) if d < earliest => form.add(fields::invalid(field, "check the year")),
        _ => {}
    }
}

/// Checks every field and reports every problem at once. `previous` is the current version
/// when amending: a change to the status with services needs a reason.
fn check(input: &PersonInput, previous: Option<&Person>) -> Result<Checked> {
    let mut form = Form::default();
    let full_name = form.check(fields::required_line(
        Field::FullName,
        &input.full_name,
        fields::SHORT,
    ));
    let class_year = form.check(fields::line(Field::ClassYear, &input.class_year, 50));
    let today = time::uk_date(Utc::now());
    let birth = read_birth(&mut form, Field::DateOfBirth, input.date_of_birth.as_ref());
    check_date(
        &mut form,
        Field::DateOfBirth,
        birth.and_then(Birth::earliest),
        today,
    );
    let (date_of_birth, birth_in_part) = match birth {
        Some(Birth::Whole(d)) => (Some(d), None),
        Some(Birth::Partly { year, month }) => (None, Some(PartialBirth { year, month })),
        None => (None, None),
    };

    let d = &input.details;
    let line =
        |form: &mut Form, field: Field, v: &str| form.check(fields::line(field, v, fields::SHORT));
    let mut statuses = Vec::with_capacity(d.statuses.len());
    if d.statuses.len() > MAX_LIST {
        form.add(fields::invalid(
            Field::Statuses,
            &format!("record at most {MAX_LIST}"),
        ));
    } else {
        for s in &d.statuses {
            let start = read_day(&mut form, Field::Statuses, s.start.as_ref());
            let end = read_day(&mut form, Field::Statuses, s.end.as_ref());
            if let (Some(start), Some(end)) = (start, end) {
                if end < start {
                    form.add(fields::invalid(
                        Field::Statuses,
                        &format!("{}: the end is before the start", s.kind.label()),
                    ));
                }
            }
            if let Some(start) = start {
                if start > today {
                    form.add(fields::invalid(
                        Field::Statuses,
                        &format!("{}: the start is in the future", s.kind.label()),
                    ));
                }
            }
            if s.category.is_some() && s.kind != ServiceKind::ChildProtection {
                form.add(fields::invalid(
                    Field::Statuses,
                    &format!(
                        "{}: only a child protection plan has a category",
                        s.kind.label()
                    ),
                ));
            }
            statuses.push(ServiceStatus {
                lead: line(&mut form, Field::Statuses, &s.lead),
                start: start.map(Day::On),
                end: end.map(Day::On),
                ..s.clone()
            });
        }
    }
    if input.kind != PersonKind::Child && !d.statuses.is_empty() {
        form.add(fields::invalid(
            Field::Statuses,
            "only a child or young person has a status with services",
        ));
    }
    let agencies = if d.agencies.len() > MAX_LIST {
        form.add(fields::invalid(
            Field::Agencies,
            &format!("record at most {MAX_LIST}"),
        ));
        Vec::new()
    } else {
        d.agencies
            .iter()
            .map(|a| AgencyInvolved {
                agency: line(&mut form, Field::Agencies, &a.agency),
                contact: line(&mut form, Field::Agencies, &a.contact),
            })
            .filter(|a| !a.agency.is_empty() || !a.contact.is_empty())
            .collect()
    };
    if agencies.iter().any(|a| a.agency.is_empty()) {
        form.add(fields::invalid(
            Field::Agencies,
            "name the agency for each contact",
        ));
    }
    let e = &d.employment;
    let start_date = read_day(&mut form, Field::StartDate, e.start_date.as_ref());
    check_date(&mut form, Field::StartDate, start_date, today);
    if let (Some(start), Some(born)) = (start_date, date_of_birth) {
        if start < born {
            form.add(fields::invalid(
                Field::StartDate,
                "this is before their date of birth",
            ));
        }
    }
    let employment = Employment {
        role: line(&mut form, Field::StaffRole, &e.role),
        employer: line(&mut form, Field::Employer, &e.employer),
        basis: e.basis,
        agency: line(&mut form, Field::SupplyAgency, &e.agency),
        start_date: start_date.map(Day::On),
    };
    if e.basis == Some(EmploymentBasis::AgencySupply) && employment.agency.is_empty() {
        form.add(fields::invalid(
            Field::SupplyAgency,
            "name the agency that supplies them",
        ));
    }
    let email = form.check(crate::organisation::check_email(
        Field::SecureEmail,
        &d.secure_email,
    ));
    let details = PersonDetails {
        other_names: check_list(&mut form, Field::OtherNames, &d.other_names, fields::SHORT),
        birth_in_part,
        gender: line(&mut form, Field::Gender, &d.gender),
        ethnicity: line(&mut form, Field::Ethnicity, &d.ethnicity),
        address: form.check(fields::text(Field::Address, &d.address, 500)),
        phone: line(&mut form, Field::Phone, &d.phone),
        secure_email: email,
        first_language: line(&mut form, Field::FirstLanguage, &d.first_language),
        interpreter_needed: d.interpreter_needed,
        communication_needs: line(&mut form, Field::CommunicationNeeds, &d.communication_needs),
        year_group: d.year_group,
        send: d.send,
        statuses,
        social_worker: line(&mut form, Field::SocialWorker, &d.social_worker),
        social_worker_contact: line(&mut form, Field::SocialWorker, &d.social_worker_contact),
        agencies,
        employment,
    };
    let reason = form.check(fields::text(Field::Reason, &input.reason, 2_000));
    if let Some(prev) = previous {
        if prev.details.statuses != details.statuses && reason.is_empty() {
            form.add(fields::invalid(
                Field::Reason,
                "say why the status with services changed",
            ));
        }
    }
    form.finish()?;
    Ok(Checked {
        full_name,
        class_year,
        date_of_birth: date_of_birth.map(time::format_date),
        details,
        reason,
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
    // The name index holds the current name and the other names known by.
    let mut names = c.full_name.clone();
    for other in &c.details.other_names {
        names.push_str(" \u{2022} ");
        names.push_str(other);
    }
    tx.execute("DELETE FROM people_search WHERE rowid = ?1", [id])?;
    tx.execute(
        "INSERT INTO people_search (rowid, name) VALUES (?1, ?2)",
        params![id, names],
    )?;
    let today = Utc::now().date_naive();
    let d = &c.details;
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
            matches!(d.send, Some(SendSupport::SenSupport | SendSupport::Ehcp)),
            d.has_current(ServiceKind::LookedAfter, today),
            d.has_current(ServiceKind::ChildProtection, today),
            now,
            actor
        ],
    )?;
    let details =
        serde_json::to_string(d).map_err(|e| Error::Internal(format!("person details: {e}")))?;
    tx.execute(
        "INSERT INTO person_details (person_id, version, details, reason) VALUES (?1, ?2, ?3, ?4)",
        params![id, version, details, c.reason],
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
    let checked = check(input, None)?;
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
    let current = get(session.conn(), id)?;
    let checked = check(input, Some(&current))?;
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

const COLUMNS: &str = "v.person_id, v.version, v.kind, v.full_name, v.date_of_birth, v.class_year,
                       v.send, v.looked_after, v.cp_plan, v.changed_at, v.changed_by,
                       d.details, d.reason";
const FROM: &str = "person_versions v
                    LEFT JOIN person_details d ON d.person_id = v.person_id AND d.version = v.version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    let dob: Option<String> = r.get(4)?;
    let details: Option<String> = r.get(11)?;
    let details = match details {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(11, rusqlite::types::Type::Text, Box::new(e))
        })?,
        // A version made before schema 12: what the flags said, as details.
        None => legacy_details(r.get(6)?, r.get(7)?, r.get(8)?),
    };
    Ok(Person {
        id: r.get(0)?,
        version: r.get(1)?,
        kind: r.get(2)?,
        full_name: r.get(3)?,
        date_of_birth: match dob {
            Some(_) => Some(time::date_column(r, 4)?),
            None => None,
        },
        class_year: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        send: r.get(6)?,
        looked_after: r.get(7)?,
        cp_plan: r.get(8)?,
        details,
        reason: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
        changed_at: r.get(9)?,
        changed_by: r.get(10)?,
    })
}

/// The details an older version's flags stand for (dates not known).
fn legacy_details(send: bool, looked_after: bool, cp_plan: bool) -> PersonDetails {
    let status = |kind| ServiceStatus {
        kind,
        start: None,
        end: None,
        category: None,
        lead: String::new(),
    };
    let mut statuses = Vec::new();
    if looked_after {
        statuses.push(status(ServiceKind::LookedAfter));
    }
    if cp_plan {
        statuses.push(status(ServiceKind::ChildProtection));
    }
    PersonDetails {
        send: send.then_some(SendSupport::SenSupport),
        statuses,
        ..PersonDetails::default()
    }
}

/// The current version of a person.
pub fn get(conn: &Connection, id: RecordId) -> Result<Person> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE v.person_id = ?1 ORDER BY v.version DESC LIMIT 1"
    ))?
    .query_row([id], from_row)
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: format!("Person {id}"),
    })
}

/// Every version of a person, oldest first.
pub fn history(conn: &Connection, id: RecordId) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM {FROM} WHERE v.person_id = ?1 ORDER BY v.version"
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

/// People whose name (or another name they are known by) matches every word of `text`, each
/// word as the start of a name part, folded for case and accents; by name, at most `limit`.
pub fn search(conn: &Connection, text: &str, limit: u32) -> Result<Vec<Person>> {
    let Some(query) = super::search::fts_query(text) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE v.person_id IN (SELECT rowid FROM people_search WHERE people_search MATCH ?1)
           AND v.version = (SELECT max(version) FROM person_versions WHERE person_id = v.person_id)
         ORDER BY v.full_name COLLATE NOCASE, v.person_id
         LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![query, limit], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// Everyone, current versions, by name.
pub fn list(conn: &Connection) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM {FROM}
         WHERE v.version = (SELECT max(version) FROM person_versions WHERE person_id = v.person_id)
         ORDER BY v.full_name COLLATE NOCASE, v.person_id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}
