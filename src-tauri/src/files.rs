//! Files the DSL chooses to write: always through the native dialogs (rfd), never to an
//! automatic location; printing goes through a private temporary file removed afterwards.

use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use casebook::vault::Session;

use crate::error::CommandResult;
use crate::state::AppState;

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

/// Asks where to save `bytes` (a PDF with nothing of a record in it, such as a blank
/// checklist), then writes them. `None` when cancelled.
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
    Ok(Some(shown_name(&path)))
}

/// Asks where to save a PDF of a record (`subject`: an incident's reference, a person's id),
/// renders it from the open vault, and writes it with the export in the audit trail
/// (`Session::export`, `what` naming the kind of PDF). `None` when cancelled.
pub async fn save_record_pdf(
    window: &tauri::Window,
    state: &AppState,
    file_name: &str,
    subject: &str,
    what: &str,
    render: impl FnOnce(&mut Session) -> CommandResult<Vec<u8>>,
) -> CommandResult<Option<String>> {
    let Some(path) = choose_save_path(window, "Save PDF", file_name, "PDF document", "pdf").await
    else {
        return Ok(None);
    };
    state.with_session(|s| {
        let pdf = render(s)?;
        let mut written = false;
        let recorded = s.export(subject, what, &pdf, |bytes| {
            write_file(&path, bytes)?;
            written = true;
            Ok(())
        });
        if recorded.is_err() && written {
            // Written, but its audit entry did not commit: no copy leaves unrecorded.
            let _ = std::fs::remove_file(&path);
        }
        recorded?;
        Ok(Some(shown_name(&path)))
    })
}

/// Asks where to save (`title` and suggested `name`; `kind` and `extension` for the filter),
/// then has `make` produce the file and record its export, writing it through the `write` it
/// is given; a file written whose record then failed is removed. `None` when cancelled; else
/// the file's name and what `make` returned.
pub async fn save_made<T>(
    window: &tauri::Window,
    state: &AppState,
    (title, name): (&str, &str),
    (kind, extension): (&str, &str),
    make: impl FnOnce(&mut Session, &dyn Fn(&[u8]) -> casebook::Result<()>) -> casebook::Result<T>,
) -> CommandResult<Option<(String, T)>> {
    let Some(path) = choose_save_path(window, title, name, kind, extension).await else {
        return Ok(None);
    };
    let written = std::cell::Cell::new(false);
    let result = state.with_session(|s| {
        Ok(make(s, &|bytes| {
            write_file(&path, bytes)?;
            written.set(true);
            Ok(())
        })?)
    });
    if result.is_err() && written.get() {
        let _ = std::fs::remove_file(&path);
    }
    Ok(Some((shown_name(&path), result?)))
}

/// A saved file's name, for the sentence that says where it went.
fn shown_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// How long the system viewer has to open a printed file before it is removed: two minutes,
/// or `CASEBOOK_PRINT_FILE_SECONDS` (1 to 600; the end-to-end test shortens it).
fn print_file_lifetime() -> Duration {
    std::env::var("CASEBOOK_PRINT_FILE_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| (1..=600).contains(s))
        .map_or(Duration::from_secs(120), Duration::from_secs)
}

/// Folders made for printing start with this, so leftovers can be found and removed.
const PRINT_DIR_PREFIX: &str = "casebook-print-";

/// Where print files go: the per-user runtime folder (XDG_RUNTIME_DIR: memory, not disk, and
/// only this user can enter it). A session without one gets no printing rather than a referral's
/// text written to disk; saving still works.
fn print_base() -> Result<PathBuf, casebook::Error> {
    #[cfg(target_os = "linux")]
    {
        std::env::var_os("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|d| d.is_dir())
            .ok_or_else(|| casebook::Error::Unavailable("This session has no private in-memory folder for printing (XDG_RUNTIME_DIR), so Casebook will not print from here. Use \"Sign and save PDF\" instead and print the saved file.".into()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(std::env::temp_dir())
    }
}

/// Fails (before anything is signed or recorded) when printing is not possible here.
pub fn check_can_print() -> CommandResult<()> {
    print_base()?;
    Ok(())
}

/// Opens a PDF in the system's viewer (where the DSL prints it) through an owner-only file in
/// a private folder in memory, removed once the viewer has had time to read it (and at the
/// latest when the app quits or next starts: [`remove_print_files`]).
pub fn print_pdf(file_name: &str, bytes: &[u8]) -> Result<(), casebook::Error> {
    let base = print_base()?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(PRINT_DIR_PREFIX);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = builder
        .tempdir_in(&base)
        .map_err(|e| casebook::Error::io(&base, e))?;
    let path = dir.path().join(file_name);
    let io = |e| casebook::Error::io(&path, e);
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600); // in the 0700 folder above
        let mut f = options.open(&path).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    open_with_system_viewer(&path).map_err(io)?;
    let lifetime = print_file_lifetime();
    std::thread::spawn(move || {
        std::thread::sleep(lifetime);
        drop(dir); // removes the folder and the file
    });
    Ok(())
}

/// Removes every print folder this user's Casebook left in the runtime folder: called when
/// the app starts (after a crash) and when it quits (before the timers ran).
pub fn remove_print_files() {
    if let Ok(base) = print_base() {
        remove_print_dirs_in(&base);
    }
}

fn remove_print_dirs_in(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let is_ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(PRINT_DIR_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if is_ours {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_print_folders_are_removed_and_nothing_else() {
        let base = tempfile::tempdir().unwrap();
        let ours = base.path().join(format!("{PRINT_DIR_PREFIX}abc123"));
        std::fs::create_dir(&ours).unwrap();
        std::fs::write(
            ours.join("CB-2026-0001 referral to the police.pdf"),
            b"%PDF",
        )
        .unwrap();
        let other = base.path().join("pulse");
        std::fs::create_dir(&other).unwrap();
        let file = base.path().join(format!("{PRINT_DIR_PREFIX}not-a-folder"));
        std::fs::write(&file, b"x").unwrap();
        remove_print_dirs_in(base.path());
        assert!(!ours.exists());
        assert!(other.exists() && file.exists());
    }
}
