//! The digital signature on a referral PDF: a PAdES baseline (B-B) signature — a detached CMS
//! over the file's /ByteRange with the signing-certificate-v2 attribute, the signing time in the
//! signature dictionary — appended as an incremental update so the rendered bytes are never
//! rewritten. Built from maintained crates only: lopdf (the update), RustCrypto `cms`,
//! `x509-cert`, `der`, `p256`, `sha2`, and rcgen (the self-signed certificate).
//! docs/security-model.md ("Signing a referral PDF") records why each choice (and the pitfalls
//! avoided): no prehashed double hashing, signing-certificate-v2 added, no signing-time
//! attribute with `ETSI.CAdES.detached` (the time is `/M`). Checking a signature starts from
//! the file's layout (`layout.rs`), then the digest, certificate and value.

use chrono::{DateTime, Datelike, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use lopdf::{dictionary, IncrementalDocument, Object, ObjectId, StringFormat};
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};
use sha2::{Digest, Sha256};
use signature::{Signer, Verifier};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::Certificate;
use zeroize::Zeroizing;

/// id-aa-signingCertificateV2 (RFC 5035), required by PAdES.
const SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// Room for the CMS blob in /Contents (bytes; written as twice as many hex digits).
const CONTENTS_BYTES: usize = 8192;
/// The /ByteRange placeholder: wide enough for any file under 10 GB, patched in place.
const BYTE_RANGE_PLACEHOLDER: i64 = 9_999_999_999;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0}")]
    Failed(String),
}

fn fail(what: &str, e: impl std::fmt::Display) -> SignError {
    SignError::Failed(format!("{what}: {e}"))
}

/// ESSCertIDv2 (RFC 5035): Casebook writes only the hash, with the default algorithm
/// (SHA-256); other signers (OpenSSL's CAdES, Adobe) also name the issuer and serial, which
/// is read and ignored, as the hash already pins the certificate.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct EssCertIdV2 {
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    issuer_serial: Option<Any>,
}

impl EssCertIdV2 {
    /// Whether this names the certificate `cert_der` (by a SHA-256 hash: any other algorithm
    /// is not one Casebook checks).
    fn names(&self, cert_der: &[u8]) -> bool {
        let sha256 = self
            .hash_algorithm
            .as_ref()
            .is_none_or(|a| a.oid == ID_SHA256);
        sha256 && self.cert_hash.as_bytes() == Sha256::digest(cert_der).as_slice()
    }
}

/// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies OPTIONAL }
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    policies: Option<Any>,
}

/// A signing key and its self-signed certificate.
pub struct Identity {
    pub key_pkcs8: Zeroizing<Vec<u8>>,
    pub cert_der: Vec<u8>,
}

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ORGANISATION_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

impl Identity {
    /// The certificate's subject: (common name, organisation), as the certificate holds them.
    pub fn subject(&self) -> Result<(String, String), SignError> {
        certificate_subject(&self.cert_der)
    }

    /// A new ECDSA P-256 key and a self-signed certificate in the DSL's name and organisation,
    /// valid from `now` for ten years.
    pub fn generate(name: &str, organisation: &str, now: DateTime<Utc>) -> Result<Self, SignError> {
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let pkcs8 = secret.to_pkcs8_der().map_err(|e| fail("key encoding", e))?;
        let key_pkcs8 = Zeroizing::new(pkcs8.as_bytes().to_vec());
        let key_pair =
            rcgen::KeyPair::try_from(key_pkcs8.as_slice()).map_err(|e| fail("key pair", e))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, organisation);
        // The team, not a role: a deputy's certificate must not say "Designated Safeguarding
        // Lead", and a member's role may change while their certificate stays.
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationalUnitName, "Safeguarding team");
        params.not_before = rcgen::date_time_ymd(now.year(), now.month() as u8, now.day() as u8);
        params.not_after =
            rcgen::date_time_ymd(now.year() + 10, now.month() as u8, now.day().min(28) as u8);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::ContentCommitment,
        ];
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        let cert = params
            .self_signed(&key_pair)
            .map_err(|e| fail("certificate", e))?;
        Ok(Identity {
            key_pkcs8,
            cert_der: cert.der().to_vec(),
        })
    }

    /// SHA-256 of the certificate, as printed in the signature block.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert_der)
    }
}

/// A DER certificate's subject: (common name, organisation), as it holds them.
pub fn certificate_subject(cert_der: &[u8]) -> Result<(String, String), SignError> {
    let cert = Certificate::from_der(cert_der).map_err(|e| fail("certificate", e))?;
    let (mut name, mut organisation) = (String::new(), String::new());
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            // rcgen writes UTF8String; a PrintableString is read too.
            let value = atv
                .value
                .decode_as::<String>()
                .or_else(|_| {
                    atv.value
                        .decode_as::<der::asn1::PrintableStringRef<'_>>()
                        .map(|s| s.as_str().to_owned())
                })
                .unwrap_or_default();
            if atv.oid == COMMON_NAME {
                name = value;
            } else if atv.oid == ORGANISATION_NAME {
                organisation = value;
            }
        }
    }
    Ok((name, organisation))
}

/// "AB:CD:…" SHA-256 of a DER certificate.
pub fn fingerprint(cert_der: &[u8]) -> String {
    Sha256::digest(cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn pdf_date(at: DateTime<Utc>) -> String {
    format!("D:{}+00'00'", at.format("%Y%m%d%H%M%S"))
}

/// Signs `pdf` (a complete PDF) with `identity`, the widget covering `rect` on page `page`
/// (0-based), returning the signed file.
pub fn sign_pdf(
    pdf: Vec<u8>,
    identity: &Identity,
    signer_name: &str,
    reason: &str,
    at: DateTime<Utc>,
    page: usize,
    rect: [f32; 4],
) -> Result<Vec<u8>, SignError> {
    let prev_len = pdf.len();
    let mut doc =
        IncrementalDocument::load_from(pdf.as_slice()).map_err(|e| fail("reading the PDF", e))?;
    let prev = doc.get_prev_documents();
    let pages = prev.get_pages();
    let page_id: ObjectId = *pages
        .values()
        .nth(page)
        .ok_or_else(|| SignError::Failed("no such page for the signature".into()))?;
    let root_id = prev
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| fail("document catalogue", e))?;

    let new = &mut doc.new_document;
    let sig_id = new.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "ETSI.CAdES.detached",
        "ByteRange" => vec![
            Object::Integer(0),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
            Object::Integer(BYTE_RANGE_PLACEHOLDER),
        ],
        "Contents" => Object::String(vec![0u8; CONTENTS_BYTES], StringFormat::Hexadecimal),
        "M" => Object::string_literal(pdf_date(at)),
        "Name" => Object::String(utf16_text(signer_name), StringFormat::Literal),
        "Reason" => Object::String(utf16_text(reason), StringFormat::Literal),
    });
    // An empty appearance: the visible block is already drawn in the page content.
    let appearance = new.add_object(lopdf::Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), (rect[2] - rect[0]).into(), (rect[3] - rect[1]).into()],
        },
        Vec::new(),
    ));
    let widget_id = new.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal("Casebook signature"),
        "V" => sig_id,
        "P" => page_id,
        "F" => 4,
        "Rect" => rect.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
        "AP" => dictionary! { "N" => appearance },
    });
    let acroform_id = new.add_object(dictionary! {
        "Fields" => vec![Object::Reference(widget_id)],
        "SigFlags" => 3,
    });

    // The page and the catalogue are replaced by new versions that point at the widget.
    doc.opt_clone_object_to_new_document(page_id)
        .map_err(|e| fail("page", e))?;
    doc.opt_clone_object_to_new_document(root_id)
        .map_err(|e| fail("catalogue", e))?;
    let new = &mut doc.new_document;
    let page_dict = new
        .get_object_mut(page_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail("page", e))?;
    let mut annots = match page_dict.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    annots.push(Object::Reference(widget_id));
    page_dict.set("Annots", annots);
    let catalog = new
        .get_object_mut(root_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| fail("catalogue", e))?;
    if catalog.has(b"AcroForm") {
        return Err(SignError::Failed(
            "the PDF already has a form; Casebook signs only its own referrals".into(),
        ));
    }
    catalog.set("AcroForm", acroform_id);

    let mut out = Vec::with_capacity(prev_len + 2 * CONTENTS_BYTES + 4096);
    doc.save_to(&mut out)
        .map_err(|e| fail("writing the PDF", e))?;

    // Locate the placeholders in the appended section only.
    let tail_start = prev_len;
    let contents_key = find(&out, tail_start, b"/Contents<")
        .or_else(|| find(&out, tail_start, b"/Contents <"))
        .ok_or_else(|| SignError::Failed("signature placeholder not found".into()))?;
    let lt = find(&out, contents_key, b"<")
        .ok_or_else(|| SignError::Failed("signature placeholder not found".into()))?;
    let gt = find(&out, lt, b">")
        .ok_or_else(|| SignError::Failed("signature placeholder not found".into()))?;
    if gt - lt - 1 != 2 * CONTENTS_BYTES {
        return Err(SignError::Failed(
            "signature placeholder has the wrong size".into(),
        ));
    }
    let (a, b) = (lt, gt + 1);
    let c = out.len() - b;
    let br_key = find(&out, tail_start, b"/ByteRange")
        .ok_or_else(|| SignError::Failed("byte range placeholder not found".into()))?;
    let br_open = find(&out, br_key, b"[")
        .ok_or_else(|| SignError::Failed("byte range placeholder not found".into()))?;
    let br_close = find(&out, br_open, b"]")
        .ok_or_else(|| SignError::Failed("byte range placeholder not found".into()))?;
    let width = br_close - br_open - 1;
    let mut range = format!("0 {a} {b} {c}");
    if range.len() > width {
        return Err(SignError::Failed("the PDF is too large to sign".into()));
    }
    while range.len() < width {
        range.push(' ');
    }
    out[br_open + 1..br_close].copy_from_slice(range.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&out[..a]);
    hasher.update(&out[b..]);
    let digest = hasher.finalize();
    let cms = cms_detached(identity, &digest)?;
    if cms.len() > CONTENTS_BYTES {
        return Err(SignError::Failed(
            "the signature is larger than its placeholder".into(),
        ));
    }
    let hex = hex::encode_upper(&cms);
    out[lt + 1..lt + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// PDF text strings outside ASCII are UTF-16BE with a byte-order mark.
fn utf16_text(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        return s.as_bytes().to_vec();
    }
    let mut v = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_be_bytes());
    }
    v
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A detached CMS SignedData (RFC 5652 §5) over an external SHA-256 digest.
///
/// Assembled from the `cms` crate's types rather than its `builder` feature: that feature
/// pulls in the `rsa` crate (RUSTSEC-2023-0071, no fixed release), which Casebook never
/// uses. The structure is what the builder makes: signed attributes content-type,
/// message-digest and signingCertificateV2 (PAdES B-B: no signing-time attribute; the time
/// is /M in the signature dictionary), signed with ECDSA P-256 over SHA-256.
fn cms_detached(identity: &Identity, digest: &[u8]) -> Result<Vec<u8>, SignError> {
    let key =
        SigningKey::from_pkcs8_der(&identity.key_pkcs8).map_err(|e| fail("signing key", e))?;
    let cert = Certificate::from_der(&identity.cert_der).map_err(|e| fail("certificate", e))?;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: cert.tbs_certificate.issuer.clone(),
        serial_number: cert.tbs_certificate.serial_number.clone(),
    });
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(Sha256::digest(&identity.cert_der).to_vec())
                .map_err(|e| fail("certificate hash", e))?,
            issuer_serial: None,
        }],
        policies: None,
    };
    let message_digest = OctetString::new(digest).map_err(|e| fail("message digest", e))?;
    let signed_attrs: SignedAttributes = SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, &ID_DATA)?,
        attribute(ID_MESSAGE_DIGEST, &message_digest)?,
        attribute(SIGNING_CERTIFICATE_V2, &ess)?,
    ])
    .map_err(|e| fail("signed attributes", e))?;
    // RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF.
    let to_sign = signed_attrs
        .to_der()
        .map_err(|e| fail("signed attributes", e))?;
    let signature: DerSignature = key.sign(&to_sign);
    let signer_info = SignerInfo {
        version: CmsVersion::V1, // V1: the signer is named by issuer and serial number
        sid,
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
        signature: OctetString::new(signature.as_bytes()).map_err(|e| fail("signature", e))?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        // V1: id-data content, X.509 certificates only, a V1 signer (RFC 5652 §5.1).
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256])
            .map_err(|e| fail("digest algorithm", e))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(CertificateSet(
            SetOfVec::try_from(vec![CertificateChoices::Certificate(cert)])
                .map_err(|e| fail("certificate", e))?,
        )),
        crls: None,
        signer_infos: SignerInfos(
            SetOfVec::try_from(vec![signer_info]).map_err(|e| fail("signer info", e))?,
        ),
    };
    let content_info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(|e| fail("signed data", e))?,
    };
    content_info.to_der().map_err(|e| fail("encoding", e))
}

/// A signed attribute with a single value.
fn attribute(
    oid: ObjectIdentifier,
    value: &(impl der::EncodeValue + der::Tagged),
) -> Result<Attribute, SignError> {
    let value = Any::encode_from(value).map_err(|e| fail("attribute", e))?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| fail("attribute", e))?,
    })
}

/// A detached CMS signature (the same as a referral's, over SHA-256) of `data`: for files
/// that are not PDFs, such as a transfer package's content and its receipt.
pub fn sign_detached(identity: &Identity, data: &[u8]) -> Result<Vec<u8>, SignError> {
    cms_detached(identity, &Sha256::digest(data))
}

/// Checks a [`sign_detached`] signature `cms` of `data`; with the signer's certificate (DER)
/// when one could be read, for showing who signed and recognising them later.
pub fn verify_detached(data: &[u8], cms: &[u8]) -> Result<(Verified, Option<Vec<u8>>), SignError> {
    let n = data.len();
    // The "gap" is empty: every byte of `data` is covered.
    let v = check_signed_bytes(data, (n, n, n), cms)?;
    let cert = ContentInfo::from_der(trim_padding(cms))
        .ok()
        .and_then(|ci| ci.content.decode_as::<SignedData>().ok())
        .and_then(|sd| {
            sd.certificates
                .and_then(|c| c.0.iter().next().cloned())
                .and_then(|c| match c {
                    CertificateChoices::Certificate(cert) => cert.to_der().ok(),
                    _ => None,
                })
        });
    Ok((v, cert))
}

/// What checking a signature found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every signed byte is as it was signed, the signed bytes are the whole file except the
    /// signature itself, and the signature verifies with the certificate it carries.
    Intact,
    /// The signature does not match the bytes: the file was changed after it was signed.
    Changed,
    /// The file is not laid out as a Casebook referral is, or its signature cannot be read, so
    /// Casebook cannot say what the signature covers. Never reported as intact.
    CannotConfirm,
}

/// What a signature check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub outcome: Outcome,
    /// Why it is not intact, in words, when it is not.
    pub problem: Option<String>,
    pub signer: String,
    pub cert_fingerprint: String,
    pub signed_at: String,
    /// For a file Casebook cannot confirm as a whole (several signatures, or changes saved
    /// after signing): each signature found, and what it covers. Empty otherwise.
    pub signatures: Vec<Coverage>,
}

/// One signature of a file that is not laid out as a Casebook referral: how much of the file
/// it covers and whether those bytes are as signed. Never more than that: the bytes after
/// `covered_bytes` are not covered by it, whatever they show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub outcome: Outcome,
    pub problem: Option<String>,
    pub signer: String,
    pub cert_fingerprint: String,
    /// The signed bytes run from the start of the file to here (less the signature itself).
    pub covered_bytes: usize,
    pub file_bytes: usize,
}

impl Verified {
    pub fn intact(&self) -> bool {
        self.outcome == Outcome::Intact
    }

    fn unchecked() -> Self {
        Verified {
            outcome: Outcome::CannotConfirm,
            problem: None,
            signer: String::new(),
            cert_fingerprint: String::new(),
            signed_at: String::new(),
            signatures: Vec::new(),
        }
    }
}

/// Checks the signature of a Casebook referral: first that the file has exactly the layout
/// Casebook writes and which signature its form points to ([`super::layout`]), then that
/// signature's digest, certificate and value. A file with another layout is "cannot be
/// confirmed", with each signature found in it and what it covers.
pub fn verify_pdf(bytes: &[u8]) -> Result<Verified, SignError> {
    let layout = match super::layout::read(bytes) {
        Ok(l) => l,
        Err(super::layout::NotConfirmable(why)) => {
            let mut v = Verified::unchecked();
            v.problem = Some(format!("Casebook cannot confirm this signature: {why}."));
            for found in super::layout::scan_signatures(bytes) {
                let c = check_signed_bytes(
                    bytes,
                    (found.gap_start, found.gap_end, found.covered_end),
                    &found.contents,
                )?;
                v.signatures.push(Coverage {
                    outcome: c.outcome,
                    problem: c.problem,
                    signer: c.signer,
                    cert_fingerprint: c.cert_fingerprint,
                    covered_bytes: found.covered_end,
                    file_bytes: bytes.len(),
                });
            }
            return Ok(v);
        }
    };
    let mut v = check_signed_bytes(
        bytes,
        (layout.gap_start, layout.gap_end, bytes.len()),
        &layout.contents,
    )?;
    v.signed_at = layout.signed_at;
    Ok(v)
}

/// Checks one CMS signature over `[0, gap_start)` and `[gap_end, end)` of `bytes`: its digest,
/// its certificate reference and its value.
fn check_signed_bytes(
    bytes: &[u8],
    (b, c, end): (usize, usize, usize),
    contents: &[u8],
) -> Result<Verified, SignError> {
    let mut v = Verified::unchecked();
    let mut hasher = Sha256::new();
    hasher.update(&bytes[..b]);
    hasher.update(&bytes[c..end]);
    let digest = hasher.finalize();

    // The CMS may be followed by zero padding, and by nothing else: the gap must not carry
    // anything unsigned beside the signature.
    let cms = trim_padding(contents);
    if contents[cms.len()..].iter().any(|b| *b != 0) {
        v.problem = Some("the signature's space holds data besides the signature".into());
        return Ok(v);
    }
    let ci = match ContentInfo::from_der(cms) {
        Ok(ci) => ci,
        Err(_) => {
            v.problem = Some("the signature data is damaged".into());
            return Ok(v);
        }
    };
    let sd: SignedData = match ci.content.decode_as() {
        Ok(sd) => sd,
        Err(_) => {
            v.problem = Some("the signature data is damaged".into());
            return Ok(v);
        }
    };
    let Some(CertificateChoices::Certificate(cert)) = sd
        .certificates
        .as_ref()
        .and_then(|c| c.0.iter().next())
        .cloned()
    else {
        v.problem = Some("the signature carries no certificate".into());
        return Ok(v);
    };
    let cert_der = cert.to_der().map_err(|e| fail("certificate", e))?;
    v.cert_fingerprint = fingerprint(&cert_der);
    v.signer = signer_name(&cert);
    let Some(si) = sd.signer_infos.0.iter().next() else {
        v.problem = Some("the signature has no signer".into());
        return Ok(v);
    };
    if si.digest_alg.oid != ID_SHA256 {
        v.problem = Some(
            "the signature uses a digest other than SHA-256, which Casebook does not check".into(),
        );
        return Ok(v);
    }
    let Some(attrs) = &si.signed_attrs else {
        v.problem = Some("the signature has no signed attributes".into());
        return Ok(v);
    };
    let md = attrs
        .iter()
        .find(|a| a.oid == ID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| OctetString::from_der(&v.to_der().ok()?).ok());
    if md.as_ref().map(OctetString::as_bytes) != Some(digest.as_slice()) {
        v.outcome = Outcome::Changed;
        v.problem = Some("the document was changed after it was signed".into());
        return Ok(v);
    }
    let ess_ok = attrs
        .iter()
        .find(|a| a.oid == SIGNING_CERTIFICATE_V2)
        .and_then(|a| a.values.iter().next())
        .and_then(|v| SigningCertificateV2::from_der(&v.to_der().ok()?).ok())
        .is_some_and(|s| s.certs.iter().any(|c| c.names(&cert_der)));
    if !ess_ok {
        v.problem = Some("the signature does not name its certificate".into());
        return Ok(v);
    }
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| fail("certificate key", e))?;
    let Ok(key) = VerifyingKey::from_public_key_der(&spki) else {
        v.problem = Some("the certificate's key is not one Casebook checks (ECDSA P-256)".into());
        return Ok(v);
    };
    // The signature covers the signed attributes as the signer encoded them (RFC 5652 §5.4,
    // with a SET tag for the [0]). Decoding re-sorts a SET OF, so a re-encoding would differ
    // from the bytes of a signer whose order differed: take them from the CMS itself, and
    // re-encode only if that fails.
    let signed_attrs_der = match raw_signed_attrs(cms) {
        Some(raw) => raw,
        None => attrs.to_der().map_err(|e| fail("attributes", e))?,
    };
    let Ok(sig) = p256::ecdsa::DerSignature::from_bytes(si.signature.as_bytes()) else {
        v.problem = Some("the signature value is damaged".into());
        return Ok(v);
    };
    if key.verify(&signed_attrs_der, &sig).is_err() {
        v.outcome = Outcome::Changed;
        v.problem = Some("the signature does not match the document".into());
        return Ok(v);
    }
    v.outcome = Outcome::Intact;
    Ok(v)
}

/// The first signer's signed attributes exactly as encoded in `cms`, with the SET tag the
/// signature covers in place of their [0]: ContentInfo, its [0] content, SignedData's last
/// SET (signerInfos), its first SignerInfo, and that one's constructed [0].
fn raw_signed_attrs(cms: &[u8]) -> Option<Vec<u8>> {
    use der::asn1::AnyRef;
    use der::{Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
    fn children(bytes: &[u8]) -> Option<Vec<AnyRef<'_>>> {
        let mut r = SliceReader::new(bytes).ok()?;
        let mut out = Vec::new();
        while !r.is_finished() {
            out.push(r.decode::<AnyRef<'_>>().ok()?);
        }
        Some(out)
    }
    let content_info = children(cms)?.into_iter().next()?;
    let explicit = children(content_info.value())?.into_iter().nth(1)?;
    let signed_data = children(explicit.value())?.into_iter().next()?;
    let signer_infos = children(signed_data.value())?
        .into_iter()
        .rev()
        .find(|e| e.tag() == Tag::Set)?;
    let signer_info = children(signer_infos.value())?.into_iter().next()?;
    let attrs = children(signer_info.value())?.into_iter().find(|e| {
        e.tag()
            == Tag::ContextSpecific {
                constructed: true,
                number: TagNumber::N0,
            }
    })?;
    let mut raw = attrs.to_der().ok()?;
    *raw.first_mut()? = 0x31;
    Some(raw)
}

/// "Name, Organisation" from the certificate's subject (common name and organisation).
fn signer_name(cert: &Certificate) -> String {
    let mut name = String::new();
    let mut org = String::new();
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            let text = atv.to_string().replace("\\,", ",").replace("\\+", "+");
            if let Some(v) = text.strip_prefix("CN=") {
                name = v.to_owned();
            } else if let Some(v) = text.strip_prefix("O=") {
                org = v.to_owned();
            }
        }
    }
    match (name.is_empty(), org.is_empty()) {
        (false, false) => format!("{name}, {org}"),
        (false, true) => name,
        _ => cert.tbs_certificate.subject.to_string(),
    }
}

fn trim_padding(contents: &[u8]) -> &[u8] {
    // DER gives the length: read the outer header and cut there.
    use der::Reader;
    let total = der::SliceReader::new(contents)
        .ok()
        .and_then(|mut r| {
            let header = der::Header::decode(&mut r).ok()?;
            let pos = r.position();
            (pos + header.length).ok()
        })
        .and_then(|l| usize::try_from(u32::from(l)).ok());
    match total {
        Some(t) if t <= contents.len() => &contents[..t],
        _ => contents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF with a classic cross-reference table, as printpdf writes them.
    fn minimal_pdf() -> Vec<u8> {
        let objects = [
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
        ];
        let mut out = b"%PDF-1.3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<</Size 4/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    /// The minimal PDF signed by a new identity, and the identity.
    fn signed_minimal_pdf() -> (Identity, Vec<u8>) {
        let id = Identity::generate("Test DSL", "Test School", Utc::now()).unwrap();
        let signed = sign_pdf(
            minimal_pdf(),
            &id,
            "Test DSL",
            "test",
            Utc::now(),
            0,
            [0.0; 4],
        )
        .unwrap();
        (id, signed)
    }

    fn byte_range(pdf: &[u8]) -> (usize, [usize; 4], usize) {
        let at = find(pdf, 0, b"/ByteRange").unwrap();
        let open = find(pdf, at, b"[").unwrap();
        let close = find(pdf, open, b"]").unwrap();
        let r: Vec<usize> = std::str::from_utf8(&pdf[open + 1..close])
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        (open, [r[0], r[1], r[2], r[3]], close)
    }

    #[test]
    fn a_signed_minimal_pdf_is_intact() {
        let (_, signed) = signed_minimal_pdf();
        let v = verify_pdf(&signed).unwrap();
        assert_eq!(v.outcome, Outcome::Intact, "{v:?}");
    }

    /// The signed attributes are checked as the signer encoded them: read from the CMS, they
    /// are what a re-encoding gives for our own signatures (which write DER order), and a
    /// SET tag leads them.
    #[test]
    fn the_signed_attributes_are_read_as_encoded() {
        let (_, signed) = signed_minimal_pdf();
        let (_, _, close) = byte_range(&signed);
        let start = find(&signed, close, b"<").unwrap() + 1;
        let end = find(&signed, start, b">").unwrap();
        let contents = hex::decode(&signed[start..end]).unwrap();
        let cms = trim_padding(&contents);
        let raw = raw_signed_attrs(cms).expect("the signed attributes are found");
        assert_eq!(raw[0], 0x31);
        let ci = ContentInfo::from_der(cms).unwrap();
        let sd: SignedData = ci.content.decode_as().unwrap();
        let attrs = sd
            .signer_infos
            .0
            .get(0)
            .unwrap()
            .signed_attrs
            .clone()
            .unwrap();
        assert_eq!(raw, attrs.to_der().unwrap());
    }

    /// The wrapping attack at its strongest: the signer's own key signs byte ranges that leave
    /// more than the signature unsigned (here the first range stops short, so the `/Contents`
    /// key itself is in the gap, where a forger could later put anything of that length).
    /// Digest and signature then verify, so only the layout check stands between the gap and
    /// "intact".
    #[test]
    fn a_gap_wider_than_the_signature_is_refused_even_when_the_signature_verifies() {
        let (id, mut forged) = signed_minimal_pdf();
        let (open, [_, b, c, d], close) = byte_range(&forged);
        let b2 = b - b"/Contents".len();
        assert_eq!(&forged[b2..b], b"/Contents");
        let mut range = format!("0 {b2} {c} {d}");
        while range.len() < close - open - 1 {
            range.push(' ');
        }
        forged[open + 1..close].copy_from_slice(range.as_bytes());
        let mut hasher = Sha256::new();
        hasher.update(&forged[..b2]);
        hasher.update(&forged[c..]);
        let cms = cms_detached(&id, &hasher.finalize()).unwrap();
        let hex = hex::encode_upper(&cms);
        forged[b + 1..b + 1 + hex.len()].copy_from_slice(hex.as_bytes());

        let v = verify_pdf(&forged).unwrap();
        assert_eq!(v.outcome, Outcome::CannotConfirm, "{v:?}");
        assert!(
            v.problem
                .as_deref()
                .unwrap_or_default()
                .contains("except the signature itself"),
            "{v:?}"
        );
    }

    #[test]
    fn data_hidden_in_the_signatures_padding_is_refused() {
        let (_, mut signed) = signed_minimal_pdf();
        let (_, [_, _, c, _], _) = byte_range(&signed);
        // The last hex digits of /Contents are padding zeros.
        signed[c - 3] = b'7';
        let v = verify_pdf(&signed).unwrap();
        assert_eq!(v.outcome, Outcome::CannotConfirm, "{v:?}");
    }
}
