//! Subject access requests (issue 18): the request recorded with its due date (one calendar
//! month, the ICO's way; three once extended) and on Today until answered; the response with
//! every third party shown by role (staff as the DSL decides), parts withheld under an exemption
//! marked without their reason, signed (pdfsig: valid) and recorded. Read from the signed PDF's
//! extracted text, as the requester would read it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, Utc};

use casebook::disclosure::subject_access::{self as response, ResponseChoices};
use casebook::records::chronology;
use casebook::records::people;
use casebook::records::subject_access::{self, Exemption, RequestInput, Requester};
use casebook::vault::Session;
use common::*;

const THIRD_PARTIES: [&str; 6] = [
    "Łukasz",
    "Wiśniewski",
    "Kristóf",
    "Várnagy",
    "kv_1999",
    "Solberg",
];

fn request(s: &mut Session) -> (subject_access::Request, String) {
    let reference = common::referrals::incident(s, false);
    let child = people::search(s.conn(), "Nguyễn Thị Ánh", 5).unwrap()[0].id;
    let today = casebook::time::uk_date(Utc::now());
    let r = subject_access::record(
        s,
        &RequestInput {
            person_id: child,
            requester: "Ann Smith".into(),
            relation: Requester::ParentCarer,
            received_on: Some((today - Duration::days(3)).into()),
            identity_checked: "Seen in person with her passport; she has parental responsibility."
                .into(),
        },
    )
    .unwrap();
    (r, reference)
}

fn respond(s: &mut Session, id: u32, choices: &ResponseChoices) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("response.pdf");
    response::make_response(s, id, choices, |b| {
        std::fs::write(&path, b).unwrap();
        Ok(())
    })
    .unwrap();
    (
        common::referrals::pdf_text(&path),
        common::referrals::tool("pdfsig", &[], &path),
    )
}

#[test]
fn a_request_is_due_in_a_calendar_month_and_on_today_until_answered() {
    let f = new_vault();
    let mut s = f.unlock();
    reachable(&mut s);
    // Refused whole: every missing answer at once.
    let e = subject_access::record(
        &mut s,
        &RequestInput {
            person_id: 1,
            requester: String::new(),
            relation: Requester::Themselves,
            received_on: None,
            identity_checked: String::new(),
        },
    );
    assert!(e.is_err());
    let (r, _) = request(&mut s);
    assert_eq!(r.due, subject_access::due_date(r.received_on, 1));
    let today = casebook::time::uk_date(Utc::now());
    let open = subject_access::open(s.conn(), today).unwrap();
    assert_eq!(open.len(), 1);
    let r = subject_access::extend(&mut s, r.id, "Many records across four years.").unwrap();
    assert_eq!(r.due, subject_access::due_date(r.received_on, 3));
    assert!(
        subject_access::extend(&mut s, r.id, "again").is_err(),
        "once only"
    );
    respond(&mut s, r.id, &ResponseChoices::default());
    assert!(subject_access::open(s.conn(), today).unwrap().is_empty());
    assert!(subject_access::get(s.conn(), r.id).unwrap().responded);
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn no_third_party_is_named_in_the_response_and_withheld_parts_keep_their_reason_in_the_vault() {
    let f = new_vault();
    let mut s = f.unlock();
    reachable(&mut s);
    let (r, reference) = request(&mut s);
    // A decision withheld under the serious harm exemption, with a reason the requester must
    // never read.
    let decision = chronology::for_incident(s.conn(), &reference)
        .unwrap()
        .into_iter()
        .find(|e| e.text.starts_with("Refer to the police"))
        .unwrap();
    let reason = "Mother's partner is the subject of a police investigation.";
    let preview = response::preview(&s, r.id, &ResponseChoices::default()).unwrap();
    let part = format!("entry {}", decision.id);
    assert!(preview.parts.iter().any(|p| p.part == part));
    subject_access::withhold(&mut s, r.id, &part, Exemption::SeriousHarm, reason).unwrap();
    let preview = response::preview(&s, r.id, &ResponseChoices::default()).unwrap();
    assert_eq!(preview.withheld.len(), 1);
    assert!(
        !preview.built.redactions.is_empty(),
        "the reviewer sees each redaction"
    );

    let (text, sig) = respond(&mut s, r.id, &ResponseChoices::default());
    assert!(sig.contains("Signature is Valid"), "{sig}");
    for name in THIRD_PARTIES {
        assert!(!text.contains(name), "{name} is in the response");
    }
    assert!(text.contains("Nguyễn Thị Ánh"), "the child is named");
    assert!(
        text.contains("Child B") && text.contains("Adult A") && text.contains("Staff member A")
    );
    assert!(text.contains("Withheld under an exemption: Serious harm"));
    assert!(
        !text.contains("Refer to the police and children"),
        "the withheld entry"
    );
    assert!(
        !text.contains("police investigation"),
        "the exemption's reason"
    );
    assert!(text.contains("Information Commissioner"));

    // Staff named when the DSL decides so; other third parties still by role.
    let (r2, _) = {
        let child = r.person_id;
        let today = casebook::time::uk_date(Utc::now());
        (
            subject_access::record(
                &mut s,
                &RequestInput {
                    person_id: child,
                    requester: "Nguyễn Thị Ánh".into(),
                    relation: Requester::Themselves,
                    received_on: Some(today.into()),
                    identity_checked: "Known to the school; asked in person.".into(),
                },
            )
            .unwrap(),
            (),
        )
    };
    let (text, _) = respond(
        &mut s,
        r2.id,
        &ResponseChoices {
            staff_named: true,
            also_named: Vec::new(),
        },
    );
    assert!(text.contains("Ådne Solberg"));
    for name in ["Łukasz", "Wiśniewski", "Várnagy"] {
        assert!(!text.contains(name), "{name} is in the response");
    }
    // The withheld part belongs to the first request only.
    assert!(text.contains("Refer to the police and children"));
    assert!(s.verify_audit().unwrap().is_intact());
}
