//! An incident's record as a PDF, to print for a strategy meeting or a paper file (domain
//! review: nothing printed but referrals): its details, the people and their roles, what the
//! family was told and agreed, the whole chronology (decisions with their reasons, actions with
//! where they stand, contacts with agencies), evidence notes with their chain of custody, the
//! checklists used, and who was told what. Text only, in the referral summaries' layout (no
//! image can be in it); OFFICIAL-SENSITIVE on every page. Not signed: a referral is the signed
//! document that leaves the school; this one stays with the DSL's file.

use chrono::{DateTime, Utc};

use crate::pdf::{Furniture, Layout, Style};
use crate::records::chronology::{Entry, EntryKind};
use crate::records::evidence::EvidenceNote;
use crate::records::family::FamilyRecord;
use crate::records::incidents::Incident;
use crate::records::sharing::Shared;
use crate::time::uk_stored as display_time;
use crate::vault::Session;
use crate::Result;

/// Everything the PDF prints, read from the vault.
pub struct IncidentFile {
    pub incident: Incident,
    pub chronology: Vec<Entry>,
    pub evidence: Vec<EvidenceNote>,
    pub family: FamilyRecord,
    pub shared: Vec<Shared>,
    pub checklists: Vec<crate::checklists::engine::RunSummary>,
}

/// Reads incident `reference` for printing.
pub fn read(session: &Session, reference: &str) -> Result<IncidentFile> {
    let conn = session.conn();
    let incident = crate::records::incidents::get(conn, reference)?;
    let mut chronology = crate::records::chronology::for_incident(conn, reference)?;
    chronology.reverse();
    Ok(IncidentFile {
        chronology,
        evidence: crate::records::evidence::for_incident(conn, reference)?,
        family: crate::records::family::get(conn, incident.id)?,
        shared: crate::records::sharing::list(conn, incident.id)?,
        checklists: crate::checklists::engine::for_incident(session, reference)?,
        incident,
    })
}

/// A section's heading, never alone at the foot of a page.
fn section(l: &mut Layout, title: &str) {
    l.keep(90.0);
    l.heading(title, Style::H2);
}

fn none(l: &mut Layout, text: &str) {
    l.text(text, Style::BODY, 0.0);
}

/// Renders `file` for `organisation` (with the demo marking in a demo vault).
pub fn render(
    file: &IncidentFile,
    organisation: &str,
    demo: bool,
    at: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let i = &file.incident;
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL-SENSITIVE", demo),
        header: format!("{organisation} · {}", i.reference),
        footer: format!(
            "{} · Casebook incident record, printed {}",
            i.reference,
            crate::time::uk(at)
        ),
    })?;
    l.text(&format!("Incident {}", i.reference), Style::H1, 0.0);
    l.text(
        &format!(
            "{organisation} · version {} · printed {}",
            i.version,
            crate::time::uk(at)
        ),
        Style::SMALL,
        0.0,
    );

    section(&mut l, "Details");
    l.field("Category", i.category.label());
    l.field(
        "Area of risk (4 Cs)",
        &i.four_cs
            .iter()
            .map(|c| c.label())
            .collect::<Vec<_>>()
            .join(", "),
    );
    l.field("Risk", i.risk.label());
    l.field("Status", i.status.label());
    l.field(
        "Happened",
        &i.occurred_at
            .as_deref()
            .map_or_else(|| "Not known".to_owned(), display_time),
    );
    l.field(
        "Reported",
        &format!("{} by {}", display_time(&i.reported_at), i.reported_by),
    );
    section(&mut l, "What happened");
    l.text(&i.summary, Style::BODY, 0.0);
    if !i.childs_words.is_empty() {
        l.text("In the child's own words:", Style::BODY, 0.0);
        l.text(&format!("“{}”", i.childs_words), Style::BODY, 18.0);
    }
    if !i.outcome.is_empty() {
        l.field("Outcome", &i.outcome);
    }

    section(&mut l, "People");
    if i.people.is_empty() {
        none(&mut l, "No one linked to the incident.");
    }
    for p in &i.people {
        l.field(
            p.role.label(),
            &format!("{} ({})", p.full_name, p.kind.label()),
        );
    }

    section(&mut l, "The family");
    match &file.family.parents_informed {
        Some(p) if p.informed => l.field(
            "Parents or carers told",
            &format!(
                "{}: {} told {}{}",
                p.at.as_deref().map_or_else(String::new, display_time),
                p.told_by,
                p.who_was_told,
                if p.how.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", p.how)
                }
            ),
        ),
        Some(p) => l.field("Parents or carers told", &format!("No: {}", p.reason_not)),
        None => l.field("Parents or carers told", "Not recorded"),
    }
    for (label, consent) in [
        ("Consent to share", &file.family.consent_to_share),
        ("Consent to early help", &file.family.consent_to_early_help),
    ] {
        l.field(
            label,
            &consent.as_ref().map_or_else(
                || "Not recorded".to_owned(),
                |c| {
                    [
                        c.outcome.label().to_owned(),
                        c.given_by.clone(),
                        c.covers.clone(),
                        c.reason.clone(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ")
                },
            ),
        );
    }

    section(&mut l, "Chronology (oldest first)");
    if file.chronology.is_empty() {
        none(&mut l, "Nothing recorded yet.");
    }
    for e in &file.chronology {
        let mut lines = vec![e.text.clone()];
        match e.kind {
            EntryKind::Decision => lines.push(format!("Reason: {}", e.reason)),
            EntryKind::Action => {
                lines.push(format!(
                    "Owner: {}{}",
                    e.action_owner,
                    e.action_due
                        .map(|d| format!(", due {}", crate::time::long_date(d)))
                        .unwrap_or_default()
                ));
                lines.push(match &e.action_state {
                    Some(s) => format!("{}: {}", s.state.label(), s.note),
                    None => "Open".to_owned(),
                });
            }
            EntryKind::AgencyContact => {
                for (label, v) in [
                    ("Agency", &e.agency),
                    ("Spoke to", &e.agency_person),
                    ("Outcome", &e.agency_outcome),
                    ("Their reference", &e.agency_reference),
                ] {
                    if !v.is_empty() {
                        lines.push(format!("{label}: {v}"));
                    }
                }
            }
            EntryKind::Note => {}
        }
        l.entry(
            &format!(
                "{} · {} · {}",
                display_time(&e.occurred_at),
                e.kind.label(),
                e.changed_by
            ),
            &lines,
        );
    }

    section(
        &mut l,
        "Evidence and custody (described in words; no images are held)",
    );
    if file.evidence.is_empty() {
        none(&mut l, "No evidence note recorded.");
    }
    for n in &file.evidence {
        let mut lines = vec![n.description.clone()];
        for (label, v) in [
            ("Device", &n.device),
            ("Where it is", &n.device_location),
            ("Held by", &n.held_by),
        ] {
            if !v.is_empty() {
                lines.push(format!("{label}: {v}"));
            }
        }
        for url in &n.urls {
            lines.push(format!("Address (as text, not visited): {url}"));
        }
        for c in &n.custody {
            lines.push(format!(
                "{}: {} by {}{}",
                display_time(&c.at),
                c.event.label(),
                c.by_whom,
                [
                    ("bag", &c.bag_number),
                    ("at", &c.location),
                    ("to", &c.recipient),
                    ("collar number", &c.collar_number),
                    ("note", &c.note),
                ]
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!(", {k} {v}"))
                .collect::<String>()
            ));
        }
        l.entry(
            &format!("Evidence note, recorded {}", display_time(&n.changed_at)),
            &lines,
        );
    }

    section(&mut l, "Checklists");
    if file.checklists.is_empty() {
        none(&mut l, "No checklist used.");
    }
    for r in &file.checklists {
        l.field(
            &r.title,
            &format!(
                "version {}, started {} by {}; {}",
                r.template_version,
                display_time(&r.started_at),
                r.started_by,
                match (&r.finished_at, &r.finished_by) {
                    (Some(t), Some(by)) => format!("finished {} by {by}", display_time(t)),
                    _ => "in progress".to_owned(),
                }
            ),
        );
    }

    section(&mut l, "Who was told what");
    if file.shared.is_empty() {
        none(&mut l, "Nothing shared outside the school is recorded.");
    }
    for s in &file.shared {
        let mut lines = vec![
            format!(
                "To {}, {}{}",
                s.recipient_name,
                s.recipient_organisation,
                if s.recipient_role.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", s.recipient_role)
                }
            ),
            format!("About: {}", s.people.join(", ")),
            format!(
                "What: {}",
                s.what
                    .iter()
                    .map(|w| w.label())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            format!(
                "Lawful basis: {}; {}",
                s.article6.label(),
                s.article9.label()
            ),
            format!("Why: {}", s.reason),
        ];
        if let Some(hash) = &s.referral_sha256 {
            lines.push(format!("Signed referral, SHA-256 {hash}"));
        }
        l.entry(
            &format!("{} · {}", display_time(&s.at), s.method.label()),
            &lines,
        );
    }

    l.finish(&format!("Incident {}", i.reference), organisation, at)
}
