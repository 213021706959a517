//! Referrals: a preview of what the recipient will get, the signed PDF saved where the DSL
//! chooses or printed through a private temporary file, and checking a PDF handed back.

use casebook::referral::{self, summary::Summary, Delivery, Recipient, Verification};
use casebook::ErrorCode;
use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::state::AppState;

/// What the referral will say, for the preview. Nothing is recorded.
#[tauri::command]
#[specta::specta]
pub async fn referral_preview(
    state: State<'_, AppState>,
    reference: String,
    recipient: Recipient,
) -> CommandResult<Summary> {
    state.with_session(|s| Ok(referral::summary::build(s, &reference, recipient)?))
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
) -> CommandResult<Option<String>> {
    let suggested = format!("{reference} referral to {}.pdf", recipient.file_label());
    let Some(path) =
        crate::files::choose_save_path(&window, "Save PDF", &suggested, "PDF document", "pdf")
            .await
    else {
        return Ok(None);
    };
    let issued = state.with_session(|s| Ok(referral::issue(s, &reference, recipient)?))?;
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
) -> CommandResult<()> {
    crate::files::check_can_print()?;
    let issued = state.with_session(|s| Ok(referral::issue(s, &reference, recipient)?))?;
    crate::files::print_pdf(&issued.file_name, &issued.pdf)
        .map_err(|e| not_delivered(&state, &reference, &issued, Delivery::Print, e))
}

/// The issue is already recorded when saving or printing fails: say so, and put the failure in
/// the chronology too, so the record never suggests a copy that does not exist.
fn not_delivered(
    state: &AppState,
    reference: &str,
    issued: &referral::Issued,
    delivery: Delivery,
    e: impl Into<CommandError>,
) -> CommandError {
    let e = e.into();
    let mut problem = match e.code {
        // Its usual message says "nothing was saved", which is not so: the issue was recorded.
        ErrorCode::DiskFull => "The disk there is full.".to_owned(),
        _ => e.message.trim().to_owned(),
    };
    if !problem.ends_with('.') {
        problem.push('.');
    }
    let noted = state.with_session(|s| {
        Ok(referral::record_not_delivered(
            s, reference, issued, delivery, &problem,
        )?)
    });
    let failed = match delivery {
        Delivery::Save => "the PDF could not be saved",
        Delivery::Print => "the PDF could not be opened for printing",
    };
    CommandError {
        code: e.code,
        message: format!(
            "The referral was signed and recorded as issued, but {failed}. {problem} {}Try again; each PDF made is recorded.",
            if noted.is_ok() {
                "The chronology now says that no copy was made. "
            } else {
                ""
            }
        ),
    }
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
    let meta = std::fs::metadata(&path)?;
    if meta.len() > 100 * 1024 * 1024 {
        return Err(casebook::Error::InvalidInput {
            field: "PDF",
            message: "this file is larger than 100 MB; it is not a Casebook referral".into(),
        }
        .into());
    }
    let bytes = std::fs::read(&path)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    state.with_session(|s| Ok(Some((name, referral::verify(s, &bytes)?))))
}
