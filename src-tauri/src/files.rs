//! Files the DSL chooses to write: always through the native dialogs (rfd), never to an
//! automatic location; printing goes through a private temporary file removed afterwards.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::CommandResult;

/// Asks where to save a file (`kind` and `extension` for the filter). `None` when cancelled.
/// The dialog itself asks before replacing a file.
pub async fn choose_save_path(
    window: &tauri::Window,
    title: &str,
    file_name: &str,
    kind: &str,
    extension: &str,
) -> Option<PathBuf> {
    rfd::AsyncFileDialog::new()
        .set_parent(window)
        .set_title(title)
        .set_file_name(file_name)
        .add_filter(kind, &[extension])
        .save_file()
        .await
        .map(|h| h.path().to_path_buf())
}

/// Writes and syncs a file: first under a scratch name beside it (owner-only), then renamed
/// to its name, so a failed write (a full disk, a USB stick pulled out) never leaves half a file
/// and never destroys the file the dialog agreed to replace.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), casebook::Error> {
    let io = |e| casebook::Error::io(path, e);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut scratch = tempfile::Builder::new()
        .prefix(".casebook-")
        .tempfile_in(dir)
        .map_err(io)?;
    scratch.write_all(bytes).map_err(io)?;
    scratch.as_file().sync_all().map_err(io)?;
    scratch.persist(path).map_err(|e| io(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Asks where to save `bytes` (a PDF), then writes them. `None` when cancelled.
pub async fn save_pdf(
    window: &tauri::Window,
    file_name: &str,
    bytes: &[u8],
) -> CommandResult<Option<String>> {
    let Some(path) = choose_save_path(window, "Save PDF", file_name, "PDF document", "pdf").await
    else {
        return Ok(None);
    };
    write_file(&path, bytes)?;
    Ok(Some(path.file_name().map_or_else(String::new, |n| {
        n.to_string_lossy().into_owned()
    })))
}

/// How long the system viewer has to open a printed file before it is removed.
const PRINT_FILE_LIFETIME: Duration = Duration::from_secs(120);

/// Opens a PDF in the system's viewer (where the DSL prints it) through an owner-only file in
/// a private folder (the per-user runtime folder where there is one: memory, not disk), and
/// removes it once the viewer has had time to read it.
pub fn print_pdf(file_name: &str, bytes: &[u8]) -> CommandResult<()> {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("casebook-print-")
        .tempdir_in(base)?;
    let path = dir.path().join(file_name);
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    open_with_system_viewer(&path)?;
    std::thread::spawn(move || {
        std::thread::sleep(PRINT_FILE_LIFETIME);
        drop(dir); // removes the folder and the file
    });
    Ok(())
}

fn open_with_system_viewer(path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    let mut cmd = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    };
    cmd.arg(path).spawn().map(|_| ())
}
