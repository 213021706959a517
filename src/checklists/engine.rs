//! Checklist runs: a DSL walking one template version on one incident.
//!
//! The route through a template is never stored; it is worked out from the answers every time
//! (`route`), deterministically: from the first step, follow the first branch whose condition
//! holds, else the step's `next`, stopping at the first step without an answer. Changing an
//! earlier answer can therefore change the route; answers off the new route stay in the history
//! but do not count. A run is finished only when the route reaches its end, so every required
//! step on it has an answer, or the DSL's reason for not doing it.
//!
//! On finishing, each decision (with its reason) and each agency contact becomes a chronology
//! entry on the incident, and a note lists every answer, in the same transaction.

use std::collections::BTreeMap;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::contacts;
use super::library::Library;
use super::template::{self, Condition, Mark, Promise, Step, StepKind, Template};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::records::chronology::{self, EntryInput, EntryKind};
use crate::records::fields;
use crate::records::{incidents, RecordId};
use crate::time::{self, Moment};
use crate::vault::Session;
use crate::{Error, Result};

/// An answer to one step. Which variants a step accepts depends on its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    /// A confirm step was done.
    Done,
    Yes,
    No,
    /// A decision: the option chosen and the reason for it.
    Chosen {
        option: String,
        reason: String,
    },
    /// A record step's text.
    Text {
        text: String,
    },
    /// A contact step: the agency was contacted.
    Contacted {
        /// As typed in the window; always a moment once recorded.
        at: Option<Moment>,
        person: String,
        outcome: String,
        reference: String,
    },
    /// Not done; a required step must say why.
    NotDone {
        reason: String,
    },
}

impl Answer {
    /// The word branch conditions compare with `when_answer`.
    fn branch_value(&self) -> Option<&str> {
        match self {
            Answer::Yes => Some("yes"),
            Answer::No => Some("no"),
            Answer::Chosen { option, .. } => Some(option),
            _ => None,
        }
    }

    /// How the answer reads in the chronology note and on paper.
    pub fn describe(&self, step: &Step) -> String {
        match self {
            Answer::Done => "Done".to_owned(),
            Answer::Yes => "Yes".to_owned(),
            Answer::No => "No".to_owned(),
            Answer::Chosen { option, reason } => {
                let label = step
                    .options
                    .iter()
                    .find(|o| &o.id == option)
                    .map_or(option.as_str(), |o| o.label.as_str());
                format!("{label}. Reason: {reason}")
            }
            Answer::Text { text } => text.clone(),
            Answer::Contacted {
                person,
                outcome,
                reference,
                ..
            } => {
                let mut s = format!("Contacted {person}");
                if !outcome.is_empty() {
                    s.push_str(&format!(". Outcome: {outcome}"));
                }
                if !reference.is_empty() {
                    s.push_str(&format!(". Their reference: {reference}"));
                }
                s
            }
            Answer::NotDone { reason } if reason.is_empty() => "Not done".to_owned(),
            Answer::NotDone { reason } => format!("Not done. Why: {reason}"),
        }
    }
}

/// The current answer to a step, with who gave it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StepAnswer {
    pub step_id: String,
    pub version: u32,
    pub answer: Answer,
    /// How the answer reads to people ([`Answer::describe`]), as the chronology and paper have it.
    pub described: String,
    pub note: String,
    pub answered_at: String,
    pub answered_by: String,
}

/// A run as listed on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunSummary {
    pub id: RecordId,
    pub reference: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub started_at: String,
    pub started_by: String,
    pub finished_at: Option<String>,
    pub finished_by: Option<String>,
}

/// Everything the walk-through screen needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunState {
    pub run: RunSummary,
    /// The template exactly as it was when the run started.
    pub template: Template,
    /// Current answers, by step, including any off the route.
    pub answers: Vec<StepAnswer>,
    /// The steps on the route so far, in order; the last is `current` when there is one.
    pub route: Vec<String>,
    /// The step waiting for an answer; `None` when the route has reached its end.
    pub current: Option<String>,
    /// The contacts named by the template's steps, as set in Settings now.
    pub contacts: Vec<contacts::Contact>,
}

impl RunState {
    pub fn is_finished(&self) -> bool {
        self.run.finished_at.is_some()
    }

    pub fn answer(&self, step: &str) -> Option<&StepAnswer> {
        self.answers.iter().find(|a| a.step_id == step)
    }
}

/// Works out the route from the current answers (see the module comment).
pub fn route(
    template: &Template,
    answers: &BTreeMap<String, Answer>,
) -> (Vec<String>, Option<String>) {
    let mut path: Vec<String> = Vec::new();
    let Some(mut step) = template.steps.first() else {
        return (path, None);
    };
    loop {
        path.push(step.id.clone());
        let Some(answer) = answers.get(&step.id) else {
            return (path, Some(step.id.clone()));
        };
        let taken = step.branches.iter().find(|b| match &b.condition {
            Condition::Answer(v) => answer.branch_value() == Some(v.as_str()),
            Condition::AnyYes(questions) => questions
                .iter()
                .any(|q| path.contains(q) && matches!(answers.get(q), Some(Answer::Yes))),
        });
        let next = taken.map(|b| b.goto.as_str()).or(step.next.as_deref());
        // The validator guarantees targets exist and there is no cycle; guard anyway, so a
        // damaged stored template ends the route instead of looping.
        match next.and_then(|n| template.step(n)) {
            Some(s) if !path.contains(&s.id) => step = s,
            _ => return (path, None),
        }
    }
}

/// Where a template promises that nothing is removed before the police are told, a step that
/// removes something can be recorded as done only once a police contact earlier on the route
/// was recorded as made: the route alone cannot promise that, since a contact step may be
/// recorded as "not done".
fn check_removal_after_police(state: &RunState, step: &Step, answer: &Answer) -> Result<()> {
    let t = &state.template;
    if !(t.promises.contains(&Promise::NothingRemovedBeforePolice)
        && step.marks.contains(&Mark::RemovesContent)
        && *answer == Answer::Done)
    {
        return Ok(());
    }
    let told = state
        .route
        .iter()
        .take_while(|id| **id != step.id)
        .filter_map(|id| t.step(id))
        .filter(|s| {
            s.kind == StepKind::Contact
                && matches!(
                    s.contact,
                    Some(contacts::ContactKey::Police | contacts::ContactKey::PoliceEmergency)
                )
        })
        .any(|s| {
            matches!(
                state.answer(&s.id).map(|a| &a.answer),
                Some(Answer::Contacted { .. })
            )
        });
    if told {
        Ok(())
    } else {
        Err(fields::invalid(
            Field::Answer,
            "nothing is removed before the police have been contacted: record the police contact on this route first (or record this step as not done, with why)",
        ))
    }
}

/// Checks an answer against the step it answers, and cleans its text.
fn check_answer(step: &Step, answer: &Answer) -> Result<Answer> {
    let wrong = || {
        fields::invalid(
            Field::Answer,
            &format!(
                "this step is answered {}",
                match step.kind {
                    StepKind::Confirm => "\"done\" or \"not done\"",
                    StepKind::Question => "\"yes\" or \"no\"",
                    StepKind::Decision => "by choosing one of its options and giving the reason",
                    StepKind::Record => "by writing what happened",
                    StepKind::Contact => "by recording the contact, or why there was none",
                }
            ),
        )
    };
    Ok(match (step.kind, answer) {
        (_, Answer::NotDone { .. }) if step.decides_route => {
            return Err(fields::invalid(
                Field::Answer,
                match step.kind {
                    StepKind::Question => "this question decides what happens next, so it cannot be skipped: answer yes or no (if you are not sure, answer yes and treat it as a possible risk)",
                    _ => "this decision decides what happens next, so it cannot be skipped: choose an option and give the reason",
                },
            ));
        }
        (_, Answer::NotDone { reason }) => {
            let reason = fields::text(Field::Reason, reason, fields::LONG)?;
            if step.required && reason.is_empty() {
                return Err(fields::invalid(
                    Field::Reason,
                    "this step is required: record why it was not done",
                ));
            }
            Answer::NotDone { reason }
        }
        (StepKind::Confirm, Answer::Done) => Answer::Done,
        (StepKind::Question, Answer::Yes) => Answer::Yes,
        (StepKind::Question, Answer::No) => Answer::No,
        (StepKind::Decision, Answer::Chosen { option, reason }) => {
            if !step.options.iter().any(|o| &o.id == option) {
                return Err(fields::invalid(
                    Field::ChosenOption,
                    "choose one of the options",
                ));
            }
            let reason = fields::text(Field::Reason, reason, fields::LONG)?;
            if reason.is_empty() {
                return Err(fields::invalid(
                    Field::Reason,
                    "record the reason for this decision, even when it is to take no further action",
                ));
            }
            Answer::Chosen {
                option: option.clone(),
                reason,
            }
        }
        (StepKind::Record, Answer::Text { text }) => Answer::Text {
            text: fields::required_text(Field::Text, text, fields::LONG)?,
        },
        (
            StepKind::Contact,
            Answer::Contacted {
                at,
                person,
                outcome,
                reference,
            },
        ) => {
            let now = Utc::now();
            let mut form = Form::default();
            let at = time::typed::read_moment(&mut form, Field::At, at.as_ref());
            if let Some(at) = at {
                form.check(fields::not_future(Field::At, at, now));
            }
            let contacted = Answer::Contacted {
                at: Some(Moment::At(at.unwrap_or(now))),
                person: form.check(fields::required_line(Field::Person, person, fields::SHORT)),
                outcome: form.check(fields::text(Field::Outcome, outcome, fields::LONG)),
                reference: form.check(fields::line(Field::Reference, reference, fields::SHORT)),
            };
            form.finish()?;
            contacted
        }
        _ => return Err(wrong()),
    })
}

/// Starts a run of a template from `library` on the incident `reference`.
pub fn start(
    session: &mut Session,
    library: &Library,
    reference: &str,
    template_id: &str,
) -> Result<RunState> {
    let entry = library.get(template_id).ok_or_else(|| Error::NotFound {
        what: format!("The checklist \"{template_id}\""),
    })?;
    let incident = incidents::get(session.conn(), reference)?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO checklist_runs (incident_id, template_id, template_version,
                 template_sha256, template_file, template_text, started_at, started_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                incident.id,
                entry.template.id,
                entry.template.version,
                entry.template.sha256,
                entry.file,
                entry.text,
                time::format(now),
                actor
            ],
        )?;
        let id = crate::records::last_id(tx)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::ChecklistStarted,
            &incident.reference,
            &json!({ "run": id, "template": entry.template.id, "version": entry.template.version }),
        )?;
        Ok(id)
    })?;
    get(session, id)
}

/// Records (or changes) the answer to a step of an open run.
pub fn answer(
    session: &mut Session,
    run_id: RecordId,
    step_id: &str,
    answer: &Answer,
    note: &str,
) -> Result<RunState> {
    let state = get(session, run_id)?;
    if state.is_finished() {
        return Err(fields::invalid(
            Field::Answer,
            "this checklist is finished; its answers can no longer change",
        ));
    }
    let step = state
        .template
        .step(step_id)
        .ok_or_else(|| Error::NotFound {
            what: format!("The step \"{step_id}\""),
        })?;
    if !state.route.iter().any(|s| s == step_id) {
        return Err(fields::invalid(
            Field::Answer,
            "this step is not on the checklist's route with the answers given so far",
        ));
    }
    let answer = check_answer(step, answer)?;
    check_removal_after_police(&state, step, &answer)?;
    let note = fields::text(Field::Note, note, fields::LONG)?;
    let json = serde_json::to_string(&answer)
        .map_err(|e| Error::Internal(format!("answer not encodable: {e}")))?;
    let version = state.answer(step_id).map_or(1, |a| a.version + 1);
    let actor = session.actor().to_owned();
    let reference = state.run.reference.clone();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO checklist_answers (run_id, step_id, version, answer, note,
                 answered_at, answered_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                run_id,
                step_id,
                version,
                json,
                note,
                time::format(now),
                actor
            ],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::ChecklistAnswered,
            &reference,
            &json!({ "run": run_id, "step": step_id, "version": version }),
        )?;
        Ok(())
    })?;
    get(session, run_id)
}

/// Finishes a run whose route is complete, and writes its decisions, contacts and a note of
/// every answer into the incident's chronology, all in one transaction.
pub fn finish(session: &mut Session, run_id: RecordId) -> Result<RunState> {
    let state = get(session, run_id)?;
    if state.is_finished() {
        return Err(fields::invalid(
            Field::Steps,
            "this checklist is already finished",
        ));
    }
    if let Some(open) = &state.current {
        let title = state
            .template
            .step(open)
            .map_or(open.as_str(), |s| s.title.as_str());
        return Err(fields::invalid(Field::Steps,
            &format!(
                "\"{title}\" has no answer yet. Answer it, or record why it was not done, before finishing"
            ),
        ));
    }
    let incident = incidents::get(session.conn(), &state.run.reference)?;
    let entries = chronology_entries(&state)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO checklist_run_ends (run_id, finished_at, finished_by) VALUES (?1, ?2, ?3)",
            params![run_id, time::format(now), actor],
        )?;
        let mut written = Vec::new();
        for e in &entries {
            written.push(chronology::add_in_tx(tx, &incident, e, &actor)?);
        }
        audit::append(
            tx,
            now,
            &actor,
            Action::ChecklistFinished,
            &incident.reference,
            &json!({ "run": run_id, "chronology_entries": written }),
        )?;
        Ok(())
    })?;
    get(session, run_id)
}

/// The chronology entries a finished run adds.
fn chronology_entries(state: &RunState) -> Result<Vec<EntryInput>> {
    let t = &state.template;
    let title = format!("{} (checklist version {})", t.title, t.version);
    let mut out = Vec::new();
    let mut lines = vec![format!("Checklist finished: {title}.")];
    for (n, step_id) in state.route.iter().enumerate() {
        let (Some(step), Some(a)) = (t.step(step_id), state.answer(step_id)) else {
            continue;
        };
        let at = time::parse(&a.answered_at);
        let mut line = format!("{}. {}: {}", n + 1, step.title, a.answer.describe(step));
        if !a.note.is_empty() {
            line.push_str(&format!(" (Note: {})", a.note));
        }
        lines.push(line);
        match &a.answer {
            Answer::Chosen { reason, .. } => out.push(EntryInput {
                kind: Some(EntryKind::Decision),
                occurred_at: at.map(Moment::At),
                text: format!("{}: {}", step.title, chosen_label(step, &a.answer)),
                reason: reason.clone(),
                ..EntryInput::default()
            }),
            Answer::Contacted {
                at: contacted,
                person,
                outcome,
                reference,
            } => out.push(EntryInput {
                kind: Some(EntryKind::AgencyContact),
                occurred_at: contacted.clone().or(at.map(Moment::At)),
                text: step.title.clone(),
                agency: step
                    .contact
                    .map_or_else(|| step.title.clone(), |c| c.label().to_owned()),
                agency_person: person.clone(),
                agency_outcome: outcome.clone(),
                agency_reference: reference.clone(),
                ..EntryInput::default()
            }),
            _ => {}
        }
    }
    let mut note = lines.join("\n");
    // The chronology keeps notes up to fields::LONG characters; the full answers stay in the
    // run itself, so a very long run is shortened here with a pointer to it.
    if note.chars().count() > fields::LONG {
        note = note.chars().take(fields::LONG - 80).collect();
        note.push_str("\n… (shortened: every answer is kept in the checklist run)");
    }
    out.insert(
        0,
        EntryInput {
            kind: Some(EntryKind::Note),
            text: note,
            ..EntryInput::default()
        },
    );
    Ok(out)
}

fn chosen_label<'a>(step: &'a Step, answer: &'a Answer) -> &'a str {
    match answer {
        Answer::Chosen { option, .. } => step
            .options
            .iter()
            .find(|o| &o.id == option)
            .map_or(option.as_str(), |o| o.label.as_str()),
        _ => "",
    }
}

/// One run with its template, answers and route.
pub fn get(session: &Session, run_id: RecordId) -> Result<RunState> {
    let conn = session.conn();
    let row = conn
        .query_row(
            "SELECT r.id, i.reference, r.template_id, r.template_version, r.template_file,
                    r.template_text, r.started_at, r.started_by, e.finished_at, e.finished_by
             FROM checklist_runs r JOIN incidents i ON i.id = r.incident_id
             LEFT JOIN checklist_run_ends e ON e.run_id = r.id
             WHERE r.id = ?1",
            [run_id],
            |r| {
                Ok((
                    RunSummary {
                        id: r.get(0)?,
                        reference: r.get(1)?,
                        template_id: r.get(2)?,
                        template_version: r.get(3)?,
                        title: String::new(),
                        started_at: r.get(6)?,
                        started_by: r.get(7)?,
                        finished_at: r.get(8)?,
                        finished_by: r.get(9)?,
                    },
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "That checklist run".to_owned(),
        })?;
    let (mut run, file, text) = row;
    let template = template::parse_stored(&file, &text).map_err(|errors| {
        Error::Internal(format!(
            "the checklist kept with run {run_id} no longer reads: {}",
            errors.first().map(ToString::to_string).unwrap_or_default()
        ))
    })?;
    run.title = template.title.clone();
    let mut answers = current_answers(conn, run_id)?;
    for a in &mut answers {
        if let Some(step) = template.step(&a.step_id) {
            a.described = a.answer.describe(step);
        }
    }
    let by_step: BTreeMap<String, Answer> = answers
        .iter()
        .map(|a| (a.step_id.clone(), a.answer.clone()))
        .collect();
    let (route, current) = route(&template, &by_step);
    let dsl = crate::organisation::current(session.conn())?.dsl_name;
    let all = contacts::current(conn, &dsl)?;
    let contacts = all
        .into_iter()
        .filter(|c| {
            template.steps.iter().any(|s| s.contact == Some(c.key))
                || c.key == contacts::ContactKey::PoliceEmergency
        })
        .collect();
    Ok(RunState {
        run,
        template,
        answers,
        route,
        current,
        contacts,
    })
}

fn read_answer(r: &rusqlite::Row<'_>) -> rusqlite::Result<StepAnswer> {
    let json: String = r.get(2)?;
    let answer = serde_json::from_str(&json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, Box::new(e))
    })?;
    Ok(StepAnswer {
        step_id: r.get(0)?,
        version: r.get(1)?,
        answer,
        described: String::new(),
        note: r.get(3)?,
        answered_at: r.get(4)?,
        answered_by: r.get(5)?,
    })
}

fn current_answers(conn: &Connection, run_id: RecordId) -> Result<Vec<StepAnswer>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.step_id, a.version, a.answer, a.note, a.answered_at, a.answered_by
             FROM checklist_answers a
             WHERE a.run_id = ?1 AND a.version =
                 (SELECT max(version) FROM checklist_answers WHERE run_id = a.run_id AND step_id = a.step_id)
             ORDER BY a.answered_at, a.step_id",
        )?;
    let rows = stmt.query_map([run_id], read_answer)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// Every version of the answer to one step, oldest first.
pub fn answer_history(
    conn: &Connection,
    run_id: RecordId,
    step_id: &str,
) -> Result<Vec<StepAnswer>> {
    let mut stmt = conn.prepare_cached(
        "SELECT step_id, version, answer, note, answered_at, answered_by
             FROM checklist_answers WHERE run_id = ?1 AND step_id = ?2 ORDER BY version",
    )?;
    let rows = stmt.query_map(params![run_id, step_id], read_answer)?;
    let mut answers = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    // Described against the template kept with the run, as `get` describes current answers.
    let (file, text): (String, String) = conn.query_row(
        "SELECT template_file, template_text FROM checklist_runs WHERE id = ?1",
        [run_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if let Ok(template) = template::parse_stored(&file, &text) {
        if let Some(step) = template.step(step_id) {
            for a in &mut answers {
                a.described = a.answer.describe(step);
            }
        }
    }
    Ok(answers)
}

/// The runs on an incident, newest first.
pub fn for_incident(session: &Session, reference: &str) -> Result<Vec<RunSummary>> {
    let incident = incidents::get(session.conn(), reference)?;
    let ids: Vec<RecordId> = {
        let mut stmt = session.conn().prepare_cached(
            "SELECT id FROM checklist_runs WHERE incident_id = ?1 ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([incident.id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    ids.into_iter()
        .map(|id| get(session, id).map(|s| s.run))
        .collect()
}
