//! Child protection file transfers, both ends: start one from a child's page, look over the
//! file and its redactions, save the signed PDF and the encrypted package, record chases and
//! receipt; import a package from another school (checked and shown first) and send back its
//! signed receipt. Files are chosen through the native dialogs and held by the shell.

use serde::Serialize;
use tauri::State;

use casebook::disclosure::file::Built;
use casebook::disclosure::transfer::{
    self, AttachTo, KnownSigner, PackageFor, PackagePreview, ReceiptPreview, ReceivedFile,
};
use casebook::records::transfers::{self, ConfirmationInput, Transfer, TransferInput};
use casebook::records::RecordId;

use crate::error::CommandResult;
use crate::files::save_made;
use crate::state::AppState;

/// A child's transfers and the files received for them, for the child's page.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ChildTransfers {
    pub transfers: Vec<Transfer>,
    pub received: Vec<ReceivedFile>,
    /// The reason a new transfer's form starts from (KCSIE's duty, in words).
    pub default_reason: String,
}

#[tauri::command]
#[specta::specta]
pub async fn child_transfers(
    state: State<'_, AppState>,
    person_id: RecordId,
) -> CommandResult<ChildTransfers> {
    state.with_session(|s| {
        Ok(ChildTransfers {
            transfers: transfers::for_person(s.conn(), person_id)?,
            received: transfer::received_for(s.conn(), person_id)?,
            default_reason: transfers::DEFAULT_REASON.to_owned(),
        })
    })
}

#[tauri::command]
#[specta::specta]
pub async fn start_transfer(
    state: State<'_, AppState>,
    input: TransferInput,
) -> CommandResult<Transfer> {
    state.with_session(|s| Ok(transfers::start(s, &input)?))
}

/// The file as it would go now, with each redaction, for the DSL to look over first.
#[tauri::command]
#[specta::specta]
pub async fn transfer_preview(
    state: State<'_, AppState>,
    transfer_id: RecordId,
) -> CommandResult<Built> {
    state.with_session(|s| Ok(transfer::preview(s, transfer_id)?))
}

/// Signs the transfer's PDF and saves it where the DSL chooses. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_transfer_pdf(
    window: tauri::Window,
    state: State<'_, AppState>,
    transfer_id: RecordId,
) -> CommandResult<Option<String>> {
    let name = format!("Child protection file transfer {transfer_id}.pdf");
    save_made(
        &window,
        &state,
        ("Save the child protection file", &name),
        ("PDF document", "pdf"),
        |s, write| transfer::make_pdf(s, transfer_id, write).map(|_| ()),
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}

/// A package saved, with its transfer code when one was made (shown once, never kept).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SavedPackage {
    pub file: String,
    pub code: Option<String>,
}

/// Signs and encrypts the transfer's package and saves it. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_transfer_package(
    window: tauri::Window,
    state: State<'_, AppState>,
    transfer_id: RecordId,
    to: PackageFor,
) -> CommandResult<Option<SavedPackage>> {
    let name = format!("Child protection file transfer {transfer_id}.casebook-transfer");
    let saved = save_made(
        &window,
        &state,
        ("Save the transfer package", &name),
        ("Casebook transfer package", "casebook-transfer"),
        |s, write| transfer::make_package(s, transfer_id, &to, write),
    )
    .await?;
    Ok(saved.map(|(file, made)| SavedPackage {
        file,
        code: made.code.map(|c| c.display_grouped()),
    }))
}

#[tauri::command]
#[specta::specta]
pub async fn chase_transfer(
    state: State<'_, AppState>,
    transfer_id: RecordId,
    note: String,
) -> CommandResult<Transfer> {
    state.with_session(|s| Ok(transfers::chase(s, transfer_id, &note)?))
}

#[tauri::command]
#[specta::specta]
pub async fn confirm_transfer(
    state: State<'_, AppState>,
    transfer_id: RecordId,
    input: ConfirmationInput,
) -> CommandResult<Transfer> {
    state.with_session(|s| Ok(transfers::confirm(s, transfer_id, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_transfer(
    state: State<'_, AppState>,
    transfer_id: RecordId,
    reason: String,
) -> CommandResult<Transfer> {
    state.with_session(|s| Ok(transfers::cancel(s, transfer_id, &reason)?))
}

/// This vault's key for receiving packages, to send to the school a child is coming from.
#[tauri::command]
#[specta::specta]
pub async fn receiving_key(state: State<'_, AppState>) -> CommandResult<String> {
    state.with_session(|s| Ok(transfer::receiving_key(s)?))
}

/// Asks for a package file and holds it. `false` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_transfer_package(
    window: tauri::Window,
    state: State<'_, AppState>,
) -> CommandResult<bool> {
    *state.chosen_package() = None;
    let Some(handle) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Import a child protection file")
        .add_filter("Casebook transfer package", &["casebook-transfer"])
        .pick_file()
        .await
    else {
        return Ok(false);
    };
    *state.chosen_package() = Some(handle.path().to_owned());
    Ok(true)
}

fn chosen(slot: &Option<std::path::PathBuf>) -> CommandResult<std::path::PathBuf> {
    slot.clone()
        .ok_or_else(|| casebook::Error::Unavailable("Choose the file first.".into()).into())
}

/// Opens the chosen package (with the transfer code, or this vault's key when `code` is
/// empty) and says who sent it and what it holds. Writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn preview_transfer_package(
    state: State<'_, AppState>,
    code: Option<String>,
) -> CommandResult<PackagePreview> {
    let path = chosen(&state.chosen_package())?;
    let code = code.filter(|c| !c.trim().is_empty());
    state.with_session(|s| Ok(transfer::preview_package(s, &path, code.as_deref())?))
}

/// Imports the chosen package as a received file attached to the child the DSL chose.
#[tauri::command]
#[specta::specta]
pub async fn import_transfer_package(
    state: State<'_, AppState>,
    code: Option<String>,
    attach: AttachTo,
    signer_confirmed: bool,
) -> CommandResult<ReceivedFile> {
    let path = chosen(&state.chosen_package())?;
    let code = code.filter(|c| !c.trim().is_empty());
    let received = state.with_session(|s| {
        Ok(transfer::import_package(
            s,
            &path,
            code.as_deref(),
            &attach,
            signer_confirmed,
        )?)
    })?;
    *state.chosen_package() = None;
    Ok(received)
}

/// Signs a receipt for a received file and saves it, to send back. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_transfer_receipt(
    window: tauri::Window,
    state: State<'_, AppState>,
    received_id: RecordId,
) -> CommandResult<Option<String>> {
    let name = format!("Receipt for transfer {received_id}.casebook-receipt");
    save_made(
        &window,
        &state,
        ("Save the signed receipt", &name),
        ("Casebook receipt", "casebook-receipt"),
        |s, write| transfer::make_receipt(s, received_id, write).map(|_| ()),
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}

/// The other schools' signers this vault has confirmed, and whether each is trusted now.
#[tauri::command]
#[specta::specta]
pub async fn known_signers(state: State<'_, AppState>) -> CommandResult<Vec<KnownSigner>> {
    state.with_session(|s| Ok(transfer::known_signers(s.conn())?))
}

/// Withdraws trust in a signer, with the reason; their next file needs the fingerprint again.
#[tauri::command]
#[specta::specta]
pub async fn withdraw_signer(
    state: State<'_, AppState>,
    fingerprint: String,
    reason: String,
) -> CommandResult<KnownSigner> {
    state.with_session(|s| Ok(transfer::withdraw_signer(s, &fingerprint, &reason)?))
}

/// Signs a received file as a PDF, as it arrived, and saves it. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_received_pdf(
    window: tauri::Window,
    state: State<'_, AppState>,
    received_id: RecordId,
) -> CommandResult<Option<String>> {
    let name = format!("Received child protection file {received_id}.pdf");
    save_made(
        &window,
        &state,
        ("Save the received file as a PDF", &name),
        ("PDF document", "pdf"),
        |s, write| transfer::make_received_pdf(s, received_id, write).map(|_| ()),
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}

/// Asks for a receipt file, holds it, and says what it confirms. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_transfer_receipt(
    window: tauri::Window,
    state: State<'_, AppState>,
) -> CommandResult<Option<ReceiptPreview>> {
    *state.chosen_receipt() = None;
    let Some(handle) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Record a signed receipt")
        .add_filter("Casebook receipt", &["casebook-receipt"])
        .pick_file()
        .await
    else {
        return Ok(None);
    };
    let path = handle.path().to_owned();
    let preview = state.with_session(|s| Ok(transfer::preview_receipt(s, &path)?))?;
    *state.chosen_receipt() = Some(path);
    Ok(Some(preview))
}

/// Records the chosen receipt: the transfer is confirmed.
#[tauri::command]
#[specta::specta]
pub async fn import_transfer_receipt(
    state: State<'_, AppState>,
    signer_confirmed: bool,
) -> CommandResult<Transfer> {
    let path = chosen(&state.chosen_receipt())?;
    let t = state.with_session(|s| Ok(transfer::import_receipt(s, &path, signer_confirmed)?))?;
    *state.chosen_receipt() = None;
    Ok(t)
}
