//! A child protection file transfer, both ends. Sending: the signed PDF and the encrypted,
//! signed package of a transfer started on the child's page (`records::transfers`), each
//! recorded with its SHA-256, in the audit trail and, once per transfer, in the
//! information-sharing record of every incident it carries. Receiving: a package is checked
//! whole (`package::open`), shown (who signed, whether the signer is known, which child), and
//! only then imported as a *received file* attached to a child the DSL chose; its signed
//! receipt goes back, and the sender's Casebook marks the transfer confirmed.
//!
//! Owns `received_files`, `transfer_keys` and `known_signers` (schema 17).

use age::secrecy::{ExposeSecret, SecretString};
use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::file::{self, Built, ChildFile, Redaction};
use super::package::{self, Content, Destination, OpenWith, Party, ReceiptContent, SealTo};
use super::render::{self, Purpose};
use crate::audit::{self, Action};
use crate::records::people::{self, PersonInput};
use crate::records::sharing::{self, SharedDetail, SharingInput, SharingMethod};
use crate::records::transfers::{
    self, OtherChildren, ReceiptHow, Transfer, TransferEventKind, TransferMethod, TransferState,
};
use crate::records::{incidents, RecordId};
use crate::referral::sign;
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

/// Who is shown by role in a transfer's file: other children, if the DSL chose so (KCSIE
/// expects the whole file to go; the people in it are the DSL's call for each transfer).
pub fn redaction_of(t: &Transfer) -> Redaction {
    Redaction {
        children: t.other_children == OtherChildren::ByRole,
        adults: false,
        staff: false,
        named: vec![t.person_id],
    }
}

/// The file a transfer would send now, with its redactions, for the DSL to look over first.
pub fn preview(session: &Session, transfer_id: RecordId) -> Result<Built> {
    let t = transfers::get(session.conn(), transfer_id)?;
    file::build(session, t.person_id, &redaction_of(&t), Utc::now())
}

/// A file made for a transfer.
#[derive(Debug, Clone)]
pub struct Made {
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// "Child protection file transfer 3.pdf" (or ".casebook-transfer"): no name in it.
    pub file_name: String,
}

fn open_transfer(session: &Session, transfer_id: RecordId) -> Result<Transfer> {
    let t = transfers::get(session.conn(), transfer_id)?;
    if matches!(t.state, TransferState::Confirmed | TransferState::Cancelled) {
        return Err(crate::records::fields::invalid(
            crate::Field::Transfer,
            &format!(
                "it is {}: make a new transfer to send the file again",
                t.state.label().to_lowercase()
            ),
        ));
    }
    Ok(t)
}

fn sharing_method(m: TransferMethod) -> SharingMethod {
    match m {
        TransferMethod::Package | TransferMethod::SecureEmail => SharingMethod::Email,
        TransferMethod::RecordedPost => SharingMethod::Letter,
        TransferMethod::SecureTransfer | TransferMethod::ByHand => SharingMethod::Other,
    }
}

/// Records that `bytes` (a signed PDF or package of transfer `t`) leaves, and has `write` put
/// it where the DSL chose, in one transaction: the audit entry, the transfer's event and, the
/// first time, a sharing row on every incident in the file. A failed write records nothing.
fn record_sent(
    session: &mut Session,
    t: &Transfer,
    built: &Built,
    kind: TransferEventKind,
    bytes: &[u8],
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<String> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let actor = session.actor().to_owned();
    let first = !t
        .events
        .iter()
        .any(|e| matches!(e.kind, TransferEventKind::Pdf | TransferEventKind::Package));
    session.with_tx(|tx| {
        let now = Utc::now();
        transfers::add_event(tx, &actor, t, kind, now, &json!({ "sha256": sha256 }))?;
        if first {
            for incident in &built.file.incidents {
                let i = incidents::get(tx, &incident.reference)?;
                let on = incidents::people_on(tx, i.id)?;
                let people: Vec<RecordId> = built
                    .named
                    .iter()
                    .copied()
                    .filter(|p| on.contains(p))
                    .collect();
                let input = SharingInput {
                    at: None,
                    method: sharing_method(t.method),
                    recipient_name: t.destination_dsl.clone(),
                    recipient_organisation: t.destination.clone(),
                    recipient_role: "Designated safeguarding lead".to_owned(),
                    people,
                    what: vec![
                        SharedDetail::Identity,
                        SharedDetail::WhatHappened,
                        SharedDetail::Family,
                        SharedDetail::StatusWithServices,
                        SharedDetail::Evidence,
                        SharedDetail::Decisions,
                    ],
                    article6: t.article6,
                    article9: t.article9,
                    reason: format!(
                        "{} Child protection file transfer {}; other children {}{}.",
                        t.reason,
                        t.uid,
                        match t.other_children {
                            OtherChildren::Named => "named",
                            OtherChildren::ByRole => "shown by their role only",
                        },
                        passed_on(&built.file)
                    ),
                };
                let row =
                    sharing::record_in_tx(tx, &actor, i.id, &incident.reference, &input, None)?;
                tx.execute(
                    "INSERT INTO transfer_sharing (transfer_id, sharing_id) VALUES (?1, ?2)",
                    params![t.id, row],
                )?;
            }
        }
        // Last, so that it covers every row written above.
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordExported,
            &transfers::subject(t.id),
            &json!({ "what": format!("transfer_{}", kind.as_str()), "sha256": sha256,
                     "bytes": bytes.len() }),
        )?;
        write(bytes)
    })?;
    Ok(sha256)
}

/// A neutral file name: recent-file lists and mail attachments should not carry a child's name.
fn file_stem(t: &Transfer) -> String {
    format!("Child protection file transfer {}", t.id)
}

/// Makes, signs and saves the transfer's PDF (with its receipt page).
pub fn make_pdf(
    session: &mut Session,
    transfer_id: RecordId,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<Made> {
    let t = open_transfer(session, transfer_id)?;
    let at = Utc::now();
    let built = file::build(session, t.person_id, &redaction_of(&t), at)?;
    let demo = crate::organisation::is_demo(session.conn())?;
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let rendered = render::render(&built.file, &Purpose::Transfer(&t), &signer, demo)?;
    let a = rendered.signature;
    let pdf = sign::sign_pdf(
        rendered.pdf,
        &identity,
        &signer.name,
        &format!("Child protection file transfer to {}", t.destination),
        at,
        a.page,
        [a.x, a.y, a.x + a.width, a.y + a.height],
    )
    .map_err(|e| Error::Internal(format!("signing the transfer PDF: {e}")))?;
    let sha256 = record_sent(session, &t, &built, TransferEventKind::Pdf, &pdf, write)?;
    Ok(Made {
        bytes: pdf,
        sha256,
        file_name: format!("{}.pdf", file_stem(&t)),
    })
}

/// How the DSL asks for a package to be encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum PackageFor {
    /// A new transfer code, shown once, to read to the receiving DSL by phone.
    NewCode,
    /// The receiving vault's key ("age1…"), which its DSL sent first.
    Key(String),
}

/// A package made, with the transfer code when one was made for it (shown once, never kept).
pub struct MadePackage {
    pub made: Made,
    pub code: Option<crate::vault::RecoveryCode>,
}

/// Makes, signs, encrypts and saves the transfer's package.
pub fn make_package(
    session: &mut Session,
    transfer_id: RecordId,
    to: &PackageFor,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<MadePackage> {
    let t = open_transfer(session, transfer_id)?;
    let at = Utc::now();
    let built = file::build(session, t.person_id, &redaction_of(&t), at)?;
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let member = session.current_member()?;
    let content = Content {
        format: package::CONTENT_FORMAT.to_owned(),
        schema: package::SCHEMA,
        transfer: t.uid.clone(),
        sent_at: time::format(at),
        from: Party {
            organisation: signer.organisation.clone(),
            name: signer.name.clone(),
            role: member.role_title.clone(),
            contact: signer.contact.clone(),
        },
        to: Destination {
            school: t.destination.clone(),
            dsl: t.destination_dsl.clone(),
            contact: t.destination_contact.clone(),
        },
        file: built.file.clone(),
    };
    let code = match to {
        PackageFor::NewCode => Some(crate::vault::RecoveryCode::generate()?),
        PackageFor::Key(_) => None,
    };
    let seal_to = match (to, &code) {
        (PackageFor::Key(k), _) => SealTo::Key(k),
        (_, Some(c)) => SealTo::Code(c),
        (PackageFor::NewCode, None) => return Err(Error::Internal("no code made".into())),
    };
    let bytes = package::seal(&content, &identity, &seal_to)?;
    let sha256 = record_sent(
        session,
        &t,
        &built,
        TransferEventKind::Package,
        &bytes,
        write,
    )?;
    Ok(MadePackage {
        made: Made {
            bytes,
            sha256,
            file_name: format!("{}.casebook-transfer", file_stem(&t)),
        },
        code,
    })
}

/// This vault's key for receiving packages ("age1…"), made the first time it is asked for.
/// The DSL sends it to the school a child is coming from.
pub fn receiving_key(session: &mut Session) -> Result<String> {
    let found: Option<String> = session
        .conn()
        .query_row(
            "SELECT public FROM transfer_keys ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(k) = found {
        return Ok(k);
    }
    let (public, secret) = package::new_key();
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO transfer_keys (public, secret, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![public, secret.expose_secret(), time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordCreated,
            "transfer key",
            &json!({ "record": "transfer_key", "public": public }),
        )?;
        Ok(())
    })?;
    Ok(public)
}

fn key_secrets(conn: &Connection) -> Result<Vec<SecretString>> {
    let mut stmt = conn.prepare_cached("SELECT secret FROM transfer_keys ORDER BY id DESC")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        out.push(SecretString::from(r?));
    }
    Ok(out)
}

text_enum! {
    /// A decision about a signer after their first confirmation.
    SignerDecision {
        Withdrawn = "withdrawn", "Trust withdrawn";
        Confirmed = "confirmed", "Confirmed again";
    }
}

/// A decision about a signer, with its reason, when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignerEvent {
    pub decision: SignerDecision,
    pub reason: String,
    pub at: String,
    pub by: String,
}

/// Another school's signer this vault has confirmed, and where trust in them stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KnownSigner {
    pub fingerprint: String,
    pub name: String,
    pub organisation: String,
    pub confirmed_at: String,
    pub confirmed_by: String,
    /// Trusted now: confirmed, and not withdrawn since.
    pub trusted: bool,
    /// The decisions since the first confirmation, oldest first.
    pub events: Vec<SignerEvent>,
}

/// The signers this vault has confirmed, by organisation and name.
pub fn known_signers(conn: &Connection) -> Result<Vec<KnownSigner>> {
    let mut stmt = conn.prepare_cached(
        "SELECT fingerprint, name, organisation, confirmed_at, confirmed_by FROM known_signers
         ORDER BY organisation, name, fingerprint",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(KnownSigner {
                fingerprint: r.get(0)?,
                name: r.get(1)?,
                organisation: r.get(2)?,
                confirmed_at: r.get(3)?,
                confirmed_by: r.get(4)?,
                trusted: true,
                events: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut events = conn.prepare_cached(
        "SELECT kind, reason, at, by FROM signer_events WHERE fingerprint = ?1 ORDER BY id",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for mut k in rows {
        k.events = events
            .query_map([&k.fingerprint], |r| {
                Ok(SignerEvent {
                    decision: r.get(0)?,
                    reason: r.get(1)?,
                    at: r.get(2)?,
                    by: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        k.trusted = k
            .events
            .last()
            .is_none_or(|e| e.decision == SignerDecision::Confirmed);
        out.push(k);
    }
    Ok(out)
}

/// Whether the signer was ever confirmed here (trusted now or not).
fn confirmed_before(conn: &Connection, fingerprint: &str) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM known_signers WHERE fingerprint = ?1",
            [fingerprint],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Whether the signer is trusted now: confirmed, and not withdrawn since.
fn known_signer(conn: &Connection, fingerprint: &str) -> Result<bool> {
    let confirmed = confirmed_before(conn, fingerprint)?;
    let latest: Option<SignerDecision> = conn
        .query_row(
            "SELECT kind FROM signer_events WHERE fingerprint = ?1 ORDER BY id DESC LIMIT 1",
            [fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    Ok(confirmed && latest != Some(SignerDecision::Withdrawn))
}

fn signer_event(
    tx: &Connection,
    fingerprint: &str,
    decision: SignerDecision,
    reason: &str,
    actor: &str,
) -> Result<()> {
    let now = Utc::now();
    tx.execute(
        "INSERT INTO signer_events (fingerprint, kind, reason, at, by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![fingerprint, decision, reason, time::format(now), actor],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordAmended,
        "known signer",
        &json!({ "record": "signer_event", "fingerprint": fingerprint,
                 "decision": decision.as_str() }),
    )?;
    Ok(())
}

/// Withdraws trust in a signer (their DSL has left, their laptop was lost): a package or
/// receipt they sign is then imported only when the DSL confirms the fingerprint again. The
/// files already received from them are kept.
pub fn withdraw_signer(
    session: &mut Session,
    fingerprint: &str,
    reason: &str,
) -> Result<KnownSigner> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(crate::records::fields::invalid(
            crate::Field::Reason,
            "Say why trust in this signer is withdrawn (for example, they have left the school)",
        ));
    }
    let find = |conn: &Connection| -> Result<KnownSigner> {
        known_signers(conn)?
            .into_iter()
            .find(|k| k.fingerprint == fingerprint)
            .ok_or_else(|| Error::NotFound {
                what: format!("The signer with fingerprint {fingerprint}"),
            })
    };
    if !find(session.conn())?.trusted {
        return Err(crate::records::fields::invalid(
            crate::Field::Reason,
            "Trust in this signer is already withdrawn",
        ));
    }
    let actor = session.actor().to_owned();
    session
        .with_tx(|tx| signer_event(tx, fingerprint, SignerDecision::Withdrawn, reason, &actor))?;
    find(session.conn())
}

/// Records a signer the DSL confirmed (by the fingerprint, with the other school): the first
/// time as a known signer, after a withdrawal as a confirmation again.
fn remember_signer(tx: &Connection, signer: &package::SignedBy, actor: &str) -> Result<()> {
    if confirmed_before(tx, &signer.fingerprint)? {
        return signer_event(
            tx,
            &signer.fingerprint,
            SignerDecision::Confirmed,
            "The fingerprint was checked with the sending school again on import.",
            actor,
        );
    }
    let now = Utc::now();
    tx.execute(
        "INSERT INTO known_signers (fingerprint, name, organisation, certificate, confirmed_at,
             confirmed_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            signer.fingerprint,
            signer.name,
            signer.organisation,
            signer.certificate,
            time::format(now),
            actor
        ],
    )?;
    audit::append(
        tx,
        now,
        actor,
        Action::RecordCreated,
        "known signer",
        &json!({ "record": "known_signer", "fingerprint": signer.fingerprint,
                 "organisation": signer.organisation }),
    )?;
    Ok(())
}

/// A child of this vault who may be the one a received file is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PossibleMatch {
    pub person_id: RecordId,
    pub full_name: String,
    pub date_of_birth: String,
    /// Name and date of birth both as the file has them.
    pub same_name_and_birth: bool,
}

/// What the DSL sees before a package is imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PackagePreview {
    pub from: Party,
    pub signed_by: package::SignedBy,
    /// The signer was confirmed here before; otherwise the DSL must check the fingerprint
    /// with the sending school and confirm it to import.
    pub known_signer: bool,
    pub to: Destination,
    /// The package names another school than this vault's organisation.
    pub addressed_elsewhere: bool,
    pub sent_at: String,
    pub child_name: String,
    pub child_birth: String,
    pub incidents: u32,
    pub entries: u32,
    pub matches: Vec<PossibleMatch>,
}

fn birth_of(f: &ChildFile) -> String {
    f.subject
        .facts
        .iter()
        .find(|x| x.label == "Date of birth")
        .map_or_else(|| "not recorded".to_owned(), |x| x.value.clone())
}

fn open_package(
    session: &Session,
    path: &std::path::Path,
    code: Option<&str>,
) -> Result<package::Opened> {
    let bad = |detail: &str| Error::BadTransferFile {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    let bytes = package::read_capped(path, package::MAX_PACKAGE_BYTES, &bad)?;
    let secrets;
    let with = match code {
        Some(c) => OpenWith::Code(c),
        None => {
            secrets = key_secrets(session.conn())?;
            OpenWith::Keys(&secrets)
        }
    };
    let opened = package::open(path, &bytes, &with)?;
    let already: Option<String> = session
        .conn()
        .query_row(
            "SELECT received_at FROM received_files WHERE transfer_uid = ?1 OR package_sha256 = ?2",
            params![opened.content.transfer, opened.package_sha256],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(at) = already {
        return Err(bad(&format!(
            "it was imported on {}; a package is imported once",
            time::uk_stored(&at)
        )));
    }
    Ok(opened)
}

/// Opens and checks the package at `path` (with the transfer code, or this vault's keys) and
/// says what it holds and who signed it. Writes nothing.
pub fn preview_package(
    session: &Session,
    path: &std::path::Path,
    code: Option<&str>,
) -> Result<PackagePreview> {
    let opened = open_package(session, path, code)?;
    let c = &opened.content;
    let f = &c.file;
    let birth = birth_of(f);
    let mut matches = Vec::new();
    for p in people::search(session.conn(), &f.subject.full_name, 20)? {
        if p.kind != people::PersonKind::Child {
            continue;
        }
        let dob = p
            .identity_facts()
            .into_iter()
            .find(|(l, _)| *l == "Date of birth")
            .map(|(_, v)| v)
            .unwrap_or_default();
        matches.push(PossibleMatch {
            person_id: p.id,
            same_name_and_birth: p.full_name.eq_ignore_ascii_case(&f.subject.full_name)
                && dob == birth,
            full_name: p.full_name,
            date_of_birth: dob,
        });
    }
    let here = crate::organisation::current(session.conn())?.name;
    let entries: usize = f
        .incidents
        .iter()
        .map(|i| i.chronology.len() + i.evidence.len())
        .sum();
    Ok(PackagePreview {
        known_signer: known_signer(session.conn(), &opened.signer.fingerprint)?,
        from: c.from.clone(),
        signed_by: opened.signer.clone(),
        addressed_elsewhere: !c.to.school.trim().eq_ignore_ascii_case(here.trim()),
        to: c.to.clone(),
        sent_at: c.sent_at.clone(),
        child_name: f.subject.full_name.clone(),
        child_birth: birth,
        incidents: u32::try_from(f.incidents.len()).unwrap_or(u32::MAX),
        entries: u32::try_from(entries).unwrap_or(u32::MAX),
        matches,
    })
}

/// Which child a received file is attached to: one already here (the DSL's confirmed match,
/// never an automatic one) or a new record.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AttachTo {
    Existing(RecordId),
    New(Box<PersonInput>),
}

/// A file received from another school.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReceivedFile {
    pub id: RecordId,
    pub person_id: RecordId,
    pub transfer_uid: String,
    pub sender_organisation: String,
    pub sender_name: String,
    pub sender_fingerprint: String,
    pub sent_at: String,
    pub received_at: String,
    pub received_by: String,
    /// The package's SHA-256 as it arrived.
    pub package_sha256: String,
    pub file: ChildFile,
}

/// "; with the files received from …", when the file passes earlier schools' files on.
fn passed_on(file: &ChildFile) -> String {
    if file.earlier.is_empty() {
        return String::new();
    }
    let from: Vec<&str> = file
        .earlier
        .iter()
        .map(|e| e.file.organisation.as_str())
        .collect();
    format!("; with the files received from {}", from.join(", "))
}

/// Imports the package at `path` as a received file attached to `attach`. Everything is
/// checked again first (the file may have changed since the preview); an unknown signer is
/// imported only when `signer_confirmed` (the DSL checked the fingerprint with the sender),
/// and is then known. Never changes an existing record.
pub fn import_package(
    session: &mut Session,
    path: &std::path::Path,
    code: Option<&str>,
    attach: &AttachTo,
    signer_confirmed: bool,
) -> Result<ReceivedFile> {
    let opened = open_package(session, path, code)?;
    let known = known_signer(session.conn(), &opened.signer.fingerprint)?;
    if !known && !signer_confirmed {
        return Err(crate::records::fields::invalid(
            crate::Field::Transfer,
            &format!(
                "{} of {} has not signed a file for this vault before: check the certificate \
                 fingerprint {} with them by phone, then confirm it",
                opened.signer.name, opened.signer.organisation, opened.signer.fingerprint
            ),
        ));
    }
    if let AttachTo::Existing(id) = attach {
        let p = people::get(session.conn(), *id)?;
        if p.kind != people::PersonKind::Child {
            return Err(crate::records::fields::invalid(
                crate::Field::AttachTo,
                "choose a child",
            ));
        }
    }
    let content_text = String::from_utf8(opened.content_bytes.clone())
        .map_err(|_| Error::Internal("checked JSON is not UTF-8".into()))?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        let person_id = match attach {
            AttachTo::Existing(id) => *id,
            AttachTo::New(input) => {
                if input.kind != people::PersonKind::Child {
                    return Err(crate::records::fields::invalid(
                        crate::Field::AttachTo,
                        "a received child protection file is about a child",
                    ));
                }
                people::create_in_tx(tx, &actor, input)?
            }
        };
        if !known {
            remember_signer(tx, &opened.signer, &actor)?;
        }
        tx.execute(
            "INSERT INTO received_files (transfer_uid, package_sha256, person_id,
                 sender_organisation, sender_name, sender_fingerprint, sent_at, content,
                 signature, received_at, received_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                opened.content.transfer,
                opened.package_sha256,
                person_id,
                opened.signer.organisation,
                opened.signer.name,
                opened.signer.fingerprint,
                opened.content.sent_at,
                content_text,
                opened.signature,
                time::format(now),
                actor
            ],
        )?;
        let id = crate::records::last_id(tx)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::RecordCreated,
            &format!("person {person_id}"),
            &json!({ "record": "received_file", "id": id, "from": opened.signer.organisation,
                     "sha256": opened.package_sha256, "signer_confirmed_now": !known }),
        )?;
        Ok(id)
    })?;
    received(session.conn(), id)
}

fn received_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ReceivedFile, String)> {
    Ok((
        ReceivedFile {
            id: r.get(0)?,
            person_id: r.get(1)?,
            transfer_uid: r.get(2)?,
            sender_organisation: r.get(3)?,
            sender_name: r.get(4)?,
            sender_fingerprint: r.get(5)?,
            sent_at: r.get(6)?,
            received_at: r.get(7)?,
            received_by: r.get(8)?,
            package_sha256: r.get(10)?,
            file: empty_file(),
        },
        r.get(9)?,
    ))
}

fn empty_file() -> ChildFile {
    ChildFile {
        format: String::new(),
        schema: 0,
        organisation: String::new(),
        made_at: String::new(),
        subject: file::Subject {
            full_name: String::new(),
            facts: Vec::new(),
            statuses: Vec::new(),
        },
        household: Vec::new(),
        incidents: Vec::new(),
        redaction_note: String::new(),
        earlier: Vec::new(),
    }
}

const SELECT_RECEIVED: &str = "SELECT id, person_id, transfer_uid, sender_organisation,
    sender_name, sender_fingerprint, sent_at, received_at, received_by, content, package_sha256
    FROM received_files";

fn with_file((mut f, content): (ReceivedFile, String)) -> Result<ReceivedFile> {
    let c: Content = serde_json::from_str(&content)
        .map_err(|_| Error::Internal("a received file's content is not readable".into()))?;
    f.file = c.file;
    Ok(f)
}

/// Received file `id`.
pub fn received(conn: &Connection, id: RecordId) -> Result<ReceivedFile> {
    let row = conn
        .prepare_cached(&format!("{SELECT_RECEIVED} WHERE id = ?1"))?
        .query_row([id], received_from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Received file {id}"),
        })?;
    with_file(row)
}

/// The files received for a child, oldest first.
pub fn received_for(conn: &Connection, person_id: RecordId) -> Result<Vec<ReceivedFile>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT_RECEIVED} WHERE person_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([person_id], received_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(with_file).collect()
}

/// Makes, signs and saves received file `id` as a PDF: the sending school's records as they
/// arrived, printed here, signed by the member who saves it (audited, with its SHA-256).
pub fn make_received_pdf(
    session: &mut Session,
    id: RecordId,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<Made> {
    let r = received(session.conn(), id)?;
    let at = Utc::now();
    let here = crate::organisation::current(session.conn())?.name;
    let demo = crate::organisation::is_demo(session.conn())?;
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let purpose = Purpose::Received {
        received: &r,
        here: &here,
    };
    let rendered = render::render(&r.file, &purpose, &signer, demo)?;
    let a = rendered.signature;
    let pdf = sign::sign_pdf(
        rendered.pdf,
        &identity,
        &signer.name,
        &format!(
            "Child protection file received from {}",
            r.sender_organisation
        ),
        at,
        a.page,
        [a.x, a.y, a.x + a.width, a.y + a.height],
    )
    .map_err(|e| Error::Internal(format!("signing the received file's PDF: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        audit::append(
            tx,
            at,
            &actor,
            Action::RecordExported,
            &format!("received file {id}"),
            &json!({ "what": "received_file_pdf", "sha256": sha256, "bytes": pdf.len() }),
        )?;
        write(&pdf)
    })?;
    Ok(Made {
        bytes: pdf,
        sha256,
        file_name: format!("Received child protection file {id}.pdf"),
    })
}

/// Signs a receipt for received file `id` and has `write` save it (audited, with its hash).
pub fn make_receipt(
    session: &mut Session,
    id: RecordId,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<Vec<u8>> {
    let (uid, sha): (String, String) = session
        .conn()
        .query_row(
            "SELECT transfer_uid, package_sha256 FROM received_files WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: format!("Received file {id}"),
        })?;
    let at = Utc::now();
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let member = session.current_member()?;
    let receipt = package::sign_receipt(
        &ReceiptContent {
            format: package::RECEIPT_FORMAT.to_owned(),
            schema: package::SCHEMA,
            transfer: uid,
            package_sha256: sha,
            received_at: time::format(at),
            by: Party {
                organisation: signer.organisation.clone(),
                name: signer.name.clone(),
                role: member.role_title.clone(),
                contact: signer.contact.clone(),
            },
        },
        &identity,
    )?;
    session.export(
        &format!("received file {id}"),
        "transfer_receipt",
        &receipt,
        write,
    )?;
    Ok(receipt)
}

/// What the DSL sees before a receipt is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReceiptPreview {
    pub transfer_id: RecordId,
    pub child_name: String,
    pub destination: String,
    pub by: Party,
    pub signed_by: package::SignedBy,
    pub known_signer: bool,
    pub received_at: String,
}

fn check_receipt(
    session: &Session,
    path: &std::path::Path,
) -> Result<(package::OpenedReceipt, Transfer)> {
    let bad = |detail: &str| Error::BadTransferFile {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    let bytes = package::read_capped(path, package::MAX_RECEIPT_BYTES, &bad)?;
    let r = package::open_receipt(path, &bytes)?;
    let Some(t) = transfers::by_uid(session.conn(), &r.content.transfer)? else {
        return Err(bad("it answers a transfer this vault did not send"));
    };
    let sent = t.events.iter().any(|e| {
        e.kind == TransferEventKind::Package
            && e.sha256.as_deref() == Some(r.content.package_sha256.as_str())
    });
    if !sent {
        return Err(bad(
            "it confirms a package this vault did not make for that transfer",
        ));
    }
    if t.state == TransferState::Confirmed {
        return Err(bad("that transfer's receipt is already confirmed"));
    }
    Ok((r, t))
}

/// Opens and checks the receipt at `path`. Writes nothing.
pub fn preview_receipt(session: &Session, path: &std::path::Path) -> Result<ReceiptPreview> {
    let (r, t) = check_receipt(session, path)?;
    Ok(ReceiptPreview {
        transfer_id: t.id,
        child_name: t.child_name,
        destination: t.destination,
        known_signer: known_signer(session.conn(), &r.signer.fingerprint)?,
        by: r.content.by,
        signed_by: r.signer,
        received_at: r.content.received_at,
    })
}

/// Records the receipt at `path`: the transfer is confirmed, by whom and when, with the
/// signer's certificate. An unknown signer only when `signer_confirmed`.
pub fn import_receipt(
    session: &mut Session,
    path: &std::path::Path,
    signer_confirmed: bool,
) -> Result<Transfer> {
    let (r, t) = check_receipt(session, path)?;
    let known = known_signer(session.conn(), &r.signer.fingerprint)?;
    if !known && !signer_confirmed {
        return Err(crate::records::fields::invalid(
            crate::Field::Transfer,
            &format!(
                "{} of {} has not signed a file for this vault before: check the certificate \
                 fingerprint {} with them by phone, then confirm it",
                r.signer.name, r.signer.organisation, r.signer.fingerprint
            ),
        ));
    }
    let at = time::parse(&r.content.received_at)
        .ok_or_else(|| Error::Internal("checked time unreadable".into()))?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        if !known {
            remember_signer(tx, &r.signer, &actor)?;
        }
        transfers::add_event(
            tx,
            &actor,
            &t,
            TransferEventKind::Confirmed,
            at,
            &json!({
                "by_whom": format!("{}, {}, {}", r.content.by.name, r.content.by.role,
                                   r.content.by.organisation),
                "how": ReceiptHow::SignedReceipt.as_str(),
                "signer": r.signer.name,
                "fingerprint": r.signer.fingerprint,
            }),
        )?;
        transfers::apply_after_transfer(tx, &actor, &t, time::uk_date(at)).map(|_| ())
    })?;
    transfers::get(session.conn(), t.id)
}
