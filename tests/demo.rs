//! Demo data: only in a demo vault, marked as such for good (references, PDFs, status), and
//! coherent enough to train on (risk agrees with status, year groups with dates of birth,
//! staff allegations are about staff and go to the LADO, runs and referrals to show).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Datelike;

use casebook::organisation;
use casebook::records::chronology::{self, EntryKind};
use casebook::records::incidents::{self, Category, Risk, Status};
use casebook::records::people::{self, PersonKind};
use casebook::records::search::{self, IncidentFilter};
use casebook::ErrorCode;
use common::*;

fn record_counts(s: &casebook::vault::Session) -> Vec<(String, i64)> {
    s.status().unwrap().tables
}

#[test]
fn demo_data_is_refused_in_a_real_vault_and_changes_nothing() {
    let f = new_vault();
    let mut s = f.unlock();
    incidents::create(&mut s, &incident_input("A real concern"), &[]).unwrap();
    let before = record_counts(&s);
    let head = casebook::audit::head(s.conn()).unwrap();
    let e = casebook::demo::fill(&mut s, 5, 1).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotADemoVault);
    assert!(e.to_string().contains("only into a demo vault"), "{e}");
    assert_eq!(record_counts(&s), before);
    assert_eq!(casebook::audit::head(s.conn()).unwrap(), head);
    // Even an empty real vault is not turned into a demo one.
    let g = new_vault();
    let mut t = g.unlock();
    assert_eq!(
        casebook::demo::fill(&mut t, 1, 1).unwrap_err().code(),
        ErrorCode::NotADemoVault
    );
    assert!(!organisation::is_demo(t.conn()).unwrap());
}

#[test]
fn a_demo_vault_is_marked_for_good_in_its_references_and_pdfs() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    assert!(organisation::is_demo(s.conn()).unwrap());
    let made = casebook::demo::fill(&mut s, 9, 3).unwrap();
    assert_eq!(made.incidents, 9);
    let refs = search::incidents(s.conn(), &IncidentFilter::default()).unwrap();
    assert!(
        refs.iter().all(|r| r.reference.starts_with("DEMO-")),
        "{refs:?}"
    );
    // The mark cannot be taken off (nor put on a vault later).
    for sql in [
        "DELETE FROM vault_meta WHERE key = 'demo'",
        "UPDATE vault_meta SET value = '0' WHERE key = 'demo'",
    ] {
        assert!(s.conn().execute(sql, []).is_err(), "{sql}");
    }
    let g = new_vault();
    let mut t = g.unlock();
    incidents::create(&mut t, &incident_input("Real"), &[]).unwrap();
    assert!(t
        .conn()
        .execute(
            "INSERT INTO vault_meta (key, value) VALUES ('demo', '1')",
            []
        )
        .is_err());
    assert!(t
        .conn()
        .query_row("SELECT reference FROM incidents", [], |r| r
            .get::<_, String>(0))
        .unwrap()
        .starts_with("CB-"));

    // Every PDF says so: a referral and a blank checklist.
    let reference = refs[0].reference.clone();
    let issued = casebook::referral::issue(
        &mut s,
        &reference,
        casebook::referral::Recipient::Police,
        &referral_choices(),
    )
    .unwrap();
    let text = pdf_text(&issued.pdf);
    assert!(text.contains("DEMONSTRATION — FICTIONAL RECORDS"), "{text}");
    let template = casebook::checklists::Library::shipped()
        .templates()
        .next()
        .unwrap()
        .clone();
    let blank = casebook::checklists::paper::blank(
        &template,
        ORG,
        true,
        &casebook::checklists::contacts::defaults(DSL),
        chrono::Utc::now(),
    )
    .unwrap();
    assert!(pdf_text(&blank).contains("DEMONSTRATION — FICTIONAL RECORDS"));
}

/// The PDF's text as pdftotext reads it.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn demo_stories_are_coherent_and_every_screen_has_something_to_show() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    let made = casebook::demo::fill(&mut s, 30, 11).unwrap();
    assert!(made.checklist_runs >= 9 && made.referrals >= 3, "{made:?}");

    // Year groups agree with dates of birth (English school year: 1 September to 31 August).
    let today = chrono::Utc::now().date_naive();
    let start = if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
    for p in people::list(s.conn()).unwrap() {
        let person = people::get(s.conn(), p.id).unwrap();
        if person.kind != PersonKind::Child {
            continue;
        }
        let group: i32 = person
            .details
            .year_group
            .and_then(|y| y.label().strip_prefix("Year ")?.parse().ok())
            .unwrap_or_else(|| panic!("{:?}", person.details.year_group));
        // The form is in the year group ("8H" in Year 8).
        assert!(
            person.class_year.starts_with(&group.to_string()),
            "{person:?}"
        );
        // Every child has a family: a parent or carer with parental responsibility.
        let household = casebook::records::relationships::relatives(s.conn(), p.id).unwrap();
        assert!(
            household.iter().any(|r| r.is_parent
                && r.parental_responsibility
                    == Some(casebook::records::relationships::ParentalResponsibility::Yes)),
            "{person:?}: {household:?}"
        );
        // A child protection plan or looked-after status comes with a social worker.
        if person.cp_plan || person.looked_after {
            assert!(!person.details.social_worker.is_empty(), "{person:?}");
        }
        let dob = person.date_of_birth.unwrap();
        let school_year_of_birth = if dob.month() >= 9 {
            dob.year()
        } else {
            dob.year() - 1
        };
        assert_eq!(start - school_year_of_birth - 5, group, "{person:?}");
    }

    let refs = search::incidents(s.conn(), &IncidentFilter::default()).unwrap();
    let mut lado_contacted = 0;
    for r in &refs {
        let i = incidents::get(s.conn(), &r.reference).unwrap();
        // Risk agrees with where it stands.
        if i.status == Status::Closed {
            assert!(matches!(i.risk, Risk::Low | Risk::Medium), "{i:?}");
            assert!(
                !i.outcome.is_empty(),
                "a closed incident says how it ended: {i:?}"
            );
        }
        if i.risk == Risk::Immediate {
            assert_ne!(i.status, Status::Closed, "{i:?}");
        }
        let entries = chronology::for_incident(s.conn(), &i.reference).unwrap();
        if i.category == Category::AllegationAgainstStaff {
            // About a member of staff, never a child, and the LADO is contacted.
            let harmers: Vec<_> = i
                .people
                .iter()
                .filter(|p| p.role == incidents::Role::AllegedHarmer)
                .collect();
            assert!(!harmers.is_empty(), "{i:?}");
            // The headteacher manages the case (KCSIE Part four).
            assert!(
                i.people
                    .iter()
                    .any(|p| p.role == incidents::Role::CaseManager),
                "{i:?}"
            );
            for h in harmers {
                assert_eq!(
                    people::get(s.conn(), h.person_id).unwrap().kind,
                    PersonKind::Staff
                );
            }
            assert!(entries
                .iter()
                .any(|e| e.kind == EntryKind::AgencyContact && e.agency.contains("LADO")));
            lado_contacted += 1;
        }
        if i.category == Category::FilteringBreach {
            assert!(
                !entries.iter().any(|e| e.agency.contains("MASH")),
                "a filtering breach with no concern is not referred: {entries:?}"
            );
        }
        // No decision claims UKCIS circumstance 5 for mere onward sharing.
        assert!(!entries.iter().any(|e| e.reason.contains("condition 5")));
    }
    assert!(lado_contacted > 0);

    // Finished and unfinished checklist runs, and issued referrals.
    let (finished, open): (i64, i64) = s
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM checklist_run_ends),
                    (SELECT COUNT(*) FROM checklist_runs
                     WHERE id NOT IN (SELECT run_id FROM checklist_run_ends))",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(finished > 0 && open > 0, "{finished} finished, {open} open");
    let issued: i64 = s
        .conn()
        .query_row("SELECT COUNT(*) FROM referral_issues", [], |r| r.get(0))
        .unwrap();
    assert_eq!(issued, i64::from(made.referrals));
    assert!(s.verify_audit().unwrap().is_intact());
}
