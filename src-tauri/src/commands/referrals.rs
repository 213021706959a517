//! Referrals: a preview of what the recipient will get, the signed PDF saved where the DSL
//! chooses or printed through a private temporary file, and checking a PDF handed back.

use casebook::referral::{self, summary::Summary, Delivery, Recipient, Verification};
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Slot};

/// What the referral will say, for the preview. Nothing is recorded.
#[tauri::command]
#[specta::specta]
pub async fn referral_preview(
    state: State<'_, AppState>,
    reference: String,
    recipient: Recipient,
    choices: referral::Choices,
) -> CommandResult<Summary> {
    state.with_session(|s| {
        let choices = choices.checked(recipient)?;
        Ok(referral::summary::build(
            s, &reference, recipient, &choices,
        )?)
    })
}

/// Asks where to save, then signs, records and writes the referral. `None` when cancelled
/// (then nothing is recorded).
#[tauri::command]
#[specta::specta]
pub async fn save_referral(
    window: tauri::Window,
    state: State<'_, AppState>,
    reference: String,
    recipient: Recipient,
    choices: referral::Choices,
) -> CommandResult<Option<String>> {
    // Refused before the dialog, not after a file name was chosen.
    state.with_session(|s| {
        referral::check_can_issue(s)?;
        choices.checked(recipient)?;
        Ok(())
    })?;
    let suggested = referral::file_name(&reference, recipient);
    let Some(path) =
        crate::files::choose_save_path(&window, "Save PDF", &suggested, "PDF document", "pdf")
            .await
    else {
        return Ok(None);
    };
    let issued =
        state.with_session(|s| Ok(referral::issue(s, &reference, recipient, &choices)?))?;
    crate::files::write_file(&path, &issued.pdf)
        .map_err(|e| not_delivered(&state, &reference, &issued, Delivery::Save, e))?;
    Ok(Some(path.file_name().map_or_else(String::new, |n| {
        n.to_string_lossy().into_owned()
    })))
}

/// Signs and records the referral, then opens it in the system's viewer to print, through a
/// private temporary file that is removed afterwards.
#[tauri::command]
#[specta::specta]
pub async fn print_referral(
    state: State<'_, AppState>,
    reference: String,
    recipient: Recipient,
    choices: referral::Choices,
) -> CommandResult<()> {
    crate::files::check_can_print()?;
    state.with_session(|s| Ok(referral::check_can_issue(s)?))?;
    let issued =
        state.with_session(|s| Ok(referral::issue(s, &reference, recipient, &choices)?))?;
    // A neutral name: the viewer may list it among recent files, and the print spool may keep
    // the job's title, so neither should carry the incident's reference.
    crate::files::print_pdf("Casebook referral.pdf", &issued.pdf)
        .map_err(|e| not_delivered(&state, &reference, &issued, Delivery::Print, e))?;
    Ok(())
}

/// The issue is already recorded when saving or printing fails: the core says so, and notes
/// in the chronology that no copy was made.
fn not_delivered(
    state: &AppState,
    reference: &str,
    issued: &referral::Issued,
    delivery: Delivery,
    failure: casebook::Error,
) -> CommandError {
    let mut slot = state.slot();
    let session = match &mut *slot {
        Slot::Open(session) => Some(&mut **session),
        _ => None,
    };
    referral::not_delivered(session, reference, issued, delivery, failure).into()
}

/// Asks for a PDF and checks its signature and whether this vault issued it. `None` when
/// cancelled.
#[tauri::command]
#[specta::specta]
pub async fn verify_referral_file(
    window: tauri::Window,
    state: State<'_, AppState>,
) -> CommandResult<Option<(String, Verification)>> {
    let Some(handle) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Check a signed PDF")
        .add_filter("PDF document", &["pdf"])
        .pick_file()
        .await
    else {
        return Ok(None);
    };
    let path = handle.path().to_path_buf();
    let bytes = referral::read_pdf(&path)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // The file is parsed before the session is taken: a slow or hostile PDF never holds it.
    let checked = referral::check(&bytes)?;
    state.with_session(|s| Ok(Some((name, referral::conclude(s, checked)?))))
}
