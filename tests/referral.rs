//! Signed referral PDFs, checked with outside tools: pdfsig (poppler) accepts the signature and
//! rejects any changed byte, qpdf finds the file sound, pdftotext finds every word, pdfimages
//! finds no image; each recipient gets only what they should.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use casebook::records::chronology;
use casebook::referral::{self, Recipient};
use common::referrals::{byte_range, incident, long_note_word, tool, LONG_NOTE_WORDS};
use common::*;

/// The bytes the signature covers and the CMS blob, cut out by the /ByteRange.
fn signed_ranges_and_cms(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let r = byte_range(pdf);
    let mut signed = pdf[r[0]..r[0] + r[1]].to_vec();
    signed.extend_from_slice(&pdf[r[2]..r[2] + r[3]]);
    // Between the ranges: <hex digits>, zero-padded after the DER, whose outer header gives
    // its length (a signature may itself end in a zero byte, so padding is not stripped).
    let hex = std::str::from_utf8(&pdf[r[1] + 1..r[2] - 1]).unwrap();
    let mut cms = hex::decode(hex).unwrap();
    assert_eq!(cms[0], 0x30, "a DER SEQUENCE");
    let len_bytes = usize::from(cms[1] & 0x7f);
    assert!(cms[1] & 0x80 != 0 && (1..=4).contains(&len_bytes));
    let body = cms[2..2 + len_bytes]
        .iter()
        .fold(0usize, |n, b| (n << 8) | usize::from(*b));
    cms.truncate(2 + len_bytes + body);
    (signed, cms)
}

/// How many referrals the vault records as issued.
fn issued_count(s: &casebook::vault::Session) -> i64 {
    s.conn()
        .query_row("SELECT count(*) FROM referral_issues", [], |r| r.get(0))
        .unwrap()
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn pdftotext(file: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(file)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    words(&String::from_utf8_lossy(&out.stdout))
}

#[test]
fn a_referral_is_signed_so_that_pdfsig_accepts_it_and_rejects_any_change() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let issued =
        referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("referral.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();

    let report = tool("pdfsig", &[], &path);
    assert!(
        report.contains("Signature Validation: Signature is Valid."),
        "{report}"
    );
    assert!(report.contains("ETSI.CAdES.detached"), "{report}");
    assert!(report.contains("Total document signed"), "{report}");
    assert!(tool("qpdf", &["--check"], &path).contains("No syntax or stream encoding errors"));
    assert_eq!(
        tool("pdfimages", &["-list"], &path).lines().count(),
        2,
        "no image objects"
    );
    let v = referral::verify(&s, &issued.pdf).unwrap();
    assert_eq!(v.verdict, referral::Verdict::IssuedHere, "{v:?}");
    assert_eq!(v.issued_here.as_ref().unwrap().reference, reference);
    assert!(v.signer.contains(DSL), "{}", v.signer);

    // A second, independent validator of the CMS itself: OpenSSL checks the signature over
    // the signed byte ranges and sees the attributes PAdES asks for.
    let (signed, cms) = signed_ranges_and_cms(&issued.pdf);
    std::fs::write(tmp.path().join("signed.bin"), &signed).unwrap();
    std::fs::write(tmp.path().join("sig.der"), &cms).unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .current_dir(tmp.path())
            .args(args)
            .output()
            .expect("openssl (installed by scripts/install-deps)");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    const VERIFY: &[&str] = &[
        "cms",
        "-verify",
        "-binary",
        "-noverify",
        "-inform",
        "DER",
        "-in",
        "sig.der",
        "-content",
        "signed.bin",
        "-out",
        "/dev/null",
    ];
    let (ok, said) = openssl(VERIFY);
    assert!(ok && said.contains("Verification successful"), "{said}");
    let (_, printed) = openssl(&[
        "cms", "-cmsout", "-print", "-inform", "DER", "-in", "sig.der",
    ]);
    for part in [
        "contentType",
        "messageDigest",
        "id-smime-aa-signingCertificateV2",
        "ecdsa-with-SHA256",
    ] {
        assert!(printed.contains(part), "no {part} in the CMS: {printed}");
    }
    assert!(
        !printed.contains("signingTime"),
        "PAdES B-B keeps the time in /M"
    );
    let mut changed = signed.clone();
    changed[100] ^= 0x01;
    std::fs::write(tmp.path().join("signed.bin"), &changed).unwrap();
    let (ok, said) = openssl(VERIFY);
    assert!(!ok, "OpenSSL accepted changed content: {said}");

    // One flipped byte in either signed range: both pdfsig and Casebook say it is not intact.
    let range_start = issued
        .pdf
        .windows(11)
        .position(|w| w == b"/ByteRange[" || w == b"/ByteRange ")
        .unwrap();
    let contents_at = issued.pdf[range_start..]
        .windows(9)
        .position(|w| w == b"/Contents")
        .unwrap()
        + range_start;
    for at in [2000, issued.pdf.len() - 40, contents_at - 200] {
        if contents_at < at && at < contents_at + 16400 {
            continue;
        }
        let mut bad = issued.pdf.clone();
        bad[at] ^= 0x01;
        let bad_path = tmp.path().join(format!("flipped-{at}.pdf"));
        std::fs::write(&bad_path, &bad).unwrap();
        let report = tool("pdfsig", &[], &bad_path);
        assert!(
            !report.contains("Signature is Valid."),
            "pdfsig accepted a changed byte at {at}: {report}"
        );
        match referral::verify(&s, &bad) {
            Ok(v) => {
                assert!(
                    !v.contents_unchanged(),
                    "Casebook accepted a changed byte at {at}"
                );
                assert!(v.issued_here.is_none());
            }
            Err(e) => assert_eq!(e.code(), casebook::ErrorCode::InvalidInput),
        }
    }
}

#[test]
fn the_text_has_the_reference_the_child_and_the_decisions_with_reasons() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    let tmp = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for recipient in Recipient::ALL {
        reachable(&mut s);
        let issued = referral::issue(&mut s, &reference, *recipient, &referral_choices()).unwrap();
        // The audit trail's head at signing is in the signed PDF and in the issue's record.
        let recorded: String = s
            .conn()
            .query_row(
                "SELECT audit_head FROM referral_issues WHERE sha256 = ?1",
                [&issued.sha256],
                |r| r.get(0),
            )
            .unwrap();
        let (head_seq, head_hash): (i64, String) = {
            let rest = recorded.strip_prefix("entry ").unwrap();
            let (seq, hash) = rest.split_once(", SHA-256 ").unwrap();
            (seq.parse().unwrap(), hash.to_owned())
        };
        let at_signing: String = s
            .conn()
            .query_row(
                "SELECT hash FROM audit_log WHERE seq = ?1",
                [head_seq],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            at_signing, head_hash,
            "the head is a real entry of the trail"
        );
        let path = tmp.path().join(&issued.file_name);
        std::fs::write(&path, &issued.pdf).unwrap();
        let text = pdftotext(&path);
        assert!(text.contains("OFFICIAL-SENSITIVE"));
        assert!(text.contains(&reference));
        assert!(text.contains("page 1 of"));
        assert!(text.contains("Nguyễn Thị Ánh"), "{text}");
        assert!(text.contains(&format!("Signed by {DSL}, Designated Safeguarding Lead")));
        assert!(text.contains(&words(&issued.cert_fingerprint[..20])));
        assert!(
            text.contains(&format!(
                "Audit trail at signing: entry {head_seq}, SHA-256"
            )),
            "{text}"
        );
        assert!(text.contains(&head_hash[..32]), "{text}");
        assert!(text.contains("Sextortion by an adult: UKCIS says refer immediately."));
        texts.push((*recipient, text));
    }
    let text = |r: Recipient| &texts.iter().find(|(x, _)| *x == r).unwrap().1;
    // Each recipient's parts, in its form's order (the headings as the PDF prints them).
    let in_order = |r: Recipient, parts: &[&str]| {
        let t = text(r);
        let mut from = 0;
        for part in parts {
            let at = t[from..]
                .find(part)
                .unwrap_or_else(|| panic!("{r:?}: {part:?} missing or out of order in {t}"));
            from += at + part.len();
        }
    };
    in_order(
        Recipient::SocialCare,
        &[
            "Who is referring",
            "The referral",
            "The child or children",
            "The person alleged to have caused harm",
            "Parents and carers",
            "What the family knows",
            "What happened",
            "Decisions and the reasons for them",
            "What has been done: actions",
            "Agencies contacted",
            "Evidence (described in words",
        ],
    );
    in_order(
        Recipient::Police,
        &[
            "Who is referring",
            "The child or children",
            "The person alleged to have caused harm",
            "Parents and carers",
            "What the family knows",
            "What happened",
            "Evidence and chain of custody",
        ],
    );
    in_order(
        Recipient::Lado,
        &[
            "Who is referring",
            "Reporting restriction",
            "The adult the allegation is about",
            "Children involved",
            "The allegation",
            "The harm threshold",
        ],
    );
    // The police get the chain of custody; children's social care gets the child's needs.
    assert!(text(Recipient::Police).contains("EVB-55501"));
    assert!(text(Recipient::Police).contains("Black Android phone"));
    assert!(!text(Recipient::SocialCare).contains("EVB-55501"));
    assert!(text(Recipient::SocialCare).contains("Child protection plan"));
    assert!(text(Recipient::SocialCare).contains("SEN support"));
    assert!(text(Recipient::SocialCare).contains("14 March 2011"));
    // The alleged harmer, with the names they use online, for the police and social care.
    for r in [Recipient::Police, Recipient::SocialCare] {
        assert!(text(r).contains("Kristóf Várnagy") && text(r).contains("kv_1999 (gaming app)"));
    }
    // The LADO: the adult, and the children by name with date of birth (LADO forms: "do not
    // use initials"), but not their SEND or plans, nor the chain of custody.
    assert!(text(Recipient::Lado).contains("Kristóf Várnagy"));
    assert!(text(Recipient::Lado).contains("Nguyễn Thị Ánh"));
    assert!(text(Recipient::Lado).contains("14 March 2011"));
    assert!(!text(Recipient::Lado).contains("Child protection plan"));
    assert!(!text(Recipient::Lado).contains("SEN support"));
    assert!(!text(Recipient::Lado).contains("EVB-55501"));
    assert!(text(Recipient::Lado).contains("section 141F"));
    // The notice is about staff: an allegation about an unknown adult online does not carry it.
    assert!(!text(Recipient::SocialCare).contains("section 141F"));
    // Data minimisation: a witness and a reporter whom the DSL has not chosen appear nowhere,
    // by name or by detail (Łukasz's date of birth).
    for (r, t) in &texts {
        for absent in ["Łukasz Wiśniewski", "2 September 2010", "Mr Ådne Solberg"] {
            assert!(!t.contains(absent), "{r:?} names {absent}: {t}");
        }
    }

    // Each issue is recorded: hash, audit, chronology.
    let issued: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM referral_issues", [], |r| r.get(0))
        .unwrap();
    assert_eq!(issued, 3);
    let audit = casebook::audit::recent(s.conn(), 50).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "referral.issued")
            .count(),
        3
    );
    assert!(
        !audit.iter().any(|e| e.detail.contains("Nguyễn Thị Ánh")),
        "no content in the audit trail"
    );
    let notes = chronology::for_incident(s.conn(), &reference).unwrap();
    assert_eq!(
        notes
            .iter()
            .filter(|e| e.text.starts_with("Signed referral summary"))
            .count(),
        3
    );
}

#[test]
fn a_very_long_chronology_flows_across_pages_and_every_word_is_there() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, true);
    reachable(&mut s);
    let issued = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap();
    assert!(issued.pages >= 10, "{} pages", issued.pages);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();
    let text = pdftotext(&path);
    for i in 0..140 {
        for w in [0, LONG_NOTE_WORDS / 2, LONG_NOTE_WORDS - 1] {
            let word = long_note_word(i, w);
            assert!(text.contains(&word), "{word} missing");
        }
    }
    for name in ["Nguyễn Thị Ánh", "Kristóf Várnagy", "Zoë Adeyemi"] {
        assert!(text.contains(name), "{name} missing");
    }
    assert!(text.contains(&format!("page {} of {}", issued.pages, issued.pages)));
    let report = tool("pdfsig", &[], &path);
    assert!(report.contains("Signature is Valid."), "{report}");

    // Look at the pages as a person would: rendered, they are not blank.
    let out = Command::new("pdftoppm")
        .args(["-r", "30", "-png", "-f", "1", "-l", "2"])
        .arg(&path)
        .arg(tmp.path().join("page"))
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn a_referral_whose_file_could_not_be_saved_says_so_in_the_chronology() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let issued = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap();
    let said = referral::not_delivered(
        Some(&mut s),
        &reference,
        &issued,
        referral::Delivery::Save,
        casebook::Error::DiskFull,
    );
    assert_eq!(said.code(), casebook::ErrorCode::DiskFull);
    let said = said.to_string();
    assert!(
        said.contains("signed and recorded as issued, but the PDF could not be saved"),
        "{said}"
    );
    assert!(
        said.contains("The chronology now says that no copy was made"),
        "{said}"
    );
    // "Nothing was saved" would be untrue: the issue is recorded.
    assert!(!said.contains("nothing was saved"), "{said}");
    let entries = chronology::for_incident(s.conn(), &reference).unwrap();
    let made = entries
        .iter()
        .position(|e| e.text.contains("Signed referral summary") && e.text.contains(&issued.sha256))
        .expect("the issue is in the chronology");
    let not_saved = entries
        .iter()
        .position(|e| e.text.contains("could not be saved") && e.text.contains(&issued.sha256))
        .expect("the failed save is in the chronology");
    assert!(entries[not_saved].text.contains("The disk there is full"));
    assert_ne!(made, not_saved);
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn the_signing_identity_is_made_at_the_first_referral_and_kept_only_in_the_vault() {
    let f = new_vault();
    let mut s = f.unlock();
    let identities: i64 = s
        .conn()
        .query_row("SELECT count(*) FROM signing_identities", [], |r| r.get(0))
        .unwrap();
    assert_eq!(identities, 0, "set-up makes no signing key");
    let reference = incident(&mut s, false);
    reachable(&mut s);
    referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap();
    let (fingerprint, key): (String, Vec<u8>) = s
        .conn()
        .query_row(
            "SELECT fingerprint, key_pkcs8 FROM signing_identities",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(fingerprint.len(), 32 * 3 - 1);
    // The private key is nowhere in the vault folder in clear.
    let needle = hex::encode(&key[key.len() - 32..]);
    drop(s);
    for (path, bytes) in snapshot(&f.dir()) {
        assert!(
            !bytes.windows(32).any(|w| w == &key[key.len() - 32..]),
            "private key bytes in {}",
            path.display()
        );
        assert!(!String::from_utf8_lossy(&bytes).contains(&needle));
    }
}

#[test]
fn the_cli_makes_and_verifies_a_referral() {
    if std::env::var_os("CASEBOOK_SKIP_KEYRING_TESTS").is_some() {
        return;
    }
    let exe = env!("CARGO_BIN_EXE_casebook");
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(exe)
            .arg("--vault")
            .arg(&vault)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let p = format!("{PASSPHRASE}\n");
    let init = run(
        &["init", "--demo", "--org", ORG, "--dsl", DSL],
        &format!("{PASSPHRASE}\n{PASSPHRASE}\n"),
    );
    assert!(init.status.success(), "{init:?}");
    assert!(run(&["demo", "--incidents", "3"], &p).status.success());
    // The setting's details and the referrer's own contact, from the command line.
    let set = run(&["organisation", "--urn", "654321"], &p);
    assert!(
        String::from_utf8_lossy(&set.stdout).contains("URN:            654321"),
        "{set:?}"
    );
    let me = run(&["members", "contact", "--phone", "01632 960777"], &p);
    assert!(
        String::from_utf8_lossy(&me.stdout).contains("phone 01632 960777, secure e-mail none"),
        "{me:?}"
    );
    let found = run(&["search", "pupil", "--limit", "1"], &p);
    let reference = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    assert!(reference.starts_with("DEMO-"), "{found:?}");
    let out = tmp.path().join("r.pdf");
    let made = run(
        &[
            "referral",
            &reference,
            "--to",
            "lado",
            "--out",
            out.to_str().unwrap(),
            "--reason",
            "A parent reports messages from a member of staff to a pupil.",
            "--asks",
            "Please advise on the next steps.",
            "--harm",
            "harmed",
            "--harm",
            "unsuitable",
            "--adult-knows",
            "no",
            "--adult-knows-note",
            "The LADO advises who tells them.",
            "--previous-concerns",
            "None known.",
        ],
        &p,
    );
    assert!(made.status.success(), "{made:?}");
    let text = pdftotext(&out);
    assert!(
        text.contains("654321") && text.contains("Contact: 01632 960777"),
        "{text}"
    );
    // The LADO's answers from the command line reach the PDF.
    for expected in [
        "may have harmed a child",
        "may not be suitable to work with children",
        "No: The LADO advises who tells them.",
        "None known.",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    // Owner-only, as the window writes them.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let verified = run(&["verify", out.to_str().unwrap()], &p);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{said}");
    assert!(
        said.contains("The signature is intact and this exact file was issued by this vault"),
        "{said}"
    );

    let mut bytes = std::fs::read(&out).unwrap();
    bytes[500] ^= 0x01;
    std::fs::write(&out, &bytes).unwrap();
    let verified = run(&["verify", "--no-vault", out.to_str().unwrap()], "");
    assert_eq!(verified.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("NOT intact"));
    // A changed file is an answer, not a fault inside Casebook.
    assert!(
        !String::from_utf8_lossy(&verified.stderr).contains("unexpected"),
        "{verified:?}"
    );
    // An existing file is never overwritten.
    let again = run(
        &[
            "referral",
            &reference,
            "--to",
            "lado",
            "--out",
            out.to_str().unwrap(),
            "--reason",
            "A parent reports messages from a member of staff to a pupil.",
            "--asks",
            "Please advise on the next steps.",
            "--harm",
            "harmed",
            "--harm",
            "unsuitable",
            "--adult-knows",
            "no",
            "--adult-knows-note",
            "The LADO advises who tells them.",
            "--previous-concerns",
            "None known.",
        ],
        &p,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already there"),
        "{again:?}"
    );
}

#[test]
fn each_member_signs_in_their_own_name_and_a_removed_members_pdfs_still_verify() {
    use casebook::vault::{AddMember, MemberRole, RecoveryCode};
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let first =
        referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap();
    let again =
        referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap();
    assert_eq!(
        again.cert_fingerprint, first.cert_fingerprint,
        "same member, same certificate"
    );

    // The DSL adds a deputy, who unlocks in their own name and signs with their own certificate.
    let dsl = s.member();
    let deputy = "Mr Tomasz Kowalczyk";
    let deputy_pass = p("harbour velvet cinder plume");
    let added = s
        .add_member(&AddMember {
            name: deputy,
            role: MemberRole::Deputy,
            role_title: "",
            passphrase: &deputy_pass,
            confirm: &deputy_pass,
            recovery_code: &RecoveryCode::generate().unwrap(),
        })
        .unwrap();
    s.lock(casebook::vault::LockReason::Manual).unwrap();
    let mut d = f
        .vault
        .unlock_as(Some(added.id), &deputy_pass)
        .unwrap()
        .session;
    assert_eq!(d.actor(), deputy);
    reachable(&mut d);
    let second =
        referral::issue(&mut d, &reference, Recipient::Police, &referral_choices()).unwrap();
    assert_ne!(second.cert_fingerprint, first.cert_fingerprint);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("second.pdf");
    std::fs::write(&path, &second.pdf).unwrap();
    let report = tool("pdfsig", &[], &path);
    assert!(
        report.contains(&format!("Signer Certificate Common Name: {deputy}"))
            && report.contains("Signature is Valid."),
        "{report}"
    );
    let v = referral::verify(&d, &second.pdf).unwrap();
    assert_eq!(v.verdict, referral::Verdict::IssuedHere, "{v:?}");
    assert!(
        v.summary.contains(&format!("by {deputy}"))
            && v.summary
                .contains("signed by Mr Tomasz Kowalczyk (Deputy DSL)"),
        "{}",
        v.summary
    );
    // A deputy cannot manage the team.
    assert_eq!(
        d.remove_member(dsl, "Left").unwrap_err().code(),
        casebook::ErrorCode::InvalidInput
    );
    d.lock(casebook::vault::LockReason::Manual).unwrap();

    // The DSL removes the deputy: the vault is rekeyed; their passphrase no longer opens it,
    // and their PDF is still recognised as issued here, by a member who has left.
    let names: Vec<String> = f
        .vault
        .members()
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, [DSL, deputy], "the unlock screen's list");
    let mut s = f
        .vault
        .unlock_as(Some(dsl), &p(PASSPHRASE))
        .unwrap()
        .session;
    s.remove_member(added.id, "Left the school").unwrap();
    for issued in [&first, &second] {
        let v = referral::verify(&s, &issued.pdf).unwrap();
        assert_eq!(v.verdict, referral::Verdict::IssuedHere, "{v:?}");
        assert_eq!(v.cert_fingerprint, issued.cert_fingerprint);
    }
    let v = referral::verify(&s, &second.pdf).unwrap();
    assert!(
        v.summary.contains("who has since left the team"),
        "{}",
        v.summary
    );
    assert!(s.verify_audit().unwrap().is_intact());
    s.lock(casebook::vault::LockReason::Manual).unwrap();
    assert!(f.vault.unlock_as(Some(added.id), &deputy_pass).is_err());
}

/// A referral needs a way to reach whoever makes it: without one it is refused with a
/// sentence, and nothing is signed or recorded. With one, the PDF carries the referrer's
/// name, role, phone and secure e-mail, and the setting's address and URN, in its first part
/// and (the referrer's contact) in the signature block.
#[test]
fn a_referral_without_a_way_to_reach_the_referrer_is_refused_and_with_one_it_says_how() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    let before = casebook::audit::recent(s.conn(), 1).unwrap();
    let refused = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap_err();
    assert_eq!(refused.code(), casebook::ErrorCode::InvalidInput);
    assert!(
        refused
            .to_string()
            .contains("phone number or secure e-mail")
            && refused.to_string().contains("Nothing was signed"),
        "{refused}"
    );
    assert_eq!(
        casebook::audit::recent(s.conn(), 1).unwrap(),
        before,
        "nothing written"
    );
    assert_eq!(issued_count(&s), 0);

    casebook::settings::change_setting_details(
        &mut s,
        &casebook::organisation::SettingDetails {
            address: "1 Harbour Lane\nExampletown EX1 1AA".into(),
            urn: "123456".into(),
            phone: "01632 960000".into(),
            secure_email: "safeguarding@school.example.org".into(),
        },
    )
    .unwrap();
    // A URN is six digits; a bad one and a bad address are refused together.
    let bad = casebook::settings::change_setting_details(
        &mut s,
        &casebook::organisation::SettingDetails {
            urn: "12345X".into(),
            secure_email: "not an address".into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    let fields: Vec<_> = bad.fields().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        vec![casebook::Field::Urn, casebook::Field::SecureEmail],
        "{bad:?}"
    );

    s.change_my_contact("01632 960123", "dsl@school.example.org")
        .unwrap();
    let issued = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("referral.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        &format!("Who is referring Referrer: {DSL}, Designated Safeguarding Lead Phone: 01632 960123 Secure e-mail: dsl@school.example.org"),
        "Setting's address: 1 Harbour Lane, Exampletown EX1 1AA URN: 123456",
        "Contact: 01632 960123 · dsl@school.example.org",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from: {text}");
    }
    assert!(
        text.contains(" GMT") || text.contains(" BST"),
        "times say GMT or BST: {text}"
    );
    assert!(!text.contains(" UTC"), "{text}");
}

/// The check-your-answers choices: without a reason and what is asked, a referral is refused
/// with both problems at once, and nothing is signed; what the referrer writes reaches the PDF,
/// and a witness appears only when chosen (and only someone on the incident can be).
#[test]
fn the_referrers_answers_are_required_where_forms_need_them_and_reach_the_pdf() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let refused = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral::Choices::default(),
    )
    .unwrap_err();
    let fields: Vec<_> = refused.fields().iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        vec![
            casebook::Field::Reason,
            casebook::Field::Asks,
            casebook::Field::WhereChildIs,
            casebook::Field::ParentsKnow,
            casebook::Field::Consent
        ],
        "{refused:?}"
    );
    assert_eq!(issued_count(&s), 0);

    let incident_people = casebook::records::incidents::get(s.conn(), &reference)
        .unwrap()
        .people;
    let witness = incident_people
        .iter()
        .find(|l| l.role == casebook::records::incidents::Role::Witness)
        .unwrap()
        .person_id;
    let victim = incident_people
        .iter()
        .find(|l| l.role == casebook::records::incidents::Role::Victim)
        .unwrap()
        .person_id;
    let choices = referral::Choices {
        where_child_is: "At home with her grandmother, who knows.".into(),
        childs_views: "She wants the messages to stop and does not want her father told yet."
            .into(),
        not_for_family: "The father must not be told before the strategy discussion.".into(),
        recipient_name: "Anytown MASH duty team".into(),
        also_name: vec![witness],
        parents_know: Some(false),
        parents_know_why_not: "Telling the father could put Ánh at risk; her grandmother knows."
            .into(),
        ..referral_choices()
    };
    // "No" needs its reason.
    let why_not = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral::Choices {
            parents_know_why_not: String::new(),
            ..choices.clone()
        },
    )
    .unwrap_err();
    assert_eq!(
        why_not.fields().iter().map(|e| e.field).collect::<Vec<_>>(),
        vec![casebook::Field::ParentsKnowWhyNot]
    );
    // Only a witness or reporter on the incident can be added by choice.
    let wrong = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral::Choices {
            also_name: vec![victim + 1000],
            ..choices.clone()
        },
    )
    .unwrap_err();
    assert_eq!(wrong.code(), casebook::ErrorCode::InvalidInput, "{wrong:?}");

    let issued = referral::issue(&mut s, &reference, Recipient::SocialCare, &choices).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("r.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        "Why we are referring, and what we ask",
        "Sextortion of a child by an adult online",
        "Please consider a strategy discussion",
        "At home with her grandmother, who knows.",
        "She wants the messages to stop",
        "Not to be shared with the family",
        "The father must not be told before the strategy discussion.",
        "Others the referrer names",
        "Łukasz Wiśniewski",
        "Parents or carers know of this referral",
        "No: Telling the father could put Ánh at risk",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    // The information-sharing record names the team, the reason and the chosen witness.
    let id = casebook::records::incidents::get(s.conn(), &reference)
        .unwrap()
        .id;
    let shared = casebook::records::sharing::list(s.conn(), id)
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(shared.recipient_name, "Anytown MASH duty team");
    assert!(
        shared
            .reason
            .contains("Sextortion of a child by an adult online"),
        "{}",
        shared.reason
    );
    assert!(
        shared.people.iter().any(|p| p == "Łukasz Wiśniewski"),
        "{:?}",
        shared.people
    );
}

/// What each form asks is in the signed PDF, or says "not recorded" there and is listed as
/// missing before signing; details the referrer leaves out are nowhere in the PDF or in the
/// information-sharing record; the phone call it confirms and how it is sent are printed; the
/// LADO's own questions are required and reach the PDF.
#[test]
fn what_each_form_asks_is_there_or_listed_as_missing_and_left_out_details_are_not() {
    use casebook::records::chronology::EntryKind;
    use casebook::records::sharing::SharedDetail;
    use casebook::referral::{HarmCriterion, LeftOut, SendRoute, Sensitive};
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let incident = casebook::records::incidents::get(s.conn(), &reference).unwrap();
    let victim = incident
        .people
        .iter()
        .find(|l| l.role == casebook::records::incidents::Role::Victim)
        .unwrap()
        .person_id;
    let entries = chronology::for_incident(s.conn(), &reference).unwrap();
    let call = entries
        .iter()
        .find(|e| e.kind == EntryKind::AgencyContact)
        .unwrap()
        .id;
    let decision = entries
        .iter()
        .find(|e| e.kind == EntryKind::Decision)
        .unwrap()
        .id;

    // Only an agency contact on this incident can be the call a referral confirms.
    let not_a_call = referral::summary::build(
        &s,
        &reference,
        Recipient::SocialCare,
        &referral::Choices {
            confirms_call: Some(decision),
            ..referral_choices()
        },
    )
    .unwrap_err();
    assert_eq!(
        not_a_call
            .fields()
            .iter()
            .map(|e| e.field)
            .collect::<Vec<_>>(),
        vec![casebook::Field::ConfirmsCall]
    );

    let choices = referral::Choices {
        sent_by: Some(SendRoute::SecureEmail),
        confirms_call: Some(call),
        leave_out: vec![
            LeftOut {
                person: victim,
                detail: Sensitive::Send,
            },
            LeftOut {
                person: victim,
                detail: Sensitive::StatusWithServices,
            },
        ],
        ..referral_choices()
    };
    let summary =
        referral::summary::build(&s, &reference, Recipient::SocialCare, &choices).unwrap();
    let gap = |person: Option<casebook::records::RecordId>, what: &str| {
        summary
            .gaps
            .iter()
            .any(|g| g.person_id == person && g.what.starts_with(what))
    };
    assert!(gap(Some(victim), "Address"), "{:?}", summary.gaps);
    assert!(gap(Some(victim), "Ethnicity"), "{:?}", summary.gaps);
    assert!(gap(None, "No parent or carer"), "{:?}", summary.gaps);
    assert!(!gap(Some(victim), "Date of birth"), "{:?}", summary.gaps);

    let issued = referral::issue(&mut s, &reference, Recipient::SocialCare, &choices).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("sc.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();
    let text = pdftotext(&path);
    let age = chrono::Utc::now()
        .date_naive()
        .years_since(chrono::NaiveDate::from_ymd_opt(2011, 3, 14).unwrap())
        .unwrap();
    for expected in [
        "Sent by: Secure e-mail".to_owned(),
        "This written referral confirms our call to Children's social care front door on"
            .to_owned(),
        "when we spoke to J. Patel.".to_owned(),
        "What was agreed: Strategy discussion at 3pm".to_owned(),
        "Address: not recorded".to_owned(),
        format!("Date of birth: 14 March 2011 (aged {age})"),
        "Consent to share information: Given by Ann Smith, the child's mother".to_owned(),
    ] {
        assert!(text.contains(&expected), "{expected:?} missing: {text}");
    }
    for absent in [
        "SEN support",
        "SEND",
        "Child protection plan",
        "Status with services",
        "—",
    ] {
        assert!(!text.contains(absent), "{absent:?} is in: {text}");
    }
    let shared = casebook::records::sharing::list(s.conn(), incident.id)
        .unwrap()
        .pop()
        .unwrap();
    assert!(!shared.what.contains(&SharedDetail::Send), "{shared:?}");
    assert!(
        !shared.what.contains(&SharedDetail::StatusWithServices),
        "{shared:?}"
    );
    assert!(
        shared.reason.contains("sent by secure e-mail"),
        "{shared:?}"
    );
    assert_eq!(
        shared.referral_sha256.as_deref(),
        Some(issued.sha256.as_str())
    );

    // The LADO: the harm criteria and whether the adult knows are required, and so are previous
    // concerns ("None known" is an answer).
    let lado = |adult: referral::AboutTheAdult| referral::Choices {
        adult,
        ..referral_choices()
    };
    let refused = referral::issue(
        &mut s,
        &reference,
        Recipient::Lado,
        &lado(referral::AboutTheAdult::default()),
    )
    .unwrap_err();
    assert_eq!(
        refused.fields().iter().map(|e| e.field).collect::<Vec<_>>(),
        vec![
            casebook::Field::HarmCriteria,
            casebook::Field::AdultKnows,
            casebook::Field::PreviousConcerns
        ]
    );
    let choices = lado(referral::AboutTheAdult {
        harm_criteria: vec![HarmCriterion::Unsuitable, HarmCriterion::Offence],
        adult_knows: Some(true),
        previous_concerns: "A low-level concern in May 2026 about messages to a pupil.".into(),
        actions_taken: "Suspended on full pay on 2 December 2026, pending your advice.".into(),
        other_work: "Coaches an under-14s football team on Saturdays.".into(),
        ..Default::default()
    });
    let summary = referral::summary::build(
        &s,
        &reference,
        Recipient::Lado,
        &choices.checked(Recipient::Lado).unwrap(),
    )
    .unwrap();
    let harmer = incident
        .people
        .iter()
        .find(|l| l.role == casebook::records::incidents::Role::AllegedHarmer)
        .unwrap()
        .person_id;
    for what in ["Date of birth", "Address", "Role", "Employer", "Start date"] {
        assert!(
            summary
                .gaps
                .iter()
                .any(|g| g.person_id == Some(harmer) && g.what == what),
            "{what}: {:?}",
            summary.gaps
        );
    }
    let issued = referral::issue(&mut s, &reference, Recipient::Lado, &choices).unwrap();
    let path = tmp.path().join("lado.pdf");
    std::fs::write(&path, &issued.pdf).unwrap();
    let text = pdftotext(&path);
    for expected in [
        "The harm threshold",
        "Possibly committed a criminal offence against or related to a child",
        "may not be suitable to work with children",
        "A low-level concern in May 2026 about messages to a pupil.",
        "The adult knows of the allegation: Yes",
        "Coaches an under-14s football team on Saturdays.",
        "Own children or caring responsibilities: Not known",
        "Action taken about the adult so far",
        "Suspended on full pay on 2 December 2026",
        "Role: not recorded",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    // The order of the criteria is KCSIE's, whatever order they were ticked in.
    assert!(
        text.find("criminal offence").unwrap() < text.find("not be suitable").unwrap(),
        "{text}"
    );
    assert!(!text.contains("has harmed a child, or may have"), "{text}");
}

/// An incident's whole record prints as a PDF for a strategy meeting or a paper file: the
/// details, people, family, every chronology entry with decisions' reasons and agencies' words,
/// evidence with its chain of custody, checklists, and who was told what (with the signed
/// referral's hash); text only, no image object, OFFICIAL-SENSITIVE.
#[test]
fn an_incidents_record_prints_with_its_chronology_evidence_and_who_was_told_what() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let issued = referral::issue(
        &mut s,
        &reference,
        Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap();
    let file = casebook::incident_pdf::read(&s, &reference).unwrap();
    let pdf = casebook::incident_pdf::render(&file, ORG, false, chrono::Utc::now()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("incident.pdf");
    std::fs::write(&path, &pdf).unwrap();
    // To look at it as a reader would: CASEBOOK_KEEP_PDF=/tmp/incident.pdf, then pdftoppm.
    if let Some(keep) = std::env::var_os("CASEBOOK_KEEP_PDF") {
        std::fs::write(keep, &pdf).unwrap();
    }
    let text = pdftotext(&path);
    for expected in [
        "OFFICIAL-SENSITIVE",
        &format!("Incident {reference}"),
        "Nguyễn Thị Ánh",
        "Reason: Sextortion by an adult: UKCIS says refer immediately.",
        "Spoke to: J. Patel",
        "EVB-55501",
        &format!("Signed referral, SHA-256 {}", &issued.sha256[..32]),
        "GMT",
    ] {
        assert!(text.contains(expected), "{expected:?} missing: {text}");
    }
    assert_eq!(
        tool("pdfimages", &["-list"], &path).lines().count(),
        2,
        "pdfimages lists only its header: no image objects"
    );
}
