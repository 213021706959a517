//! A child's file as a PDF, in the referral summaries' text-only layout (no image can be in
//! it: the layout draws only text and lines): the transfer's cover, the child, household,
//! every incident with its chronology, decisions and reasons, checklist answers, referrals
//! with their SHA-256, evidence notes and custody; then the sender's signature block and, for
//! a transfer, a receipt page for the receiving DSL to sign and return.

use super::file::{ChildFile, Entry, Fact, Incident, Relative};
use super::transfer::ReceivedFile;
use crate::pdf::{Area, Furniture, Layout, Style};
use crate::records::transfers::Transfer;
use crate::referral::render::{signature_lines, Signer};
use crate::time::uk_stored as display_time;
use crate::Result;

/// What the PDF is for.
pub enum Purpose<'a> {
    /// A child protection file going to the child's next school.
    Transfer(&'a Transfer),
    /// The response to a subject access request.
    SubjectAccess(&'a crate::records::subject_access::Request),
    /// A file received from another school, printed by this one (`here`) as it arrived.
    Received {
        received: &'a ReceivedFile,
        here: &'a str,
    },
}

pub struct Rendered {
    pub pdf: Vec<u8>,
    pub signature: Area,
}

fn facts(l: &mut Layout, facts: &[Fact]) {
    for f in facts {
        l.field(&f.label, &f.value);
    }
}

fn entry_lines(e: &Entry) -> Vec<String> {
    let mut lines = Vec::new();
    if !e.text.is_empty() {
        lines.push(e.text.clone());
    }
    lines.extend(
        e.details
            .iter()
            .map(|f| format!("{}: {}", f.label, f.value)),
    );
    lines.push(format!(
        "Recorded by {}, {}",
        e.recorded_by,
        display_time(&e.recorded_at)
    ));
    lines
}

fn entries(l: &mut Layout, title: &str, list: &[Entry], none: &str) {
    l.keep(90.0);
    l.heading(title, Style::H2);
    if list.is_empty() {
        l.text(none, Style::BODY, 0.0);
    }
    for e in list {
        l.entry(
            &format!("{} · {}", display_time(&e.at), e.kind),
            &entry_lines(e),
        );
    }
}

/// Renders `file` for `purpose`, signed by `signer` (the signature is applied by the caller).
pub fn render(
    file: &ChildFile,
    purpose: &Purpose<'_>,
    signer: &Signer,
    demo: bool,
) -> Result<Rendered> {
    let child = &file.subject.full_name;
    let (header, footer, title) = match purpose {
        Purpose::Transfer(t) => (
            format!("{} · child protection file · {child}", file.organisation),
            format!(
                "Child protection file of {child} · for the designated safeguarding lead of {} only",
                t.destination
            ),
            format!("Child protection file: {child}"),
        ),
        Purpose::SubjectAccess(r) => (
            format!("{} · subject access request {}", file.organisation, r.id),
            format!("Response to {}'s subject access request, about {child}", r.requester),
            format!("Information held about {child}"),
        ),
        Purpose::Received { received, here } => (
            format!("{here} · child protection file received · {child}"),
            format!(
                "Child protection file of {child}, received from {} · for the designated \
                 safeguarding lead only",
                received.sender_organisation
            ),
            format!("Child protection file received from {}: {child}", received.sender_organisation),
        ),
    };
    let mut l = Layout::new(Furniture {
        marking: crate::organisation::marking("OFFICIAL-SENSITIVE", demo),
        header,
        footer,
    })?;
    l.text(&title, Style::H1, 0.0);
    match purpose {
        Purpose::Transfer(t) => transfer_cover(&mut l, file, t),
        Purpose::SubjectAccess(r) => request_cover(&mut l, file, r),
        Purpose::Received { received, here } => received_cover(&mut l, file, received, here),
    }

    let transfer = matches!(purpose, Purpose::Transfer(_) | Purpose::Received { .. });
    l.heading(if transfer { "The child" } else { "Details" }, Style::H2);
    facts(&mut l, &file.subject.facts);
    if transfer || !file.subject.statuses.is_empty() {
        l.keep(60.0);
        l.heading("Status with services", Style::H2);
        if file.subject.statuses.is_empty() {
            l.text("None recorded.", Style::BODY, 0.0);
        }
        for s in &file.subject.statuses {
            l.text(s, Style::BODY, 0.0);
        }
    }
    household(&mut l, &file.household);

    // Room for the first incident's heading and details too: never this heading alone.
    l.keep(200.0);
    l.heading(
        &format!("Incidents ({}, oldest first)", file.incidents.len()),
        Style::H2,
    );
    if file.incidents.is_empty() {
        l.text("None recorded.", Style::BODY, 0.0);
    }
    for i in &file.incidents {
        incident(&mut l, i, "");
    }
    earlier_files(&mut l, file);

    l.keep(150.0);
    l.heading("Signature", Style::H2);
    let area = l.block(132.0);
    l.text_in(area, &signature_lines(signer));
    l.after(area);

    if let Purpose::Transfer(t) = purpose {
        receipt_page(&mut l, file, t);
    }
    let pdf = l.finish(&title, &signer.name, signer.at)?;
    Ok(Rendered {
        pdf,
        signature: area,
    })
}

fn household(l: &mut Layout, household: &[Relative]) {
    l.keep(60.0);
    l.heading("Household and family", Style::H2);
    if household.is_empty() {
        l.text("No one recorded.", Style::BODY, 0.0);
    }
    for r in household {
        let lines: Vec<String> = r
            .facts
            .iter()
            .map(|f| format!("{}: {}", f.label, f.value))
            .collect();
        l.entry(&format!("{}: {}", r.relation, r.name), &lines);
    }
}

/// One incident: its facts, what happened, people, family, chronology, evidence, checklist
/// answers and what was shared. `prefix` names an earlier school's file ("file 1, ").
fn incident(l: &mut Layout, i: &Incident, prefix: &str) {
    l.keep(120.0);
    l.heading(
        &format!("Incident {prefix}{} · {}", i.reference, i.roles.join(", ")),
        Style::H2,
    );
    facts(l, &i.facts);
    l.field("What happened", &i.summary);
    if !i.childs_words.is_empty() {
        l.text("In the child's own words:", Style::BODY, 0.0);
        l.text(&format!("“{}”", i.childs_words), Style::BODY, 18.0);
    }
    if !i.outcome.is_empty() {
        l.field("Outcome", &i.outcome);
    }
    l.keep(60.0);
    l.text("People", Style::LABEL, 0.0);
    facts(l, &i.people);
    facts(l, &i.family);
    entries(
        l,
        "Chronology (oldest first)",
        &i.chronology,
        "Nothing recorded.",
    );
    entries(
        l,
        "Evidence and custody (described in words; no images are held)",
        &i.evidence,
        "No evidence note recorded.",
    );
    l.keep(60.0);
    l.heading("Checklists", Style::H2);
    if i.checklists.is_empty() {
        l.text("No checklist used.", Style::BODY, 0.0);
    }
    for c in &i.checklists {
        l.text(
            &format!("{} (version {}), {}", c.title, c.version, c.state),
            Style::LABEL,
            0.0,
        );
        for a in &c.answers {
            let sep = if a.kind.ends_with('?') { " " } else { ": " };
            let mut lines = vec![format!("{}{sep}{}", a.kind, a.text)];
            lines.extend(
                a.details
                    .iter()
                    .map(|f| format!("{}: {}", f.label, f.value)),
            );
            lines.push(format!(
                "Answered by {}, {}",
                a.recorded_by,
                display_time(&a.recorded_at)
            ));
            l.entry("", &lines);
        }
    }
    entries(
        l,
        "Who was told what",
        &i.shared,
        "Nothing shared outside the school is recorded.",
    );
}

/// The files received from the child's earlier schools, each with who sent it, the child as
/// that school recorded them, their household and incidents.
fn earlier_files(l: &mut Layout, file: &ChildFile) {
    if file.earlier.is_empty() {
        return;
    }
    l.keep(200.0);
    l.heading(
        &format!(
            "Files received from earlier schools ({}, oldest first)",
            file.earlier.len()
        ),
        Style::H2,
    );
    l.text(
        &format!(
            "These are the child protection files {} received when the child joined, passed \
             on with theirs. Other people in them are shown as in the rest of this file; a \
             label an earlier school gave (\"Child B\") is that school's own.",
            file.organisation
        ),
        Style::BODY,
        0.0,
    );
    for (k, e) in file.earlier.iter().enumerate() {
        let prefix = format!("file {}, ", k + 1);
        l.keep(200.0);
        l.heading(
            &format!(
                "File {} of {}: from {}",
                k + 1,
                file.earlier.len(),
                e.file.organisation
            ),
            Style::H2,
        );
        facts(l, &e.facts);
        l.field(
            "How that school showed other people",
            &e.file.redaction_note,
        );
        l.keep(60.0);
        l.heading("The child, as that school recorded them", Style::H2);
        facts(l, &e.file.subject.facts);
        if !e.file.subject.statuses.is_empty() {
            l.text("Status with services", Style::LABEL, 0.0);
        }
        for s in &e.file.subject.statuses {
            l.text(s, Style::BODY, 0.0);
        }
        household(l, &e.file.household);
        l.keep(120.0);
        l.heading(
            &format!(
                "Incidents in file {} ({}, oldest first)",
                k + 1,
                e.file.incidents.len()
            ),
            Style::H2,
        );
        if e.file.incidents.is_empty() {
            l.text("None recorded.", Style::BODY, 0.0);
        }
        for i in &e.file.incidents {
            incident(l, i, &prefix);
        }
    }
}

/// The number of incidents, with those in earlier schools' files ("4, and 7 in 2 files from
/// earlier schools").
fn incident_count(file: &ChildFile) -> String {
    let earlier: usize = file.earlier.iter().map(|e| e.file.incidents.len()).sum();
    match file.earlier.len() {
        0 => file.incidents.len().to_string(),
        n => format!(
            "{}, and {earlier} in {n} file{} from earlier schools",
            file.incidents.len(),
            if n == 1 { "" } else { "s" }
        ),
    }
}

fn transfer_cover(l: &mut Layout, file: &ChildFile, t: &Transfer) {
    l.text(
        &format!(
            "From {} to {} · made {} · transfer {}",
            file.organisation,
            t.destination,
            display_time(&file.made_at),
            t.uid
        ),
        Style::SMALL,
        0.0,
    );
    l.heading("This transfer", Style::H2);
    l.field("To", &format!("{}, {}", t.destination_dsl, t.destination));
    l.field("Their contact", &t.destination_contact);
    l.field(
        match t.move_kind {
            crate::records::transfers::Move::InYear => "Left this school on",
            crate::records::transfers::Move::NewTerm => "Starts the new term on",
        },
        &crate::time::long_date(t.moved_on),
    );
    l.field("Sent", t.method.label());
    l.field("Incidents", &incident_count(file));
    l.field("Other people", &file.redaction_note);
    l.text(
        "Keep this file separately from the pupil's main file, with access limited to the \
         designated safeguarding lead and their deputies (KCSIE, Annex C). Please sign the \
         receipt on the last page and return it to the sender.",
        Style::BODY,
        0.0,
    );
}

/// What a received file printed here says first: where it came from, how it was checked, and
/// that the records are the sending school's.
fn received_cover(l: &mut Layout, file: &ChildFile, r: &ReceivedFile, here: &str) {
    l.text(
        &format!(
            "Received by {here} · printed from Casebook · transfer {}",
            r.transfer_uid
        ),
        Style::SMALL,
        0.0,
    );
    l.heading("How it arrived", Style::H2);
    l.field("From", &r.sender_organisation);
    l.field("Sent by", &r.sender_name);
    l.field("Sent", &display_time(&r.sent_at));
    l.field(
        "Received",
        &format!("{} by {}", display_time(&r.received_at), r.received_by),
    );
    l.field(
        "Checked when it arrived",
        "the sender's signature was valid and the package unaltered",
    );
    l.field("Sender's certificate, SHA-256", &r.sender_fingerprint);
    l.field("Package as received, SHA-256", &r.package_sha256);
    l.field("Incidents", &incident_count(file));
    l.field("How the sender showed other people", &file.redaction_note);
    l.text(
        &format!(
            "These are {}'s records, as they arrived, with their authors and times; {here} has \
             not changed them. Keep this copy as securely as the child protection file.",
            r.sender_organisation
        ),
        Style::BODY,
        0.0,
    );
}

/// What a response to a subject access request says first: who asked, when, what it holds,
/// how other people appear, what was withheld, and the requester's rights.
fn request_cover(l: &mut Layout, file: &ChildFile, r: &crate::records::subject_access::Request) {
    l.text(
        &format!(
            "{} · made {} · request {}",
            file.organisation,
            display_time(&file.made_at),
            r.id
        ),
        Style::SMALL,
        0.0,
    );
    l.heading("Your request", Style::H2);
    l.field(
        "Asked by",
        &format!("{} ({})", r.requester, r.relation.label()),
    );
    l.field("Received", &crate::time::long_date(r.received_on));
    l.field("About", &file.subject.full_name);
    l.text(
        &format!(
            "This is the information {} holds about {} in its safeguarding records (UK GDPR \
             Article 15): details, family, every incident they are in with what was recorded, \
             decided and shared, and who recorded it and when{}.",
            file.organisation,
            file.subject.full_name,
            if file.earlier.is_empty() {
                ""
            } else {
                "; and the files received from their earlier schools"
            }
        ),
        Style::BODY,
        0.0,
    );
    l.field("Other people", &file.redaction_note);
    if !r.withheld.is_empty() {
        l.text(
            &format!(
                "{} part{} of the record {} withheld under an exemption in the Data \
                 Protection Act 2018; each is marked where it would be, with the exemption.",
                r.withheld.len(),
                if r.withheld.len() == 1 { "" } else { "s" },
                if r.withheld.len() == 1 { "is" } else { "are" },
            ),
            Style::BODY,
            0.0,
        );
    }
    l.text(
        "If you are unhappy with this response, please tell the school's data protection \
         officer. You can also complain to the Information Commissioner's Office (ico.org.uk, \
         0303 123 1113).",
        Style::BODY,
        0.0,
    );
}

/// The last page: what the receiving DSL signs and returns (the sender records it on Casebook
/// as "the receipt page, signed and returned").
fn receipt_page(l: &mut Layout, file: &ChildFile, t: &Transfer) {
    l.new_page();
    l.text("Confirmation of receipt", Style::H1, 0.0);
    l.text(
        &format!(
            "Please sign and return this page to {} ({}), who sent this file.",
            file.organisation, t.started_by
        ),
        Style::BODY,
        0.0,
    );
    l.gap(6.0);
    l.field("Child", &file.subject.full_name);
    l.field("Date of birth", &t.child_birth);
    l.field("From", &file.organisation);
    l.field("Transfer", &t.uid);
    l.field("Incidents in the file", &incident_count(file));
    l.gap(8.0);
    l.text(
        "I confirm that I have received this child protection file, complete, and hold it \
         securely, separately from the pupil's main file.",
        Style::BODY,
        0.0,
    );
    for label in [
        "Name",
        "Role",
        "School or college",
        "Date received",
        "Signature",
    ] {
        l.blank_field(label);
    }
}
