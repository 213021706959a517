//! Signed referral summaries for the police, children's social care and the LADO.
//!
//! - [`summary`]: what each recipient is given (and what they are not), from the records;
//! - [`render`]: the summary as a text-only PDF, with the visible signature block;
//! - [`sign`]: the digital signature (PAdES baseline, detached CMS) and its check;
//! - this module: the DSL's signing identity (kept only inside the vault), issuing a referral
//!   (rendered, signed, recorded with its hash in the vault, the audit trail and the
//!   chronology, in one transaction), and verifying a PDF someone hands back.

pub mod choices;
pub mod layout;
pub mod render;
pub mod sign;
pub mod summary;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::audit::{self, Action};
use crate::checklists::contacts::{Contact, ContactKey};
use crate::error::Field;
use crate::records::chronology::{self, EntryInput, EntryKind};
use crate::records::incidents;
use crate::records::sharing::{self, SharingInput, SharingMethod};
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

pub use choices::{AboutTheAdult, Choices, HarmCriterion, LeftOut, SendRoute, Sensitive};
pub use summary::Recipient;

fn signing_error(e: sign::SignError) -> Error {
    Error::Internal(format!("signing the referral: {e}"))
}

/// A member's signing identity, stored only inside the vault: made when they join the team,
/// and again when the name or organisation in their newest certificate is no longer current
/// (a certificate must never carry a name that is not the signer's). Old identities stay, so
/// PDFs signed with them (by removed members too) are still recognised as issued here.
pub(crate) fn member_identity(
    tx: &Connection,
    member_row: i64,
    name: &str,
    organisation: &str,
    actor: &str,
) -> Result<sign::Identity> {
    let found = tx
        .query_row(
            "SELECT i.key_pkcs8, i.cert_der FROM signing_identities i
             JOIN signing_identity_members m ON m.identity_id = i.id
             WHERE m.member_id = ?1 ORDER BY i.id DESC LIMIT 1",
            [member_row],
            |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()?;
    let mut replaces = None;
    if let Some((key, cert)) = found {
        let newest = sign::Identity {
            key_pkcs8: Zeroizing::new(key),
            cert_der: cert,
        };
        let (cert_name, cert_org) = newest.subject().map_err(signing_error)?;
        if cert_name == name && cert_org == organisation {
            return Ok(newest);
        }
        replaces = Some(newest.fingerprint());
    }
    let now = Utc::now();
    let id = sign::Identity::generate(name, organisation, now).map_err(signing_error)?;
    tx.execute(
        "INSERT INTO signing_identities (key_pkcs8, cert_der, fingerprint, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            id.key_pkcs8.as_slice(),
            id.cert_der,
            id.fingerprint(),
            time::format(now),
            actor
        ],
    )?;
    tx.execute(
        "INSERT INTO signing_identity_members (identity_id, member_id) VALUES (?1, ?2)",
        params![tx.last_insert_rowid(), member_row],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Action::SigningIdentityCreated,
        "signing identity",
        &json!({ "fingerprint": id.fingerprint(), "replaces": replaces, "name": name }),
    )?;
    Ok(id)
}

/// The session's member's row, name and role as the signature block shows them.
/// The signer's own contact details, as a signature block shows them: whoever signs is whom
/// the recipient calls back.
pub(crate) fn contact_of(member: &crate::vault::Member) -> String {
    [member.phone.as_str(), member.secure_email.as_str()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

pub(crate) fn signer_of(session: &Session) -> Result<(i64, crate::vault::Member)> {
    crate::vault::members::get(session.conn(), session.member())?
        .map(|(m, row)| (row, m))
        .ok_or_else(|| Error::Internal("this session's member is not recorded".into()))
}

/// The unlocked member's signing identity (made if they have none in their current name) and
/// how the signature block shows them at `at`, with the audit trail's head: for every signed
/// document other than a referral (which does this inside its own transaction).
pub(crate) fn member_signer(
    session: &mut Session,
    at: chrono::DateTime<Utc>,
) -> Result<(sign::Identity, render::Signer)> {
    let org = crate::organisation::current(session.conn())?;
    let (member_row, member) = signer_of(session)?;
    let actor = session.actor().to_owned();
    let (identity, audit_head) = session.with_tx(|tx| {
        let identity = member_identity(tx, member_row, &member.name, &org.name, &actor)?;
        let head = match audit::head(tx)? {
            Some((seq, hash)) => format!("entry {seq}, SHA-256 {hash}"),
            None => "empty".to_owned(),
        };
        Ok((identity, head))
    })?;
    let signer = render::Signer {
        name: member.name.clone(),
        role: member.role_title.clone(),
        organisation: org.name,
        contact: contact_of(&member),
        at,
        fingerprint: identity.fingerprint(),
        audit_head,
    };
    Ok((identity, signer))
}

/// Makes sure `member` has a signing identity in their name (called when they are added).
pub fn ensure_identity_of(session: &mut Session, member: uuid::Uuid) -> Result<String> {
    let org = crate::organisation::current(session.conn())?;
    let actor = session.actor().to_owned();
    let (m, row) = crate::vault::members::get(session.conn(), member)?
        .ok_or_else(|| Error::Internal("no such member".into()))?;
    session.with_tx(|tx| Ok(member_identity(tx, row, &m.name, &org.name, &actor)?.fingerprint()))
}

/// Makes sure this session's member has a signing identity (at set-up, and for older vaults
/// on first use).
pub fn ensure_identity(session: &mut Session) -> Result<String> {
    let org = crate::organisation::current(session.conn())?;
    let actor = session.actor().to_owned();
    let (row, member) = signer_of(session)?;
    session
        .with_tx(|tx| Ok(member_identity(tx, row, &member.name, &org.name, &actor)?.fingerprint()))
}

/// A signed referral, ready to save or print.
#[derive(Debug, Clone)]
pub struct Issued {
    pub pdf: Vec<u8>,
    pub sha256: String,
    pub cert_fingerprint: String,
    pub pages: u32,
    /// "CB-2026-0042 referral to the police.pdf"
    pub file_name: String,
}

/// What must hold before this session's member can sign a referral, checked by [`issue`] and
/// by the window before it asks where to save: a way for the recipient to reach them (forms are
/// sent back without one; domain review §2.4.5).
pub fn check_can_issue(session: &Session) -> Result<()> {
    let (_, member) = signer_of(session)?;
    if member.phone.is_empty() && member.secure_email.is_empty() {
        return Err(Error::field(
            crate::Field::ReferrerContact,
            "add your phone number or secure e-mail under Settings before you sign a referral: the recipient must be able to reach you about it. Nothing was signed",
        ));
    }
    Ok(())
}

/// Renders, signs and records a referral of incident `reference` for `recipient`.
pub fn issue(
    session: &mut Session,
    reference: &str,
    recipient: Recipient,
    choices: &Choices,
) -> Result<Issued> {
    issue_at(session, reference, recipient, choices, Utc::now())
}

pub fn issue_at(
    session: &mut Session,
    reference: &str,
    recipient: Recipient,
    choices: &Choices,
    at: DateTime<Utc>,
) -> Result<Issued> {
    let org = crate::organisation::current(session.conn())?;
    let actor = session.actor().to_owned();
    let incident = incidents::get(session.conn(), reference)?;
    let contacts = crate::checklists::contacts::current(session.conn(), &org.dsl_name)?;
    let (member_row, member) = signer_of(session)?;
    check_can_issue(session)?;
    let choices = choices.checked(recipient)?;
    let s = summary::build(session, reference, recipient, &choices)?;
    session.with_tx(|tx| {
        let identity = member_identity(tx, member_row, &member.name, &org.name, &actor)?;
        let fingerprint = identity.fingerprint();
        let audit_head = match audit::head(tx)? {
            Some((seq, hash)) => format!("entry {seq}, SHA-256 {hash}"),
            None => "empty".to_owned(),
        };
        let contact = contact_of(&member);
        let signer = render::Signer {
            name: member.name.clone(),
            role: member.role_title.clone(),
            organisation: org.name.clone(),
            contact,
            at,
            fingerprint: fingerprint.clone(),
            audit_head: audit_head.clone(),
        };
        let rendered = render::render(&s, &signer)?;
        let pdf = sign::sign_pdf(
            rendered.pdf,
            &identity,
            &member.name,
            &format!("Referral of {} to {}", reference, recipient.label()),
            at,
            rendered.signature.page,
            [
                rendered.signature.x,
                rendered.signature.y,
                rendered.signature.x + rendered.signature.width,
                rendered.signature.y + rendered.signature.height,
            ],
        )
        .map_err(signing_error)?;
        let sha256 = hex::encode(Sha256::digest(&pdf));
        let pages = u32::try_from(rendered.pages).unwrap_or(u32::MAX);
        tx.execute(
            "INSERT INTO referral_issues (incident_id, recipient, issued_at, issued_by, sha256,
                 cert_fingerprint, pages, audit_head)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                incident.id,
                recipient.as_str(),
                time::format(at),
                actor,
                sha256,
                fingerprint,
                pages,
                audit_head
            ],
        )?;
        let issue_id = tx.last_insert_rowid();
        // Who was told what: the referral's own row in the information-sharing record.
        if !s.people.is_empty() {
            sharing::record_in_tx(
                tx,
                &actor,
                incident.id,
                reference,
                &SharingInput {
                    at: Some(at.into()),
                    method: SharingMethod::Referral,
                    recipient_name: if choices.recipient_name.is_empty() {
                        recipient_contact(&contacts, recipient)
                    } else {
                        choices.recipient_name.clone()
                    },
                    recipient_organisation: recipient_key(recipient).label().to_owned(),
                    recipient_role: String::new(),
                    people: s.people.clone(),
                    what: s.shares.clone(),
                    article6: choices.article6(),
                    article9: choices.article9(),
                    reason: format!(
                        "Safeguarding referral to {}, sent by {}: {} (Keeping children safe in \
                         education 2025, Part one; Information sharing advice for practitioners \
                         2024).",
                        recipient.label(),
                        choices
                            .sent_by
                            .map_or("a route not said", |r| r.label())
                            .to_lowercase(),
                        choices.reason
                    ),
                },
                Some(issue_id),
            )?;
        }
        chronology::add_in_tx(
            tx,
            &incident,
            &EntryInput {
                kind: Some(EntryKind::Note),
                occurred_at: Some(at.into()),
                text: format!(
                    "Signed referral summary for {} made ({} pages). SHA-256 of the PDF: {}",
                    recipient.label(),
                    pages,
                    sha256
                ),
                ..EntryInput::default()
            },
            &actor,
        )?;
        audit::append(
            tx,
            at,
            &actor,
            Action::ReferralIssued,
            reference,
            &json!({ "referral": issue_id, "recipient": recipient.as_str(), "sha256": sha256, "certificate": fingerprint, "audit_head": audit_head, "choices": choices.without_content() }),
        )?;
        Ok(Issued {
            file_name: file_name(reference, recipient),
            pdf,
            sha256,
            cert_fingerprint: fingerprint,
            pages,
        })
    })
}

fn recipient_key(recipient: Recipient) -> ContactKey {
    match recipient {
        Recipient::Police => ContactKey::Police,
        Recipient::SocialCare => ContactKey::ChildrensSocialCare,
        Recipient::Lado => ContactKey::Lado,
    }
}

/// Who the referral goes to, as Settings names them ("Front Door"), or the service.
fn recipient_contact(contacts: &[Contact], recipient: Recipient) -> String {
    let key = recipient_key(recipient);
    contacts
        .iter()
        .find(|c| c.key == key && !c.name.trim().is_empty())
        .map_or_else(|| key.label().to_owned(), |c| c.name.clone())
}

/// What was to happen to an issued referral's PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Save,
    Print,
}

/// The name a referral's PDF is saved or printed under.
pub fn file_name(reference: &str, recipient: Recipient) -> String {
    format!("{reference} referral to {}.pdf", recipient.file_label())
}

/// When the PDF of an issued referral could not be saved or printed (`failure` says why): the
/// issue is already recorded, so this records in the incident's chronology that no copy was
/// made (when a session is open), and returns the error that says both things to the DSL.
pub fn not_delivered(
    session: Option<&mut Session>,
    reference: &str,
    issued: &Issued,
    delivery: Delivery,
    failure: Error,
) -> Error {
    let mut problem = match failure {
        // Its usual message says "nothing was saved", which is not so: the issue was recorded.
        Error::DiskFull => "The disk there is full.".to_owned(),
        ref other => other.to_string().trim().to_owned(),
    };
    if !problem.ends_with('.') {
        problem.push('.');
    }
    let what = match delivery {
        Delivery::Save => "could not be saved to a file",
        Delivery::Print => "could not be opened for printing",
    };
    let noted = session.is_some_and(|session| {
        chronology::add(
            session,
            reference,
            &EntryInput {
                kind: Some(EntryKind::Note),
                text: format!(
                    "The signed referral PDF with SHA-256 {} {what}, so no copy of it exists. {problem}",
                    issued.sha256,
                ),
                ..EntryInput::default()
            },
        )
        .is_ok()
    });
    Error::NotDelivered {
        cause: failure.code(),
        failed: match delivery {
            Delivery::Save => "the PDF could not be saved",
            Delivery::Print => "the PDF could not be opened for printing",
        },
        problem,
        noted: if noted {
            "The chronology now says that no copy was made. "
        } else {
            ""
        },
    }
}

/// The largest PDF Casebook will read to check: far above any referral it writes.
pub const MAX_PDF_BYTES: u64 = 100 * 1024 * 1024;

/// Reads a PDF the DSL chose, to check it: a regular file no larger than [`MAX_PDF_BYTES`],
/// read no further than that even if it grows meanwhile.
pub fn read_pdf(path: &std::path::Path) -> Result<Vec<u8>> {
    crate::files::read_regular(path, MAX_PDF_BYTES)
}

/// A referral this vault issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IssueRecord {
    pub reference: String,
    pub recipient: Recipient,
    pub issued_at: String,
    pub issued_by: String,
    pub sha256: String,
}

/// What checking a PDF found, from the most to the least assurance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Intact, and this exact file is recorded as issued by this vault.
    IssuedHere,
    /// Intact and signed with this vault's certificate, but this exact file is not recorded.
    SignedHere,
    /// The contents are unchanged since someone signed them, but the certificate is not this
    /// vault's: who signed cannot be confirmed (compare the fingerprint with the sender).
    SignerUnknown,
    /// The file was changed after it was signed.
    Changed,
    /// The file is not laid out as a Casebook referral, so what the signature covers cannot be
    /// confirmed.
    CannotConfirm,
}

/// What checking a PDF found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Verification {
    pub verdict: Verdict,
    /// The verdict in one or two sentences for the DSL (screen and command line alike).
    pub summary: String,
    /// Why it is not intact, in words, when it is not.
    pub problem: Option<String>,
    /// The name and organisation the certificate claims (not confirmed unless the verdict
    /// says so).
    pub signer: String,
    /// SHA-256 of the certificate, to compare by phone with the sender.
    pub cert_fingerprint: String,
    pub signed_at: String,
    /// This exact file was issued by this vault (its SHA-256 is recorded here).
    pub issued_here: Option<IssueRecord>,
    /// When the file cannot be confirmed as a whole: each signature found in it and what it
    /// covers (never "intact" for bytes it does not cover).
    pub signatures: Vec<SignatureCoverage>,
}

/// One signature in a file Casebook cannot confirm as a whole, and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignatureCoverage {
    /// What it covers and whether that part is as signed, in one sentence for the DSL.
    pub description: String,
    /// It covers every byte of the file except itself.
    pub covers_whole_file: bool,
    /// The bytes it covers are as they were signed.
    pub covered_unchanged: bool,
    /// The name the certificate claims (not confirmed).
    pub signer: String,
    pub cert_fingerprint: String,
}

impl SignatureCoverage {
    fn of(n: usize, c: &sign::Coverage) -> Self {
        let covers_whole_file = c.covered_bytes == c.file_bytes;
        let covered_unchanged = c.outcome == sign::Outcome::Intact;
        let claimed = if c.signer.is_empty() {
            "with no readable certificate".to_owned()
        } else {
            format!(
                "by a certificate in the name of {} (not confirmed; fingerprint {})",
                c.signer, c.cert_fingerprint
            )
        };
        let reach = if covers_whole_file {
            "covers the whole file".to_owned()
        } else {
            format!(
                "covers only the first {} of the file's {} bytes; anything added after them is not covered by it",
                c.covered_bytes, c.file_bytes
            )
        };
        let state = match (c.outcome, &c.problem) {
            (sign::Outcome::Intact, _) => {
                "the part it covers is unchanged since it was signed".to_owned()
            }
            (sign::Outcome::Changed, _) => {
                "the part it covers was CHANGED after it was signed".to_owned()
            }
            (sign::Outcome::CannotConfirm, Some(why)) => format!("it cannot be checked: {why}"),
            (sign::Outcome::CannotConfirm, None) => "it cannot be checked".to_owned(),
        };
        SignatureCoverage {
            description: format!("Signature {n}, made {claimed}, {reach}; {state}."),
            covers_whole_file,
            covered_unchanged,
            signer: c.signer.clone(),
            cert_fingerprint: c.cert_fingerprint.clone(),
        }
    }
}

impl Verification {
    /// Whether every signed byte is as it was signed (whoever signed).
    pub fn contents_unchanged(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::IssuedHere | Verdict::SignedHere | Verdict::SignerUnknown
        )
    }
}

/// Checks a PDF's signature without a vault: at best "unchanged since signed, signer not
/// confirmed".
pub fn verify_bytes(bytes: &[u8]) -> Result<Verification> {
    let checked = check(bytes)?;
    Ok(verdict(checked.signature, None, false, None))
}

/// A PDF whose signature has been checked, waiting for what this vault knows of it.
#[derive(Debug, Clone)]
pub struct Checked {
    signature: sign::Verified,
    sha256: String,
}

/// Reads and checks a PDF's signature: the slow part, which needs no vault (so the desktop
/// does it without holding the open session, and the idle lock still fires meanwhile).
pub fn check(bytes: &[u8]) -> Result<Checked> {
    let signature = sign::verify_pdf(bytes).map_err(|e| match e {
        sign::SignError::Failed(m) => Error::field(Field::Pdf, &m),
    })?;
    Ok(Checked {
        signature,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// Checks a PDF's signature and whether this vault issued it.
pub fn verify(session: &Session, bytes: &[u8]) -> Result<Verification> {
    conclude(session, check(bytes)?)
}

/// What this vault knows of a checked PDF: whether it issued this exact file, and whether the
/// certificate is its own.
pub fn conclude(session: &Session, checked: Checked) -> Result<Verification> {
    let Checked {
        signature: v,
        sha256,
    } = checked;
    let conn = session.conn();
    let issued_here = conn
        .query_row(
            "SELECT i.reference, r.recipient, r.issued_at, r.issued_by, r.sha256
             FROM referral_issues r JOIN incidents i ON i.id = r.incident_id
             WHERE r.sha256 = ?1",
            [&sha256],
            |r| {
                Ok(IssueRecord {
                    reference: r.get(0)?,
                    recipient: r.get(1)?,
                    issued_at: r.get(2)?,
                    issued_by: r.get(3)?,
                    sha256: r.get(4)?,
                })
            },
        )
        .optional()?;
    let own_certificate: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM signing_identities WHERE fingerprint = ?1)",
        [&v.cert_fingerprint],
        |r| r.get(0),
    )?;
    // Which member's certificate it is (removed members' too: their PDFs stay recognised).
    let member = crate::vault::members::signed_by(conn, &v.cert_fingerprint)?.map(|m| {
        let still = if m.active {
            ""
        } else {
            ", who has since left the team"
        };
        format!("{} ({}{still})", m.name, m.role_title)
    });
    Ok(verdict(v, issued_here, own_certificate, member))
}

/// The verdict: what this vault knows is said only of a file whose signature is intact (a
/// forged file may carry a copy of this vault's certificate).
fn verdict(
    v: sign::Verified,
    issued_here: Option<IssueRecord>,
    own_certificate: bool,
    member: Option<String>,
) -> Verification {
    let signed_by = member
        .as_deref()
        .map(|m| format!(" It was signed by {m}."))
        .unwrap_or_default();
    let (verdict, summary) = match v.outcome {
        sign::Outcome::Intact => match (&issued_here, own_certificate) {
            (Some(r), _) => (
                Verdict::IssuedHere,
                format!(
                    "The signature is intact and this exact file was issued by this vault: {} for {}, by {}.{signed_by}",
                    r.reference,
                    r.recipient.label(),
                    r.issued_by
                ),
            ),
            (None, true) => (
                Verdict::SignedHere,
                format!("The signature is intact and was made with a certificate of this vault's team, but this exact file is not recorded here as issued.{signed_by}"),
            ),
            (None, false) => (
                Verdict::SignerUnknown,
                format!(
                    "The contents are unchanged since someone signed them, but Casebook cannot confirm who: the certificate is not this vault's, and anyone can make one in any name. Compare its fingerprint ({}) with the sender by phone.",
                    v.cert_fingerprint
                ),
            ),
        },
        sign::Outcome::Changed => (
            Verdict::Changed,
            "The signature is NOT intact: the file was changed after it was signed. Do not rely on what it says.".to_owned(),
        ),
        sign::Outcome::CannotConfirm if v.signatures.is_empty() => (
            Verdict::CannotConfirm,
            "The signature cannot be confirmed: the file is not laid out as a signed Casebook referral, so Casebook cannot say what was signed. Do not rely on what it says.".to_owned(),
        ),
        sign::Outcome::CannotConfirm => (
            Verdict::CannotConfirm,
            format!(
                "The file cannot be confirmed as a whole: it is not laid out as a signed Casebook referral, and it holds {} signature{}. What each covers is listed below; do not rely on anything a signature does not cover.",
                v.signatures.len(),
                if v.signatures.len() == 1 { "" } else { "s" }
            ),
        ),
    };
    let signatures = v
        .signatures
        .iter()
        .enumerate()
        .map(|(i, c)| SignatureCoverage::of(i + 1, c))
        .collect();
    let intact = v.outcome == sign::Outcome::Intact;
    Verification {
        verdict,
        summary,
        problem: v.problem,
        signer: v.signer,
        cert_fingerprint: v.cert_fingerprint,
        signed_at: v.signed_at,
        issued_here: issued_here.filter(|_| intact),
        signatures,
    }
}
