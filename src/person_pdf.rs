//! A person's page as a PDF, to print or to put on a paper file: their details, status with
//! services, household, incidents and whole chronology, in the referral summaries' text-only
//! layout (no image can be in it: the layout draws only text and lines). Not signed: a signed
//! child protection file for another school is the transfer's job.

use chrono::{DateTime, Utc};

use crate::pdf::{Furniture, Layout, Style};
use crate::records::chronology::EntryKind;
use crate::records::people::{Person, PersonKind};
use crate::records::person_file::PersonFile;
use crate::time::uk_stored as display_time;
use crate::Result;

fn details(l: &mut Layout, p: &Person, today: chrono::NaiveDate) {
    let fields = |l: &mut Layout, facts: Vec<crate::records::people::Fact>| {
        for (label, value) in facts {
            l.field(label, &value);
        }
    };
    fields(l, p.identity_facts());
    if p.kind == PersonKind::Child {
        fields(l, p.school_facts());
        l.heading("Status with services", Style::H2);
        let statuses = p.status_lines(today);
        if statuses.is_empty() {
            l.text("None recorded.", Style::BODY, 0.0);
        }
        for line in statuses {
            l.text(&line, Style::BODY, 0.0);
        }
        fields(l, p.services_facts());
    }
    if matches!(p.kind, PersonKind::Staff | PersonKind::Professional) {
        fields(l, p.employment_facts());
    }
}

/// Renders `file` for `organisation` (with the demo marking in a demo vault).
pub fn render(
    file: &PersonFile,
    organisation: &str,
    demo: bool,
    at: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let p = &file.person;
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL-SENSITIVE", demo),
        header: format!("{organisation} · {}", p.full_name),
        footer: format!(
            "{} · Casebook record, printed {}",
            p.full_name,
            crate::time::long_date(crate::time::uk_date(at))
        ),
    })?;
    l.text(&p.full_name, Style::H1, 0.0);
    l.text(
        &format!(
            "{} · record version {} · printed {}",
            organisation,
            p.version,
            crate::time::uk(at)
        ),
        Style::SMALL,
        0.0,
    );
    l.heading("Details", Style::H2);
    details(&mut l, p, at.date_naive());

    l.heading("Household and family", Style::H2);
    if file.household.is_empty() {
        l.text("No one recorded.", Style::BODY, 0.0);
    }
    for r in &file.household {
        let mut lines = vec![r.relation.clone()];
        if let Some(pr) = r.parental_responsibility {
            lines.push(pr.label().to_owned());
        }
        let d = &r.person.details;
        for (label, v) in [("Phone", &d.phone), ("Address", &d.address)] {
            if !v.is_empty() {
                lines.push(format!("{label}: {v}"));
            }
        }
        l.keep(28.0);
        l.text(&r.person.full_name, Style::LABEL, 0.0);
        for line in lines {
            l.text(&line, Style::BODY, 12.0);
        }
        l.gap(4.0);
    }

    l.heading("Incidents", Style::H2);
    if file.incidents.is_empty() {
        l.text("None.", Style::BODY, 0.0);
    }
    for i in &file.incidents {
        l.keep(28.0);
        l.text(
            &format!(
                "{} · {} · {}",
                i.incident.reference,
                display_time(&i.incident.reported_at),
                i.incident.category.label()
            ),
            Style::LABEL,
            0.0,
        );
        l.text(
            &format!(
                "Role: {} · Status: {}",
                i.roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                i.incident.status.label()
            ),
            Style::BODY,
            12.0,
        );
        l.text(&i.incident.summary, Style::BODY, 12.0);
        l.gap(4.0);
    }

    // Never a heading alone at the foot of a page.
    l.keep(80.0);
    l.heading("Chronology across all incidents (oldest first)", Style::H2);
    if file.chronology.is_empty() {
        l.text("Nothing recorded yet.", Style::BODY, 0.0);
    }
    for item in file.chronology.iter().rev() {
        let e = &item.entry;
        l.keep(28.0);
        l.text(
            &format!(
                "{} · {} · {}",
                display_time(&e.occurred_at),
                e.kind.label(),
                item.reference
            ),
            Style::LABEL,
            0.0,
        );
        l.text(&e.text, Style::BODY, 12.0);
        if e.kind == EntryKind::Decision && !e.reason.is_empty() {
            l.text(&format!("Reason: {}", e.reason), Style::BODY, 12.0);
        }
        if e.kind == EntryKind::AgencyContact && !e.agency.is_empty() {
            l.text(
                &format!("{} · {} · {}", e.agency, e.agency_person, e.agency_outcome),
                Style::BODY,
                12.0,
            );
        }
        l.text(&format!("Recorded by {}", e.changed_by), Style::SMALL, 12.0);
        l.gap(4.0);
    }
    l.finish(
        &format!("{} — Casebook record", p.full_name),
        organisation,
        at,
    )
}
