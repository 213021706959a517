//! The checklist template format (`assets/checklists/*.toml`) and its validator.
//!
//! A template is data an organisation may adapt, so it is treated as untrusted input: it is
//! parsed into a raw form that keeps where each item was written, then checked as a whole.
//! Every problem found is reported (not just the first), each naming the file, the step and
//! the line, and a template with any problem is never offered to the DSL.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::contacts::ContactKey;
use crate::no_images;
use crate::records::incidents::Category;

/// The largest template file read (a real one is a few tens of kilobytes).
pub const MAX_TEMPLATE_BYTES: usize = 512 * 1024;

/// What kind of answer a step takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Something to do; answered "done" (or "not done", with why).
    Confirm,
    /// A yes/no question; branches may follow the answer.
    Question,
    /// A choice among options, always with the reason for it.
    Decision,
    /// Something to write down (who viewed, what was seen, …).
    Record,
    /// Contact an agency; the organisation's contact details are shown with it.
    Contact,
}

impl StepKind {
    const ALL: [(&'static str, StepKind); 5] = [
        ("confirm", StepKind::Confirm),
        ("question", StepKind::Question),
        ("decision", StepKind::Decision),
        ("record", StepKind::Record),
        ("contact", StepKind::Contact),
    ];

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("confirm", |(n, _)| n)
    }
}

/// What a step is, for the promises a template makes about its routes (see [`Promise`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// The question whether any child is at immediate risk (999).
    ImmediateRisk,
    /// A step that removes or deletes anything (imagery, copies, content).
    RemovesContent,
    /// The decision that records the outcome and the reasons for it.
    Outcome,
}

impl Mark {
    pub const ALL: [Mark; 3] = [Mark::ImmediateRisk, Mark::RemovesContent, Mark::Outcome];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::ImmediateRisk => "immediate-risk",
            Mark::RemovesContent => "removes-content",
            Mark::Outcome => "outcome",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A property every route through a template keeps, checked by walking every route through
/// the real engine (`routes.rs`). A shipped template declares what it promises, and an
/// organisation's adapted copy must keep every promise of the one it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
// Not "Promise" in TypeScript, where that name is JavaScript's own (the container's name does
// not change the values serde writes).
#[serde(rename = "TemplatePromise", rename_all = "kebab-case")]
pub enum Promise {
    /// No route reaches a police, CEOP or children's social care contact step before the
    /// immediate-risk question.
    ImmediateRiskFirst,
    /// On every route, a step that removes anything comes after a police contact step.
    NothingRemovedBeforePolice,
    /// Every step that tells the parents is reached only through a decision that offers
    /// "do not inform" (option id `do-not-inform`), and that was not the option chosen.
    ParentsOnlyByDecision,
    /// Some route contacts children's social care.
    OffersSocialCare,
    /// Every route passes the outcome decision.
    EndsInOutcome,
}

impl Promise {
    pub const ALL: [Promise; 5] = [
        Promise::ImmediateRiskFirst,
        Promise::NothingRemovedBeforePolice,
        Promise::ParentsOnlyByDecision,
        Promise::OffersSocialCare,
        Promise::EndsInOutcome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Promise::ImmediateRiskFirst => "immediate-risk-first",
            Promise::NothingRemovedBeforePolice => "nothing-removed-before-police",
            Promise::ParentsOnlyByDecision => "parents-only-by-decision",
            Promise::OffersSocialCare => "offers-social-care",
            Promise::EndsInOutcome => "ends-in-outcome",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// What the promise means, for messages.
    pub fn meaning(self) -> &'static str {
        match self {
            Promise::ImmediateRiskFirst => "no route contacts the police, CEOP or children's social care before asking whether a child is at immediate risk",
            Promise::NothingRemovedBeforePolice => "nothing is removed or deleted before the police have been contacted",
            Promise::ParentsOnlyByDecision => "parents are told only after a decision that offers not telling them because it would put the child at risk",
            Promise::OffersSocialCare => "a route refers to children's social care",
            Promise::EndsInOutcome => "every route records the outcome and the reasons for it",
        }
    }
}

/// The option id a decision about telling parents must offer (see
/// [`Promise::ParentsOnlyByDecision`]).
pub const DO_NOT_INFORM: &str = "do-not-inform";

/// A document the template's steps come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Source {
    pub id: String,
    pub document: String,
}

/// Where one step comes from: a source and the section of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Citation {
    pub source: String,
    pub section: String,
}

/// One option of a decision step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DecisionOption {
    pub id: String,
    pub label: String,
}

/// When a branch is taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "when", content = "value")]
pub enum Condition {
    /// This step's answer: "yes" / "no" for a question, an option id for a decision.
    Answer(String),
    /// Any of these question steps was answered "yes".
    AnyYes(Vec<String>),
}

/// A branch rule: when the condition holds on leaving the step, go to `goto`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Branch {
    pub condition: Condition,
    pub goto: String,
}

/// A checked step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: String,
    pub guidance: String,
    /// "Never do" warnings shown so they cannot be missed.
    pub never: Vec<String>,
    pub required: bool,
    pub cites: Vec<Citation>,
    pub options: Vec<DecisionOption>,
    pub contact: Option<ContactKey>,
    /// What the step is, for the template's promises.
    pub marks: Vec<Mark>,
    /// Its answer decides where the checklist goes next (a question or decision a branch
    /// depends on, or the immediate-risk question): it must be answered, never "not done",
    /// which would silently take the route of a "no".
    pub decides_route: bool,
    /// Where to go when no branch applies; `None` ends the checklist.
    pub next: Option<String>,
    pub branches: Vec<Branch>,
    /// The line the step starts on, for messages.
    pub line: u32,
}

/// A template that passed every check. Only these are offered to the DSL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Template {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub summary: String,
    pub categories: Vec<Category>,
    /// What every route through it keeps (checked by walking every route).
    pub promises: Vec<Promise>,
    pub sources: Vec<Source>,
    pub steps: Vec<Step>,
    /// SHA-256 of the file's bytes: which exact text a run used.
    pub sha256: String,
}

impl Template {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }
}

/// One problem in a template, said so that whoever edits the file can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TemplateError {
    pub file: String,
    pub line: Option<u32>,
    pub step: Option<String>,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(step) = &self.step {
            write!(f, ", step \"{step}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

// ---- The raw form, as written -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<String>,
    #[serde(default)]
    summary: String,
    categories: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    promises: Vec<Spanned<String>>,
    #[serde(default)]
    sources: Vec<RawSource>,
    #[serde(default)]
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: Spanned<String>,
    document: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCitation {
    source: Spanned<String>,
    section: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    id: Spanned<String>,
    label: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranch {
    when_answer: Option<Spanned<String>>,
    when_any_yes: Option<Vec<Spanned<String>>>,
    goto: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    kind: Spanned<String>,
    title: String,
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    never: Vec<String>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    cite: Vec<RawCitation>,
    #[serde(default)]
    options: Vec<RawOption>,
    contact: Option<Spanned<String>>,
    #[serde(default)]
    marks: Vec<Spanned<String>>,
    next: Option<Spanned<String>>,
    #[serde(default)]
    branch: Vec<RawBranch>,
}

fn yes() -> bool {
    true
}

/// Turns byte offsets into 1-based line numbers.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    fn of(&self, offset: usize) -> u32 {
        let line = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// Collects problems while checking.
struct Problems<'a> {
    file: &'a str,
    lines: Lines,
    found: Vec<TemplateError>,
}

impl Problems<'_> {
    fn at(&mut self, offset: Option<usize>, step: Option<&str>, message: impl Into<String>) {
        self.found.push(TemplateError {
            file: self.file.to_owned(),
            line: offset.map(|o| self.lines.of(o)),
            step: step.map(str::to_owned),
            message: message.into(),
        });
    }
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Parses and checks one template file, its promises included (every route walked). `file` is
/// the name used in messages.
pub fn parse(file: &str, text: &str) -> Result<Template, Vec<TemplateError>> {
    parse_checking(file, text, true)
}

/// Reads again a template stored with a run: its structure is checked as ever, but not its
/// promises (every route walked) nor its text against the no-images guard, both done when the
/// template was offered and the run started with this exact text; repeating them at every
/// answer would slow every answer down.
pub fn parse_stored(file: &str, text: &str) -> Result<Template, Vec<TemplateError>> {
    parse_checking(file, text, false)
}

/// `offered`: the template is being offered (all checks), not read back from a run.
fn parse_checking(file: &str, text: &str, offered: bool) -> Result<Template, Vec<TemplateError>> {
    let mut p = Problems {
        file,
        lines: Lines::new(text),
        found: Vec::new(),
    };
    if text.len() > MAX_TEMPLATE_BYTES {
        p.at(
            None,
            None,
            format!(
                "the file is larger than {} KB; a checklist template is much smaller",
                MAX_TEMPLATE_BYTES / 1024
            ),
        );
        return Err(p.found);
    }
    let raw: RawTemplate = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let message = e.message().trim().to_owned();
            p.at(e.span().map(|s| s.start), None, message);
            return Err(p.found);
        }
    };
    let template = check(&mut p, raw, text, offered);
    if offered && p.found.is_empty() {
        // The whole text, comments included, is stored with each run: it passes the guard too.
        if let Err(refusal) = check_template_text(text) {
            // Point at the first line that is refused on its own, if any.
            let mut offset = 0;
            let mut at = None;
            for line in text.split_inclusive('\n') {
                if check_template_text(line).is_err() {
                    at = Some(offset);
                    break;
                }
                offset += line.len();
            }
            p.at(at, None, refusal.message());
            return Err(p.found);
        }
    }
    match template {
        Some(t) if p.found.is_empty() => Ok(t),
        _ => Err(p.found),
    }
}

/// Every check on a parsed template. Returns the template when it could be built at all; the
/// caller still refuses it if any problem was recorded.
fn check(p: &mut Problems<'_>, raw: RawTemplate, text: &str, offered: bool) -> Option<Template> {
    let id = raw.id.get_ref().clone();
    if !valid_id(&id) {
        p.at(
            Some(raw.id.span().start),
            None,
            "the template id must be lower-case letters, digits and hyphens",
        );
    }
    let version = match u32::try_from(*raw.version.get_ref()) {
        Ok(v) if v >= 1 => v,
        _ => {
            p.at(
                Some(raw.version.span().start),
                None,
                "the version must be a whole number from 1",
            );
            1
        }
    };
    if raw.title.get_ref().trim().is_empty() {
        p.at(Some(raw.title.span().start), None, "the title is empty");
    }
    let mut categories = Vec::new();
    if raw.categories.get_ref().is_empty() {
        p.at(
            Some(raw.categories.span().start),
            None,
            "list at least one incident category this checklist applies to",
        );
    }
    for c in raw.categories.get_ref() {
        match Category::parse(c.get_ref()) {
            Some(cat) => categories.push(cat),
            None => p.at(
                Some(c.span().start),
                None,
                format!(
                    "\"{}\" is not an incident category; use one of: {}",
                    c.get_ref(),
                    Category::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }

    let mut promises = Vec::new();
    for pr in &raw.promises {
        match Promise::parse(pr.get_ref()) {
            Some(x) if !promises.contains(&x) => promises.push(x),
            Some(_) => p.at(
                Some(pr.span().start),
                None,
                format!("the promise \"{}\" is listed twice", pr.get_ref()),
            ),
            None => p.at(
                Some(pr.span().start),
                None,
                format!(
                    "\"{}\" is not a promise Casebook can check; use one of: {}",
                    pr.get_ref(),
                    Promise::ALL.map(Promise::as_str).join(", ")
                ),
            ),
        }
    }

    // Sources.
    let mut sources = Vec::new();
    let mut source_ids = BTreeSet::new();
    for s in &raw.sources {
        let sid = s.id.get_ref();
        if !source_ids.insert(sid.clone()) {
            p.at(
                Some(s.id.span().start),
                None,
                format!("the source id \"{sid}\" is used twice"),
            );
        }
        if s.document.trim().is_empty() {
            p.at(
                Some(s.id.span().start),
                None,
                format!("source \"{sid}\" names no document"),
            );
        }
        sources.push(Source {
            id: sid.clone(),
            document: s.document.trim().to_owned(),
        });
    }
    if raw.sources.is_empty() {
        p.at(
            None,
            None,
            "the template lists no sources; every step must cite the guidance it comes from",
        );
    }

    // Steps, first on their own.
    if raw.steps.is_empty() {
        p.at(None, None, "the template has no steps");
        return None;
    }
    let mut step_lines: BTreeMap<String, usize> = BTreeMap::new();
    for s in &raw.steps {
        let s = s.get_ref();
        let sid = s.id.get_ref();
        if !valid_id(sid) {
            p.at(
                Some(s.id.span().start),
                Some(sid),
                "a step id must be lower-case letters, digits and hyphens",
            );
        }
        if step_lines.insert(sid.clone(), s.id.span().start).is_some() {
            p.at(
                Some(s.id.span().start),
                Some(sid),
                "this step id is used twice",
            );
        }
    }
    let kinds: BTreeMap<&str, Option<StepKind>> = raw
        .steps
        .iter()
        .map(|s| {
            let s = s.get_ref();
            (s.id.get_ref().as_str(), StepKind::parse(s.kind.get_ref()))
        })
        .collect();

    let mut steps = Vec::new();
    for spanned in &raw.steps {
        let s = spanned.get_ref();
        let sid = s.id.get_ref().as_str();
        let at = Some(s.id.span().start);
        let line = p.lines.of(s.id.span().start);
        let Some(kind) = StepKind::parse(s.kind.get_ref()) else {
            p.at(
                Some(s.kind.span().start),
                Some(sid),
                format!(
                    "\"{}\" is not a kind of step; use confirm, question, decision, record or contact",
                    s.kind.get_ref()
                ),
            );
            continue;
        };
        if s.title.trim().is_empty() {
            p.at(at, Some(sid), "the step has no title");
        }
        if s.cite.is_empty() {
            p.at(
                at,
                Some(sid),
                "the step cites no source; say which document and section it comes from",
            );
        }
        let mut cites = Vec::new();
        for c in &s.cite {
            if !source_ids.contains(c.source.get_ref()) {
                p.at(
                    Some(c.source.span().start),
                    Some(sid),
                    format!(
                        "it cites \"{}\", which is not one of the template's sources",
                        c.source.get_ref()
                    ),
                );
            }
            if c.section.trim().is_empty() {
                p.at(
                    Some(c.source.span().start),
                    Some(sid),
                    "a citation names no section",
                );
            }
            cites.push(Citation {
                source: c.source.get_ref().clone(),
                section: c.section.trim().to_owned(),
            });
        }

        // Options belong to decisions, contacts to contact steps.
        let mut options = Vec::new();
        let mut option_ids = BTreeSet::new();
        match kind {
            StepKind::Decision if s.options.len() < 2 => {
                p.at(at, Some(sid), "a decision needs at least two options");
            }
            StepKind::Decision => {}
            _ if !s.options.is_empty() => {
                p.at(at, Some(sid), "only a decision step has options");
            }
            _ => {}
        }
        for o in &s.options {
            if !valid_id(o.id.get_ref()) {
                p.at(
                    Some(o.id.span().start),
                    Some(sid),
                    "an option id must be lower-case letters, digits and hyphens",
                );
            }
            if !option_ids.insert(o.id.get_ref().clone()) {
                p.at(
                    Some(o.id.span().start),
                    Some(sid),
                    format!("the option \"{}\" is listed twice", o.id.get_ref()),
                );
            }
            if o.label.trim().is_empty() {
                p.at(Some(o.id.span().start), Some(sid), "an option has no label");
            }
            options.push(DecisionOption {
                id: o.id.get_ref().clone(),
                label: o.label.trim().to_owned(),
            });
        }
        // Any step may show a contact (e.g. Report Remove beside a "tell the young person"
        // step); a contact step must have one.
        let contact = match &s.contact {
            Some(c) => match ContactKey::parse(c.get_ref()) {
                Some(k) => Some(k),
                None => {
                    p.at(
                        Some(c.span().start),
                        Some(sid),
                        format!(
                            "\"{}\" is not a contact in Settings; use one of: {}",
                            c.get_ref(),
                            ContactKey::ALL
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                    None
                }
            },
            None => {
                if kind == StepKind::Contact {
                    p.at(at, Some(sid), "a contact step must say whom to contact");
                }
                None
            }
        };

        let mut marks = Vec::new();
        for m in &s.marks {
            match Mark::parse(m.get_ref()) {
                Some(x) if !marks.contains(&x) => marks.push(x),
                Some(_) => {}
                None => p.at(
                    Some(m.span().start),
                    Some(sid),
                    format!(
                        "\"{}\" is not a mark; use one of: {}",
                        m.get_ref(),
                        Mark::ALL.map(Mark::as_str).join(", ")
                    ),
                ),
            }
        }
        if marks.contains(&Mark::Outcome) && kind != StepKind::Decision {
            p.at(at, Some(sid), "only a decision step can be marked outcome");
        }
        if marks.contains(&Mark::ImmediateRisk) && kind != StepKind::Question {
            p.at(
                at,
                Some(sid),
                "only a question step can be marked immediate-risk (\"is any child at immediate risk?\")",
            );
        }

        // Where it leads.
        let target = |p: &mut Problems<'_>, t: &Spanned<String>| {
            if !step_lines.contains_key(t.get_ref()) {
                p.at(
                    Some(t.span().start),
                    Some(sid),
                    format!("it leads to \"{}\", which is not a step", t.get_ref()),
                );
            }
            t.get_ref().clone()
        };
        let next = s.next.as_ref().map(|t| target(p, t));
        let mut branches = Vec::new();
        for b in &s.branch {
            let goto = target(p, &b.goto);
            let condition = match (&b.when_answer, &b.when_any_yes) {
                (Some(a), None) => {
                    let ok = match kind {
                        StepKind::Question => matches!(a.get_ref().as_str(), "yes" | "no"),
                        StepKind::Decision => option_ids.contains(a.get_ref()),
                        _ => false,
                    };
                    if !ok {
                        p.at(
                            Some(a.span().start),
                            Some(sid),
                            match kind {
                                StepKind::Question => format!(
                                    "a question's answer is \"yes\" or \"no\", not \"{}\"",
                                    a.get_ref()
                                ),
                                StepKind::Decision => format!(
                                    "\"{}\" is not one of this decision's options",
                                    a.get_ref()
                                ),
                                _ => {
                                    "only questions and decisions branch on their answer".to_owned()
                                }
                            },
                        );
                    }
                    Condition::Answer(a.get_ref().clone())
                }
                (None, Some(list)) => {
                    if list.is_empty() {
                        p.at(
                            Some(b.goto.span().start),
                            Some(sid),
                            "when_any_yes lists no questions",
                        );
                    }
                    for q in list {
                        match kinds.get(q.get_ref().as_str()) {
                            Some(Some(StepKind::Question)) => {}
                            Some(_) => p.at(
                                Some(q.span().start),
                                Some(sid),
                                format!("\"{}\" is not a question step", q.get_ref()),
                            ),
                            None => p.at(
                                Some(q.span().start),
                                Some(sid),
                                format!("\"{}\" is not a step", q.get_ref()),
                            ),
                        }
                    }
                    Condition::AnyYes(list.iter().map(|q| q.get_ref().clone()).collect())
                }
                _ => {
                    p.at(
                        Some(b.goto.span().start),
                        Some(sid),
                        "a branch needs exactly one of when_answer or when_any_yes",
                    );
                    continue;
                }
            };
            branches.push(Branch { condition, goto });
        }

        let step = Step {
            id: sid.to_owned(),
            kind,
            title: s.title.trim().to_owned(),
            guidance: s.guidance.trim().to_owned(),
            never: s.never.iter().map(|n| n.trim().to_owned()).collect(),
            required: s.required,
            cites,
            options,
            contact,
            marks,
            decides_route: false,
            next,
            branches,
            line,
        };
        for t in step_texts(&step).filter(|_| offered) {
            if let Err(refusal) = no_images::check_text(t) {
                p.at(at, Some(sid), refusal.message());
                break;
            }
        }
        steps.push(step);
    }
    if !p.found.is_empty() {
        // Graph checks need every step and target to exist.
        return None;
    }

    let mut texts = vec![raw.title.get_ref().as_str(), raw.summary.as_str()];
    texts.extend(sources.iter().map(|s| s.document.as_str()));
    for t in texts.into_iter().filter(|_| offered) {
        if let Err(refusal) = no_images::check_text(t) {
            p.at(None, None, refusal.message());
            return None;
        }
    }
    check_graph(p, &steps);
    mark_route_deciding(&mut steps);
    let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    let template = Template {
        id,
        version,
        title: raw.title.get_ref().trim().to_owned(),
        summary: raw.summary.trim().to_owned(),
        categories,
        promises,
        sources,
        steps,
        sha256,
    };
    if offered && p.found.is_empty() {
        for broken in super::routes::check_promises(&template) {
            p.at(None, broken.step.as_deref(), broken.message);
        }
    }
    Some(template)
}

/// The whole template text, comments included, as it is stored with each run, passes the
/// no-images guard. TOML's own punctuation (`[ ] { } = "`) switches between symbols and letters
/// as encodings do, so when only the statistics of an encoding object, the text is checked again
/// with that punctuation read as spaces.
fn check_template_text(text: &str) -> Result<(), no_images::Refusal> {
    match no_images::check_text(text) {
        Err(no_images::Refusal::EncodedData) => {
            let plain: String = text
                .chars()
                .map(|c| {
                    if matches!(c, '[' | ']' | '{' | '}' | '=' | '"') {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            no_images::check_text(&plain)
        }
        other => other,
    }
}

fn step_texts(step: &Step) -> impl Iterator<Item = &str> {
    [step.title.as_str(), step.guidance.as_str()]
        .into_iter()
        .chain(step.never.iter().map(String::as_str))
        .chain(step.options.iter().map(|o| o.label.as_str()))
        .chain(step.cites.iter().map(|c| c.section.as_str()))
}

/// Sets [`Step::decides_route`] on every question or decision a branch depends on, and on the
/// immediate-risk question.
fn mark_route_deciding(steps: &mut [Step]) {
    let any_yes: BTreeSet<String> = steps
        .iter()
        .flat_map(|s| &s.branches)
        .filter_map(|b| match &b.condition {
            Condition::AnyYes(qs) => Some(qs.clone()),
            Condition::Answer(_) => None,
        })
        .flatten()
        .collect();
    for step in steps.iter_mut() {
        let branches_on_it = step
            .branches
            .iter()
            .any(|b| matches!(b.condition, Condition::Answer(_)));
        step.decides_route = matches!(step.kind, StepKind::Question | StepKind::Decision)
            && (branches_on_it
                || any_yes.contains(&step.id)
                || step.marks.contains(&Mark::ImmediateRisk));
    }
}

/// The steps a step can lead to, in the order the engine considers them.
pub fn successors(step: &Step) -> impl Iterator<Item = &str> {
    step.branches
        .iter()
        .map(|b| b.goto.as_str())
        .chain(step.next.as_deref())
}

/// The walk must start at the first step, reach every step, and never loop.
fn check_graph(p: &mut Problems<'_>, steps: &[Step]) {
    let index: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    // Iterative depth-first search with colours: a grey target is a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; steps.len()];
    let mut reported_cycle = BTreeSet::new();
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    colour[0] = Colour::Grey;
    while let Some(top) = stack.last_mut() {
        let (node, child) = *top;
        top.1 += 1;
        if let Some(t) = successors(&steps[node]).nth(child) {
            let Some(&ti) = index.get(t) else { continue };
            match colour[ti] {
                Colour::White => {
                    colour[ti] = Colour::Grey;
                    stack.push((ti, 0));
                }
                Colour::Grey => {
                    if reported_cycle.insert(node) {
                        p.found.push(TemplateError {
                            file: p.file.to_owned(),
                            line: Some(steps[node].line),
                            step: Some(steps[node].id.clone()),
                            message: format!(
                                "it leads back to \"{t}\", which comes before it: the checklist would go round in a loop"
                            ),
                        });
                    }
                }
                Colour::Black => {}
            }
        } else {
            colour[node] = Colour::Black;
            stack.pop();
        }
    }
    for (i, s) in steps.iter().enumerate() {
        if colour[i] == Colour::White {
            p.found.push(TemplateError {
                file: p.file.to_owned(),
                line: Some(s.line),
                step: Some(s.id.clone()),
                message: "no path from the first step reaches this step".to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_from_one() {
        let l = Lines::new("a\nbc\n\nd");
        assert_eq!(l.of(0), 1);
        assert_eq!(l.of(2), 2);
        assert_eq!(l.of(5), 3);
        assert_eq!(l.of(6), 4);
    }
}
