//! Child protection file transfer (issue 18): a round trip between two vaults (send, import
//! on the other, receipt back, confirmed on the first), the received records equal to the sent
//! ones, the PDF valid to pdfsig, other children shown by role only when the DSL chose so, the
//! due date in school days and Today, and hostile packages and receipts refused with a
//! sentence and nothing written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate, Utc};

use casebook::disclosure::file::{self, Redaction};
use casebook::disclosure::package::{self, OpenWith, SealTo};
use casebook::disclosure::transfer::{self, AttachTo, PackageFor};
use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::records::sharing::{Article6, Article9};
use casebook::records::transfers::{
    self, ConfirmationInput, Move, OtherChildren, ReceiptHow, TransferInput, TransferMethod,
    TransferState,
};
use casebook::referral::sign;
use casebook::vault::Session;
use casebook::ErrorCode;
use common::*;

const OTHER_CHILD: &str = "Łukasz Wiśniewski";

fn child_id(s: &Session, name: &str) -> u32 {
    people::search(s.conn(), name, 5)
        .unwrap()
        .into_iter()
        .find(|p| p.full_name == name)
        .unwrap()
        .id
}

/// A sending vault's session with the referral helper's incident, and a note that names the
/// other child in free text, in several spellings.
fn sender(f: &Fixture) -> (Session, u32) {
    let mut s = f.unlock();
    reachable(&mut s);
    let reference = common::referrals::incident(&mut s, false);
    chronology::add(
        &mut s,
        &reference,
        &EntryInput {
            kind: Some(EntryKind::Note),
            text: "ŁUKASZ saw the messages too; Wiśniewski's mother was told. łukasz is fine."
                .into(),
            ..EntryInput::default()
        },
    )
    .unwrap();
    let child = child_id(&s, "Nguyễn Thị Ánh");
    (s, child)
}

fn start(s: &mut Session, child: u32, other_children: OtherChildren) -> transfers::Transfer {
    start_on(
        s,
        child,
        other_children,
        casebook::time::uk_date(Utc::now()),
    )
}

fn start_on(
    s: &mut Session,
    child: u32,
    other_children: OtherChildren,
    moved_on: NaiveDate,
) -> transfers::Transfer {
    transfers::start(
        s,
        &TransferInput {
            person_id: child,
            destination: "Fernhill Community College".into(),
            destination_dsl: "Ms Priya Raman".into(),
            destination_contact: "01632 960555".into(),
            move_kind: Move::InYear,
            moved_on: Some(moved_on.into()),
            method: TransferMethod::Package,
            other_children,
            article6: Article6::PublicTask,
            article9: Article9::Safeguarding,
            reason: transfers::DEFAULT_REASON.into(),
        },
    )
    .unwrap()
}

fn write_to(path: &Path) -> impl FnOnce(&[u8]) -> casebook::Result<()> + '_ {
    move |bytes: &[u8]| {
        std::fs::write(path, bytes).unwrap();
        Ok(())
    }
}

fn counts(s: &Session) -> Vec<(String, i64)> {
    s.status().unwrap().tables
}

fn new_child() -> AttachTo {
    AttachTo::New(Box::new(PersonInput {
        kind: PersonKind::Child,
        full_name: "Nguyễn Thị Ánh".into(),
        date_of_birth: NaiveDate::from_ymd_opt(2011, 3, 14).map(Into::into),
        class_year: "Year 10".into(),
        details: Default::default(),
        reason: String::new(),
    }))
}

#[test]
fn a_file_goes_to_the_next_school_and_its_receipt_comes_back() {
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let t = start(&mut sa, child, OtherChildren::Named);
    assert_eq!(t.state, TransferState::NotSent);
    let today = casebook::time::uk_date(Utc::now());
    let open = transfers::open(sa.conn(), today).unwrap();
    assert_eq!(open.len(), 1, "a started transfer is on Today");
    assert_eq!(open[0].due, t.due);

    // The PDF: signed, valid to pdfsig, with the receipt page.
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("file.pdf");
    let made = transfer::make_pdf(&mut sa, t.id, write_to(&pdf_path)).unwrap();
    assert!(sign::verify_pdf(&made.bytes).unwrap().intact());
    let sig = common::referrals::tool("pdfsig", &[], &pdf_path);
    assert!(sig.contains("Signature is Valid"), "{sig}");
    let text = common::referrals::pdf_text(&pdf_path);
    for needle in [
        "Child protection file: Nguyễn Thị Ánh",
        "Confirmation of receipt",
        "Fernhill Community College",
        "Refer to the police and children's social care today",
        "Sextortion by an adult",
        "EVB-55501",
        OTHER_CHILD,
    ] {
        assert!(text.contains(needle), "the PDF lacks {needle:?}");
    }
    let images = common::referrals::tool("pdfimages", &["-list"], &pdf_path);
    assert_eq!(images.lines().count(), 2, "no image in the PDF: {images}");
    // Sharing rows were written once, on the incident.
    let shared: i64 = sa
        .conn()
        .query_row("SELECT count(*) FROM transfer_sharing", [], |r| r.get(0))
        .unwrap();
    assert_eq!(shared, 1);

    // The package, to a transfer code.
    let pkg_path = dir.path().join("file.casebook-transfer");
    let made =
        transfer::make_package(&mut sa, t.id, &PackageFor::NewCode, write_to(&pkg_path)).unwrap();
    let code = made.code.unwrap().display_grouped();
    let shared_after: i64 = sa
        .conn()
        .query_row("SELECT count(*) FROM transfer_sharing", [], |r| r.get(0))
        .unwrap();
    assert_eq!(shared_after, 1, "one transfer is one disclosure");
    assert_eq!(
        transfers::get(sa.conn(), t.id).unwrap().state,
        TransferState::Sent
    );

    // The receiving school: who sent it, before anything is written.
    let b = new_vault();
    let mut sb = b.unlock();
    reachable(&mut sb);
    let before = counts(&sb);
    let preview = transfer::preview_package(&sb, &pkg_path, Some(&code)).unwrap();
    assert!(!preview.known_signer);
    assert_eq!(preview.signed_by.organisation, ORG);
    assert_eq!(preview.child_name, "Nguyễn Thị Ánh");
    assert_eq!(preview.child_birth, "14 March 2011");
    let refused =
        transfer::import_package(&mut sb, &pkg_path, Some(&code), &new_child(), false).unwrap_err();
    assert!(refused.to_string().contains(&preview.signed_by.fingerprint));
    assert_eq!(counts(&sb), before, "an unconfirmed signer writes nothing");
    let received =
        transfer::import_package(&mut sb, &pkg_path, Some(&code), &new_child(), true).unwrap();

    // The records read back equal to those sent: the file as the sender's vault builds it at
    // the time the package was made.
    let made_at = casebook::time::parse(&received.file.made_at).unwrap();
    let sent = file::build(&sa, child, &transfer::redaction_of(&t), made_at).unwrap();
    assert_eq!(received.file, sent.file);
    assert_eq!(received.sender_organisation, ORG);
    assert_eq!(
        transfer::received_for(sb.conn(), received.person_id).unwrap(),
        vec![received.clone()]
    );

    // Imported once only.
    let again =
        transfer::import_package(&mut sb, &pkg_path, Some(&code), &new_child(), true).unwrap_err();
    assert_eq!(again.code(), ErrorCode::BadTransferFile);
    assert!(again.to_string().contains("imported once"), "{again}");

    // The receipt back; the transfer confirmed on the first vault.
    let receipt_path = dir.path().join("receipt.casebook-receipt");
    transfer::make_receipt(&mut sb, received.id, write_to(&receipt_path)).unwrap();
    let rp = transfer::preview_receipt(&sa, &receipt_path).unwrap();
    assert_eq!(rp.transfer_id, t.id);
    assert!(!rp.known_signer);
    assert!(transfer::import_receipt(&mut sa, &receipt_path, false).is_err());
    let done = transfer::import_receipt(&mut sa, &receipt_path, true).unwrap();
    assert_eq!(done.state, TransferState::Confirmed);
    assert!(transfers::open(sa.conn(), today).unwrap().is_empty());
    let again = transfer::import_receipt(&mut sa, &receipt_path, true).unwrap_err();
    assert!(again.to_string().contains("already confirmed"), "{again}");
    // Nothing more is sent on a confirmed transfer.
    assert!(transfer::make_pdf(&mut sa, t.id, |_| Ok(())).is_err());

    // Both trails verify with all this in them.
    for s in [&sa, &sb] {
        assert!(s.verify_audit().unwrap().is_intact());
    }
}

#[test]
fn other_children_are_shown_by_role_when_the_dsl_chooses() {
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let t = start(&mut sa, child, OtherChildren::ByRole);
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("file.pdf");
    transfer::make_pdf(&mut sa, t.id, write_to(&pdf_path)).unwrap();
    let text = common::referrals::pdf_text(&pdf_path);
    for name in ["Łukasz", "ŁUKASZ", "łukasz", "Wiśniewski"] {
        assert!(!text.contains(name), "{name} is in the PDF");
    }
    assert!(text.contains("Child B saw the messages too; Child B's mother was told."));
    assert!(text.contains("Witness: Child B"));
    // The child herself and the adults stay named.
    assert!(text.contains("Nguyễn Thị Ánh"));
    assert!(text.contains("Kristóf Várnagy"));

    let built = transfer::preview(&sa, t.id).unwrap();
    let json = serde_json::to_string(&built.file).unwrap();
    assert!(!json.contains("Łukasz") && !json.contains("Wiśniewski"));
    // The reviewer sees each redaction: the people list and the note's three.
    assert!(built.redactions.len() >= 4, "{:?}", built.redactions);
    assert!(built
        .redactions
        .iter()
        .all(|r| r.by == "Child B" && !r.context.contains("Łukasz")));
}

/// Sends `child`'s file from `from` to a new vault by package, and imports it there.
fn send_on(
    from: &mut Session,
    t: &transfers::Transfer,
    to: &mut Session,
    dir: &Path,
) -> transfer::ReceivedFile {
    let path = dir.join(format!("{}.casebook-transfer", t.uid));
    let made = transfer::make_package(from, t.id, &PackageFor::NewCode, write_to(&path)).unwrap();
    let code = made.code.unwrap().display_grouped();
    transfer::import_package(to, &path, Some(&code), &new_child(), true).unwrap()
}

/// School A's file, naming everyone, received by school B: the folder, both vaults and
/// sessions, and the received file.
fn received_from_a() -> (
    tempfile::TempDir,
    Fixture,
    Session,
    Fixture,
    Session,
    transfer::ReceivedFile,
) {
    let dir = tempfile::tempdir().unwrap();
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let ta = start(&mut sa, child, OtherChildren::Named);
    let b = new_vault();
    let mut sb = b.unlock();
    reachable(&mut sb);
    let at_b = send_on(&mut sa, &ta, &mut sb, dir.path());
    (dir, a, sa, b, sb, at_b)
}

/// KCSIE Annex C: the child protection file follows the child, so what a school received from
/// the child's earlier school goes on with its own file, with the redaction this transfer
/// chose applied to it too, and flat however many schools it passed through.
#[test]
fn a_received_file_goes_on_with_the_child_redacted_as_this_transfer_chooses() {
    let (dir, _a, sa, _b, mut sb, at_b) = received_from_a();
    let from_a = at_b.file.clone();
    let named_in_a = serde_json::to_string(&from_a).unwrap();
    assert!(named_in_a.contains(OTHER_CHILD), "A named the other child");

    // B can print what it received, as it arrived, signed by the member who prints it.
    let printed = dir.path().join("received.pdf");
    transfer::make_received_pdf(&mut sb, at_b.id, write_to(&printed)).unwrap();
    let sig = common::referrals::tool("pdfsig", &[], &printed);
    assert!(sig.contains("Signature is Valid"), "{sig}");
    let images = common::referrals::tool("pdfimages", &["-list"], &printed);
    assert_eq!(images.lines().count(), 2, "no image in the PDF: {images}");
    let text = common::referrals::pdf_text(&printed);
    for needle in [
        "Child protection file received from",
        "How it arrived",
        "the sender's signature was valid and the package unaltered",
        "Sextortion by an adult",
        "EVB-55501",
        OTHER_CHILD,
        &at_b.package_sha256[..32],
    ] {
        assert!(
            text.contains(needle),
            "the received file's PDF lacks {needle:?}"
        );
    }
    assert!(!text.contains("Confirmation of receipt"));

    // B sends the child on with other children by role: A's incidents go too, without them.
    let tb = start(&mut sb, at_b.person_id, OtherChildren::ByRole);
    let pdf_path = dir.path().join("from-b.pdf");
    transfer::make_pdf(&mut sb, tb.id, write_to(&pdf_path)).unwrap();
    let sig = common::referrals::tool("pdfsig", &[], &pdf_path);
    assert!(sig.contains("Signature is Valid"), "{sig}");
    let text = common::referrals::pdf_text(&pdf_path);
    for needle in [
        "Files received from earlier schools (1, oldest first)",
        "Incidents: 0, and 1 in 1 file from earlier schools",
        "Sextortion by an adult",
        "EVB-55501",
        "Child B saw the messages too; Child B's mother was told.",
        "Checked when it arrived: the sender's signature was valid and the package unaltered",
        // (the hash is wrapped over two lines)
        &at_b.package_sha256[..32],
    ] {
        assert!(text.contains(needle), "B's PDF lacks {needle:?}");
    }
    for name in ["Łukasz", "ŁUKASZ", "łukasz", "Wiśniewski"] {
        assert!(!text.contains(name), "{name} is in B's PDF");
    }
    // The adults stay named, as B chose.
    assert!(text.contains("Kristóf Várnagy"));
    let preview = transfer::preview(&sb, tb.id).unwrap();
    assert!(
        preview
            .redactions
            .iter()
            .any(|r| r.place.starts_with("file 1, ") && r.by == "Child B"),
        "the reviewer sees the redactions in A's file: {:?}",
        preview.redactions
    );

    // C receives B's file with A's inside it, redacted.
    let c = new_vault();
    let mut sc = c.unlock();
    reachable(&mut sc);
    let at_c = send_on(&mut sb, &tb, &mut sc, dir.path());
    assert_eq!(at_c.file.earlier.len(), 1);
    let a_at_c = &at_c.file.earlier[0];
    assert_eq!(a_at_c.file.incidents.len(), from_a.incidents.len());
    assert_eq!(a_at_c.file.organisation, ORG);
    assert!(a_at_c
        .facts
        .iter()
        .any(|f| f.label == "Package as received, SHA-256" && f.value == at_b.package_sha256));
    let json = serde_json::to_string(&at_c.file).unwrap().to_lowercase();
    for name in ["łukasz", "wiśniewski"] {
        assert!(!json.contains(name), "{name} reached C");
    }

    // C sends it on again: A's file and B's stand side by side, oldest first, never nested.
    let tc = start(&mut sc, at_c.person_id, OtherChildren::Named);
    let built = file::build(
        &sc,
        at_c.person_id,
        &transfer::redaction_of(&tc),
        Utc::now(),
    )
    .unwrap();
    assert_eq!(built.file.earlier.len(), 2);
    assert_eq!(
        built.file.earlier[0].file.incidents.len(),
        from_a.incidents.len()
    );
    assert!(built.file.earlier.iter().all(|e| e.file.earlier.is_empty()));
    // A's label from B's redaction is B's: C's own labels never reuse it.
    assert!(built.file.earlier[0].file.incidents[0]
        .people
        .iter()
        .any(|p| p.value.starts_with("Child B")));
    for s in [&sa, &sb, &sc] {
        assert!(s.verify_audit().unwrap().is_intact());
    }
}

/// Trust in a signer can be withdrawn (their DSL has left, a laptop was lost): the next file
/// they sign is refused until the fingerprint is checked again, what was received from them
/// is kept, and every decision stays on record.
#[test]
fn trust_in_a_signer_can_be_withdrawn_and_given_again() {
    let (dir, _a, mut sa, _b, mut sb, at_b) = received_from_a();
    let fingerprint = at_b.sender_fingerprint.clone();
    let known = transfer::known_signers(sb.conn()).unwrap();
    assert_eq!(known.len(), 1);
    assert!(known[0].trusted && known[0].events.is_empty());

    let e = transfer::withdraw_signer(&mut sb, &fingerprint, "  ").unwrap_err();
    assert!(e.to_string().contains("Say why"), "{e}");
    assert!(transfer::withdraw_signer(&mut sb, "AB:CD", "left").is_err());
    let k = transfer::withdraw_signer(&mut sb, &fingerprint, "Their DSL has left.").unwrap();
    assert!(!k.trusted);
    assert_eq!(k.events[0].decision, transfer::SignerDecision::Withdrawn);
    let again = transfer::withdraw_signer(&mut sb, &fingerprint, "again").unwrap_err();
    assert!(again.to_string().contains("already withdrawn"), "{again}");

    // Another child's file from the same signer: unknown again, refused unless confirmed.
    let other = child_id(&sa, OTHER_CHILD);
    let t = start(&mut sa, other, OtherChildren::ByRole);
    let path = dir.path().join("second.casebook-transfer");
    let made =
        transfer::make_package(&mut sa, t.id, &PackageFor::NewCode, write_to(&path)).unwrap();
    let code = made.code.unwrap().display_grouped();
    assert!(
        !transfer::preview_package(&sb, &path, Some(&code))
            .unwrap()
            .known_signer
    );
    let before = counts(&sb);
    let refused =
        transfer::import_package(&mut sb, &path, Some(&code), &new_child(), false).unwrap_err();
    assert!(refused.to_string().contains(&fingerprint), "{refused}");
    assert_eq!(
        counts(&sb),
        before,
        "a withdrawn signer's file writes nothing"
    );
    transfer::import_package(&mut sb, &path, Some(&code), &new_child(), true).unwrap();
    let k = &transfer::known_signers(sb.conn()).unwrap()[0];
    assert!(k.trusted);
    let decisions: Vec<_> = k.events.iter().map(|e| e.decision).collect();
    assert_eq!(
        decisions,
        [
            transfer::SignerDecision::Withdrawn,
            transfer::SignerDecision::Confirmed
        ]
    );
    // What was received before the withdrawal is kept.
    assert!(transfer::received(sb.conn(), at_b.id).is_ok());
    assert!(sb.verify_audit().unwrap().is_intact());
}

/// A subject access response holds the files received from earlier schools too (they are
/// information held about the child), with every third party they name shown by role, and
/// their parts can be withheld like the school's own.
#[test]
fn a_subject_access_response_holds_the_received_file_with_third_parties_by_role() {
    use casebook::disclosure::subject_access::{self as response, ResponseChoices};
    use casebook::records::subject_access::{self, Exemption, RequestInput, Requester};
    let (dir, _a, _sa, _b, mut sb, at_b) = received_from_a();
    let today = casebook::time::uk_date(Utc::now());
    let r = subject_access::record(
        &mut sb,
        &RequestInput {
            person_id: at_b.person_id,
            requester: "Ann Smith".into(),
            relation: Requester::ParentCarer,
            received_on: Some(today.into()),
            identity_checked: "Seen in person with her passport.".into(),
        },
    )
    .unwrap();
    let preview = response::preview(&sb, r.id, &ResponseChoices::default()).unwrap();
    let reference = &at_b.file.incidents[0].reference;
    let part = format!("file 1, {reference} what happened");
    assert!(
        preview.parts.iter().any(|p| p.part == part),
        "{:?}",
        preview.parts
    );
    assert!(preview
        .parts
        .iter()
        .any(|p| p.part.starts_with("file 1, entry ")));
    subject_access::withhold(
        &mut sb,
        r.id,
        &part,
        Exemption::SeriousHarm,
        "Not to be read.",
    )
    .unwrap();
    let path = dir.path().join("response.pdf");
    response::make_response(&mut sb, r.id, &ResponseChoices::default(), write_to(&path)).unwrap();
    let text = common::referrals::pdf_text(&path);
    assert!(text.contains("received from their earlier schools."));
    assert!(
        text.contains("EVB-55501"),
        "A's evidence is in the response"
    );
    assert!(text.contains("[Withheld under an exemption"));
    assert!(!text.contains("Not to be read."));
    assert!(
        !text.contains("asked her for a photo"),
        "the withheld summary is not there"
    );
    // Every person A's file names (a child, an adult, a member of staff) is shown by role.
    for name in [
        "Łukasz",
        "łukasz",
        "Wiśniewski",
        "Kristóf",
        "Várnagy",
        "Ådne",
        "Solberg",
    ] {
        assert!(!text.contains(name), "{name} is in the response");
    }
    assert!(text.contains("Nguyễn Thị Ánh"));
}

#[test]
fn a_name_shared_with_the_child_is_left_in_and_listed() {
    let a = new_vault();
    let mut s = a.unlock();
    let mk = |s: &mut Session, name: &str| {
        people::create(
            s,
            &PersonInput {
                kind: PersonKind::Child,
                full_name: name.into(),
                date_of_birth: None,
                class_year: String::new(),
                details: Default::default(),
                reason: String::new(),
            },
        )
        .unwrap()
        .id
    };
    let sam = mk(&mut s, "Sam Carter");
    let other = mk(&mut s, "Sam Okoro");
    use casebook::records::incidents::{self, PersonLink, Role};
    incidents::create(
        &mut s,
        &incident_input("Sam Okoro and Sam Carter argued online; Okoro posted the insult."),
        &[
            PersonLink {
                person_id: sam,
                role: Role::Victim,
            },
            PersonLink {
                person_id: other,
                role: Role::AllegedHarmer,
            },
        ],
    )
    .unwrap();
    let built = file::build(
        &s,
        sam,
        &Redaction {
            children: true,
            named: vec![sam],
            ..Redaction::default()
        },
        Utc::now(),
    )
    .unwrap();
    assert_eq!(
        built.file.incidents[0].summary,
        "Child B and Sam Carter argued online; Child B posted the insult."
    );
    assert_eq!(built.left_in.len(), 1);
    assert_eq!(built.left_in[0].word, "Sam");
    assert_eq!(built.left_in[0].also, "Sam Carter");
}

#[test]
fn due_dates_count_school_days() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    // Left on Wednesday 2 December 2026: five school days on is Wednesday 9 December.
    assert_eq!(
        transfers::due_date(Move::InYear, d(2026, 12, 2), &[]),
        d(2026, 12, 9)
    );
    // Left Friday 18 December: the weekends, a closure day on Monday 21st, Christmas Day and
    // Boxing Day's substitute (Monday 28th) skipped: 22, 23, 24, 29, 30 December.
    assert_eq!(
        transfers::due_date(Move::InYear, d(2026, 12, 18), &[d(2026, 12, 21)]),
        d(2026, 12, 30)
    );
    // A new term starting Monday 4 January 2027 (an INSET day): its first 5 school days are
    // 5 to 11 January.
    assert_eq!(
        transfers::due_date(Move::NewTerm, d(2027, 1, 4), &[d(2027, 1, 4)]),
        d(2027, 1, 11)
    );
    assert_eq!(
        transfers::due_date(Move::NewTerm, d(2027, 1, 5), &[]),
        d(2027, 1, 11)
    );
}

#[test]
fn a_late_transfer_asks_for_a_chase_and_paper_receipt_confirms_it() {
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let today = casebook::time::uk_date(Utc::now());
    // The child left three weeks ago: the file is late.
    let t = start_on(
        &mut sa,
        child,
        OtherChildren::Named,
        today - Duration::days(21),
    );
    let open = transfers::open(sa.conn(), today).unwrap();
    assert!(open[0].chase_now && open[0].days_late > 0, "{open:?}");
    assert_eq!(open[0].state, TransferState::NotSent);
    // Receipt cannot be confirmed before anything was sent.
    let confirm = ConfirmationInput {
        by_whom: "Ms Priya Raman, DSL".into(),
        how: ReceiptHow::Phone,
        at: None,
    };
    assert!(transfers::confirm(&mut sa, t.id, &confirm).is_err());
    transfer::make_pdf(&mut sa, t.id, |_| Ok(())).unwrap();
    transfers::chase(
        &mut sa,
        t.id,
        "Rang Fernhill: the DSL is out; left a message.",
    )
    .unwrap();
    let open = transfers::open(sa.conn(), today).unwrap();
    assert!(!open[0].chase_now, "chased today");
    assert_eq!((open[0].chases, open[0].state), (1, TransferState::Sent));
    // Five school days on, it asks again.
    let next = casebook::calendar::add_working_days(today, 5, &[]);
    assert!(transfers::open(sa.conn(), next).unwrap()[0].chase_now);
    let done = transfers::confirm(&mut sa, t.id, &confirm).unwrap();
    assert_eq!(done.state, TransferState::Confirmed);
    assert!(transfers::open(sa.conn(), today).unwrap().is_empty());
    assert!(transfers::chase(&mut sa, t.id, "again").is_err());
}

/// A package made with the sending vault's real identity, to `to`.
fn package_to(key: &str) -> (Fixture, Session, PathBuf, tempfile::TempDir) {
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let t = start(&mut sa, child, OtherChildren::Named);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.casebook-transfer");
    transfer::make_package(&mut sa, t.id, &PackageFor::Key(key.into()), write_to(&path)).unwrap();
    (a, sa, path, dir)
}

#[test]
fn hostile_packages_are_refused_with_a_sentence_and_write_nothing() {
    let b = new_vault();
    let mut sb = b.unlock();
    let key = transfer::receiving_key(&mut sb).unwrap();
    assert!(key.starts_with("age1"));
    assert_eq!(
        transfer::receiving_key(&mut sb).unwrap(),
        key,
        "one key, kept"
    );
    let (_a, _sa, good, dir) = package_to(&key);
    let bytes = std::fs::read(&good).unwrap();
    let before = counts(&sb);

    let try_file = |sb: &mut Session, name: &str, content: &[u8], code: Option<&str>| {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        let e = transfer::import_package(sb, &p, code, &new_child(), true).unwrap_err();
        assert!(
            matches!(
                e.code(),
                ErrorCode::BadTransferFile | ErrorCode::InvalidInput
            ),
            "{name}: {e:?}"
        );
        e.to_string()
    };
    // Cut short, at several places.
    for cut in [0, 10, 200, bytes.len() / 2, bytes.len() - 1] {
        try_file(&mut sb, "cut", &bytes[..cut], None);
    }
    // One byte changed in the header, the body, the end.
    for at in [5, bytes.len() / 2, bytes.len() - 3] {
        let mut b2 = bytes.clone();
        b2[at] ^= 0x20;
        try_file(&mut sb, "flipped", &b2, None);
    }
    // Not a package at all.
    try_file(&mut sb, "pdf", b"%PDF-1.7\n%%EOF\n", None);
    // Encrypted to a key, opened with a code.
    let said = try_file(
        &mut sb,
        "code",
        &bytes,
        Some("7KQ2-M9XD-7KQ2-M9XD-7KQ2-M9XD-7KQ2-M9XD"),
    );
    assert!(said.contains("without a code"), "{said}");
    // Encrypted to another school's key.
    let (_x, _sx, elsewhere, _d) = package_to(&package::new_key().0);
    let e = transfer::import_package(&mut sb, &elsewhere, None, &new_child(), true).unwrap_err();
    assert!(
        e.to_string().contains("not encrypted to this school"),
        "{e}"
    );
    // Too large: refused before it is read.
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(package::MAX_PACKAGE_BYTES + 1)
        .unwrap();
    let e = transfer::import_package(&mut sb, &big, None, &new_child(), true).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");
    assert_eq!(counts(&sb), before, "nothing was written by any refusal");
}

/// Content signed by someone, encrypted to `key`: what a forger can make.
fn forged(content: &package::Content, identity: &sign::Identity, key: &str) -> Vec<u8> {
    package::seal(content, identity, &SealTo::Key(key)).unwrap()
}

#[test]
fn forged_and_altered_packages_are_refused() {
    let b = new_vault();
    let mut sb = b.unlock();
    let key = transfer::receiving_key(&mut sb).unwrap();
    let secret: Vec<age::secrecy::SecretString> = {
        let s: String = sb
            .conn()
            .query_row("SELECT secret FROM transfer_keys", [], |r| r.get(0))
            .unwrap();
        vec![s.into()]
    };
    let (_a, _sa, good, dir) = package_to(&key);
    let opened = package::open(
        &good,
        &std::fs::read(&good).unwrap(),
        &OpenWith::Keys(&secret),
    )
    .unwrap();
    let before = counts(&sb);
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };

    // A forger's certificate, claiming to be the sending school's DSL.
    let forger = sign::Identity::generate("Eve Mallory", "Nowhere School", Utc::now()).unwrap();
    let p = write("claims", &forged(&opened.content, &forger, &key));
    let e = transfer::import_package(&mut sb, &p, None, &new_child(), true).unwrap_err();
    assert!(
        e.to_string().contains("but it is signed by Eve Mallory"),
        "{e}"
    );

    // A forger whose certificate copies the sender's name and organisation: it reads as an
    // unknown signer with a different fingerprint, and is imported only if confirmed.
    let lookalike = sign::Identity::generate(DSL, ORG, Utc::now()).unwrap();
    let mut content = opened.content.clone();
    content.transfer = uuid::Uuid::new_v4().to_string();
    let p = write("lookalike", &forged(&content, &lookalike, &key));
    let preview = transfer::preview_package(&sb, &p, None).unwrap();
    assert_ne!(preview.signed_by.fingerprint, opened.signer.fingerprint);
    assert!(!preview.known_signer);

    // The content changed after signing, with the signature kept: the envelope rebuilt by hand.
    let b64 = base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let mut changed = opened.content.clone();
    changed.file.incidents[0].summary = "Nothing happened.".into();
    let env = serde_json::json!({
        "format": package::PACKAGE_FORMAT,
        "schema": package::SCHEMA,
        "content": b64.encode(serde_json::to_vec(&changed).unwrap()),
        "signature": b64.encode(&opened.signature),
    });
    let recipient: age::x25519::Recipient = key.parse().unwrap();
    let p = write(
        "changed",
        &age::encrypt(&recipient, env.to_string().as_bytes()).unwrap(),
    );
    let e = transfer::import_package(&mut sb, &p, None, &new_child(), true).unwrap_err();
    assert!(e.to_string().contains("changed after it was signed"), "{e}");

    // An unknown field, a newer schema.
    let mut env2 = env.clone();
    env2["content"] = b64.encode(&opened.content_bytes).into();
    env2["extra"] = 1.into();
    let p = write(
        "extra",
        &age::encrypt(&recipient, env2.to_string().as_bytes()).unwrap(),
    );
    assert!(transfer::import_package(&mut sb, &p, None, &new_child(), true).is_err());
    let mut env3 = env.clone();
    env3["content"] = b64.encode(&opened.content_bytes).into();
    env3["schema"] = 2.into();
    let p = write(
        "newer",
        &age::encrypt(&recipient, env3.to_string().as_bytes()).unwrap(),
    );
    let e = transfer::import_package(&mut sb, &p, None, &new_child(), true).unwrap_err();
    assert!(e.to_string().contains("newer version"), "{e}");

    // An image carried in a text, signed by a real (confirmed) signer: still refused.
    let mut with_image = opened.content.clone();
    with_image.file.incidents[0].summary = format!(
        "data:image/png;base64,{}",
        b64.encode([0x89u8, b'P', b'N', b'G', 13, 10, 26, 10].repeat(40))
    );
    let p = write("image", &forged(&with_image, &lookalike, &key));
    let e = transfer::import_package(&mut sb, &p, None, &new_child(), true).unwrap_err();
    assert!(e.to_string().contains("image"), "{e}");

    // The child's file: a newer schema; a schema-1 file claiming earlier files; an earlier
    // file holding earlier files of its own (Casebook writes them flat); an image in an
    // earlier file. Each signed by the (unknown but confirmable) look-alike, so only the
    // check under test can refuse it.
    let earlier = file::EarlierFile {
        facts: vec![],
        file: opened.content.file.clone(),
    };
    let mut cases: Vec<(&str, package::Content, &str)> = Vec::new();
    let mut c = opened.content.clone();
    c.file.schema = file::SCHEMA + 1;
    cases.push(("file-newer", c, "newer version"));
    let mut c = opened.content.clone();
    c.file.schema = 1;
    c.file.earlier = vec![earlier.clone()];
    cases.push(("file-1-earlier", c, "form Casebook does not read"));
    let mut c = opened.content.clone();
    let mut nested = earlier.clone();
    nested.file.earlier = vec![earlier.clone()];
    c.file.earlier = vec![nested];
    cases.push(("nested", c, "not in the form Casebook writes"));
    let mut c = opened.content.clone();
    let mut pictured = earlier.clone();
    pictured.file.incidents[0].outcome = with_image.file.incidents[0].summary.clone();
    c.file.earlier = vec![pictured];
    cases.push(("earlier-image", c, "image"));
    for (name, content, says) in cases {
        let p = write(name, &forged(&content, &lookalike, &key));
        let e = transfer::import_package(&mut sb, &p, None, &new_child(), true).unwrap_err();
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
    // A schema-1 file (an earlier Casebook's) is still read.
    let mut c = opened.content.clone();
    c.file.schema = 1;
    c.transfer = uuid::Uuid::new_v4().to_string();
    let p = write("file-1", &forged(&c, &lookalike, &key));
    assert_eq!(
        transfer::preview_package(&sb, &p, None).unwrap().child_name,
        "Nguyễn Thị Ánh"
    );

    assert_eq!(counts(&sb), before, "nothing was written by any refusal");
}

/// One real package, made once for the property tests: its bytes, the receiving key's secret
/// that opens it, and what it holds.
struct Made {
    bytes: Vec<u8>,
    secret: age::secrecy::SecretString,
    public: String,
    opened: package::Opened,
}

fn made_once() -> &'static Made {
    static MADE: std::sync::OnceLock<Made> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let (public, secret) = package::new_key();
        let (_a, _sa, path, _dir) = package_to(&public);
        let bytes = std::fs::read(&path).unwrap();
        let opened = package::open(
            &path,
            &bytes,
            &OpenWith::Keys(std::slice::from_ref(&secret)),
        )
        .unwrap();
        Made {
            bytes,
            secret,
            public,
            opened,
        }
    })
}

fn open_bytes(bytes: &[u8]) -> casebook::Result<package::Opened> {
    let m = made_once();
    package::open(
        Path::new("fuzzed.casebook-transfer"),
        bytes,
        &OpenWith::Keys(std::slice::from_ref(&m.secret)),
    )
}

/// Encrypts `plain` to the property tests' key, as a forger holding that key could.
fn sealed(plain: &[u8]) -> Vec<u8> {
    let r: age::x25519::Recipient = made_once().public.parse().unwrap();
    age::encrypt(&r, plain).unwrap()
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any change to the file's bytes (flips, cuts, insertions) is refused with a sentence
    /// naming the file, never a panic: age authenticates every byte.
    #[test]
    fn a_changed_package_is_refused(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut bytes = made_once().bytes.clone();
        for (at, value, how) in edits {
            let i = at.index(bytes.len().max(1));
            match how {
                0 if !bytes.is_empty() => bytes[i] ^= value | 1,
                1 => bytes.truncate(i),
                _ => bytes.insert(i.min(bytes.len()), value),
            }
        }
        prop_assume!(bytes != made_once().bytes);
        let e = open_bytes(&bytes).unwrap_err();
        prop_assert!(e.to_string().contains("fuzzed.casebook-transfer"), "{e}");
    }

    /// Inside the encryption: the signed content changed by a byte while the signature is
    /// kept is refused as changed (or as not in Casebook's form), never accepted.
    #[test]
    fn content_changed_under_its_signature_is_refused(at in any::<prop::sample::Index>(), value in 1u8..=255) {
        use base64::Engine;
        let m = made_once();
        let mut content = m.opened.content_bytes.clone();
        let i = at.index(content.len());
        content[i] ^= value;
        let b64 = base64::engine::general_purpose::STANDARD;
        let env = serde_json::json!({
            "format": package::PACKAGE_FORMAT,
            "schema": package::SCHEMA,
            "content": b64.encode(&content),
            "signature": b64.encode(&m.opened.signature),
        });
        prop_assert!(open_bytes(&sealed(env.to_string().as_bytes())).is_err());
    }

    /// Whatever a forger with the key encrypts (bytes, or JSON near the envelope's shape) is
    /// refused without a panic.
    #[test]
    fn anything_else_encrypted_to_the_key_is_refused(
        junk in proptest::collection::vec(any::<u8>(), 0..2048),
        content in ".{0,200}",
        signature in "[A-Za-z0-9+/=]{0,400}",
    ) {
        prop_assert!(open_bytes(&sealed(&junk)).is_err());
        let env = serde_json::json!({
            "format": package::PACKAGE_FORMAT,
            "schema": package::SCHEMA,
            "content": content,
            "signature": signature,
        });
        prop_assert!(open_bytes(&sealed(env.to_string().as_bytes())).is_err());
    }
}

#[test]
fn the_package_made_once_opens_unchanged() {
    let m = made_once();
    let again = open_bytes(&m.bytes).unwrap();
    assert_eq!(again.content, m.opened.content);
}

#[test]
fn after_confirmation_the_organisations_rule_brings_the_childs_own_incidents_to_the_review() {
    use casebook::records::incidents::{self, PersonLink, Role};
    use casebook::records::local_practice::{self, AfterTransfer, AfterTransferRule};
    use casebook::records::retention;
    let a = new_vault();
    let (mut sa, child) = sender(&a);
    let shared = casebook::records::search::incidents(sa.conn(), &Default::default()).unwrap()[0]
        .reference
        .clone();
    let solo = incidents::create(
        &mut sa,
        &incident_input("Ánh alone: a stranger messaged her on a game."),
        &[PersonLink {
            person_id: child,
            role: Role::Victim,
        }],
    )
    .unwrap()
    .reference;
    let until = |s: &Session, r: &str| incidents::get(s.conn(), r).unwrap().retention_until;
    let (shared_before, solo_before) = (until(&sa, &shared), until(&sa, &solo));
    let confirm = ConfirmationInput {
        by_whom: "Ms Priya Raman, DSL".into(),
        how: ReceiptHow::Phone,
        at: None,
    };
    // The default keeps the file for the usual period.
    let t = start(&mut sa, child, OtherChildren::Named);
    transfer::make_pdf(&mut sa, t.id, |_| Ok(())).unwrap();
    transfers::confirm(&mut sa, t.id, &confirm).unwrap();
    assert_eq!(
        (until(&sa, &shared), until(&sa, &solo)),
        (shared_before, solo_before)
    );

    // Review at once after confirmation, as the organisation sets it (with a reason).
    let rule = |months| AfterTransfer {
        rule: AfterTransferRule::Review,
        months,
        reason: "Trust policy: the file goes with the child.".into(),
        changed_at: String::new(),
        changed_by: String::new(),
    };
    assert!(local_practice::set_after_transfer(&mut sa, &rule(25)).is_err());
    local_practice::set_after_transfer(&mut sa, &rule(0)).unwrap();
    let t2 = start(&mut sa, child, OtherChildren::Named);
    transfer::make_pdf(&mut sa, t2.id, |_| Ok(())).unwrap();
    transfers::confirm(&mut sa, t2.id, &confirm).unwrap();
    let today = casebook::time::uk_date(Utc::now());
    assert_eq!(
        until(&sa, &solo),
        today,
        "the child's own incident comes to the review"
    );
    assert_eq!(
        until(&sa, &shared),
        shared_before,
        "another child's record keeps its date"
    );
    let tomorrow = today + Duration::days(1);
    let due: Vec<String> = retention::due(sa.conn(), tomorrow)
        .unwrap()
        .into_iter()
        .map(|d| d.reference)
        .collect();
    assert_eq!(due, vec![solo.clone()]);
    retention::delete(
        &mut sa,
        std::slice::from_ref(&solo),
        "Transferred; trust policy.",
        tomorrow,
    )
    .unwrap();
    // The transfers are kept; the child stays (still in the other incident).
    assert_eq!(
        transfers::get(sa.conn(), t2.id).unwrap().state,
        TransferState::Confirmed
    );
    assert_eq!(transfers::for_person(sa.conn(), child).unwrap().len(), 2);
    assert!(sa.verify_audit().unwrap().is_intact());
}

/// Files made to hang or exhaust the reader: a transfer code's package asking for scrypt work
/// of 2^40 (hours, and terabytes), and 60 MB of nested brackets encrypted to the key. Each is
/// refused with a sentence, quickly.
#[test]
fn packages_made_to_exhaust_the_reader_are_refused() {
    use age::secrecy::SecretString;
    let code = casebook::vault::RecoveryCode::generate().unwrap();
    let typed = code.display_grouped();
    let mut r = age::scrypt::Recipient::new(SecretString::from(typed.replace('-', "")));
    r.set_work_factor(15);
    let honest = age::encrypt(&r, b"{}").unwrap();
    let header_end = honest.windows(4).position(|w| w == b"\n---").unwrap();
    let header = String::from_utf8(honest[..header_end].to_vec()).unwrap();
    assert!(header.contains(" 15\n"), "{header}");
    let mut greedy = header.replacen(" 15\n", " 40\n", 1).into_bytes();
    greedy.extend_from_slice(&honest[header_end..]);
    let started = std::time::Instant::now();
    let e = package::open(Path::new("greedy"), &greedy, &OpenWith::Code(&typed)).unwrap_err();
    assert!(e.to_string().contains("far more work"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    let nested = "[".repeat(60 * 1024 * 1024);
    let e = open_bytes(&sealed(nested.as_bytes())).unwrap_err();
    assert!(e.to_string().contains("fuzzed.casebook-transfer"), "{e}");
}
