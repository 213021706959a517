//! One person's whole record, out of the vault: the structured, versioned form both the signed
//! PDF and the transfer package carry (so the two always say the same), read back by the
//! receiving school as a received file. Built once, with the redaction the DSL chose applied
//! to every text in it, and the list of each redaction for the reviewer.
//!
//! The format is Casebook's own exchange format, not its tables: labelled facts and entries
//! with their authors and times, so that it stays readable by any later Casebook whatever its
//! schema, and renders without the sender's vault. `deny_unknown_fields` throughout: a field
//! this version does not know is refused, never ignored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::checklists::engine;
use crate::records::chronology::EntryKind;
use crate::records::people::{Person, PersonKind};
use crate::records::search::{self, IncidentFilter};
use crate::records::{people, relationships, RecordId};
use crate::time::uk_stored as display_time;
use crate::vault::Session;
use crate::Result;

/// The `format` of a child's file.
pub const FORMAT: &str = "casebook-child-file";
/// The schema this version writes. Schema 2 added `earlier` (files received from earlier
/// schools, passed on); a schema-1 file is the same without it, and is still read.
pub const SCHEMA: u32 = 2;
/// The oldest schema this version reads.
pub const OLDEST_SCHEMA: u32 = 1;
/// The most incidents one file carries (a child in more is refused, not cut short).
pub const MAX_INCIDENTS: usize = 2_000;

/// A label and its value ("Date of birth": "14 March 2011").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileFact")]
pub struct Fact {
    pub label: String,
    pub value: String,
}

fn fact(label: &str, value: &str) -> Fact {
    Fact {
        label: label.to_owned(),
        value: value.to_owned(),
    }
}

/// The person the file is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileSubject")]
pub struct Subject {
    pub full_name: String,
    /// Identity, school and needs, services, employment: as the person PDF prints them.
    pub facts: Vec<Fact>,
    /// Status with services, a line each with dates.
    pub statuses: Vec<String>,
}

/// Someone in the subject's household or family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileRelative")]
pub struct Relative {
    pub relation: String,
    pub name: String,
    pub facts: Vec<Fact>,
}

/// One dated entry with its author: a chronology entry, an evidence note, a sharing record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileEntry")]
pub struct Entry {
    /// Stable within the file ("entry 14"), for exemptions and the reviewer's list.
    pub id: String,
    /// When it happened (stored UTC form).
    pub at: String,
    /// What it is, in words ("Decision", "Evidence note", "Signed referral").
    pub kind: String,
    pub text: String,
    /// Labelled details ("Reason", "Owner", "Agency", custody lines …).
    pub details: Vec<Fact>,
    /// Who recorded it, and when (the sender's authorship, kept).
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A checklist used on an incident, with its answers on the route taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileChecklist")]
pub struct Checklist {
    pub title: String,
    pub version: u32,
    /// "finished 3 March 2026 10:00 by …" or "in progress".
    pub state: String,
    /// Each step's question and its answer, with who answered and when.
    pub answers: Vec<Entry>,
}

/// One incident the subject is in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Named apart from the record types of the same name in the UI's bindings (JSON unchanged).
#[serde(deny_unknown_fields, rename = "FileIncident")]
pub struct Incident {
    pub reference: String,
    /// The subject's roles in it.
    pub roles: Vec<String>,
    /// Category, 4 Cs, risk, status, when it happened, when and by whom reported.
    pub facts: Vec<Fact>,
    pub summary: String,
    pub childs_words: String,
    pub outcome: String,
    /// Everyone on it: role and name (or, redacted, their label).
    pub people: Vec<Fact>,
    /// What the family was told and agreed.
    pub family: Vec<Fact>,
    pub chronology: Vec<Entry>,
    pub evidence: Vec<Entry>,
    pub checklists: Vec<Checklist>,
    /// Who was told what, with referrals' SHA-256.
    pub shared: Vec<Entry>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A person's whole record as it leaves the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct ChildFile {
    pub format: String,
    pub schema: u32,
    /// The school or college it comes from.
    pub organisation: String,
    /// When it was made (stored UTC form).
    pub made_at: String,
    pub subject: Subject,
    pub household: Vec<Relative>,
    /// Oldest first.
    pub incidents: Vec<Incident>,
    /// How people other than the subject appear, said once at the top ("Other children are
    /// shown by their role only.").
    pub redaction_note: String,
    /// The files this school received from the child's earlier schools, passed on with the
    /// child (KCSIE Annex C: the child protection file follows the child), oldest first. Flat:
    /// a received file's own earlier files stand beside it, never inside it.
    // Absent from a schema-1 file; always written by schema 2.
    #[serde(default)]
    pub earlier: Vec<EarlierFile>,
}

/// A file received from an earlier school, as it is passed on: who sent it and when, and its
/// records with this file's redaction applied (so the earlier school's signature cannot be
/// checked on it; the facts say it was checked when it arrived).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct EarlierFile {
    /// From, sent by, when, the signer's certificate, when and by whom it was received.
    pub facts: Vec<Fact>,
    pub file: ChildFile,
}

impl Incident {
    /// Every dated entry: chronology, evidence, what was shared, checklist answers.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.chronology
            .iter()
            .chain(&self.evidence)
            .chain(&self.shared)
            .chain(self.checklists.iter().flat_map(|c| &c.answers))
    }

    /// As `entries`, to change them.
    pub fn entries_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.chronology
            .iter_mut()
            .chain(self.evidence.iter_mut())
            .chain(self.shared.iter_mut())
            .chain(
                self.checklists
                    .iter_mut()
                    .flat_map(|c| c.answers.iter_mut()),
            )
    }
}

impl ChildFile {
    /// Every incident in the file with where it stands: "" for this school's own, "file 2, "
    /// for those of the second earlier file (the prefix of its places and parts).
    pub fn all_incidents(&self) -> Vec<(String, &Incident)> {
        let own = self.incidents.iter().map(|i| (String::new(), i));
        let earlier = self
            .earlier
            .iter()
            .enumerate()
            .flat_map(|(k, e)| e.file.incidents.iter().map(move |i| (earlier_prefix(k), i)));
        own.chain(earlier).collect()
    }

    /// As `all_incidents`, to change them.
    pub fn all_incidents_mut(&mut self) -> Vec<(String, &mut Incident)> {
        let own = self.incidents.iter_mut().map(|i| (String::new(), i));
        let earlier = self.earlier.iter_mut().enumerate().flat_map(|(k, e)| {
            e.file
                .incidents
                .iter_mut()
                .map(move |i| (earlier_prefix(k), i))
        });
        own.chain(earlier).collect()
    }
}

/// How the `k`th (0-based) earlier file's places and parts begin.
fn earlier_prefix(k: usize) -> String {
    format!("file {}, ", k + 1)
}

/// Who is shown by role rather than by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Redaction {
    /// Other children.
    pub children: bool,
    /// Parents, carers and other adults (the subject's household among them).
    pub adults: bool,
    /// Staff and professionals.
    pub staff: bool,
    /// Named whatever the above say (the subject always is).
    pub named: Vec<RecordId>,
}

impl Redaction {
    fn hides(&self, p: &Person) -> bool {
        !self.named.contains(&p.id) && self.hides_kind(Some(p.kind))
    }

    /// Whether someone of `kind` is hidden; someone an earlier school's file names without
    /// saying who they are (a relative) is hidden if children or adults are.
    fn hides_kind(&self, kind: Option<PersonKind>) -> bool {
        match kind {
            Some(PersonKind::Child) => self.children,
            Some(PersonKind::ParentCarer | PersonKind::Adult) => self.adults,
            Some(PersonKind::Staff | PersonKind::Professional) => self.staff,
            None => self.children || self.adults,
        }
    }

    fn note(&self) -> String {
        let mut hidden = Vec::new();
        if self.children {
            hidden.push("other children");
        }
        if self.adults {
            hidden.push("parents, carers and other adults");
        }
        if self.staff {
            hidden.push("staff and professionals");
        }
        if hidden.is_empty() {
            return "Everyone is named.".to_owned();
        }
        let mut s = hidden.join(", ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        format!(
            "{s} are shown by a label and their role only (\"Child B\"); each label stands for \
             the same person throughout."
        )
    }
}

/// One redaction, for the reviewer's view before the file is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Redacted {
    /// Where in the file ("INC-2026-0001, What happened").
    pub place: String,
    /// The words replaced (a name).
    pub replaced: String,
    /// What stands in their place ("Child B").
    pub by: String,
    /// The text around it, after redaction.
    pub context: String,
}

/// A name left in because it is also the name of someone shown by name, for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LeftIn {
    pub word: String,
    pub belongs_to: String,
    pub also: String,
}

/// A built file with what its redaction did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Built {
    pub file: ChildFile,
    pub redactions: Vec<Redacted>,
    pub left_in: Vec<LeftIn>,
    /// The people whose details the file names (the subject, and whoever is not redacted).
    pub named: Vec<RecordId>,
}

/// Replaces the names of hidden people in text, whole words only, case ignored, longest
/// first: "Jordan Smith" before "Jordan". A word that is also part of a named person's name is
/// left (and listed), so the subject's own name is never taken for someone else's.
struct Redactor {
    /// (words to find, label), longest first.
    patterns: Vec<(String, String)>,
    found: Vec<Redacted>,
    left_in: Vec<LeftIn>,
}

/// Letters for labels: A … Z, then AA, AB …
fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, char::from(b'A' + (n % 26) as u8));
        if n < 26 {
            return s;
        }
        n = n / 26 - 1;
    }
}

/// The groups labels are made from, and the group of someone whose kind is not known.
const GROUPS: &[&str] = &[
    "Child",
    "Parent or carer",
    "Adult",
    "Staff member",
    "Professional",
    PERSON,
];
const PERSON: &str = "Person";

/// Whether `name` is a label ("Child B"), as this or an earlier school's Casebook gives them.
fn is_label(name: &str) -> bool {
    name.rsplit_once(' ').is_some_and(|(g, letters)| {
        GROUPS.contains(&g)
            && !letters.is_empty()
            && letters.bytes().all(|b| b.is_ascii_uppercase())
    })
}

/// An incident's "People" value, "Name (Child or young person)": the name and the kind.
fn person_value(value: &str) -> (&str, Option<PersonKind>) {
    value
        .strip_suffix(')')
        .and_then(|v| v.rsplit_once(" ("))
        .and_then(|(name, label)| {
            PersonKind::ALL
                .iter()
                .find(|k| k.label() == label)
                .map(|k| (name, Some(*k)))
        })
        .unwrap_or((value, None))
}

/// Everyone an earlier school's file names besides its subject, by name, with their kind where
/// the file says it; those it already shows by a label are left out.
fn outside_people(f: &ChildFile) -> Vec<(String, Option<PersonKind>)> {
    let mut out: Vec<(String, Option<PersonKind>)> = Vec::new();
    let people = f
        .incidents
        .iter()
        .flat_map(|i| &i.people)
        .map(|p| person_value(&p.value));
    let relatives = f.household.iter().map(|r| (r.name.as_str(), None));
    for (name, kind) in people.chain(relatives) {
        let name = name.trim();
        if name.is_empty() || is_label(name) || name.eq_ignore_ascii_case(&f.subject.full_name) {
            continue;
        }
        match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, k)) => *k = k.or(kind),
            None => out.push((name.to_owned(), kind)),
        }
    }
    out
}

/// The labels an earlier school's file already uses.
fn labels_in(f: &ChildFile) -> Vec<String> {
    let people = f
        .incidents
        .iter()
        .flat_map(|i| &i.people)
        .map(|p| person_value(&p.value).0);
    let relatives = f.household.iter().map(|r| r.name.as_str());
    people
        .chain(relatives)
        .filter(|n| is_label(n))
        .map(str::to_owned)
        .collect()
}

/// The files received for `person_id`, flat and oldest first: each received file's own
/// earlier files, then the file itself, with who sent it and when.
fn earlier_files(conn: &rusqlite::Connection, person_id: RecordId) -> Result<Vec<EarlierFile>> {
    let mut out = Vec::new();
    for r in super::transfer::received_for(conn, person_id)? {
        let mut file = r.file;
        out.append(&mut file.earlier);
        out.push(EarlierFile {
            facts: vec![
                fact("From", &r.sender_organisation),
                fact("Sent by", &r.sender_name),
                fact("Sent", &display_time(&r.sent_at)),
                fact(
                    "Received",
                    &format!("{} by {}", display_time(&r.received_at), r.received_by),
                ),
                fact(
                    "Checked when it arrived",
                    "the sender's signature was valid and the package unaltered",
                ),
                fact("Sender's certificate, SHA-256", &r.sender_fingerprint),
                fact("Package as received, SHA-256", &r.package_sha256),
            ],
            file,
        });
    }
    Ok(out)
}

fn group(kind: PersonKind) -> &'static str {
    match kind {
        PersonKind::Child => "Child",
        PersonKind::ParentCarer => "Parent or carer",
        PersonKind::Adult => "Adult",
        PersonKind::Staff => "Staff member",
        PersonKind::Professional => "Professional",
    }
}

fn name_words(p: &Person) -> Vec<String> {
    let mut names = vec![p.full_name.as_str()];
    names.extend(p.details.other_names.iter().map(String::as_str));
    words_of(&names)
}

/// Titles, which are no one's name: "Mr" alone is left where it stands (its person's other
/// words are still found), or every "Mr" in the file would become a label.
const TITLES: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "rev"];

/// Each name whole, then each of its words of two letters or more, but titles.
fn words_of(names: &[&str]) -> Vec<String> {
    let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).collect();
    let mut words: Vec<String> = names.clone();
    for n in &names {
        words.extend(
            n.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                .filter(|w| w.chars().count() >= 2 && !TITLES.contains(&w.to_lowercase().as_str()))
                .map(str::to_owned),
        );
    }
    words.retain(|w| !w.is_empty());
    words
}

/// Someone as the redactor sees them: the words of their names, and how they are shown
/// (their label if hidden, their full name if named).
struct NameWords {
    words: Vec<String>,
    shown: String,
}

impl NameWords {
    fn of(p: &Person, shown: &str) -> Self {
        NameWords {
            words: name_words(p),
            shown: shown.to_owned(),
        }
    }
}

impl Redactor {
    fn new(hidden: &[NameWords], named: &[NameWords]) -> Self {
        let named_words: Vec<(String, &str)> = named
            .iter()
            .flat_map(|p| {
                p.words
                    .iter()
                    .map(move |w| (w.to_lowercase(), p.shown.as_str()))
            })
            .collect();
        let mut patterns = Vec::new();
        let mut left_in = Vec::new();
        for p in hidden {
            let label = &p.shown;
            for w in &p.words {
                if let Some((_, other)) = named_words.iter().find(|(n, _)| *n == w.to_lowercase()) {
                    left_in.push(LeftIn {
                        word: w.clone(),
                        belongs_to: label.clone(),
                        also: (*other).to_owned(),
                    });
                    continue;
                }
                patterns.push((w.clone(), label.clone()));
            }
        }
        patterns.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(a.0.cmp(&b.0))
        });
        patterns.dedup();
        left_in.sort_by(|a, b| (&a.word, &a.belongs_to).cmp(&(&b.word, &b.belongs_to)));
        left_in.dedup();
        Redactor {
            patterns,
            found: Vec::new(),
            left_in,
        }
    }

    /// Lists a name the file shows by its label wherever the record names the person itself
    /// (a people list, the household), so the reviewer sees those as well.
    fn record(&mut self, place: &str, replaced: &str, by: &str, context: &str) {
        self.found.push(Redacted {
            place: place.to_owned(),
            replaced: replaced.to_owned(),
            by: by.to_owned(),
            context: context.to_owned(),
        });
    }

    /// The end of `pattern` matched at `at` in `text`, case ignored, as a whole word.
    fn match_at(text: &str, at: usize, pattern: &str) -> Option<usize> {
        let mut t = text[at..].char_indices();
        let mut end = at;
        for pc in pattern.chars() {
            let (i, tc) = t.next()?;
            if !tc.to_lowercase().eq(pc.to_lowercase()) {
                return None;
            }
            end = at + i + tc.len_utf8();
        }
        let next_is_word = text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric);
        (!next_is_word).then_some(end)
    }

    fn apply(&mut self, place: &str, text: &mut String) {
        if self.patterns.is_empty() || text.is_empty() {
            return;
        }
        let mut out = String::with_capacity(text.len());
        let mut hits = Vec::new();
        let mut i = 0;
        let mut prev_is_word = false;
        while i < text.len() {
            let mut matched = None;
            if !prev_is_word {
                for (p, label) in &self.patterns {
                    if let Some(end) = Self::match_at(text, i, p) {
                        matched = Some((end, label.clone()));
                        break;
                    }
                }
            }
            if let Some((end, label)) = matched {
                hits.push((out.len(), text[i..end].to_owned(), label.clone()));
                out.push_str(&label);
                i = end;
                prev_is_word = true;
                continue;
            }
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            out.push(c);
            prev_is_word = c.is_alphanumeric();
            i += c.len_utf8();
        }
        for (at, replaced, by) in hits {
            self.found.push(Redacted {
                place: place.to_owned(),
                context: context(&out, at, by.len()),
                replaced,
                by,
            });
        }
        *text = out;
    }
}

/// About 40 characters either side of `[at, at + len)` in `text`, on character boundaries.
fn context(text: &str, at: usize, len: usize) -> String {
    let mut start = at.saturating_sub(40);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + 40).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut s = text[start..end].to_owned();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < text.len() {
        s.push('…');
    }
    s
}

fn checklist_state(run: &engine::RunSummary) -> String {
    match (&run.finished_at, &run.finished_by) {
        (Some(t), Some(by)) => format!("finished {} by {by}", display_time(t)),
        _ => "in progress".to_owned(),
    }
}

/// Builds person `person_id`'s whole file, with `redaction` applied.
pub fn build(
    session: &Session,
    person_id: RecordId,
    redaction: &Redaction,
    at: DateTime<Utc>,
) -> Result<Built> {
    let conn = session.conn();
    let subject = people::get(conn, person_id)?;
    let organisation = crate::organisation::current(conn)?.name;
    // Every incident the person is in: the list is read a page at a time (a page is at most
    // 500), so none is left out however many there are.
    let mut rows = Vec::new();
    loop {
        let page = search::incidents(
            conn,
            &IncidentFilter {
                person_id: Some(person_id),
                limit: Some(500),
                offset: Some(u32::try_from(rows.len()).unwrap_or(u32::MAX)),
                ..IncidentFilter::default()
            },
        )?;
        let last = page.len() < 500;
        rows.extend(page);
        if rows.len() > MAX_INCIDENTS {
            return Err(crate::Error::Unavailable(format!(
                "{} is in more than {MAX_INCIDENTS} incidents: too many for one file",
                subject.full_name
            )));
        }
        if last {
            break;
        }
    }
    let household = relationships::relatives(conn, person_id)?;

    // Everyone the file mentions, so that each hidden one gets one label throughout.
    let mut everyone: Vec<Person> = vec![subject.clone()];
    let seen = |p: Person, all: &mut Vec<Person>| {
        if !all.iter().any(|q| q.id == p.id) {
            all.push(p);
        }
    };
    for r in &household {
        seen(r.person.clone(), &mut everyone);
    }
    let mut incident_files = Vec::with_capacity(rows.len());
    // Oldest first, as a chronology reads.
    for row in rows.iter().rev() {
        let f = crate::incident_pdf::read(session, &row.reference)?;
        for p in &f.incident.people {
            seen(people::get(conn, p.person_id)?, &mut everyone);
        }
        incident_files.push(f);
    }
    let mut earlier = earlier_files(conn, person_id)?;

    // A label an earlier school's file already uses stays theirs: this file's labels skip it,
    // so that no label stands for two people.
    let taken: std::collections::HashSet<String> =
        earlier.iter().flat_map(|e| labels_in(&e.file)).collect();
    let mut counters: std::collections::HashMap<&'static str, usize> = Default::default();
    let mut next_label = |g: &'static str| loop {
        let n = counters.entry(g).or_insert(0);
        // The subject is never a label, so other children start at B ("Child B").
        let start = usize::from(g == "Child" && subject.kind == PersonKind::Child);
        let label = format!("{g} {}", letters(*n + start));
        *n += 1;
        if !taken.contains(&label) {
            break label;
        }
    };
    let mut hidden = Vec::new();
    let mut shown = Vec::new();
    let mut named = Vec::new();
    let mut label_of = std::collections::HashMap::new();
    for p in &everyone {
        if p.id != subject.id && redaction.hides(p) {
            let label = next_label(group(p.kind));
            label_of.insert(p.id, label.clone());
            hidden.push(NameWords::of(p, &label));
        } else {
            shown.push(NameWords::of(p, &p.full_name));
            named.push(p.id);
        }
    }
    // Those only an earlier school's file names: hidden by the same choice, by their kind as
    // that file gives it. Anyone this vault knows by the same name is handled as above.
    let mut outside_label: std::collections::HashMap<String, String> = Default::default();
    for e in &earlier {
        let them = &e.file.subject.full_name;
        shown.push(NameWords {
            words: words_of(&[them]),
            shown: them.clone(),
        });
        for (name, kind) in outside_people(&e.file) {
            let key = name.to_lowercase();
            let known = everyone
                .iter()
                .any(|p| p.full_name.trim().eq_ignore_ascii_case(&name))
                || name.eq_ignore_ascii_case(&subject.full_name);
            if known || outside_label.contains_key(&key) {
                continue;
            }
            if redaction.hides_kind(kind) {
                let label = next_label(kind.map_or(PERSON, group));
                hidden.push(NameWords {
                    words: words_of(&[&name]),
                    shown: label.clone(),
                });
                outside_label.insert(key, label);
            } else {
                shown.push(NameWords {
                    words: words_of(&[&name]),
                    shown: name,
                });
            }
        }
    }
    let mut redactor = Redactor::new(&hidden, &shown);
    let shown_name = |id: RecordId, name: &str| -> String {
        label_of
            .get(&id)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    };

    let today = crate::time::uk_date(at);
    let mut facts: Vec<Fact> = Vec::new();
    let push = |facts: &mut Vec<Fact>, list: Vec<crate::records::people::Fact>| {
        facts.extend(
            list.into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(l, v)| fact(l, &v)),
        );
    };
    push(&mut facts, subject.identity_facts());
    let mut statuses = Vec::new();
    if subject.kind == PersonKind::Child {
        push(&mut facts, subject.school_facts());
        push(&mut facts, subject.services_facts());
        statuses = subject.status_lines(today);
    }
    if matches!(subject.kind, PersonKind::Staff | PersonKind::Professional) {
        push(&mut facts, subject.employment_facts());
    }

    let mut relatives = Vec::new();
    for r in &household {
        let hidden_one = label_of.contains_key(&r.person.id);
        let mut rf = Vec::new();
        if !hidden_one {
            let d = &r.person.details;
            for (label, v) in [("Phone", &d.phone), ("Address", &d.address)] {
                if !v.is_empty() {
                    rf.push(fact(label, v));
                }
            }
            if let Some(pr) = r.parental_responsibility {
                rf.push(fact("Parental responsibility", pr.label()));
            }
        }
        let name = shown_name(r.person.id, &r.person.full_name);
        if name != r.person.full_name {
            redactor.record(
                "Household and family",
                &r.person.full_name,
                &name,
                &r.relation,
            );
        }
        relatives.push(Relative {
            relation: r.relation.clone(),
            name,
            facts: rf,
        });
    }

    let mut incidents = Vec::with_capacity(incident_files.len());
    for f in &incident_files {
        let i = &f.incident;
        let place = |what: &str| format!("{}, {what}", i.reference);
        let roles = i
            .people
            .iter()
            .filter(|p| p.person_id == subject.id)
            .map(|p| p.role.label().to_owned())
            .collect();
        let mut facts = vec![
            fact("Category", i.category.label()),
            fact(
                "Area of risk (4 Cs)",
                &i.four_cs
                    .iter()
                    .map(|c| c.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            fact("Risk", i.risk.label()),
            fact("Status", i.status.label()),
            fact(
                "Happened",
                &i.occurred_at
                    .as_deref()
                    .map_or_else(|| "Not known".to_owned(), display_time),
            ),
            fact(
                "Reported",
                &format!("{} by {}", display_time(&i.reported_at), i.reported_by),
            ),
        ];
        facts.retain(|f| !f.value.is_empty());
        let mut people = Vec::with_capacity(i.people.len());
        for p in &i.people {
            let shown = shown_name(p.person_id, &p.full_name);
            let value = format!("{shown} ({})", p.kind.label());
            if shown != p.full_name {
                redactor.record(&place("People"), &p.full_name, &shown, &value);
            }
            people.push(fact(p.role.label(), &value));
        }
        let mut family = Vec::new();
        match &f.family.parents_informed {
            Some(p) if p.informed => family.push(fact(
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
            )),
            Some(p) => family.push(fact(
                "Parents or carers told",
                &format!("No: {}", p.reason_not),
            )),
            None => family.push(fact("Parents or carers told", "Not recorded")),
        }
        for (label, consent) in [
            ("Consent to share", &f.family.consent_to_share),
            ("Consent to early help", &f.family.consent_to_early_help),
        ] {
            family.push(fact(
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
            ));
        }

        let chronology = f
            .chronology
            .iter()
            .map(|e| {
                let mut details = Vec::new();
                match e.kind {
                    EntryKind::Decision => details.push(fact("Reason", &e.reason)),
                    EntryKind::Action => {
                        details.push(fact("Owner", &e.action_owner));
                        if let Some(d) = e.action_due {
                            details.push(fact("Due", &crate::time::long_date(d)));
                        }
                        details.push(match &e.action_state {
                            Some(s) => fact(s.state.label(), &s.note),
                            None => fact("Where it stands", "Open"),
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
                                details.push(fact(label, v));
                            }
                        }
                    }
                    EntryKind::Note => {}
                }
                Entry {
                    id: format!("entry {}", e.id),
                    at: e.occurred_at.clone(),
                    kind: e.kind.label().to_owned(),
                    text: e.text.clone(),
                    details,
                    recorded_by: e.changed_by.clone(),
                    recorded_at: e.changed_at.clone(),
                }
            })
            .collect();

        let evidence = f
            .evidence
            .iter()
            .map(|n| {
                let mut details = Vec::new();
                for (label, v) in [
                    ("Device", &n.device),
                    ("Where it is", &n.device_location),
                    ("Held by", &n.held_by),
                ] {
                    if !v.is_empty() {
                        details.push(fact(label, v));
                    }
                }
                for url in &n.urls {
                    details.push(fact("Address (as text, not visited)", url));
                }
                for c in &n.custody {
                    details.push(fact(
                        &format!("{} {}", display_time(&c.at), c.event.label()),
                        &format!(
                            "by {}{}",
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
                        ),
                    ));
                }
                Entry {
                    id: format!("evidence {}", n.id),
                    at: n.changed_at.clone(),
                    kind: "Evidence note (described in words; no images are held)".to_owned(),
                    text: n.description.clone(),
                    details,
                    recorded_by: n.changed_by.clone(),
                    recorded_at: n.changed_at.clone(),
                }
            })
            .collect();

        let mut checklists = Vec::new();
        for run in &f.checklists {
            let state = engine::get(session, run.id)?;
            let mut answers = Vec::new();
            for step_id in &state.route {
                let (Some(step), Some(a)) = (state.template.step(step_id), state.answer(step_id))
                else {
                    continue;
                };
                let mut details = Vec::new();
                if !a.note.is_empty() {
                    details.push(fact("Note", &a.note));
                }
                answers.push(Entry {
                    id: format!("checklist {} step {}", run.id, step.id),
                    at: a.answered_at.clone(),
                    kind: step.title.clone(),
                    text: a.answer.describe(step),
                    details,
                    recorded_by: a.answered_by.clone(),
                    recorded_at: a.answered_at.clone(),
                });
            }
            checklists.push(Checklist {
                title: run.title.clone(),
                version: run.template_version,
                state: checklist_state(run),
                answers,
            });
        }

        let shared = f
            .shared
            .iter()
            .map(|s| {
                let mut details = vec![
                    fact(
                        "To",
                        &format!(
                            "{}, {}{}",
                            s.recipient_name,
                            s.recipient_organisation,
                            if s.recipient_role.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", s.recipient_role)
                            }
                        ),
                    ),
                    fact("About", &s.people.join(", ")),
                    fact(
                        "What",
                        &s.what
                            .iter()
                            .map(|w| w.label())
                            .collect::<Vec<_>>()
                            .join("; "),
                    ),
                    fact(
                        "Lawful basis",
                        &format!("{}; {}", s.article6.label(), s.article9.label()),
                    ),
                    fact("Why", &s.reason),
                ];
                if let Some(hash) = &s.referral_sha256 {
                    details.push(fact("Signed referral, SHA-256", hash));
                }
                Entry {
                    id: format!("shared {}", s.id),
                    at: s.at.clone(),
                    kind: s.method.label().to_owned(),
                    text: String::new(),
                    details,
                    recorded_by: s.recorded_by.clone(),
                    recorded_at: s.recorded_at.clone(),
                }
            })
            .collect();

        let mut out = Incident {
            reference: i.reference.clone(),
            roles,
            facts,
            summary: i.summary.clone(),
            childs_words: i.childs_words.clone(),
            outcome: i.outcome.clone(),
            people,
            family,
            chronology,
            evidence,
            checklists,
            shared,
            recorded_by: i.changed_by.clone(),
            recorded_at: i.changed_at.clone(),
        };
        redact_incident(&mut redactor, &mut out, &place);
        incidents.push(out);
    }

    let mut file = ChildFile {
        format: FORMAT.to_owned(),
        schema: SCHEMA,
        organisation,
        made_at: crate::time::format(at),
        subject: Subject {
            full_name: subject.full_name.clone(),
            facts,
            statuses,
        },
        household: relatives,
        incidents,
        redaction_note: redaction.note(),
        earlier: Vec::new(),
    };
    for r in &mut file.household {
        redactor.apply("Household and family", &mut r.name);
        for f in &mut r.facts {
            redactor.apply("Household and family", &mut f.value);
        }
    }
    for (k, e) in earlier.iter_mut().enumerate() {
        redact_earlier(
            &mut redactor,
            &outside_label,
            &earlier_prefix(k),
            &mut e.file,
        );
    }
    file.earlier = earlier;
    Ok(Built {
        file,
        redactions: redactor.found,
        left_in: redactor.left_in,
        named,
    })
}

/// Applies this file's redaction to an earlier school's file: those hidden by name become
/// their label (their contact details dropped), every text goes through the redactor, and
/// each entry's id gains the file's `prefix` so that it stays unique in the whole file.
fn redact_earlier(
    r: &mut Redactor,
    outside_label: &std::collections::HashMap<String, String>,
    prefix: &str,
    f: &mut ChildFile,
) {
    let label_for = |name: &str| outside_label.get(&name.trim().to_lowercase()).cloned();
    let household = format!("{prefix}household and family");
    for rel in &mut f.household {
        if let Some(label) = label_for(&rel.name) {
            r.record(&household, &rel.name, &label, &rel.relation);
            rel.name = label;
            rel.facts.clear();
        }
        r.apply(&household, &mut rel.name);
        for fct in &mut rel.facts {
            r.apply(&household, &mut fct.value);
        }
    }
    let child = format!("{prefix}the child");
    for fct in &mut f.subject.facts {
        r.apply(&child, &mut fct.value);
    }
    for s in &mut f.subject.statuses {
        r.apply(&child, s);
    }
    for i in &mut f.incidents {
        let reference = i.reference.clone();
        let place = |what: &str| format!("{prefix}{reference}, {what}");
        for p in &mut i.people {
            let (name, kind) = person_value(&p.value);
            if let Some(label) = label_for(name) {
                let value =
                    kind.map_or_else(|| label.clone(), |k| format!("{label} ({})", k.label()));
                r.record(&place("People"), name, &label, &value);
                p.value = value;
            }
        }
        for e in i.entries_mut() {
            e.id = format!("{prefix}{}", e.id);
        }
        redact_incident(r, i, &place);
    }
}

/// Applies the redactor to every text of an incident (its references and times hold no names).
fn redact_incident(r: &mut Redactor, i: &mut Incident, place: &dyn Fn(&str) -> String) {
    r.apply(&place("What happened"), &mut i.summary);
    r.apply(&place("the child's own words"), &mut i.childs_words);
    r.apply(&place("Outcome"), &mut i.outcome);
    for f in i.facts.iter_mut().chain(i.family.iter_mut()) {
        r.apply(&place(&f.label), &mut f.value);
    }
    for f in &mut i.people {
        r.apply(&place("People"), &mut f.value);
    }
    for e in i.entries_mut() {
        let where_ = place(&e.id);
        r.apply(&where_, &mut e.text);
        for f in &mut e.details {
            r.apply(&where_, &mut f.value);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn labels_run_a_to_z_then_aa() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(26 + 26 * 26), "AAA");
    }

    fn redactor(patterns: &[(&str, &str)]) -> Redactor {
        Redactor {
            patterns: patterns
                .iter()
                .map(|(p, l)| ((*p).to_owned(), (*l).to_owned()))
                .collect(),
            found: Vec::new(),
            left_in: Vec::new(),
        }
    }

    #[test]
    fn names_are_replaced_as_whole_words_whatever_their_case() {
        let mut r = redactor(&[
            ("Jordan Smith", "Child B"),
            ("Jordan", "Child B"),
            ("Smith", "Child B"),
        ]);
        let mut t =
            "JORDAN smith sent it; Jordan's phone; Jordana and Smithson are others; jordan."
                .to_owned();
        r.apply("x", &mut t);
        assert_eq!(
            t,
            "Child B sent it; Child B's phone; Jordana and Smithson are others; Child B."
        );
        assert_eq!(r.found.len(), 3);
        assert_eq!(r.found[0].replaced, "JORDAN smith");
    }

    #[test]
    fn a_title_is_no_ones_name() {
        assert_eq!(
            words_of(&["Mr Ådne Solberg"]),
            ["Mr Ådne Solberg", "Ådne", "Solberg"]
        );
    }

    #[test]
    fn an_earlier_schools_people_are_read_with_their_kind_and_labels_are_known() {
        assert_eq!(
            person_value("Sam Okoro (Child or young person)"),
            ("Sam Okoro", Some(PersonKind::Child))
        );
        assert_eq!(
            person_value("Ann (Smith) (Member of staff)"),
            ("Ann (Smith)", Some(PersonKind::Staff))
        );
        assert_eq!(person_value("Sam (the cousin)"), ("Sam (the cousin)", None));
        assert_eq!(person_value("Sam"), ("Sam", None));
        for label in [
            "Child B",
            "Parent or carer AA",
            "Person C",
            "Staff member A",
        ] {
            assert!(is_label(label), "{label}");
        }
        for name in ["Child", "Child b", "Sam B", "Child B2", "Adult "] {
            assert!(!is_label(name), "{name}");
        }
    }

    #[test]
    fn text_outside_ascii_is_kept_whole() {
        let mut r = redactor(&[("Zoë", "Child C")]);
        let mut t = "«ZOË» and zoë — Zoëy stays".to_owned();
        r.apply("x", &mut t);
        assert_eq!(t, "«Child C» and Child C — Zoëy stays");
    }
}
