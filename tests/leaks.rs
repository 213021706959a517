//! Nothing leaks: distinctive text written into every kind of field — people, incidents,
//! chronology of every kind, evidence and custody, checklist answers, contacts, drafts, the
//! organisation — is found in no file of the vault folder, the backup file, or the system temp
//! folder (files written while the test ran) — as UTF-8 or UTF-16.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, NaiveDate, Utc};

use casebook::checklists::contacts::{self, Contact, ContactKey};
use casebook::checklists::{engine, Answer, Library};
use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::drafts;
use casebook::records::evidence::{self, CustodyInput, CustodyKind, EvidenceInput};
use casebook::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::vault::LockReason;
use common::*;

fn m(field: &str) -> String {
    format!("Leakmark{field}Qz7731")
}

#[test]
fn distinctive_text_in_every_kind_of_field_is_found_in_no_file() {
    let started = std::time::SystemTime::now() - std::time::Duration::from_secs(2);
    let f = new_vault();
    let mut s = f.unlock();
    let mut markers = vec![ORG.to_owned(), DSL.to_owned()];
    let mut mark = |field: &str| {
        let v = m(field);
        markers.push(v.clone());
        v
    };

    let child = people::create(
        &mut s,
        &PersonInput {
            kind: PersonKind::Child,
            full_name: mark("PersonName"),
            date_of_birth: NaiveDate::from_ymd_opt(2012, 5, 6).map(Into::into),
            class_year: mark("ClassYear"),
            // The new details carry marks too: none may reach the disk in plaintext.
            details: casebook::records::people::PersonDetails {
                other_names: vec![mark("OtherName")],
                address: mark("Address"),
                phone: mark("Phone"),
                social_worker: mark("SocialWorker"),
                send: Some(casebook::records::people::SendSupport::Ehcp),
                statuses: [
                    casebook::records::people::ServiceKind::LookedAfter,
                    casebook::records::people::ServiceKind::ChildProtection,
                ]
                .into_iter()
                .map(|kind| casebook::records::people::ServiceStatus {
                    kind,
                    start: NaiveDate::from_ymd_opt(2025, 1, 6).map(Into::into),
                    end: None,
                    category: None,
                    lead: String::new(),
                })
                .collect(),
                ..Default::default()
            },
            reason: String::new(),
        },
    )
    .unwrap();
    let reference = incidents::create(
        &mut s,
        &IncidentInput {
            occurred_at: Some((Utc::now() - Duration::hours(5)).into()),
            reported_at: Some((Utc::now() - Duration::hours(4)).into()),
            reported_by: mark("ReportedBy"),
            category: Some(Category::SharingNudes),
            four_cs: vec![FourC::Conduct],
            summary: mark("Summary"),
            childs_words: mark("ChildsWords"),
            risk: Some(Risk::High),
            status: Status::Closed,
            outcome: mark("Outcome"),
            retention_until: None,
        },
        &[PersonLink {
            person_id: child.id,
            role: Role::Victim,
        }],
    )
    .unwrap()
    .reference;
    for (kind, extra) in [
        (EntryKind::Note, ""),
        (EntryKind::Decision, "Reason"),
        (EntryKind::Action, "Owner"),
        (EntryKind::AgencyContact, "Agency"),
    ] {
        chronology::add(
            &mut s,
            &reference,
            &EntryInput {
                kind: Some(kind),
                text: mark(&format!("Chronology{kind:?}")),
                reason: if extra == "Reason" {
                    mark("DecisionReason")
                } else {
                    String::new()
                },
                action_owner: if extra == "Owner" {
                    mark("ActionOwner")
                } else {
                    String::new()
                },
                action_due: None,
                agency: if extra == "Agency" {
                    mark("AgencyName")
                } else {
                    String::new()
                },
                agency_person: if extra == "Agency" {
                    mark("AgencyPerson")
                } else {
                    String::new()
                },
                agency_outcome: if extra == "Agency" {
                    mark("AgencyOutcome")
                } else {
                    String::new()
                },
                agency_reference: if extra == "Agency" {
                    mark("AgencyRef")
                } else {
                    String::new()
                },
                ..EntryInput::default()
            },
        )
        .unwrap();
    }
    let note = evidence::add(
        &mut s,
        &reference,
        &EvidenceInput {
            description: mark("EvidenceDescription"),
            device: mark("Device"),
            device_location: mark("DeviceLocation"),
            held_by: mark("HeldBy"),
            urls: vec![format!("https://example.invalid/{}", mark("Url"))],
        },
    )
    .unwrap();
    evidence::record_custody(
        &mut s,
        note.id,
        &CustodyInput {
            event: CustodyKind::HandedOver,
            at: Some((Utc::now() - Duration::hours(1)).into()),
            by_whom: mark("CustodyBy"),
            bag_number: mark("Bag"),
            location: mark("CustodyLocation"),
            recipient: mark("Officer"),
            collar_number: mark("Collar"),
            note: mark("CustodyNote"),
        },
    )
    .unwrap();
    let run = engine::start(&mut s, &Library::shipped(), &reference, "online-hate").unwrap();
    engine::answer(&mut s, run.run.id, "immediate-risk", &Answer::No, "").unwrap();
    engine::answer(
        &mut s,
        run.run.id,
        "record-incident",
        &Answer::Text {
            text: mark("ChecklistText"),
        },
        &mark("ChecklistNote"),
    )
    .unwrap();
    contacts::save(
        &mut s,
        &[Contact {
            key: ContactKey::Lado,
            name: mark("ContactName"),
            phone: "0191 555 0100".into(),
            details: mark("ContactDetails"),
        }],
    )
    .unwrap();
    drafts::save(
        &mut s,
        "new-incident",
        &format!("{{\"summary\":\"{}\"}}", mark("Draft")),
    )
    .unwrap();

    let backup = f.tmp.path().join("backup.cbk");
    s.backup_to(&backup).unwrap();
    s.lock(LockReason::Exit).unwrap();

    for marker in &markers {
        let found = files_containing(f.tmp.path(), marker);
        assert!(found.is_empty(), "{marker} found in {found:?}");
    }
    for entry in std::fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
        let regular = entry.metadata().is_ok_and(|md| {
            md.is_file() && md.len() <= 4 * 1024 * 1024 && md.modified().is_ok_and(|t| t >= started)
        });
        if !regular {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path()) {
            // Only the invented markers: ordinary names can be in anyone's temp files.
            for marker in markers.iter().filter(|m| m.starts_with("Leakmark")) {
                assert!(
                    !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                    "{marker} in {}",
                    entry.path().display()
                );
            }
        }
    }
    assert!(markers.len() > 25);
}
