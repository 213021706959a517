//! Retention: the review list, deletion only on purpose and only when due, with a reason; the
//! deleted text is gone from every file; the audit trail keeps a content-free tombstone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, NaiveDate, Utc};

use casebook::records::incidents::{self, Category, FourC, IncidentInput, Risk, Status};
use casebook::records::retention;
use casebook::vault::LockReason;
use casebook::ErrorCode;
use common::*;

fn incident(summary: &str, keep_until: NaiveDate) -> IncidentInput {
    IncidentInput {
        occurred_at: None,
        reported_at: Utc::now() - Duration::days(3),
        reported_by: "Tutor".into(),
        category: Category::OnlineHate,
        four_cs: vec![FourC::Content],
        summary: summary.into(),
        childs_words: String::new(),
        risk: Risk::Low,
        status: Status::Closed,
        outcome: "Resolved with a restorative meeting".into(),
        retention_until: Some(keep_until),
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
    // The deletion was followed by a vacuum: no free page is left holding old text.
    let free: i64 = s
        .conn()
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0);
}
