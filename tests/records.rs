//! The incident log as a DSL uses it: people, incidents, chronology, evidence and custody,
//! versions and history, search and filters, and no images anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use chrono::{Datelike, Duration, NaiveDate, Utc};

use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::evidence::{self, CustodyInput, CustodyKind, EvidenceInput};
use casebook::records::incidents::{self, Category, IncidentInput, PersonLink, Role, Status};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::records::search::{self, IncidentFilter};
use casebook::vault::{LockReason, Session};
use casebook::ErrorCode;
use common::*;

fn child(name: &str, dob: (i32, u32, u32)) -> PersonInput {
    PersonInput {
        kind: PersonKind::Child,
        full_name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2).map(Into::into),
        class_year: "Year 9".into(),
        details: Default::default(),
        reason: String::new(),
    }
}

fn note(text: &str) -> EntryInput {
    EntryInput {
        kind: Some(EntryKind::Note),
        text: text.into(),
        ..EntryInput::default()
    }
}

/// Row counts of every record table, to prove a refusal wrote nothing.
fn counts(s: &Session) -> Vec<(String, i64)> {
    s.status().unwrap().tables
}

#[test]
fn names_in_any_script_are_kept_exactly() {
    let f = new_vault();
    let mut s = f.unlock();
    for name in [
        "Zoë Brontë",
        "Siobhán Ní Bhriain",
        "Łukasz Wróbel",
        "Nguyễn Thị Ánh",
        "Ådne Ødegård",
        "O'Connor-Smith",
    ] {
        let p = people::create(&mut s, &child(name, (2012, 4, 1))).unwrap();
        assert_eq!(people::get(s.conn(), p.id).unwrap().full_name, name);
    }
    drop(s);
    let s = f.unlock();
    let names: Vec<String> = people::list(s.conn())
        .unwrap()
        .into_iter()
        .map(|p| p.full_name)
        .collect();
    assert!(names.contains(&"Nguyễn Thị Ánh".to_string()));
}

#[test]
fn incidents_get_references_that_are_never_reused() {
    let f = new_vault();
    let mut s = f.unlock();
    let year = Utc::now().year();
    let a = incidents::create(&mut s, &incident_input("First"), &[]).unwrap();
    let b = incidents::create(&mut s, &incident_input("Second"), &[]).unwrap();
    assert_eq!(a.reference, format!("CB-{year}-0001"));
    assert_eq!(b.reference, format!("CB-{year}-0002"));
    // A refused create does not use up a number.
    assert!(incidents::create(&mut s, &incident_input("   "), &[]).is_err());
    let c = incidents::create(&mut s, &incident_input("Third"), &[]).unwrap();
    assert_eq!(c.reference, format!("CB-{year}-0003"));
    // References cannot be edited in the database either.
    assert!(s
        .conn()
        .execute("UPDATE incidents SET reference = 'X' WHERE id = 1", [])
        .is_err());
}

#[test]
fn an_edit_keeps_the_old_version_and_both_are_audited() {
    let f = new_vault();
    let mut s = f.unlock();
    let zoe = people::create(&mut s, &child("Zoë", (2011, 2, 3))).unwrap();
    let first = incidents::create(
        &mut s,
        &incident_input("Image shared in a group chat"),
        &[PersonLink {
            person_id: zoe.id,
            role: Role::Victim,
        }],
    )
    .unwrap();
    let mut changed = incident_input("Image shared in a group chat of 30 pupils");
    changed.status = Status::Referred;
    let second = incidents::amend(&mut s, &first.reference, &changed).unwrap();
    assert_eq!(second.version, 2);
    let history = incidents::history(s.conn(), &first.reference).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].summary, "Image shared in a group chat");
    assert_eq!(history[0].status, Status::Open);
    assert_eq!(
        history[1].summary,
        "Image shared in a group chat of 30 pupils"
    );
    assert!(s
        .conn()
        .execute("UPDATE incident_versions SET summary = 'x'", [])
        .is_err());

    let trail = casebook::audit::recent(s.conn(), 10).unwrap();
    let about: Vec<&str> = trail
        .iter()
        .filter(|e| e.subject == first.reference)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(about, ["record.amended", "record.created"]);
    assert!(
        trail.iter().all(|e| !e.detail.contains("group chat")),
        "the trail holds no record content"
    );
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn retention_defaults_to_the_youngest_child_plus_25_years() {
    let f = new_vault();
    let mut s = f.unlock();
    let older = people::create(&mut s, &child("Older", (2010, 1, 1))).unwrap();
    let younger = people::create(&mut s, &child("Younger", (2012, 6, 30))).unwrap();
    let i = incidents::create(
        &mut s,
        &incident_input("Two children"),
        &[
            PersonLink {
                person_id: older.id,
                role: Role::AllegedHarmer,
            },
            PersonLink {
                person_id: younger.id,
                role: Role::Victim,
            },
        ],
    )
    .unwrap();
    assert_eq!(
        i.retention_until,
        NaiveDate::from_ymd_opt(2037, 6, 30).unwrap()
    );
    assert!(i.retention_auto);
    assert_eq!(i.people.len(), 2);
}

#[test]
fn decisions_need_reasons_and_closing_needs_an_outcome() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("Report"), &[]).unwrap();
    let before = counts(&s);
    let err = chronology::add(
        &mut s,
        &i.reference,
        &EntryInput {
            kind: Some(EntryKind::Decision),
            text: "No further action".into(),
            ..EntryInput::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err
        .to_string()
        .starts_with("Reason: record the reason for this decision"));
    let mut closing = incident_input("Report");
    closing.status = Status::Closed;
    assert!(incidents::amend(&mut s, &i.reference, &closing)
        .unwrap_err()
        .to_string()
        .contains("record the outcome"));
    assert_eq!(counts(&s), before, "nothing was written");

    let d = chronology::add(
        &mut s,
        &i.reference,
        &EntryInput {
            kind: Some(EntryKind::Decision),
            text: "No referral to police".into(),
            reason: "None of the five UKCIS referral conditions applies; parents informed.".into(),
            ..EntryInput::default()
        },
    )
    .unwrap();
    assert_eq!(d.kind, EntryKind::Decision);
    closing.outcome = "Handled in school; education session for the group.".into();
    assert_eq!(
        incidents::amend(&mut s, &i.reference, &closing)
            .unwrap()
            .status,
        Status::Closed
    );
}

#[test]
fn evidence_and_its_chain_of_custody() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("Phone with images"), &[]).unwrap();
    let n = evidence::add(
        &mut s,
        &i.reference,
        &EvidenceInput {
            description: "Pupil reported an image of herself was shared; not viewed by staff."
                .into(),
            device: "Black Samsung phone".into(),
            device_location: "DSL office safe".into(),
            held_by: "Ms Patel (DSL)".into(),
            urls: vec!["https://example.com/u/abc123".into(), "".into()],
        },
    )
    .unwrap();
    assert_eq!(n.urls, ["https://example.com/u/abc123"]);
    let at = Utc::now() - Duration::minutes(30);
    let handed = CustodyInput {
        event: CustodyKind::HandedOver,
        at: Some(at.into()),
        by_whom: "Ms Patel".into(),
        bag_number: String::new(),
        location: String::new(),
        recipient: "PC Jones".into(),
        collar_number: String::new(),
        note: String::new(),
    };
    assert!(evidence::record_custody(&mut s, n.id, &handed)
        .unwrap_err()
        .to_string()
        .contains("collar number"));
    let sealed = CustodyInput {
        event: CustodyKind::Sealed,
        bag_number: "SB-20331".into(),
        ..handed.clone()
    };
    evidence::record_custody(&mut s, n.id, &sealed).unwrap();
    evidence::record_custody(
        &mut s,
        n.id,
        &CustodyInput {
            collar_number: "4471".into(),
            at: Some(Utc::now().into()),
            ..handed
        },
    )
    .unwrap();
    let chain = evidence::get(s.conn(), n.id).unwrap().custody;
    assert_eq!(
        chain.iter().map(|e| e.event).collect::<Vec<_>>(),
        [CustodyKind::Sealed, CustodyKind::HandedOver]
    );
    assert_eq!(chain[1].collar_number, "4471");

    let mut changed = EvidenceInput {
        description: "Updated description".into(),
        ..EvidenceInput::default()
    };
    changed.device_location = "Handed to police".into();
    evidence::amend(&mut s, n.id, &changed).unwrap();
    assert_eq!(evidence::history(s.conn(), n.id).unwrap().len(), 2);
}

#[test]
fn a_childs_words_never_reach_the_disk_in_clear_and_search_finds_them() {
    let f = new_vault();
    let mut s = f.unlock();
    let phrase = "wobbly periwinkle lighthouse";
    let mut input = incident_input("Reported at break time");
    input.childs_words = format!("He said if I didn't send more he would post the {phrase} one");
    let i = incidents::create(&mut s, &input, &[]).unwrap();
    chronology::add(
        &mut s,
        &i.reference,
        &note("Spoke to Zoë's mother about the quartzite kettle"),
    )
    .unwrap();
    for p in [phrase, "periwinkle", "quartzite kettle"] {
        assert!(
            files_containing(&f.dir(), p).is_empty(),
            "{p} found on disk while open"
        );
    }
    s.lock(LockReason::Manual).unwrap();
    assert!(
        files_containing(&f.dir(), "periwinkle").is_empty(),
        "found on disk after lock"
    );

    let s = f.unlock();
    let find = |text: &str| {
        search::incidents(
            s.conn(),
            &IncidentFilter {
                text: text.into(),
                ..IncidentFilter::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|r| r.reference)
        .collect::<Vec<_>>()
    };
    assert_eq!(find("periwinkle lighthouse"), [i.reference.as_str()]);
    assert_eq!(find("Zoe"), [i.reference.as_str()], "diacritics are folded");
    assert_eq!(find("quartz"), [i.reference.as_str()], "prefixes match");
    assert!(find("nothing like this").is_empty());
    assert!(find("\" OR *").is_empty());
}

#[test]
fn filters_and_a_childs_chronology_across_incidents() {
    let f = new_vault();
    let mut s = f.unlock();
    let zoe = people::create(&mut s, &child("Zoë", (2011, 2, 3))).unwrap();
    let sam = people::create(&mut s, &child("Sam", (2011, 5, 3))).unwrap();
    let mut a_in = incident_input("Older incident");
    a_in.reported_at = Some((Utc::now() - Duration::days(40)).into());
    a_in.occurred_at = None;
    let a = incidents::create(
        &mut s,
        &a_in,
        &[PersonLink {
            person_id: zoe.id,
            role: Role::Victim,
        }],
    )
    .unwrap();
    let mut b_in = incident_input("Newer incident");
    b_in.category = Some(Category::Cyberbullying);
    let b = incidents::create(
        &mut s,
        &b_in,
        &[
            PersonLink {
                person_id: zoe.id,
                role: Role::Witness,
            },
            PersonLink {
                person_id: sam.id,
                role: Role::Victim,
            },
        ],
    )
    .unwrap();
    chronology::add(
        &mut s,
        &a.reference,
        &EntryInput {
            occurred_at: Some((Utc::now() - Duration::days(39)).into()),
            ..note("first")
        },
    )
    .unwrap();
    chronology::add(&mut s, &b.reference, &note("latest")).unwrap();
    chronology::add(
        &mut s,
        &a.reference,
        &EntryInput {
            occurred_at: Some((Utc::now() - Duration::days(2)).into()),
            ..note("middle")
        },
    )
    .unwrap();

    let items = chronology::for_person(s.conn(), zoe.id, 100).unwrap();
    let texts: Vec<&str> = items.iter().map(|i| i.entry.text.as_str()).collect();
    assert_eq!(texts, ["latest", "middle", "first"]);
    assert_eq!(items[0].reference, b.reference);
    assert_eq!(
        chronology::for_person(s.conn(), sam.id, 100).unwrap().len(),
        1
    );

    let list = |f: IncidentFilter| {
        search::incidents(s.conn(), &f)
            .unwrap()
            .into_iter()
            .map(|r| r.reference)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(IncidentFilter::default()),
        [b.reference.as_str(), a.reference.as_str()],
        "newest first"
    );
    assert_eq!(
        list(IncidentFilter {
            category: Some(Category::Cyberbullying),
            ..Default::default()
        }),
        [b.reference.as_str()]
    );
    assert_eq!(
        list(IncidentFilter {
            person_id: Some(sam.id),
            ..Default::default()
        }),
        [b.reference.as_str()]
    );
    assert_eq!(
        list(IncidentFilter {
            status: Some(Status::Closed),
            ..Default::default()
        }),
        Vec::<&str>::new()
    );
    let today = Utc::now().date_naive();
    assert_eq!(
        list(IncidentFilter {
            reported_from: Some((today - Duration::days(7)).into()),
            reported_to: Some(today.into()),
            ..Default::default()
        }),
        [b.reference.as_str()]
    );
    // Unlinking is an event; the person's earlier involvement stays in their chronology.
    incidents::unlink_person(
        &mut s,
        &b.reference,
        PersonLink {
            person_id: sam.id,
            role: Role::Victim,
        },
    )
    .unwrap();
    assert_eq!(
        incidents::get(s.conn(), &b.reference).unwrap().people.len(),
        1
    );
}

#[test]
fn every_image_smuggling_attempt_is_refused_and_nothing_is_written() {
    let f = new_vault();
    let mut s = f.unlock();
    let zoe = people::create(&mut s, &child("Zoë", (2011, 2, 3))).unwrap();
    let i = incidents::create(&mut s, &incident_input("Report"), &[]).unwrap();
    let n = evidence::add(
        &mut s,
        &i.reference,
        &EvidenceInput {
            description: "words".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let png = [
        0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0,
        0, 1, 0,
    ];
    let jpeg = [
        0xFFu8, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1,
    ];
    let payloads = [
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        base64::engine::general_purpose::STANDARD.encode(jpeg),
        format!("see {}", hex::encode(png)),
        "DATA:image/heic;base64,AAAA".to_string(),
    ];
    let before = counts(&s);
    let audit_before = s.verify_audit().unwrap();
    for p in &payloads {
        let refused = |r: casebook::Result<()>| {
            let e = r.unwrap_err();
            assert_eq!(e.code(), ErrorCode::ImageRefused, "{p}: {e}");
            assert!(e.to_string().contains("never stores images"));
        };
        refused(people::create(&mut s, &child(p, (2011, 1, 1))).map(drop));
        refused(
            people::amend(
                &mut s,
                zoe.id,
                &PersonInput {
                    class_year: p.clone(),
                    ..child("Zoë", (2011, 1, 1))
                },
            )
            .map(drop),
        );
        refused(incidents::create(&mut s, &incident_input(p), &[]).map(drop));
        refused(
            incidents::amend(
                &mut s,
                &i.reference,
                &IncidentInput {
                    childs_words: p.clone(),
                    ..incident_input("Report")
                },
            )
            .map(drop),
        );
        refused(
            incidents::amend(
                &mut s,
                &i.reference,
                &IncidentInput {
                    reported_by: p.clone(),
                    ..incident_input("Report")
                },
            )
            .map(drop),
        );
        refused(chronology::add(&mut s, &i.reference, &note(p)).map(drop));
        refused(
            chronology::add(
                &mut s,
                &i.reference,
                &EntryInput {
                    kind: Some(EntryKind::AgencyContact),
                    text: "Called".into(),
                    agency: "Police".into(),
                    agency_outcome: p.clone(),
                    ..Default::default()
                },
            )
            .map(drop),
        );
        refused(
            evidence::add(
                &mut s,
                &i.reference,
                &EvidenceInput {
                    description: p.clone(),
                    ..Default::default()
                },
            )
            .map(drop),
        );
        refused(
            evidence::amend(
                &mut s,
                n.id,
                &EvidenceInput {
                    description: "words".into(),
                    urls: vec![p.replace(' ', "")],
                    ..Default::default()
                },
            )
            .map(drop),
        );
        refused(
            evidence::record_custody(
                &mut s,
                n.id,
                &CustodyInput {
                    event: CustodyKind::Other,
                    at: Some(Utc::now().into()),
                    by_whom: "Ms Patel".into(),
                    bag_number: String::new(),
                    location: String::new(),
                    recipient: String::new(),
                    collar_number: String::new(),
                    note: p.clone(),
                },
            )
            .map(drop),
        );
    }
    assert_eq!(counts(&s), before, "nothing was written");
    assert_eq!(s.verify_audit().unwrap(), audit_before);
}

#[test]
fn demo_data_is_deterministic_for_a_seed() {
    let snapshot_of = |seed: u64| {
        let f = new_demo_vault();
        let mut s = f.unlock();
        let made = casebook::demo::fill(&mut s, 12, seed).unwrap();
        assert_eq!(made.incidents, 12);
        let rows = search::incidents(s.conn(), &IncidentFilter::default()).unwrap();
        let mut out = Vec::new();
        for r in rows {
            let i = incidents::get(s.conn(), &r.reference).unwrap();
            let names: Vec<String> = i.people.iter().map(|p| p.full_name.clone()).collect();
            let entries = chronology::for_incident(s.conn(), &r.reference)
                .unwrap()
                .len();
            out.push((i.reference, i.category, i.status, i.summary, names, entries));
        }
        assert!(s.verify_audit().unwrap().is_intact());
        out
    };
    let a = snapshot_of(7);
    assert_eq!(a.len(), 12);
    assert_eq!(a, snapshot_of(7));
    assert_ne!(a, snapshot_of(8));
}

#[test]
fn drafts_survive_a_lock_and_refuse_images() {
    let f = new_vault();
    let mut s = f.unlock();
    let body = r#"{"summary":"Half-typed: Zoë said the wobbly periwinkle","four_cs":["conduct"]}"#;
    casebook::records::drafts::save(&mut s, "new-incident", body).unwrap();
    s.lock(LockReason::Idle).unwrap();
    assert!(files_containing(&f.dir(), "periwinkle").is_empty());
    let mut s = f.unlock();
    assert_eq!(
        casebook::records::drafts::load(&s, "new-incident")
            .unwrap()
            .as_deref(),
        Some(body)
    );
    let smuggled = format!(r#"{{"summary":"data:image/png;base64,{}"}}"#, "iVBORw0KGgo");
    assert_eq!(
        casebook::records::drafts::save(&mut s, "new-incident", &smuggled)
            .unwrap_err()
            .code(),
        ErrorCode::ImageRefused
    );
    assert_eq!(
        casebook::records::drafts::save(&mut s, "new-incident", "{not json")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        casebook::records::drafts::load(&s, "new-incident")
            .unwrap()
            .as_deref(),
        Some(body)
    );
    casebook::records::drafts::discard(&mut s, "new-incident").unwrap();
    assert_eq!(
        casebook::records::drafts::load(&s, "new-incident").unwrap(),
        None
    );
}

#[test]
fn an_amendment_replaces_what_search_finds() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(
        &mut s,
        &incident_input("Mentioned a periwinkle bicycle"),
        &[],
    )
    .unwrap();
    let e = chronology::add(&mut s, &i.reference, &note("Called about the saffron kite")).unwrap();
    let hits = |s: &Session, text: &str| {
        search::incidents(
            s.conn(),
            &IncidentFilter {
                text: text.into(),
                ..IncidentFilter::default()
            },
        )
        .unwrap()
        .len()
    };
    assert_eq!((hits(&s, "periwinkle"), hits(&s, "saffron")), (1, 1));
    incidents::amend(
        &mut s,
        &i.reference,
        &incident_input("Mentioned a marigold bicycle"),
    )
    .unwrap();
    chronology::amend(&mut s, e.id, &note("Called about the cobalt kite")).unwrap();
    assert_eq!((hits(&s, "periwinkle"), hits(&s, "marigold")), (0, 1));
    assert_eq!((hits(&s, "saffron"), hits(&s, "cobalt")), (0, 1));
    assert_eq!(
        hits(&s, "bicycle"),
        1,
        "one incident, however many passages match"
    );
}

#[test]
fn an_allegation_keeps_the_child_rule_when_it_is_later_than_the_staff_rule() {
    use casebook::records::incidents::default_retention;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let reported = date(2026, 3, 1);
    // The review's example: a child born in 2012 (2037) and a member of staff born in 1962
    // (retirement 2029, so ten years: 2036). The child's part is not deleted first.
    let both = [
        (PersonKind::Staff, Some(date(1962, 5, 1))),
        (PersonKind::Child, Some(date(2012, 9, 1))),
    ];
    assert_eq!(
        default_retention(Category::AllegationAgainstStaff, reported, &both, 25),
        date(2037, 9, 1)
    );
    // A younger member of staff: retirement is later than the child's rule, and counts.
    let young_staff = [
        (PersonKind::Staff, Some(date(1995, 5, 1))),
        (PersonKind::Child, Some(date(2012, 9, 1))),
    ];
    assert_eq!(
        default_retention(Category::AllegationAgainstStaff, reported, &young_staff, 25),
        date(2062, 5, 1)
    );
    // No child linked: the staff rule alone.
    assert_eq!(
        default_retention(
            Category::AllegationAgainstStaff,
            reported,
            &[(PersonKind::Staff, Some(date(1962, 5, 1)))],
            25
        ),
        date(2036, 3, 1)
    );
}

#[test]
fn people_are_found_by_name_folded_for_accents_and_case_and_so_are_their_incidents() {
    let f = new_vault();
    let mut s = f.unlock();
    let siobhan = people::create(&mut s, &child("Siobhán Nguyễn", (2012, 6, 30))).unwrap();
    people::create(&mut s, &child("Łukasz Nowak", (2011, 2, 3))).unwrap();
    let i = incidents::create(
        &mut s,
        &incident_input("Messages in a group chat"),
        &[PersonLink {
            person_id: siobhan.id,
            role: Role::Victim,
        }],
    )
    .unwrap();
    let names = |s: &Session, q: &str| -> Vec<String> {
        people::search(s.conn(), q, 20)
            .unwrap()
            .into_iter()
            .map(|p| p.full_name)
            .collect()
    };
    for q in ["siobhan", "SIOBHÁN", "nguyen", "Siob", "siobhan nguyen"] {
        assert_eq!(names(&s, q), ["Siobhán Nguyễn"], "{q}");
    }
    assert_eq!(names(&s, "nowak"), ["Łukasz Nowak"]);
    assert!(names(&s, "siobhan nowak").is_empty());
    assert!(names(&s, "").is_empty());
    // The incident list finds her incidents by her name, though no text of theirs holds it.
    let found = search::incidents(
        s.conn(),
        &IncidentFilter {
            text: "siobhan".into(),
            ..IncidentFilter::default()
        },
    )
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].reference, i.reference);
    // The list shows the child.
    assert_eq!(found[0].children, "Siobhán Nguyễn");
    // A new name replaces the old in the index.
    people::amend(&mut s, siobhan.id, &child("Siobhán Murphy", (2012, 6, 30))).unwrap();
    assert!(names(&s, "nguyen").is_empty());
    assert_eq!(names(&s, "murphy"), ["Siobhán Murphy"]);
}

#[test]
fn the_incident_list_counts_every_match_and_its_pages_hold_each_once() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 60, 11).unwrap();
    let all = search::incidents(
        s.conn(),
        &IncidentFilter {
            limit: Some(500),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(all.len(), 60);
    let filters = [
        IncidentFilter::default(),
        IncidentFilter {
            status: Some(Status::Open),
            ..Default::default()
        },
        IncidentFilter {
            category: Some(Category::SharingNudes),
            ..Default::default()
        },
        IncidentFilter {
            text: "the".into(),
            ..Default::default()
        },
        IncidentFilter {
            text: "zzzznotaword".into(),
            ..Default::default()
        },
        IncidentFilter {
            text: " -- ".into(),
            ..Default::default()
        },
    ];
    for filter in filters {
        // Counted independently: every match, on one page as large as the list allows.
        let expected: Vec<String> = search::incidents(
            s.conn(),
            &IncidentFilter {
                limit: Some(500),
                ..filter.clone()
            },
        )
        .unwrap()
        .into_iter()
        .map(|r| r.reference)
        .collect();
        let mut paged = Vec::new();
        for page in 0..10 {
            let list = search::incident_list(
                s.conn(),
                &IncidentFilter {
                    limit: Some(7),
                    offset: Some(page * 7),
                    ..filter.clone()
                },
            )
            .unwrap();
            assert_eq!(list.total as usize, expected.len(), "{filter:?}");
            assert!(!list.at_least, "{filter:?}");
            assert!(list.rows.len() <= 7);
            paged.extend(list.rows.into_iter().map(|r| r.reference));
        }
        assert_eq!(paged, expected, "{filter:?}");
    }
    // The filters mean something: a category, a status.
    let nudes = all
        .iter()
        .filter(|r| r.category == Category::SharingNudes)
        .count();
    let total = |f: IncidentFilter| search::incident_list(s.conn(), &f).unwrap().total as usize;
    assert_eq!(
        total(IncidentFilter {
            category: Some(Category::SharingNudes),
            ..Default::default()
        }),
        nudes
    );
    assert!(nudes > 0 && nudes < 60);
}
