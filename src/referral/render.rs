//! A referral summary as a PDF: the protective marking, organisation, reference, recipient and
//! "page N of M" on every page; the sections; then the visible signature block, whose place is
//! returned so the digital signature's widget covers it.

use chrono::{DateTime, Utc};

use super::summary::{Item, Summary};
use crate::pdf::{Area, Furniture, Layout, Style};
use crate::Result;

/// Who signs, as the signature block shows it.
#[derive(Debug, Clone)]
pub struct Signer {
    pub name: String,
    pub role: String,
    pub organisation: String,
    /// The DSL's phone and other contact details, from Settings.
    pub contact: String,
    pub at: DateTime<Utc>,
    pub fingerprint: String,
    /// "entry N, SHA-256 …": the vault's audit trail when this was signed.
    pub audit_head: String,
}

pub struct Rendered {
    pub pdf: Vec<u8>,
    pub signature: Area,
    pub pages: usize,
}

/// About how tall `item` is on the page (a field's label and value on one line, roughly).
fn height(l: &Layout, item: &Item) -> f32 {
    match item {
        Item::Field { label, value } => l.height(&format!("{label}: {value}"), Style::BODY, 0.0),
        Item::Paragraph { text } => l.height(text, Style::BODY, 0.0),
        Item::Quote { text } => l.height(text, Style::BODY, 18.0),
        Item::Entry { heading, lines } => l.entry_height(heading, lines),
    }
}

/// What a signature block says: who signed, for whom, when, how to reach them, the
/// certificate and the audit trail at signing. Shared by every signed PDF.
pub fn signature_lines(signer: &Signer) -> Vec<(String, Style)> {
    vec![
        (
            format!("Signed by {}, {}", signer.name, signer.role),
            Style::LABEL,
        ),
        (signer.organisation.clone(), Style::BODY),
        (
            format!("Date and time: {}", crate::time::uk_seconds(signer.at)),
            Style::BODY,
        ),
        (
            if signer.contact.is_empty() {
                "Contact: through the organisation".to_owned()
            } else {
                format!("Contact: {}", signer.contact)
            },
            Style::BODY,
        ),
        (
            format!("Signing certificate SHA-256: {}", signer.fingerprint),
            Style::SMALL,
        ),
        (
            format!("Audit trail at signing: {}", signer.audit_head),
            Style::SMALL,
        ),
        (
            "This PDF carries a digital signature. Any change to it after signing makes the \
             signature invalid."
                .to_owned(),
            Style::SMALL,
        ),
    ]
}

pub fn render(s: &Summary, signer: &Signer) -> Result<Rendered> {
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL-SENSITIVE", s.demo),
        header: format!(
            "{} · {} · for {}",
            s.organisation,
            s.reference,
            s.recipient.label()
        ),
        footer: format!(
            "{} · Casebook referral summary, digitally signed by {}",
            s.reference, signer.name
        ),
    })?;
    l.text(&s.title, Style::H1, 0.0);
    l.text(
        &format!("{} · prepared {}", s.reference, crate::time::uk(signer.at)),
        Style::SMALL,
        0.0,
    );
    for section in &s.sections {
        let first = section.items.first().map_or(0.0, |item| height(&l, item));
        l.heading_with(&section.title, Style::H2, first);
        for item in &section.items {
            match item {
                Item::Field { label, value } => l.field(label, value),
                Item::Paragraph { text } => {
                    l.text(text, Style::BODY, 0.0);
                    l.gap(3.0);
                }
                Item::Quote { text } => {
                    l.text(&format!("“{text}”"), Style::BODY, 18.0);
                    l.gap(3.0);
                }
                Item::Entry { heading, lines } => l.entry(heading, lines),
            }
        }
    }

    l.heading("Signature", Style::H2);
    let area = l.block(132.0);
    l.text_in(area, &signature_lines(signer));
    l.after(area);
    let pages = l.page_count();
    let pdf = l.finish(
        &format!("{} — {}", s.title, s.reference),
        &signer.name,
        signer.at,
    )?;
    Ok(Rendered {
        pdf,
        signature: area,
        pages,
    })
}
