//! Subject access requests on a person's page: record one, extend it with the reason, look
//! over the response (each redaction, every part, those withheld), withhold a part under an
//! exemption or release it, and sign and save the response.

use tauri::State;

use casebook::disclosure::subject_access::{self as response, ResponseChoices, ResponsePreview};
use casebook::records::subject_access::{self, Exemption, Request, RequestInput};
use casebook::records::RecordId;

use crate::error::CommandResult;
use crate::files::save_made;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn person_requests(
    state: State<'_, AppState>,
    person_id: RecordId,
) -> CommandResult<Vec<Request>> {
    state.with_session(|s| Ok(subject_access::for_person(s.conn(), person_id)?))
}

#[tauri::command]
#[specta::specta]
pub async fn record_request(
    state: State<'_, AppState>,
    input: RequestInput,
) -> CommandResult<Request> {
    state.with_session(|s| Ok(subject_access::record(s, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn extend_request(
    state: State<'_, AppState>,
    request_id: RecordId,
    reason: String,
) -> CommandResult<Request> {
    state.with_session(|s| Ok(subject_access::extend(s, request_id, &reason)?))
}

#[tauri::command]
#[specta::specta]
pub async fn withhold_part(
    state: State<'_, AppState>,
    request_id: RecordId,
    part: String,
    exemption: Exemption,
    reason: String,
) -> CommandResult<Request> {
    state.with_session(|s| {
        Ok(subject_access::withhold(
            s, request_id, &part, exemption, &reason,
        )?)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn release_part(
    state: State<'_, AppState>,
    request_id: RecordId,
    part: String,
) -> CommandResult<Request> {
    state.with_session(|s| Ok(subject_access::release(s, request_id, &part)?))
}

/// The response as it would be made now, for the reviewer.
#[tauri::command]
#[specta::specta]
pub async fn response_preview(
    state: State<'_, AppState>,
    request_id: RecordId,
    choices: ResponseChoices,
) -> CommandResult<ResponsePreview> {
    state.with_session(|s| Ok(response::preview(s, request_id, &choices)?))
}

/// Signs the response and saves it where the DSL chooses. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_response(
    window: tauri::Window,
    state: State<'_, AppState>,
    request_id: RecordId,
    choices: ResponseChoices,
) -> CommandResult<Option<String>> {
    let name = format!("Subject access response {request_id}.pdf");
    save_made(
        &window,
        &state,
        ("Save the signed response", &name),
        ("PDF document", "pdf"),
        |s, write| response::make_response(s, request_id, &choices, write).map(|_| ()),
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}
