//! A printable blank copy of a template, for when the laptop is not at hand: the same steps,
//! guidance, warnings, contacts and branches, with boxes to tick and lines to write on. What is
//! written on paper is entered into Casebook later.

use chrono::{DateTime, Utc};

use super::contacts::Contact;
use super::template::{Condition, Step, StepKind, Template};
use crate::pdf::{Furniture, Layout, Style};
use crate::Result;

/// Renders the blank checklist as a PDF.
pub fn blank(
    template: &Template,
    organisation: &str,
    demo: bool,
    contacts: &[Contact],
    at: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL-SENSITIVE when completed", demo),
        header: format!("{organisation} · {}", template.title),
        footer: format!(
            "Casebook blank checklist \"{}\" version {} · template {}",
            template.id,
            template.version,
            &template.sha256[..12.min(template.sha256.len())]
        ),
    })?;
    l.text(&template.title, Style::H1, 0.0);
    l.text(
        &format!("Response checklist, version {}", template.version),
        Style::SMALL,
        0.0,
    );
    l.gap(6.0);
    if !template.summary.is_empty() {
        l.text(&template.summary, Style::BODY, 0.0);
        l.gap(6.0);
    }
    for label in [
        "Incident reference",
        "Child or young person",
        "Date started",
        "DSL",
    ] {
        l.blank_field(label);
    }
    l.gap(10.0);
    let area = l.block(78.0);
    l.text_in(
        area,
        &[
            (
                "If a child is in immediate danger or at immediate risk of harm: call 999 now."
                    .to_owned(),
                Style::LABEL,
            ),
            (
                "Never view, copy, forward, print, save or delete imagery, and never ask a child to show or send it."
                    .to_owned(),
                Style::LABEL,
            ),
            (
                "Write the time and your initials against every step. Enter this paper record into Casebook as soon as you can, then keep or destroy it under your policy."
                    .to_owned(),
                Style::SMALL,
            ),
        ],
    );
    l.after(area);

    let number = |id: &str| {
        template
            .steps
            .iter()
            .position(|s| s.id == id)
            .map_or_else(|| id.to_owned(), |i| (i + 1).to_string())
    };
    for (i, step) in template.steps.iter().enumerate() {
        step_block(&mut l, template, step, i + 1, contacts, &number);
    }
    l.heading("Sources", Style::H2);
    for s in &template.sources {
        l.text(&format!("[{}] {}", s.id, s.document), Style::SMALL, 0.0);
    }
    l.finish(
        &format!("{} (blank checklist)", template.title),
        organisation,
        at,
    )
}

fn step_block(
    l: &mut Layout,
    template: &Template,
    step: &Step,
    n: usize,
    contacts: &[Contact],
    number: &dyn Fn(&str) -> String,
) {
    l.keep(90.0);
    l.rule();
    let required = if step.required {
        ""
    } else {
        " (if it applies)"
    };
    l.text(&format!("{n}. {}{required}", step.title), Style::H2, 0.0);
    if !step.guidance.is_empty() {
        l.text(&step.guidance, Style::BODY, 0.0);
    }
    for never in &step.never {
        l.text(&format!("⚠ {never}"), Style::LABEL, 0.0);
    }
    if let Some(key) = step.contact {
        if let Some(c) = contacts.iter().find(|c| c.key == key) {
            let mut line = format!("Contact: {}", key.label());
            for part in [&c.name, &c.phone, &c.details] {
                if !part.is_empty() {
                    line.push_str(" · ");
                    line.push_str(part);
                }
            }
            l.text(&line, Style::LABEL, 0.0);
        }
    }
    l.gap(3.0);
    match step.kind {
        StepKind::Confirm => {
            l.checkbox("Done", Style::BODY);
            l.checkbox("Not done. Why:", Style::BODY);
            l.writing_lines(1);
        }
        StepKind::Question => {
            l.checkbox("Yes", Style::BODY);
            l.checkbox("No", Style::BODY);
        }
        StepKind::Decision => {
            for o in &step.options {
                l.checkbox(&o.label, Style::BODY);
            }
            l.text(
                "Reason for the decision (always, even for no further action):",
                Style::LABEL,
                0.0,
            );
            l.writing_lines(3);
        }
        StepKind::Record => l.writing_lines(4),
        StepKind::Contact => {
            l.text(
                "Who you spoke to, when, the outcome, and their reference:",
                Style::LABEL,
                0.0,
            );
            l.writing_lines(3);
            l.checkbox("Not contacted. Why:", Style::BODY);
            l.writing_lines(1);
        }
    }
    // Where to go next, in words.
    for b in &step.branches {
        let when = match &b.condition {
            Condition::Answer(v) => {
                let label = step
                    .options
                    .iter()
                    .find(|o| &o.id == v)
                    .map_or_else(|| capitalise(v), |o| format!("\"{}\"", o.label));
                format!("If {label}")
            }
            Condition::AnyYes(qs) => format!(
                "If any of steps {} was Yes",
                qs.iter().map(|q| number(q)).collect::<Vec<_>>().join(", ")
            ),
        };
        l.text(
            &format!("{when}: go to step {}.", number(&b.goto)),
            Style::LABEL,
            0.0,
        );
    }
    match &step.next {
        Some(next) if step.branches.is_empty() => {
            l.text(&format!("Then step {}.", number(next)), Style::SMALL, 0.0)
        }
        Some(next) => l.text(
            &format!("Otherwise: go to step {}.", number(next)),
            Style::LABEL,
            0.0,
        ),
        None => l.text("This is the last step.", Style::SMALL, 0.0),
    }
    l.text("Time: ____________   Initials: ________", Style::SMALL, 0.0);
    let cites: Vec<String> = step
        .cites
        .iter()
        .map(|c| {
            let doc = template
                .source(&c.source)
                .map_or(c.source.as_str(), |s| s.id.as_str());
            format!("[{doc}] {}", c.section)
        })
        .collect();
    l.text(&format!("Source: {}", cites.join("; ")), Style::SMALL, 0.0);
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
