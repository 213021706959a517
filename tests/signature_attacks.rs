//! Attacks on a signed referral, each built from a genuine referral made in the test, after the
//! classes published by Mladenov et al., "1 Trillion Dollar Refund: How To Spoof PDF
//! Signatures" (ACM CCS 2019): incremental saving, signature wrapping and universal signature
//! forgery; plus a signature by a stranger's certificate and random damage. Casebook must never
//! call a forged file intact, and must never crash on one. What pdfsig says of each is printed
//! (`cargo test --test signature_attacks -- --nocapture`) and kept in docs/reliability.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casebook::referral::{self, sign, Recipient, Verdict, Verification};
use casebook::vault::Session;
use common::referrals::{byte_range, incident, tool};
use common::*;
use lopdf::{dictionary, IncrementalDocument, Object, Stream};
use proptest::prelude::*;

/// A genuine referral, signed by the test's vault.
fn genuine() -> (Fixture, Session, Vec<u8>) {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident(&mut s, false);
    reachable(&mut s);
    let pdf = referral::issue(&mut s, &reference, Recipient::Police, &referral_choices())
        .unwrap()
        .pdf;
    (f, s, pdf)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Replaces `from` (first occurrence at or after `after`) by `to` padded with spaces to the
/// same length, so every offset in the file stays right.
fn replace_same_length(pdf: &[u8], after: usize, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert!(to.len() <= from.len());
    let at = find(&pdf[after..], from).expect("text to replace") + after;
    let mut out = pdf.to_vec();
    let mut with = to.to_vec();
    with.resize(from.len(), b' ');
    out[at..at + from.len()].copy_from_slice(&with);
    out
}

/// What pdfsig says of a file, in one line.
fn pdfsig_says(name: &str, pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let report = tool("pdfsig", &[], &path);
    let pick = |key: &str| {
        report
            .lines()
            .find(|l| l.contains(key))
            .map(|l| l.trim().to_owned())
    };
    [
        pick("Signature Validation"),
        pick("Total document signed").or(pick("Not total document signed")),
        pick("does not contain any signatures"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("; ")
}

fn check(s: &Session, name: &str, pdf: &[u8]) -> Verification {
    // For docs/reliability.md: keep each file to try other validators on.
    if let Some(dir) = std::env::var_os("CASEBOOK_ATTACK_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
    let v = referral::verify(s, pdf).unwrap();
    println!(
        "| {name} | {:?}: {} | {} |",
        v.verdict,
        v.problem.as_deref().unwrap_or(""),
        pdfsig_says(name, pdf)
    );
    v
}

fn refused(v: &Verification) {
    assert!(
        matches!(v.verdict, Verdict::Changed | Verdict::CannotConfirm),
        "{v:?}"
    );
    assert!(v.issued_here.is_none(), "{v:?}");
}

/// A new revision appended after the signature: the first page now shows other words.
fn incremental_update(pdf: &[u8], words: &str) -> Vec<u8> {
    let mut doc = IncrementalDocument::load_from(pdf).unwrap();
    let page_id = *doc
        .get_prev_documents()
        .get_pages()
        .values()
        .next()
        .unwrap();
    let content = format!("BT /F1 28 Tf 60 700 Td ({words}) Tj ET");
    let new = &mut doc.new_document;
    let stream = new.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    doc.opt_clone_object_to_new_document(page_id).unwrap();
    let page = doc
        .new_document
        .get_object_mut(page_id)
        .and_then(Object::as_dict_mut)
        .unwrap();
    page.set("Contents", stream);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn the_genuine_referral_is_intact_and_issued_here() {
    let (_f, s, pdf) = genuine();
    let v = check(&s, "genuine", &pdf);
    assert_eq!(v.verdict, Verdict::IssuedHere, "{v:?}");
}

#[test]
fn incremental_saving_after_the_signature_is_never_intact() {
    let (_f, s, pdf) = genuine();
    let forged = incremental_update(&pdf, "No further action is needed");
    assert!(forged.starts_with(&pdf), "every signed byte is kept");
    let v = check(&s, "incremental-saving", &forged);
    refused(&v);
    // The signature is reported for what it covers: the genuine bytes, and nothing after.
    let [only] = v.signatures.as_slice() else {
        panic!("one signature expected: {v:?}");
    };
    assert!(
        only.covered_unchanged && !only.covers_whole_file,
        "{only:?}"
    );
    assert!(
        only.description.contains(&format!(
            "first {} of the file's {} bytes",
            pdf.len(),
            forged.len()
        )),
        "{}",
        only.description
    );
    assert!(
        v.summary.contains("cannot be confirmed as a whole"),
        "{}",
        v.summary
    );
    // Bytes merely appended after %%EOF are refused too.
    let mut tail = pdf.clone();
    tail.extend_from_slice(b"\n% a comment a viewer ignores\n");
    refused(&check(&s, "bytes-after-eof", &tail));
}

#[test]
fn signature_wrapping_content_in_the_gap_is_never_intact() {
    let (_f, s, pdf) = genuine();
    let [_, b, c, d] = byte_range(&pdf);
    // The forger keeps every signed byte and puts new objects, a copy of the genuine signature
    // with a byte range that skips them, and a new cross-reference section in the gap.
    let sig_at = pdf[..b].windows(6).rposition(|w| w == b" 0 obj").unwrap();
    let sig_start = pdf[..sig_at]
        .iter()
        .rposition(|c| *c == b'\n')
        .map_or(sig_at, |p| p + 1);
    let sig_end = find(&pdf[c..], b"endobj").unwrap() + c + 6;
    let copy = String::from_utf8_lossy(&pdf[sig_start..sig_end]).into_owned();
    let number: String = copy.chars().take_while(char::is_ascii_digit).collect();
    let inserted = format!(
        "\n{}\n901 0 obj\n<</Length 44>>stream\nBT /F1 28 Tf 60 700 Td (No action needed) Tj ET\nendstream\nendobj\n",
        copy.replacen(&format!("{number} 0 obj"), "900 0 obj", 1)
    );
    // The copy's byte range skips everything inserted (its own length depends on the digits).
    let old_range = format!("[0 {b} {c} {d}");
    let mut body = inserted.clone();
    for _ in 0..3 {
        let moved = c + body.len();
        body = inserted.replacen(&old_range, &format!("[0 {b} {moved} {d}"), 1);
    }
    assert_ne!(body, inserted, "the copy's byte range was rewritten");
    let mut forged = pdf[..c].to_vec();
    forged.extend_from_slice(body.as_bytes());
    assert!(String::from_utf8_lossy(&forged).contains(&format!("[0 {b} {} {d}", c + body.len())));
    forged.extend_from_slice(&pdf[c..]);
    // The signed bytes of the copy's range are exactly the genuine signed bytes.
    assert_eq!(&forged[..b], &pdf[..b]);
    assert_eq!(&forged[forged.len() - d..], &pdf[c..]);
    refused(&check(&s, "signature-wrapping", &forged));
}

#[test]
fn universal_signature_forgery_variants_are_never_intact() {
    let (_f, s, pdf) = genuine();
    let [_, b, c, _] = byte_range(&pdf);
    let br = find(&pdf, b"/ByteRange").unwrap();
    let close = find(&pdf[br..], b"]").unwrap() + br + 1;
    let range_text = pdf[br..close].to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "usf-no-byte-range",
            replace_same_length(&pdf, br, &range_text, b"/ByteRangX"),
        ),
        (
            "usf-zero-byte-range",
            replace_same_length(&pdf, br, &range_text, b"/ByteRange [0 0 0 0]"),
        ),
        ("usf-empty-contents", {
            let mut x = pdf.clone();
            x[b + 1..c - 1].fill(b'0');
            x
        }),
        ("usf-no-contents", {
            let at = find(&pdf[b - 20..b], b"/Contents").unwrap() + b - 20;
            let mut x = pdf.clone();
            x[at..at + 9].copy_from_slice(b"/Contentz");
            x
        }),
        (
            "usf-field-without-value",
            replace_same_length(&pdf, c, b"/V ", b"/X "),
        ),
        (
            "usf-not-a-signature-field",
            replace_same_length(&pdf, c, b"/FT/Sig", b"/FT/Tx "),
        ),
    ];
    for (name, forged) in cases {
        refused(&check(&s, name, &forged));
    }
}

#[test]
fn a_strangers_certificate_in_our_dsls_name_is_unchanged_but_not_confirmed() {
    let (_f, s, pdf) = genuine();
    // Revision 1 is the unsigned referral; a stranger signs it in the DSL's own name.
    let end = find(&pdf, b"%%EOF").unwrap() + 5;
    let end = end
        + pdf[end..]
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .count();
    let unsigned = pdf[..end].to_vec();
    let stranger = sign::Identity::generate(DSL, ORG, chrono::Utc::now()).unwrap();
    let signed = sign::sign_pdf(
        unsigned,
        &stranger,
        DSL,
        "Referral",
        chrono::Utc::now(),
        0,
        [50.0, 50.0, 250.0, 100.0],
    )
    .unwrap();
    let v = check(&s, "stranger-certificate", &signed);
    assert_eq!(v.verdict, Verdict::SignerUnknown, "{v:?}");
    assert!(v.summary.contains("cannot confirm who"), "{}", v.summary);
    assert!(v.summary.contains(&v.cert_fingerprint));
    assert!(v.issued_here.is_none());
}

#[test]
fn a_file_with_two_signatures_says_which_covers_what_and_is_never_intact() {
    let (_f, s, pdf) = genuine();
    // The genuine referral, changed by an incremental save, then countersigned as a whole by
    // someone else: each signature checks out over its own bytes, and neither vouches for the
    // file Casebook was shown.
    let changed = incremental_update(&pdf, "No further action is needed");
    let countersigned = countersign_with_openssl(&changed, "A. Stranger", "Elsewhere");
    let v = check(&s, "two-signatures", &countersigned);
    refused(&v);
    assert_eq!(v.verdict, Verdict::CannotConfirm);
    let [ours, theirs] = v.signatures.as_slice() else {
        panic!("two signatures expected: {v:?}");
    };
    assert!(
        ours.covered_unchanged && !ours.covers_whole_file,
        "{ours:?}"
    );
    assert!(ours.signer.contains(DSL), "{ours:?}");
    assert!(
        ours.description
            .contains(&format!("first {} of", pdf.len())),
        "{}",
        ours.description
    );
    assert!(
        theirs.covered_unchanged && theirs.covers_whole_file,
        "{theirs:?}"
    );
    assert!(
        theirs.description.contains("A. Stranger") && theirs.description.contains("not confirmed")
    );
    assert!(v.summary.contains("2 signatures"), "{}", v.summary);

    // The same with the genuine signature's bytes damaged: that one now says CHANGED. (A byte
    // a quarter of the way in, well inside what it covers. Searching for a word such as "BT"
    // was unreliable: with compressed, subset fonts the first "BT" may be in the appended
    // revision, which the genuine signature does not cover.)
    let mut damaged = countersigned.clone();
    damaged[pdf.len() / 4] ^= 0x01;
    let v = referral::verify(&s, &damaged).unwrap();
    refused(&v);
    assert!(v.signatures.iter().all(|c| !c.covered_unchanged), "{v:?}");
    assert!(
        v.signatures[0].description.contains("CHANGED"),
        "{:?}",
        v.signatures
    );
}

/// `pdf` with a second signature appended that covers every byte of it (made by OpenSSL's
/// CAdES signer with a fresh certificate in `name`, `org`): an outside signer countersigning.
fn countersign_with_openssl(pdf: &[u8], name: &str, org: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("openssl (installed by scripts/install-deps)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let subject = format!("/CN={name}/O={org}");
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-days",
        "30",
        "-subj",
        &subject,
    ]);
    const HEX: usize = 16_384;
    let layout = |b: usize, c: usize, d: usize| {
        let mut out = pdf.to_vec();
        out.extend_from_slice(
            format!(
                "\n99 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange [0 {b:010} {c:010} {d:010}]/Contents <"
            )
            .as_bytes(),
        );
        out
    };
    let b = layout(0, 0, 0).len() - 1;
    let c = b + HEX + 2;
    let tail = b">>>\nendobj\n%%EOF\n";
    let d = tail.len();
    let mut out = layout(b, c, d);
    out.resize(c - 1, b'0');
    out.push(b'>');
    out.extend_from_slice(tail);
    let signed: Vec<u8> = [&out[..b], &out[c..]].concat();
    std::fs::write(dir.path().join("data"), signed).unwrap();
    run(&[
        "cms", "-sign", "-binary", "-cades", "-md", "sha256", "-outform", "DER", "-signer",
        "c.pem", "-inkey", "k.pem", "-in", "data", "-out", "sig.der",
    ]);
    let der = std::fs::read(dir.path().join("sig.der")).unwrap();
    let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
    assert!(hex.len() <= HEX);
    out[b + 1..b + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    out
}

#[test]
fn a_copy_of_our_certificate_does_not_make_a_changed_file_ours() {
    let (_f, s, pdf) = genuine();
    let mut changed = pdf.clone();
    changed[400] ^= 1;
    let v = check(&s, "one-changed-byte", &changed);
    refused(&v);
    assert!(v.summary.contains("NOT intact") || v.summary.contains("cannot be confirmed"));
}

#[test]
fn hostile_pdfs_get_a_sentence_not_a_crash() {
    let (_f, s, pdf) = genuine();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("not-a-pdf", b"hello".to_vec()),
        ("header-only", b"%PDF-1.7\n".to_vec()),
        ("truncated", pdf[..pdf.len() / 2].to_vec()),
        ("huge-xref-count", {
            let mut x =
                b"%PDF-1.3\nxref\n0 4000000000\ntrailer<</Root 1 0 R>>\nstartxref\n9\n%%EOF\n"
                    .to_vec();
            x.shrink_to_fit();
            x
        }),
        ("deep-nesting", {
            let mut x = b"%PDF-1.3\nxref\n0 1\n0000000000 65535 f\r\ntrailer".to_vec();
            x.extend(std::iter::repeat_n(b'[', 100_000));
            x.extend_from_slice(b"\nstartxref\n9\n%%EOF\n");
            x
        }),
        ("startxref-out-of-range", {
            let mut x = pdf.clone();
            let at = x.len() - 20;
            x.truncate(at);
            x.extend_from_slice(b"startxref\n99999999999\n%%EOF\n");
            x
        }),
    ];
    for (name, bad) in cases {
        match referral::verify(&s, &bad) {
            Ok(v) => refused(&v),
            Err(e) => assert_eq!(e.code(), casebook::ErrorCode::InvalidInput, "{name}: {e}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Any change to a signed referral (a flipped byte, bytes inserted or cut anywhere) is
    /// refused, and never crashes the checker.
    #[test]
    fn any_change_is_refused(kind in 0u8..3, at in 0.0f64..1.0, byte in 1u8..=255, n in 1usize..64) {
        let pdf = GENUINE.with(|g| g.clone());
        let pos = ((pdf.len() - 1) as f64 * at) as usize;
        let mut changed = pdf.clone();
        match kind {
            0 => changed[pos] ^= byte,
            1 => { changed.splice(pos..pos, std::iter::repeat_n(byte, n)); }
            _ => { changed.drain(pos..(pos + n).min(pdf.len())); }
        }
        if let Ok(v) = referral::verify_bytes(&changed) {
            prop_assert!(!v.contents_unchanged(), "accepted a change at {pos} ({kind})");
        }
    }
}

thread_local! {
    /// One genuine referral for all the property cases (built once per test thread).
    static GENUINE: Vec<u8> = genuine().2;
}
