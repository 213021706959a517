//! Retention: the review list, deletion only on purpose and only when due, with a reason; the
//! deleted text is gone from every file; the audit trail keeps a content-free tombstone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, NaiveDate, Utc};

use casebook::records::chronology::EntryKind;
use casebook::records::incidents::{self, Category, FourC, IncidentInput, Risk, Status};
use casebook::records::retention;
use casebook::vault::LockReason;
use casebook::ErrorCode;
use common::*;

fn incident(summary: &str, keep_until: NaiveDate) -> IncidentInput {
    IncidentInput {
        occurred_at: None,
        reported_at: Some((Utc::now() - Duration::days(3)).into()),
        category: Some(Category::OnlineHate),
        four_cs: vec![FourC::Content],
        risk: Some(Risk::Low),
        status: Status::Closed,
        outcome: "Resolved with a restorative meeting".into(),
        retention_until: Some(keep_until),
        ..incident_input(summary)
    }
}

#[test]
fn due_records_are_deleted_only_on_purpose_and_leave_a_tombstone_and_no_text() {
    let f = new_vault();
    let mut s = f.unlock();
    let today = Utc::now().date_naive();
    let marker = "Retentionmarker Vellichor 5521";
    let old = incidents::create(
        &mut s,
        &incident(&format!("{marker} old case"), today - Duration::days(1)),
        &[],
    )
    .unwrap()
    .reference;
    let kept = incidents::create(
        &mut s,
        &incident("A case still kept", today + Duration::days(365)),
        &[],
    )
    .unwrap()
    .reference;
    casebook::records::chronology::add(
        &mut s,
        &old,
        &casebook::records::chronology::EntryInput {
            kind: Some(casebook::records::chronology::EntryKind::Note),
            text: format!("{marker} chronology"),
            ..Default::default()
        },
    )
    .unwrap();
    // An open action and a contact waiting for an answer: on Today until the record goes.
    for (reference, kind) in [
        (&old, EntryKind::Action),
        (&old, EntryKind::AgencyContact),
        (&kept, EntryKind::Action),
    ] {
        casebook::records::chronology::add(
            &mut s,
            reference,
            &casebook::records::chronology::EntryInput {
                kind: Some(kind),
                occurred_at: Some((Utc::now() - Duration::days(2)).into()),
                // The kept record's text must not carry the marker the test looks for.
                text: if reference == &old {
                    format!("{marker} follow-up")
                } else {
                    "Follow-up".to_owned()
                },
                action_owner: "DSL".into(),
                action_due: (kind == EntryKind::Action).then_some(today.into()),
                agency: "Children's social care".into(),
                answer_due: (kind == EntryKind::AgencyContact).then_some(today.into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let t = casebook::today::today(&s, today).unwrap();
    assert_eq!((t.due_today.len(), t.awaited_answers.len()), (2, 1));

    let due = retention::due(s.conn(), today).unwrap();
    assert_eq!(
        due.iter().map(|d| d.reference.clone()).collect::<Vec<_>>(),
        vec![old.clone()]
    );

    // Not due, no reason, unknown: refused, nothing deleted.
    let before = s.status().unwrap().tables;
    let e = retention::delete(
        &mut s,
        &[old.clone(), kept.clone()],
        "Past retention",
        today,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains(&kept));
    let e = retention::delete(&mut s, std::slice::from_ref(&old), "  ", today).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(s.status().unwrap().tables, before);

    retention::delete(
        &mut s,
        std::slice::from_ref(&old),
        "Retention period ended (DOB + 25 years); reviewed with the head",
        today,
    )
    .unwrap();
    assert_eq!(
        incidents::get(s.conn(), &old).unwrap_err().code(),
        ErrorCode::NotFound
    );
    incidents::get(s.conn(), &kept).unwrap();
    // Today forgets what went with the record, and keeps the rest.
    let t = casebook::today::today(&s, today).unwrap();
    assert_eq!((t.due_today.len(), t.awaited_answers.len()), (1, 0));
    assert_eq!(t.due_today[0].reference, kept);
    assert_heads_match_records(s.conn());
    let tomb = casebook::audit::recent(s.conn(), 5)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "record.deleted")
        .unwrap();
    assert_eq!(tomb.subject, old);
    assert!(tomb.detail.contains("Retention period ended"));
    assert!(!tomb.detail.contains(marker));
    assert!(s.verify_audit().unwrap().is_intact());
    // A new incident never reuses the reference.
    let next = incidents::create(
        &mut s,
        &incident("After deletion", today + Duration::days(9)),
        &[],
    )
    .unwrap()
    .reference;
    assert_ne!(next, old);
    s.lock(LockReason::Exit).unwrap();

    // The deleted text is in no file of the vault folder, not even encrypted-then-leaked.
    assert!(files_containing(&f.dir(), marker).is_empty());
    // And a raw look at the decrypted pages: reopen and search the whole database text.
    let s = f.unlock();
    let hits: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'Vellichor'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 0);
    // Nor in any table of the decrypted database, the search index's own segments included.
    let plain = decrypted_copy(&s);
    assert!(!plain.contains("vellichor") && !plain.contains("retentionmarker"));
    assert!(
        plain.contains("after deletion"),
        "the export holds the kept text"
    );
    // The deletion was followed by a vacuum: no free page is left holding old text.
    let free: i64 = s
        .conn()
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0);
}

#[test]
fn people_recorded_only_in_deleted_records_are_deleted_with_them_and_no_one_else() {
    use casebook::records::incidents::{PersonLink, Role};
    use casebook::records::people::{self, PersonInput, PersonKind};
    let f = new_vault();
    let mut s = f.unlock();
    let today = Utc::now().date_naive();
    let mut person = |name: &str| {
        people::create(
            &mut s,
            &PersonInput {
                kind: PersonKind::Child,
                full_name: name.into(),
                date_of_birth: NaiveDate::from_ymd_opt(1990, 3, 4).map(Into::into),
                class_year: String::new(),
                details: Default::default(),
                reason: String::new(),
            },
        )
        .unwrap()
        .id
    };
    // Only in the first old record; in both old records; in an old and a kept record; in no
    // record at all (added for an incident not yet written up).
    let only_here = person("Onlyhere Quillfeather");
    let in_both_old = person("Bothold Marrowby");
    let also_kept = person("Alsokept Thistlewood");
    let unlinked = person("Unlinked Pennyroyal");
    let link = |id| PersonLink {
        person_id: id,
        role: Role::Victim,
    };
    let old_a = incidents::create(
        &mut s,
        &incident("First old case", today - Duration::days(2)),
        &[link(only_here), link(in_both_old), link(also_kept)],
    )
    .unwrap()
    .reference;
    let old_b = incidents::create(
        &mut s,
        &incident("Second old case", today - Duration::days(1)),
        &[link(in_both_old)],
    )
    .unwrap()
    .reference;
    let kept = incidents::create(
        &mut s,
        &incident("A case still kept", today + Duration::days(365)),
        &[link(also_kept)],
    )
    .unwrap()
    .reference;

    // The review says, per record, how many people go with it.
    let due = retention::due(s.conn(), today).unwrap();
    let row = |r: &str| due.iter().find(|d| d.reference == r).unwrap().clone();
    assert_eq!((row(&old_a).people, row(&old_a).people_only_here), (3, 1));
    assert_eq!((row(&old_b).people, row(&old_b).people_only_here), (1, 0));

    let deleted = retention::delete(
        &mut s,
        &[old_a.clone(), old_b.clone()],
        "Retention period ended; reviewed",
        today,
    )
    .unwrap();
    assert_eq!(deleted.references, vec![old_a.clone(), old_b.clone()]);
    // The person in both deleted records goes too, though neither row counted them alone.
    assert_eq!(deleted.people_deleted, 2);
    for gone in [only_here, in_both_old] {
        assert_eq!(
            people::get(s.conn(), gone).unwrap_err().code(),
            ErrorCode::NotFound
        );
    }
    people::get(s.conn(), also_kept).unwrap();
    people::get(s.conn(), unlinked).unwrap();
    let kept_incident = incidents::get(s.conn(), &kept).unwrap();
    assert_eq!(kept_incident.people.len(), 1);

    // Each person deleted leaves a tombstone naming the records and the reason, not the person.
    let tombs: Vec<_> = casebook::audit::recent(s.conn(), 10)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "record.deleted" && e.subject.starts_with("person "))
        .collect();
    assert_eq!(tombs.len(), 2);
    for t in &tombs {
        assert!(t.detail.contains(&old_a) && t.detail.contains("reviewed"));
        assert!(!t.detail.contains("Quillfeather") && !t.detail.contains("Marrowby"));
    }
    assert!(s.verify_audit().unwrap().is_intact());
    // Decrypted, the whole database (every table, the search index's own segments included)
    // holds no trace of the deleted names, in any case; the kept ones are there.
    let plain = decrypted_copy(&s);
    for name in ["quillfeather", "marrowby"] {
        assert!(!plain.contains(name), "{name} is still in the database");
    }
    assert!(plain.contains("thistlewood") && plain.contains("pennyroyal"));
    s.lock(LockReason::Exit).unwrap();
}

/// Every byte of a plaintext export of the open vault, lower-cased: what a copy of the decrypted
/// database would show (a test-only look; the app never writes plaintext).
fn decrypted_copy(s: &casebook::vault::Session) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    // The vault's connection may not create files, so the (empty) target is made first.
    std::fs::write(&path, b"").unwrap();
    s.conn()
        .execute(
            "ATTACH DATABASE ?1 AS plain KEY ''",
            [path.to_str().unwrap()],
        )
        .unwrap();
    s.conn()
        .query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .unwrap();
    s.conn().execute("DETACH DATABASE plain", []).unwrap();
    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).to_lowercase()
}
