//! What a referral says, for each recipient: the police, children's social care, the LADO.
//!
//! The summary is a plain model (sections of fields, paragraphs, quotes and dated entries) so
//! the same content is rendered to PDF and shown as the on-screen preview. Each recipient gets
//! what they need and nothing they should not: the LADO's summary is about the adult, with the
//! children named by role only (no dates of birth, no SEND, care or plan flags); children's
//! social care gets the child's details but not the police's chain of custody.

use serde::Serialize;

use crate::checklists::engine::{self, Answer};
use crate::checklists::template::StepKind;
use crate::records::chronology::{self, EntryKind};
use crate::records::evidence;
use crate::records::incidents::{self, Category, Role};
use crate::records::people::{self, PersonKind};
use crate::vault::Session;
use crate::Result;

text_enum! {
    /// Who a referral is for.
    Recipient {
        Police = "police", "the police";
        SocialCare = "social_care", "children's social care";
        Lado = "lado", "the LADO";
    }
}

impl Recipient {
    /// For file names: "police", "childrens social care", "LADO".
    pub fn file_label(self) -> &'static str {
        match self {
            Recipient::Police => "police",
            Recipient::SocialCare => "childrens social care",
            Recipient::Lado => "LADO",
        }
    }

    /// How the choice reads in a list of recipients.
    pub fn choice_label(self) -> &'static str {
        match self {
            Recipient::Police => "The police",
            Recipient::SocialCare => "Children's social care (MASH / front door)",
            Recipient::Lado => "The LADO (allegation about an adult)",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Recipient::Police => "Referral to the police",
            Recipient::SocialCare => "Referral to children's social care",
            Recipient::Lado => "Referral to the LADO: allegation about an adult",
        }
    }
}

/// One item in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    Field {
        label: String,
        value: String,
    },
    Paragraph {
        text: String,
    },
    /// Words kept exactly as said.
    Quote {
        text: String,
    },
    /// A dated entry: a heading line and lines under it.
    Entry {
        heading: String,
        lines: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

/// Everything a referral says, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Summary {
    pub recipient: Recipient,
    pub title: String,
    pub organisation: String,
    pub reference: String,
    pub sections: Vec<Section>,
    /// From a demo vault: marked as fictional on every page.
    pub demo: bool,
    /// Whose details it carries, and which kinds: the information-sharing record of the
    /// referral (`records::sharing`) is written from these.
    pub people: Vec<crate::records::RecordId>,
    pub shares: Vec<crate::records::sharing::SharedDetail>,
}

fn field(label: &str, value: impl Into<String>) -> Item {
    Item::Field {
        label: label.to_owned(),
        value: value.into(),
    }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".to_owned()
    } else {
        s.to_owned()
    }
}

/// The referrer (the member making the referral, whom the recipient calls back) and the
/// setting, as every form's first part asks: name, role, phone, secure e-mail; the setting's
/// name, address and URN; and the DSL, when someone else refers.
fn referrer(session: &Session, org: &crate::organisation::Organisation) -> Result<Vec<Item>> {
    let me = session.current_member()?;
    let setting = crate::organisation::setting_details(session.conn())?;
    let mut items = vec![field("Referrer", format!("{}, {}", me.name, me.role_title))];
    for (label, value) in [("Phone", &me.phone), ("Secure e-mail", &me.secure_email)] {
        if !value.is_empty() {
            items.push(field(label, value.clone()));
        }
    }
    items.push(field("Setting", org.name.clone()));
    for (label, value) in [
        ("Setting's address", &setting.address),
        ("URN", &setting.urn),
        ("Safeguarding team's phone", &setting.phone),
        ("Safeguarding team's secure e-mail", &setting.secure_email),
    ] {
        if !value.is_empty() {
            items.push(field(label, value.clone()));
        }
    }
    if me.name != org.dsl_name {
        items.push(field("Designated Safeguarding Lead", org.dsl_name.clone()));
    }
    Ok(items)
}

/// Builds the summary of `reference` for `recipient` from the vault.
pub fn build(session: &Session, reference: &str, recipient: Recipient) -> Result<Summary> {
    let conn = session.conn();
    let org = crate::organisation::current(session.conn())?;
    let incident = incidents::get(conn, reference)?;
    let mut sections = Vec::new();

    sections.push(Section {
        title: "Who is referring".to_owned(),
        items: referrer(session, &org)?,
    });
    sections.push(Section {
        title: "The referral".to_owned(),
        items: vec![
            field("Incident reference", incident.reference.clone()),
            field("To", recipient.label()),
            field("Category", incident.category.label()),
            field(
                "Area of risk (4 Cs)",
                incident
                    .four_cs
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            field("Risk", incident.risk.label()),
            field("Status", incident.status.label()),
            field(
                "Happened",
                incident
                    .occurred_at
                    .as_deref()
                    .map_or("Not known".to_owned(), display_time),
            ),
            field(
                "Reported",
                format!(
                    "{} by {}",
                    display_time(&incident.reported_at),
                    incident.reported_by
                ),
            ),
        ],
    });

    // People.
    let mut children = Vec::new();
    let mut adults = Vec::new();
    for link in &incident.people {
        let person = people::get(conn, link.person_id)?;
        if person.kind == PersonKind::Child {
            children.push((person, link.role));
        } else {
            adults.push((person, link.role));
        }
    }
    let child_items = |list: &[(people::Person, Role)], full: bool| -> Vec<Item> {
        let mut items = Vec::new();
        for (p, role) in list {
            let mut lines = vec![format!("Role: {}", role.label())];
            if full {
                lines.push(format!(
                    "Date of birth: {}",
                    p.date_of_birth
                        .map_or("not recorded".to_owned(), crate::time::long_date)
                ));
                lines.push(format!("Class or year: {}", or_dash(&p.class_year)));
                let mut flags = Vec::new();
                if p.send {
                    flags.push("special educational needs or disability (SEND)");
                }
                if p.looked_after {
                    flags.push("looked after");
                }
                if p.cp_plan {
                    flags.push("child protection plan");
                }
                lines.push(format!(
                    "Recorded needs: {}",
                    if flags.is_empty() {
                        "none recorded".to_owned()
                    } else {
                        flags.join("; ")
                    }
                ));
            }
            items.push(Item::Entry {
                heading: p.full_name.clone(),
                lines,
            });
        }
        if items.is_empty() {
            items.push(Item::Paragraph {
                text: "No one recorded.".to_owned(),
            });
        }
        items
    };
    let adult_items = |list: &[(people::Person, Role)]| -> Vec<Item> {
        let mut items: Vec<Item> = list
            .iter()
            .map(|(p, role)| Item::Entry {
                heading: p.full_name.clone(),
                lines: vec![format!("{}; role: {}", p.kind.label(), role.label())],
            })
            .collect();
        if items.is_empty() {
            items.push(Item::Paragraph {
                text: "No adult recorded.".to_owned(),
            });
        }
        items
    };
    match recipient {
        Recipient::Lado => {
            // The adult first; the children by name and role only.
            sections.push(Section {
                title: "The adult the allegation is about".to_owned(),
                items: adult_items(&adults),
            });
            sections.push(Section {
                title: "Children involved".to_owned(),
                items: child_items(&children, false),
            });
        }
        _ => {
            sections.push(Section {
                title: "Children and young people involved".to_owned(),
                items: child_items(&children, true),
            });
            if !adults.is_empty() {
                sections.push(Section {
                    title: "Adults involved".to_owned(),
                    items: adult_items(&adults),
                });
            }
        }
    }

    let mut happened = vec![Item::Paragraph {
        text: incident.summary.clone(),
    }];
    if !incident.childs_words.is_empty() {
        happened.push(Item::Paragraph {
            text: "In the child's own words:".to_owned(),
        });
        happened.push(Item::Quote {
            text: incident.childs_words.clone(),
        });
    }
    sections.push(Section {
        title: if recipient == Recipient::Lado {
            "The allegation".to_owned()
        } else {
            "What happened".to_owned()
        },
        items: happened,
    });

    // Chronology: decisions with reasons, actions, agency contacts.
    let entries = chronology::for_incident(conn, reference)?;
    let mut decisions = Vec::new();
    let mut actions = Vec::new();
    let mut agencies = Vec::new();
    for e in entries.iter().rev() {
        let when = display_time(&e.occurred_at);
        match e.kind {
            EntryKind::Decision => decisions.push(Item::Entry {
                heading: format!("{when} · {}", e.changed_by),
                lines: vec![
                    format!("Decision: {}", e.text),
                    format!("Reason: {}", e.reason),
                ],
            }),
            EntryKind::Action => actions.push(Item::Entry {
                heading: format!("{when} · {}", e.text),
                lines: vec![format!(
                    "Owner: {}{}",
                    e.action_owner,
                    e.action_due
                        .map(|d| format!(", due {}", crate::time::long_date(d)))
                        .unwrap_or_default()
                )],
            }),
            EntryKind::AgencyContact => {
                let mut lines = vec![e.text.clone()];
                if !e.agency_person.is_empty() {
                    lines.push(format!("Spoke to: {}", e.agency_person));
                }
                if !e.agency_outcome.is_empty() {
                    lines.push(format!("Outcome: {}", e.agency_outcome));
                }
                if !e.agency_reference.is_empty() {
                    lines.push(format!("Their reference: {}", e.agency_reference));
                }
                agencies.push(Item::Entry {
                    heading: format!("{when} · {}", e.agency),
                    lines,
                });
            }
            EntryKind::Note => {}
        }
    }
    for (title, items, none) in [
        (
            "Decisions and the reasons for them",
            decisions,
            "No decision recorded yet.",
        ),
        ("Actions", actions, "No action recorded."),
        (
            "Agencies contacted",
            agencies,
            "No agency contact recorded.",
        ),
    ] {
        sections.push(Section {
            title: title.to_owned(),
            items: if items.is_empty() {
                vec![Item::Paragraph {
                    text: none.to_owned(),
                }]
            } else {
                items
            },
        });
    }

    // Checklist answers that matter to the recipient: questions, decisions and records.
    let mut checklist_items = Vec::new();
    for run in engine::for_incident(session, reference)? {
        let state = engine::get(session, run.id)?;
        if recipient == Recipient::Lado
            && !state
                .template
                .categories
                .contains(&Category::AllegationAgainstStaff)
        {
            continue;
        }
        let mut lines = Vec::new();
        for step_id in &state.route {
            let (Some(step), Some(a)) = (state.template.step(step_id), state.answer(step_id))
            else {
                continue;
            };
            // What was recorded (who viewed imagery and why, the agencies' advice, the support
            // plan) matters to the police and social care as much as the answers do.
            let relevant = matches!(step.kind, StepKind::Question | StepKind::Decision)
                || (step.kind == StepKind::Record && recipient != Recipient::Lado)
                || matches!(a.answer, Answer::NotDone { .. });
            if relevant {
                lines.push(format!("{}: {}", step.title, a.answer.describe(step)));
            }
        }
        if lines.is_empty() {
            continue;
        }
        checklist_items.push(Item::Entry {
            heading: format!(
                "{} (version {}), {}",
                state.template.title,
                state.template.version,
                match &state.run.finished_at {
                    Some(f) => format!("finished {}", display_time(f)),
                    None => "in progress".to_owned(),
                }
            ),
            lines,
        });
    }
    if !checklist_items.is_empty() {
        sections.push(Section {
            title: "Checklist answers".to_owned(),
            items: checklist_items,
        });
    }

    // Evidence, in words only; the chain of custody for the police.
    let notes = evidence::for_incident(conn, reference)?;
    let mut evidence_items = Vec::new();
    for n in &notes {
        let mut lines = vec![n.description.clone()];
        if !n.device.is_empty() {
            lines.push(format!("Device: {}", n.device));
        }
        if recipient != Recipient::SocialCare {
            if !n.device_location.is_empty() {
                lines.push(format!("Where it is: {}", n.device_location));
            }
            if !n.held_by.is_empty() {
                lines.push(format!("Held by: {}", n.held_by));
            }
        }
        for url in &n.urls {
            lines.push(format!("Address (as text, not visited): {url}"));
        }
        if recipient == Recipient::Police {
            for c in &n.custody {
                let mut line = format!(
                    "Custody: {} {} by {}",
                    display_time(&c.at),
                    c.event.label(),
                    c.by_whom
                );
                for (label, v) in [
                    ("bag", &c.bag_number),
                    ("at", &c.location),
                    ("to", &c.recipient),
                    ("collar number", &c.collar_number),
                    ("note", &c.note),
                ] {
                    if !v.is_empty() {
                        line.push_str(&format!(", {label} {v}"));
                    }
                }
                lines.push(line);
            }
        }
        evidence_items.push(Item::Entry {
            heading: format!("Evidence note recorded {}", display_time(&n.changed_at)),
            lines,
        });
    }
    sections.push(Section {
        title: if recipient == Recipient::Police {
            "Evidence and chain of custody (described in words; no images are held)".to_owned()
        } else {
            "Evidence (described in words; no images are held)".to_owned()
        },
        items: if evidence_items.is_empty() {
            vec![Item::Paragraph {
                text: "No evidence note recorded.".to_owned(),
            }]
        } else {
            evidence_items
        },
    });

    use crate::records::sharing::SharedDetail;
    let mut shares = vec![
        SharedDetail::Identity,
        SharedDetail::WhatHappened,
        SharedDetail::Decisions,
        SharedDetail::Evidence,
    ];
    if !incident.childs_words.is_empty() {
        shares.push(SharedDetail::ChildsWords);
    }
    if recipient != Recipient::Lado
        && children
            .iter()
            .any(|(p, _)| p.send || p.looked_after || p.cp_plan)
    {
        shares.extend([SharedDetail::Send, SharedDetail::StatusWithServices]);
    }
    let mut people: Vec<_> = incident.people.iter().map(|l| l.person_id).collect();
    people.sort_unstable();
    people.dedup();
    Ok(Summary {
        recipient,
        title: recipient.title().to_owned(),
        organisation: org.name,
        reference: incident.reference,
        sections,
        demo: crate::organisation::is_demo(conn)?,
        people,
        shares,
    })
}

/// "23 November 2026, 09:41 GMT" from a stored time (UK time: `time::uk`).
pub fn display_time(stored: &str) -> String {
    crate::time::uk_stored(stored)
}
