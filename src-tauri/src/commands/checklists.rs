//! Response checklists: the templates on offer, runs on an incident, the organisation's
//! contacts, and a blank printable copy saved where the DSL chooses.

use casebook::checklists::contacts::{self, Contact};
use casebook::checklists::{engine, paper, Answer, Library, RunState, RunSummary, TemplateError};
use casebook::records::incidents::Category;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A template as the picker shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TemplateInfo {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub summary: String,
    pub categories: Vec<Category>,
    pub steps: u32,
}

/// The templates on offer, and any the organisation added that were refused (with why).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TemplateList {
    pub templates: Vec<TemplateInfo>,
    pub problems: Vec<TemplateError>,
}

fn library(state: &AppState) -> Library {
    Library::with_folder(&state.vault.paths().checklists())
}

#[tauri::command]
#[specta::specta]
pub async fn checklist_templates(state: State<'_, AppState>) -> CommandResult<TemplateList> {
    let lib = library(&state);
    Ok(TemplateList {
        templates: lib
            .templates()
            .map(|t| TemplateInfo {
                id: t.id.clone(),
                version: t.version,
                title: t.title.clone(),
                summary: t.summary.clone(),
                categories: t.categories.clone(),
                steps: u32::try_from(t.steps.len()).unwrap_or(u32::MAX),
            })
            .collect(),
        problems: lib.problems().to_vec(),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn incident_checklists(
    state: State<'_, AppState>,
    reference: String,
) -> CommandResult<Vec<RunSummary>> {
    state.with_session(|s| Ok(engine::for_incident(s, &reference)?))
}

#[tauri::command]
#[specta::specta]
pub async fn start_checklist(
    state: State<'_, AppState>,
    reference: String,
    template_id: String,
) -> CommandResult<RunState> {
    let lib = library(&state);
    state.with_session(|s| Ok(engine::start(s, &lib, &reference, &template_id)?))
}

#[tauri::command]
#[specta::specta]
pub async fn checklist_run(state: State<'_, AppState>, run_id: u32) -> CommandResult<RunState> {
    state.with_session(|s| Ok(engine::get(s, run_id)?))
}

#[tauri::command]
#[specta::specta]
pub async fn answer_checklist_step(
    state: State<'_, AppState>,
    run_id: u32,
    step_id: String,
    answer: Answer,
    note: String,
) -> CommandResult<RunState> {
    state.with_session(|s| Ok(engine::answer(s, run_id, &step_id, &answer, &note)?))
}

#[tauri::command]
#[specta::specta]
pub async fn finish_checklist(state: State<'_, AppState>, run_id: u32) -> CommandResult<RunState> {
    state.with_session(|s| Ok(engine::finish(s, run_id)?))
}

#[tauri::command]
#[specta::specta]
pub async fn organisation_contacts(state: State<'_, AppState>) -> CommandResult<Vec<Contact>> {
    state.with_session(|s| {
        let dsl = casebook::organisation::current(s.conn())?.dsl_name;
        Ok(contacts::current(s.conn(), &dsl)?)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn save_contacts(
    state: State<'_, AppState>,
    changes: Vec<Contact>,
) -> CommandResult<Vec<Contact>> {
    state.with_session(|s| Ok(contacts::save(s, &changes)?))
}

/// Renders a blank checklist and asks where to save it. Returns the file name written, or
/// `None` when the DSL cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_blank_checklist(
    window: tauri::Window,
    state: State<'_, AppState>,
    template_id: String,
) -> CommandResult<Option<String>> {
    let lib = library(&state);
    let entry = lib
        .get(&template_id)
        .ok_or_else(|| casebook::Error::NotFound {
            what: format!("The checklist \"{template_id}\""),
        })?;
    let pdf = state.with_session(|s| {
        let org = casebook::organisation::current(s.conn())?;
        let contacts = contacts::current(s.conn(), &org.dsl_name)?;
        Ok(paper::blank(
            &entry.template,
            &org.name,
            casebook::organisation::is_demo(s.conn())?,
            &contacts,
            chrono::Utc::now(),
        )?)
    })?;
    let file_name = format!("Blank checklist - {}.pdf", entry.template.title);
    crate::files::save_pdf(&window, &file_name, &pdf).await
}
