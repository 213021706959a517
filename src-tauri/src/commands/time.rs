//! Dates and times as the window shows them, read by the core's one time module (UK time from
//! the tz database, with GMT or BST), so that the window and the PDFs never disagree.

use casebook::time::Shown;

use crate::error::CommandResult;

/// The most the window asks for at once (it sends a screen's worth).
const MOST_AT_ONCE: usize = 5_000;

/// How each stored date or time shows, in the order asked; `None` for text that is not one.
/// Needs no unlocked vault: it holds no record, only the window's own strings.
#[tauri::command]
#[specta::specta]
pub async fn show_times(stored: Vec<String>) -> CommandResult<Vec<Option<Shown>>> {
    Ok(stored
        .iter()
        .take(MOST_AT_ONCE)
        .map(|s| (s.len() <= 40).then(|| casebook::time::show(s)).flatten())
        .collect())
}

/// Today's date in the UK, as stored (`YYYY-MM-DD`).
#[tauri::command]
#[specta::specta]
pub async fn uk_today() -> CommandResult<String> {
    Ok(casebook::time::uk_today())
}
