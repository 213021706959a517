//! Files the DSL chooses to write: always through the native save dialog (rfd), never to an
//! automatic location, and never over a file without the dialog's own confirmation.

use std::io::Write;

use crate::error::CommandResult;

/// Asks where to save `bytes` (a PDF), then writes and syncs it. `None` when cancelled.
pub async fn save_pdf(
    window: &tauri::Window,
    file_name: &str,
    bytes: &[u8],
) -> CommandResult<Option<String>> {
    let Some(handle) = rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title("Save PDF")
        .set_file_name(file_name)
        .add_filter("PDF document", &["pdf"])
        .save_file()
        .await
    else {
        return Ok(None);
    };
    let path = handle.path().to_path_buf();
    // The dialog already asked before replacing an existing file.
    let mut f = std::fs::File::create(&path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(Some(path.file_name().map_or_else(String::new, |n| {
        n.to_string_lossy().into_owned()
    })))
}
