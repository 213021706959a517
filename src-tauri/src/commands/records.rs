//! The incident log: people, incidents, chronology, evidence, search and drafts. Each command
//! runs one core call on the open session.

use casebook::records::chronology::{self, Entry, EntryInput, PersonChronologyItem};
use casebook::records::drafts;
use casebook::records::evidence::{self, CustodyEvent, CustodyInput, EvidenceInput, EvidenceNote};
use casebook::records::incidents::{
    self, Category, FourC, Incident, IncidentInput, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{self, Person, PersonInput};
use casebook::records::search::{self, IncidentFilter, IncidentRow};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A value and how it is written for people, for select boxes.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Choice<T> {
    pub value: T,
    pub label: String,
}

/// The fixed lists the forms offer.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Vocabulary {
    pub categories: Vec<Choice<Category>>,
    pub four_cs: Vec<Choice<FourC>>,
    pub risks: Vec<Choice<Risk>>,
    pub statuses: Vec<Choice<Status>>,
    pub roles: Vec<Choice<Role>>,
}

fn choices<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<Choice<T>> {
    all.iter()
        .map(|v| Choice {
            value: *v,
            label: label(*v).to_owned(),
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn vocabulary() -> CommandResult<Vocabulary> {
    Ok(Vocabulary {
        categories: choices(Category::ALL, Category::label),
        four_cs: choices(FourC::ALL, FourC::label),
        risks: choices(Risk::ALL, Risk::label),
        statuses: choices(Status::ALL, Status::label),
        roles: choices(Role::ALL, Role::label),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_incidents(
    state: State<'_, AppState>,
    filter: IncidentFilter,
) -> CommandResult<Vec<IncidentRow>> {
    state.with_session(|s| Ok(search::incidents(s.conn(), &filter)?))
}

/// Everything on an incident's page.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IncidentPage {
    pub incident: Incident,
    pub chronology: Vec<Entry>,
    pub evidence: Vec<EvidenceNote>,
    /// Earlier versions, oldest first (the current one is `incident`).
    pub history: Vec<Incident>,
}

fn page(s: &casebook::vault::Session, reference: &str) -> CommandResult<IncidentPage> {
    let mut history = incidents::history(s.conn(), reference)?;
    let incident = history.pop().ok_or_else(|| casebook::Error::NotFound {
        what: format!("Incident {reference}"),
    })?;
    Ok(IncidentPage {
        chronology: chronology::for_incident(s.conn(), reference)?,
        evidence: evidence::for_incident(s.conn(), reference)?,
        incident,
        history,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn incident_page(
    state: State<'_, AppState>,
    reference: String,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| page(s, &reference))
}

#[tauri::command]
#[specta::specta]
pub async fn create_incident(
    state: State<'_, AppState>,
    input: IncidentInput,
    people: Vec<PersonLink>,
) -> CommandResult<Incident> {
    state.with_session(|s| {
        let created = incidents::create(s, &input, &people)?;
        // The incident is saved: a draft that could not be removed must not turn that into an
        // error (the DSL would save it twice). At worst the old draft is offered again.
        let _ = drafts::discard(s, "new-incident");
        Ok(created)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn amend_incident(
    state: State<'_, AppState>,
    reference: String,
    input: IncidentInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::amend(s, &reference, &input)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn link_person(
    state: State<'_, AppState>,
    reference: String,
    link: PersonLink,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::link_person(s, &reference, link)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn add_chronology_entry(
    state: State<'_, AppState>,
    reference: String,
    input: EntryInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        chronology::add(s, &reference, &input)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn add_evidence_note(
    state: State<'_, AppState>,
    reference: String,
    input: EvidenceInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        evidence::add(s, &reference, &input)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn record_custody_event(
    state: State<'_, AppState>,
    note_id: casebook::records::RecordId,
    input: CustodyInput,
) -> CommandResult<CustodyEvent> {
    state.with_session(|s| Ok(evidence::record_custody(s, note_id, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn list_people(state: State<'_, AppState>) -> CommandResult<Vec<Person>> {
    state.with_session(|s| Ok(people::list(s.conn())?))
}

#[tauri::command]
#[specta::specta]
pub async fn create_person(
    state: State<'_, AppState>,
    input: PersonInput,
) -> CommandResult<Person> {
    state.with_session(|s| Ok(people::create(s, &input)?))
}

/// A person with every version of their details and their chronology across incidents.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PersonPage {
    pub history: Vec<Person>,
    pub chronology: Vec<PersonChronologyItem>,
    pub incidents: Vec<IncidentRow>,
}

#[tauri::command]
#[specta::specta]
pub async fn person_page(
    state: State<'_, AppState>,
    person_id: casebook::records::RecordId,
) -> CommandResult<PersonPage> {
    state.with_session(|s| {
        Ok(PersonPage {
            history: people::history(s.conn(), person_id)?,
            chronology: chronology::for_person(s.conn(), person_id, 500)?,
            incidents: search::incidents(
                s.conn(),
                &IncidentFilter {
                    person_id: Some(person_id),
                    ..IncidentFilter::default()
                },
            )?,
        })
    })
}

#[tauri::command]
#[specta::specta]
pub async fn amend_person(
    state: State<'_, AppState>,
    person_id: casebook::records::RecordId,
    input: PersonInput,
) -> CommandResult<Person> {
    state.with_session(|s| Ok(people::amend(s, person_id, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    state: State<'_, AppState>,
    form: String,
    body: String,
) -> CommandResult<()> {
    state.with_session(|s| Ok(drafts::save(s, &form, &body)?))
}

#[tauri::command]
#[specta::specta]
pub async fn load_draft(state: State<'_, AppState>, form: String) -> CommandResult<Option<String>> {
    state.with_session(|s| Ok(drafts::load(s, &form)?))
}

#[tauri::command]
#[specta::specta]
pub async fn discard_draft(state: State<'_, AppState>, form: String) -> CommandResult<()> {
    state.with_session(|s| Ok(drafts::discard(s, &form)?))
}
