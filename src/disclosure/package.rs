//! The transfer package and its receipt: files that cross from one school's Casebook to
//! another's, and so hostile input on arrival.
//!
//! A package is the child's file ([`super::file::ChildFile`]) with who sent it, to whom, and
//! the transfer's id, as JSON (the *content*), signed by the sending member's certificate (a
//! detached CMS, as a referral's), wrapped in a small JSON *envelope*, and encrypted with age
//! (<https://age-encryption.org/v1>): to a transfer code the sender reads out by phone (age's
//! scrypt recipient), or to the receiving vault's own public key (X25519) when that school sent
//! it first. Signed inside the encryption, so only the recipient learns who signed; the content
//! names the recipient, so a package forwarded to a third school says it was not for them.
//!
//! A receipt is the receiving school's signed answer: the transfer's id and the package's
//! SHA-256, signed by the member who imported it. It carries nothing about the child, so it
//! is not encrypted.
//!
//! Reading either checks everything before anything is written: size, encryption, envelope,
//! signature, content, and that the certificate's name and organisation are the ones the
//! content claims; every text passes the no-images guard.

use std::io::Read;

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::file::{ChildFile, Entry, Fact};
use crate::referral::sign::{self, Identity};
use crate::vault::RecoveryCode;
use crate::{Error, Result};

/// The envelope's `format`.
pub const PACKAGE_FORMAT: &str = "casebook-transfer-package";
/// The signed content's `format`.
pub const CONTENT_FORMAT: &str = "casebook-transfer";
/// A receipt's `format` (envelope and content).
pub const RECEIPT_FORMAT: &str = "casebook-transfer-receipt";
/// The schema this version writes and reads, for envelope, content and receipt.
pub const SCHEMA: u32 = 1;
/// The largest package read (a child with thousands of entries is a few megabytes).
pub const MAX_PACKAGE_BYTES: u64 = 64 * 1024 * 1024;
/// The largest receipt read.
pub const MAX_RECEIPT_BYTES: u64 = 64 * 1024;
/// scrypt's work factor for a transfer code (N = 2^15, 32 MiB): the code carries 160 random
/// bits, so the work factor is not what protects it, and the package is made in well under a
/// second.
const SCRYPT_LOG_N: u8 = 15;
/// The most work an arriving package may ask for (N = 2^18, 256 MiB, about a second): a
/// hostile package asking for more is refused, not obeyed.
const SCRYPT_MAX_LOG_N: u8 = 18;

/// Who sent a package, or signed a receipt, as the content says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub organisation: String,
    pub name: String,
    pub role: String,
    pub contact: String,
}

/// Whom a package is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub school: String,
    pub dsl: String,
    pub contact: String,
}

/// What the sender signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    pub format: String,
    pub schema: u32,
    /// The transfer's id at the sending school.
    pub transfer: String,
    pub sent_at: String,
    pub from: Party,
    pub to: Destination,
    pub file: ChildFile,
}

/// What a receipt's signer signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptContent {
    pub format: String,
    pub schema: u32,
    pub transfer: String,
    /// The SHA-256 of the package file received, as hex.
    pub package_sha256: String,
    pub received_at: String,
    pub by: Party,
}

/// The JSON around signed content: the content's bytes exactly as signed, and the signature.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    schema: u32,
    /// Base64 of the content's JSON.
    content: String,
    /// Base64 of the detached CMS signature of those bytes.
    signature: String,
}

/// How a package is encrypted.
pub enum SealTo<'a> {
    /// A transfer code, given to the receiving DSL by phone.
    Code(&'a RecoveryCode),
    /// The receiving vault's public key ("age1…").
    Key(&'a str),
}

/// How an arriving package is opened.
pub enum OpenWith<'a> {
    /// The transfer code as typed.
    Code(&'a str),
    /// This vault's transfer keys' secrets.
    Keys(&'a [SecretString]),
}

/// Who signed, from the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignedBy {
    pub name: String,
    pub organisation: String,
    /// SHA-256 of the certificate, "AB:CD:…", to read out and compare.
    pub fingerprint: String,
    #[serde(skip)]
    pub certificate: Vec<u8>,
}

/// A package opened and checked.
#[derive(Debug, Clone)]
pub struct Opened {
    pub content: Content,
    /// The content's JSON exactly as signed (kept by the receiving vault).
    pub content_bytes: Vec<u8>,
    pub signature: Vec<u8>,
    pub signer: SignedBy,
    /// SHA-256 of the package file, hex.
    pub package_sha256: String,
}

/// A receipt opened and checked.
#[derive(Debug, Clone)]
pub struct OpenedReceipt {
    pub content: ReceiptContent,
    pub signer: SignedBy,
}

fn signing(e: sign::SignError) -> Error {
    Error::Internal(format!("signing a transfer file: {e}"))
}

fn envelope(format: &str, content: &[u8], identity: &Identity) -> Result<Vec<u8>> {
    let signature = sign::sign_detached(identity, content).map_err(signing)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    serde_json::to_vec(&Envelope {
        format: format.to_owned(),
        schema: SCHEMA,
        content: b64.encode(content),
        signature: b64.encode(signature),
    })
    .map_err(|e| Error::Internal(format!("writing a transfer file: {e}")))
}

/// Signs `content` with `identity` and encrypts it for `to`.
pub fn seal(content: &Content, identity: &Identity, to: &SealTo<'_>) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(content)
        .map_err(|e| Error::Internal(format!("writing a transfer package: {e}")))?;
    let plain = zeroize::Zeroizing::new(envelope(PACKAGE_FORMAT, &json, identity)?);
    let encrypted = match to {
        SealTo::Code(code) => {
            let passphrase = String::from_utf8_lossy(code.kdf_input()).into_owned();
            let mut r = age::scrypt::Recipient::new(SecretString::from(passphrase));
            r.set_work_factor(SCRYPT_LOG_N);
            age::encrypt(&r, &plain)
        }
        SealTo::Key(key) => {
            let r: age::x25519::Recipient = key.trim().parse().map_err(|_| {
                Error::field(
                    crate::Field::TransferKey,
                    "that is not a Casebook key: it starts age1 and is 62 characters long",
                )
            })?;
            age::encrypt(&r, &plain)
        }
    };
    encrypted.map_err(|e| Error::Internal(format!("encrypting a transfer package: {e}")))
}

/// Signs a receipt.
pub fn sign_receipt(content: &ReceiptContent, identity: &Identity) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(content)
        .map_err(|e| Error::Internal(format!("writing a receipt: {e}")))?;
    envelope(RECEIPT_FORMAT, &json, identity)
}

/// Reads at most `max` bytes of `path`, refusing a larger file (also one that grows while it
/// is read) and anything that is not a regular file.
pub fn read_capped(
    path: &std::path::Path,
    max: u64,
    bad: &dyn Fn(&str) -> Error,
) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        detail: e.kind().to_string(),
    })?;
    if !meta.is_file() {
        return Err(bad("it is not a file"));
    }
    if meta.len() > max {
        return Err(bad(&format!(
            "it is larger than a Casebook file of this kind can be ({} MB at most)",
            max.div_ceil(1024 * 1024)
        )));
    }
    let f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.to_owned(),
        detail: e.kind().to_string(),
    })?;
    let mut bytes = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Io {
            path: path.to_owned(),
            detail: e.kind().to_string(),
        })?;
    if bytes.len() as u64 > max {
        return Err(bad(
            "it grew larger than a Casebook file of this kind can be",
        ));
    }
    Ok(bytes)
}

/// Checks a signed envelope of `format`; returns the content's bytes, the signature and
/// the signer.
fn open_envelope(
    plain: &[u8],
    format: &str,
    bad: &dyn Fn(&str) -> Error,
) -> Result<(Vec<u8>, Vec<u8>, SignedBy)> {
    let env: Envelope = serde_json::from_slice(plain)
        .map_err(|_| bad("it is not a Casebook transfer file, or it is damaged"))?;
    if env.format != format {
        return Err(bad("it is not the kind of Casebook file expected here"));
    }
    if env.schema > SCHEMA {
        return Err(bad(
            "it was made by a newer version of Casebook: install the newer version to read it",
        ));
    }
    if env.schema != SCHEMA {
        return Err(bad("it is in a format this Casebook does not read"));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let content = b64
        .decode(env.content.as_bytes())
        .map_err(|_| bad("it is damaged"))?;
    let signature = b64
        .decode(env.signature.as_bytes())
        .map_err(|_| bad("its signature is damaged"))?;
    let (verified, cert) = sign::verify_detached(&content, &signature)
        .map_err(|_| bad("its signature cannot be checked"))?;
    let Some(cert) = cert.filter(|_| verified.intact()) else {
        return Err(bad(
            "its signature does not match what it holds: it may have been changed after it was signed",
        ));
    };
    let (name, organisation) =
        sign::certificate_subject(&cert).map_err(|_| bad("its signing certificate is damaged"))?;
    Ok((
        content,
        signature,
        SignedBy {
            name,
            organisation,
            fingerprint: sign::fingerprint(&cert),
            certificate: cert,
        },
    ))
}

/// Every text a child's file holds, for the no-images guard.
fn texts(file: &ChildFile) -> Vec<&str> {
    let mut out = vec![
        file.format.as_str(),
        &file.organisation,
        &file.made_at,
        &file.subject.full_name,
        &file.redaction_note,
    ];
    fn fact_texts<'a>(out: &mut Vec<&'a str>, list: &'a [Fact]) {
        for f in list {
            out.push(&f.label);
            out.push(&f.value);
        }
    }
    fn entry_texts<'a>(out: &mut Vec<&'a str>, list: &'a [Entry]) {
        for e in list {
            out.extend([
                e.id.as_str(),
                &e.at,
                &e.kind,
                &e.text,
                &e.recorded_by,
                &e.recorded_at,
            ]);
            fact_texts(out, &e.details);
        }
    }
    fact_texts(&mut out, &file.subject.facts);
    out.extend(file.subject.statuses.iter().map(String::as_str));
    for r in &file.household {
        out.push(&r.relation);
        out.push(&r.name);
        fact_texts(&mut out, &r.facts);
    }
    for i in &file.incidents {
        out.extend([
            i.reference.as_str(),
            &i.summary,
            &i.childs_words,
            &i.outcome,
            &i.recorded_by,
            &i.recorded_at,
        ]);
        out.extend(i.roles.iter().map(String::as_str));
        fact_texts(&mut out, &i.facts);
        fact_texts(&mut out, &i.people);
        fact_texts(&mut out, &i.family);
        entry_texts(&mut out, &i.chronology);
        entry_texts(&mut out, &i.evidence);
        entry_texts(&mut out, &i.shared);
        for c in &i.checklists {
            out.push(&c.title);
            out.push(&c.state);
            entry_texts(&mut out, &c.answers);
        }
    }
    for e in &file.earlier {
        fact_texts(&mut out, &e.facts);
        out.extend(texts(&e.file));
    }
    out
}

/// A child's file of a schema this version reads (a schema-1 file has no earlier files).
fn check_file_schema(file: &ChildFile, bad: &dyn Fn(&str) -> Error) -> Result<()> {
    if file.schema > super::file::SCHEMA {
        return Err(bad(
            "the child's file in it was made by a newer version of Casebook",
        ));
    }
    if file.schema < super::file::OLDEST_SCHEMA || (file.schema == 1 && !file.earlier.is_empty()) {
        return Err(bad(
            "the child's file in it is in a form Casebook does not read",
        ));
    }
    Ok(())
}

/// Opens and checks package `bytes` (read from `path`, named in every refusal).
pub fn open(path: &std::path::Path, bytes: &[u8], with: &OpenWith<'_>) -> Result<Opened> {
    let bad = |detail: &str| Error::BadTransferFile {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    if bytes.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(bad("it is larger than a transfer package can be"));
    }
    let decryptor = age::Decryptor::new(bytes)
        .map_err(|_| bad("it is not a Casebook transfer package, or it is damaged"))?;
    let reader = match with {
        OpenWith::Code(typed) => {
            if !decryptor.is_scrypt() {
                return Err(bad(
                    "it was encrypted to a school's Casebook key, not a transfer code: open it \
                     without a code",
                ));
            }
            let code = RecoveryCode::parse(typed).map_err(|_| {
                Error::field(
                    crate::Field::TransferCode,
                    "a transfer code has 32 letters and digits, in 8 groups of 4, as the sending \
                     school read it to you",
                )
            })?;
            let passphrase = String::from_utf8_lossy(code.kdf_input()).into_owned();
            let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase));
            identity.set_max_work_factor(SCRYPT_MAX_LOG_N);
            decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity))
        }
        OpenWith::Keys(secrets) => {
            if decryptor.is_scrypt() {
                return Err(bad(
                    "it was encrypted with a transfer code: ask the sending school for the code",
                ));
            }
            let identities: Vec<age::x25519::Identity> = secrets
                .iter()
                .filter_map(|s| s.expose_secret().parse().ok())
                .collect();
            decryptor.decrypt(identities.iter().map(|i| i as &dyn age::Identity))
        }
    };
    let mut reader = reader.map_err(|e| match e {
        age::DecryptError::ExcessiveWork { .. } => {
            bad("it asks for far more work to open than a Casebook package does")
        }
        age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => match with {
            OpenWith::Code(_) => Error::field(
                crate::Field::TransferCode,
                "that transfer code does not open this package: check each group with the \
                 sending school",
            ),
            OpenWith::Keys(_) => bad(
                "it was not encrypted to this school's Casebook key: ask the sending school to \
                 use the key you sent them, or a transfer code",
            ),
        },
        _ => bad("it is not a Casebook transfer package, or it is damaged"),
    })?;
    let mut plain = zeroize::Zeroizing::new(Vec::new());
    (&mut reader)
        .take(MAX_PACKAGE_BYTES + 1)
        .read_to_end(&mut plain)
        .map_err(|_| bad("it is damaged or cut short"))?;
    if plain.len() as u64 > MAX_PACKAGE_BYTES {
        return Err(bad("it holds more than a transfer package can"));
    }
    let (content_bytes, signature, signer) = open_envelope(&plain, PACKAGE_FORMAT, &bad)?;
    let content: Content = serde_json::from_slice(&content_bytes)
        .map_err(|_| bad("what it holds is not in the form Casebook writes"))?;
    if content.format != CONTENT_FORMAT
        || content.schema != SCHEMA
        || content.file.format != super::file::FORMAT
    {
        return Err(bad("what it holds is not in the form Casebook writes"));
    }
    check_file_schema(&content.file, &bad)?;
    for e in &content.file.earlier {
        // Flat, as Casebook writes it: an earlier school's file holds no earlier files.
        if e.file.format != super::file::FORMAT || !e.file.earlier.is_empty() {
            return Err(bad("what it holds is not in the form Casebook writes"));
        }
        check_file_schema(&e.file, &bad)?;
    }
    if uuid::Uuid::parse_str(&content.transfer).is_err()
        || crate::time::parse(&content.sent_at).is_none()
    {
        return Err(bad("what it holds is not in the form Casebook writes"));
    }
    if signer.name != content.from.name || signer.organisation != content.from.organisation {
        return Err(bad(&format!(
            "it says it is from {} of {}, but it is signed by {} of {}",
            content.from.name, content.from.organisation, signer.name, signer.organisation
        )));
    }
    let mut all = texts(&content.file);
    all.extend([
        content.from.organisation.as_str(),
        &content.from.name,
        &content.from.role,
        &content.from.contact,
        &content.to.school,
        &content.to.dsl,
        &content.to.contact,
    ]);
    if all.iter().any(|t| crate::no_images::check_text(t).is_err()) {
        return Err(bad(
            "it carries what looks like an image or encoded file in its text; Casebook never \
             stores images",
        ));
    }
    Ok(Opened {
        content,
        content_bytes,
        signature,
        signer,
        package_sha256: hex::encode(Sha256::digest(bytes)),
    })
}

/// Opens and checks a receipt's `bytes` (read from `path`).
pub fn open_receipt(path: &std::path::Path, bytes: &[u8]) -> Result<OpenedReceipt> {
    let bad = |detail: &str| Error::BadTransferFile {
        path: path.to_owned(),
        detail: detail.to_owned(),
    };
    if bytes.len() as u64 > MAX_RECEIPT_BYTES {
        return Err(bad("it is larger than a receipt can be"));
    }
    let (content_bytes, _, signer) = open_envelope(bytes, RECEIPT_FORMAT, &bad)?;
    let content: ReceiptContent = serde_json::from_slice(&content_bytes)
        .map_err(|_| bad("what it holds is not in the form Casebook writes"))?;
    if content.format != RECEIPT_FORMAT
        || content.schema != SCHEMA
        || uuid::Uuid::parse_str(&content.transfer).is_err()
        || crate::time::parse(&content.received_at).is_none()
        || content.package_sha256.len() != 64
        || !content
            .package_sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
    {
        return Err(bad("what it holds is not in the form Casebook writes"));
    }
    if signer.name != content.by.name || signer.organisation != content.by.organisation {
        return Err(bad(&format!(
            "it says it is from {} of {}, but it is signed by {} of {}",
            content.by.name, content.by.organisation, signer.name, signer.organisation
        )));
    }
    let by = &content.by;
    if [&by.organisation, &by.name, &by.role, &by.contact]
        .iter()
        .any(|t| crate::no_images::check_text(t).is_err())
    {
        return Err(bad("it carries what looks like an image or encoded file"));
    }
    Ok(OpenedReceipt { content, signer })
}

/// A new key pair for receiving packages: (public "age1…", secret).
pub fn new_key() -> (String, SecretString) {
    let identity = age::x25519::Identity::generate();
    (identity.to_public().to_string(), identity.to_string())
}
