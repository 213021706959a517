//! Referral fixtures shared by the referral and signature tests: a realistic incident, and
//! running the outside PDF tools.

use std::path::Path;
use std::process::Command;

use chrono::{Duration, NaiveDate, Utc};

use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::evidence::{self, CustodyInput, CustodyKind, EvidenceInput};
use casebook::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::vault::Session;

/// `[a, b, c, d]` of a signed PDF's (last) /ByteRange.
pub fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("/ByteRange").unwrap();
    let open = text[at..].find('[').unwrap() + at + 1;
    let close = text[open..].find(']').unwrap() + open;
    let r: Vec<usize> = text[open..close]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    [r[0], r[1], r[2], r[3]]
}

/// Runs an outside tool on a file; its standard output and error together.
pub fn tool(name: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(name)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!("{name} (poppler-utils / qpdf, installed by scripts/install-deps): {e}")
        });
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A PDF's text as pdftotext reads it (to standard output).
pub fn pdf_text(file: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed by scripts/install-deps");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub const LONG_NOTE_WORDS: usize = 60;

/// The `w`th word of long note `i`: unique, and word-like (letters only: a run of tokens such as
/// `w3x17` has the character statistics of encoded data, which the no-images guard refuses).
pub fn long_note_word(i: usize, w: usize) -> String {
    let letters = |n: usize| -> String {
        n.to_string()
            .bytes()
            .map(|d| char::from(b'a' + (d - b'0')))
            .collect()
    };
    format!("w{}x{}", letters(i), letters(w))
}

/// An incident with a child, a staff member, decisions, contacts, evidence and custody.
pub fn incident(s: &mut Session, long: bool) -> String {
    let child = people::create(
        s,
        &PersonInput {
            kind: PersonKind::Child,
            full_name: "Nguyễn Thị Ánh".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2011, 3, 14).map(Into::into),
            class_year: "Year 10".into(),
            details: casebook::records::people::PersonDetails {
                send: Some(casebook::records::people::SendSupport::SenSupport),
                statuses: vec![casebook::records::people::ServiceStatus {
                    kind: casebook::records::people::ServiceKind::ChildProtection,
                    start: NaiveDate::from_ymd_opt(2025, 9, 1).map(Into::into),
                    end: None,
                    category: None,
                    lead: String::new(),
                }],
                ..Default::default()
            },
            reason: String::new(),
        },
    )
    .unwrap();
    let other = people::create(
        s,
        &PersonInput {
            kind: PersonKind::Child,
            full_name: "Łukasz Wiśniewski".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2010, 9, 2).map(Into::into),
            class_year: "Year 11".into(),
            details: Default::default(),
            reason: String::new(),
        },
    )
    .unwrap();
    let staff = people::create(
        s,
        &PersonInput {
            kind: PersonKind::Staff,
            full_name: "Mr Ådne Solberg".into(),
            date_of_birth: None,
            class_year: String::new(),
            details: Default::default(),
            reason: String::new(),
        },
    )
    .unwrap();
    let harmer = people::create(
        s,
        &PersonInput {
            kind: PersonKind::Adult,
            full_name: "Kristóf Várnagy".into(),
            date_of_birth: None,
            class_year: String::new(),
            details: casebook::records::people::PersonDetails {
                other_names: vec!["kv_1999 (gaming app)".into()],
                ..Default::default()
            },
            reason: String::new(),
        },
    )
    .unwrap();
    let reference = incidents::create(
        s,
        &IncidentInput {
            occurred_at: Some((Utc::now() - Duration::days(1)).into()),
            reported_at: Some((Utc::now() - Duration::hours(20)).into()),
            reported_by: "Ms Zoë Adeyemi (form tutor)".into(),
            category: Some(Category::SharingNudes),
            four_cs: vec![FourC::Contact, FourC::Conduct],
            summary: "Ánh told her tutor that an adult on a gaming app asked her for a photo and threatened to post a fake one.".into(),
            childs_words: "He said he would send it to everyone unless I paid him.".into(),
            risk: Some(Risk::High),
            status: Status::Referred,
            outcome: String::new(),
            retention_until: None,
        },
        &[
            PersonLink { person_id: child.id, role: Role::Victim },
            PersonLink { person_id: other.id, role: Role::Witness },
            PersonLink { person_id: staff.id, role: Role::Reporter },
            PersonLink { person_id: harmer.id, role: Role::AllegedHarmer },
        ],
    )
    .unwrap()
    .reference;
    chronology::add(
        s,
        &reference,
        &EntryInput {
            kind: Some(EntryKind::Decision),
            text: "Refer to the police and children's social care today".into(),
            reason: "Sextortion by an adult: UKCIS says refer immediately.".into(),
            ..EntryInput::default()
        },
    )
    .unwrap();
    chronology::add(
        s,
        &reference,
        &EntryInput {
            kind: Some(EntryKind::AgencyContact),
            text: "Referral by phone".into(),
            agency: "Children's social care front door".into(),
            agency_person: "J. Patel".into(),
            agency_outcome: "Strategy discussion at 3pm".into(),
            agency_reference: "MASH-2026-118".into(),
            ..EntryInput::default()
        },
    )
    .unwrap();
    if long {
        for i in 0..140 {
            let text = (0..LONG_NOTE_WORDS)
                .map(|w| long_note_word(i, w))
                .collect::<Vec<_>>()
                .join(" ");
            chronology::add(
                s,
                &reference,
                &EntryInput {
                    kind: Some(EntryKind::Decision),
                    text: format!("Decision {i}"),
                    reason: text,
                    ..EntryInput::default()
                },
            )
            .unwrap();
        }
    }
    let note = evidence::add(
        s,
        &reference,
        &EvidenceInput {
            description: "Ánh's phone holds the messages; nothing was viewed.".into(),
            device: "Black Android phone".into(),
            device_location: "DSL office safe".into(),
            held_by: "Siobhán Nguyễn (DSL)".into(),
            urls: vec!["https://example.invalid/profile/xx".into()],
        },
    )
    .unwrap();
    evidence::record_custody(
        s,
        note.id,
        &CustodyInput {
            event: CustodyKind::Sealed,
            at: Some((Utc::now() - Duration::hours(19)).into()),
            by_whom: "Siobhán Nguyễn".into(),
            bag_number: "EVB-55501".into(),
            location: "DSL office safe".into(),
            recipient: String::new(),
            collar_number: String::new(),
            note: String::new(),
        },
    )
    .unwrap();
    reference
}
