//! The rest of the record around people and incidents: relationships and households, roles,
//! parents informed and consent, who was told what, who received the disclosure, a person's
//! page and its PDF, and the organisation's local practice (closure days, retention period).

use casebook::records::family::{self, ConsentInput, FamilyRecord, ParentsInformedInput};
use casebook::records::first_account::{self, FirstAccount, FirstAccountInput};
use casebook::records::incidents::{self, Role};
use casebook::records::local_practice::{
    self, AfterTransfer, Closure, ClosureInput, RetentionPeriod,
};
use casebook::records::person_file::{self, PersonFile};
use casebook::records::relationships::{self, RelationshipInput, Relative};
use casebook::records::sharing::{self, Shared, SharingInput};
use casebook::records::RecordId;
use serde::Serialize;
use tauri::State;

use super::records::IncidentPage;
use crate::error::CommandResult;
use crate::state::AppState;

/// What an incident's page shows beside its record: the family side, who was told what, and
/// who received the disclosure.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IncidentContext {
    pub family: FamilyRecord,
    pub shared: Vec<Shared>,
    pub first_account: Option<FirstAccount>,
}

fn context(s: &casebook::vault::Session, reference: &str) -> CommandResult<IncidentContext> {
    let id = incidents::get(s.conn(), reference)?.id;
    Ok(IncidentContext {
        family: family::get(s.conn(), id)?,
        shared: sharing::list(s.conn(), id)?,
        first_account: first_account::current(s.conn(), id)?,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn incident_context(
    state: State<'_, AppState>,
    reference: String,
) -> CommandResult<IncidentContext> {
    state.with_session(|s| context(s, &reference))
}

#[tauri::command]
#[specta::specta]
pub async fn record_parents_informed(
    state: State<'_, AppState>,
    reference: String,
    input: ParentsInformedInput,
) -> CommandResult<IncidentContext> {
    state.with_session(|s| {
        family::record_parents_informed(s, &reference, &input)?;
        context(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn record_consent(
    state: State<'_, AppState>,
    reference: String,
    input: ConsentInput,
) -> CommandResult<IncidentContext> {
    state.with_session(|s| {
        family::record_consent(s, &reference, &input)?;
        context(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn record_sharing(
    state: State<'_, AppState>,
    reference: String,
    input: SharingInput,
) -> CommandResult<IncidentContext> {
    state.with_session(|s| {
        sharing::record(s, &reference, &input)?;
        context(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn record_first_account(
    state: State<'_, AppState>,
    reference: String,
    input: FirstAccountInput,
) -> CommandResult<IncidentContext> {
    state.with_session(|s| {
        first_account::record(s, &reference, &input)?;
        context(s, &reference)
    })
}

/// Changes a person's role on an incident (the old link removed, the new one added).
#[tauri::command]
#[specta::specta]
pub async fn change_role(
    state: State<'_, AppState>,
    reference: String,
    person_id: RecordId,
    from: Role,
    to: Role,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::change_role(s, &reference, person_id, from, to)?;
        super::records::page(s, &reference)
    })
}

/// A person's page: details, every version, household, incidents, chronology.
#[tauri::command]
#[specta::specta]
pub async fn person_page(
    state: State<'_, AppState>,
    person_id: RecordId,
) -> CommandResult<PersonFile> {
    state.with_session(|s| {
        Ok(person_file::get(
            s.conn(),
            person_id,
            person_file::PAGE_CHRONOLOGY,
        )?)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn add_relationship(
    state: State<'_, AppState>,
    input: RelationshipInput,
) -> CommandResult<Relative> {
    state.with_session(|s| Ok(relationships::add(s, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn end_relationship(
    state: State<'_, AppState>,
    relationship_id: RecordId,
    reason: String,
) -> CommandResult<()> {
    state.with_session(|s| Ok(relationships::end(s, relationship_id, &reason)?))
}

/// Asks where to save, then writes a person's page as a PDF. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_person_pdf(
    window: tauri::Window,
    state: State<'_, AppState>,
    person_id: RecordId,
) -> CommandResult<Option<String>> {
    // A neutral file name: recent-file lists should not carry a child's name.
    let suggested = format!("Casebook record {person_id}.pdf");
    let subject = person_id.to_string();
    crate::files::save_record_pdf(&window, &state, &suggested, &subject, "person_pdf", |s| {
        let file = person_file::get(s.conn(), person_id, u32::MAX)?;
        let org = casebook::organisation::current(s.conn())?;
        let demo = casebook::organisation::is_demo(s.conn())?;
        Ok(casebook::person_pdf::render(
            &file,
            &org.name,
            demo,
            chrono::Utc::now(),
        )?)
    })
    .await
}

/// The organisation's local practice, as Settings shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LocalPractice {
    pub closures: Vec<Closure>,
    pub retention: RetentionPeriod,
    /// What happens to a child's file here once the next school confirms receipt.
    pub after_transfer: AfterTransfer,
}

fn practice(s: &casebook::vault::Session) -> CommandResult<LocalPractice> {
    Ok(LocalPractice {
        closures: local_practice::closures(s.conn())?,
        retention: local_practice::retention_period(s.conn())?,
        after_transfer: local_practice::after_transfer(s.conn())?,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn local_practice(state: State<'_, AppState>) -> CommandResult<LocalPractice> {
    state.with_session(|s| practice(s))
}

#[tauri::command]
#[specta::specta]
pub async fn add_closure(
    state: State<'_, AppState>,
    input: ClosureInput,
) -> CommandResult<LocalPractice> {
    state.with_session(|s| {
        local_practice::add_closure(s, &input)?;
        practice(s)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn remove_closure(
    state: State<'_, AppState>,
    closure_id: RecordId,
) -> CommandResult<LocalPractice> {
    state.with_session(|s| {
        local_practice::remove_closure(s, closure_id)?;
        practice(s)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_after_transfer(
    state: State<'_, AppState>,
    input: AfterTransfer,
) -> CommandResult<LocalPractice> {
    state.with_session(|s| {
        local_practice::set_after_transfer(s, &input)?;
        practice(s)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn set_retention_period(
    state: State<'_, AppState>,
    child_years: u32,
    reason: String,
) -> CommandResult<LocalPractice> {
    state.with_session(|s| {
        local_practice::set_retention_period(s, child_years, &reason)?;
        practice(s)
    })
}
