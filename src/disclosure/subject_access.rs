//! The response to a subject access request: everything held about the person, with third
//! parties shown by their role (other children and adults always; staff and professionals as
//! the DSL decides; anyone the DSL names, such as the parent who asked), and each part withheld
//! under an exemption marked as withheld with the exemption's name: its reason stays in the
//! vault. A reviewer's view lists every redaction and every part withheld before the response
//! is signed; the signed PDF is recorded with its SHA-256 on the request and in the audit trail.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::file::{self, Built, ChildFile, Redaction};
use super::render::{self, Purpose};
use crate::audit::{self, Action};
use crate::records::subject_access::{self, Request, Withheld};
use crate::records::RecordId;
use crate::referral::sign;
use crate::vault::Session;
use crate::{Error, Result};

/// The DSL's choices for a response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResponseChoices {
    /// Staff and professionals named (acting in their work) rather than shown by role.
    pub staff_named: bool,
    /// Others to name: the person asking, when they are recorded (a parent asking for their
    /// child's file is named as themselves).
    pub also_named: Vec<RecordId>,
}

/// A part of the file that can be withheld, as the reviewer's view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Part {
    /// Its key ("entry 14", "DEMO-2026-0001 what happened").
    pub part: String,
    /// Where it is and how it starts, after redaction.
    pub label: String,
}

/// What the reviewer sees before the response is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ResponsePreview {
    pub built: Built,
    pub parts: Vec<Part>,
    pub withheld: Vec<Withheld>,
}

fn redaction(r: &Request, choices: &ResponseChoices) -> Redaction {
    let mut named = vec![r.person_id];
    named.extend(&choices.also_named);
    Redaction {
        children: true,
        adults: true,
        staff: !choices.staff_named,
        named,
    }
}

fn shortened(text: &str) -> String {
    let mut s: String = text.chars().take(80).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// Every part of `file` that can be withheld.
fn parts(file: &ChildFile) -> Vec<Part> {
    let mut out = Vec::new();
    // An earlier school's incidents are parts too, named with their file ("file 1, INC-…").
    for (prefix, i) in file.all_incidents() {
        let reference = format!("{prefix}{}", i.reference);
        out.push(Part {
            part: format!("{reference} what happened"),
            label: format!("{reference}, what happened: {}", shortened(&i.summary)),
        });
        if !i.childs_words.is_empty() {
            out.push(Part {
                part: format!("{reference} in the child's own words"),
                label: format!(
                    "{reference}, in the child's own words: {}",
                    shortened(&i.childs_words)
                ),
            });
        }
        for e in i.entries() {
            out.push(Part {
                part: e.id.clone(),
                label: format!("{reference}, {} ({}): {}", e.kind, e.id, shortened(&e.text)),
            });
        }
    }
    out
}

/// Replaces every withheld part of `file` by a line that names the exemption (never the
/// reason).
fn apply(file: &mut ChildFile, withheld: &[Withheld]) {
    let note = |w: &Withheld| format!("[Withheld under an exemption: {}]", w.exemption.label());
    let find = |part: &str| withheld.iter().find(|w| w.part == part);
    for (prefix, i) in file.all_incidents_mut() {
        let reference = format!("{prefix}{}", i.reference);
        if let Some(w) = find(&format!("{reference} what happened")) {
            i.summary = note(w);
        }
        if let Some(w) = find(&format!("{reference} in the child's own words")) {
            i.childs_words = note(w);
        }
        for e in i.entries_mut() {
            if let Some(w) = find(&e.id) {
                e.text = note(w);
                e.details.clear();
            }
        }
    }
}

fn build(
    session: &Session,
    r: &Request,
    choices: &ResponseChoices,
    at: chrono::DateTime<Utc>,
) -> Result<(Built, Vec<Part>)> {
    let mut built = file::build(session, r.person_id, &redaction(r, choices), at)?;
    let parts = parts(&built.file);
    apply(&mut built.file, &r.withheld);
    Ok((built, parts))
}

/// The response as it would be made now, with each redaction, every part that can be
/// withheld, and those withheld, for the reviewer.
pub fn preview(
    session: &Session,
    request_id: RecordId,
    choices: &ResponseChoices,
) -> Result<ResponsePreview> {
    let r = subject_access::get(session.conn(), request_id)?;
    let (built, parts) = build(session, &r, choices, Utc::now())?;
    Ok(ResponsePreview {
        built,
        parts,
        withheld: r.withheld,
    })
}

/// Makes, signs and saves the response; records it on the request (with its SHA-256 and the
/// choices) and in the audit trail, in one transaction with `write`.
pub fn make_response(
    session: &mut Session,
    request_id: RecordId,
    choices: &ResponseChoices,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<super::transfer::Made> {
    let r = subject_access::get(session.conn(), request_id)?;
    let at = Utc::now();
    let (built, _) = build(session, &r, choices, at)?;
    let demo = crate::organisation::is_demo(session.conn())?;
    let (identity, signer) = crate::referral::member_signer(session, at)?;
    let rendered = render::render(&built.file, &Purpose::SubjectAccess(&r), &signer, demo)?;
    let a = rendered.signature;
    let pdf = sign::sign_pdf(
        rendered.pdf,
        &identity,
        &signer.name,
        "Response to a subject access request",
        at,
        a.page,
        [a.x, a.y, a.x + a.width, a.y + a.height],
    )
    .map_err(|e| Error::Internal(format!("signing the response: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        // The event first, so that the audit entry after it covers its row.
        subject_access::responded_in_tx(
            tx,
            &actor,
            r.id,
            &json!({ "sha256": sha256, "staff_named": choices.staff_named,
                     "also_named": choices.also_named, "withheld": r.withheld.len() }),
        )?;
        audit::append(
            tx,
            at,
            &actor,
            Action::RecordExported,
            &subject_access::subject(r.id),
            &json!({ "what": "subject_access_response", "sha256": sha256, "bytes": pdf.len() }),
        )?;
        write(&pdf)
    })?;
    Ok(super::transfer::Made {
        bytes: pdf,
        sha256,
        file_name: format!("Subject access response {}.pdf", r.id),
    })
}
