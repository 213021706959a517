//! Keeping the record safe: backups (written where the DSL chooses and verified before
//! "done"), restoring one (with the recovery code, then a new passphrase), and the retention
//! review (deletion only on purpose, with a reason).

use casebook::records::retention::{self, Deletion, DueRecord};
use casebook::secret::Passphrase;
use casebook::vault::backup::{self, BackupFacts, BackupReport, Existing, Opener};
use casebook::vault::{LockReason, RecoveryCode};
use tauri::State;

use super::session::RecoveredView;
use crate::error::CommandResult;
use crate::state::{AppState, Slot};

/// Asks where to save, writes the backup, reopens and checks it. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn backup_now(
    window: tauri::Window,
    state: State<'_, AppState>,
) -> CommandResult<Option<BackupReport>> {
    let name = format!(
        "Casebook backup {}.cbk",
        chrono::Utc::now()
            .with_timezone(&casebook::time::UK)
            .format("%Y-%m-%d %H%M")
    );
    let Some(path) =
        crate::files::choose_save_path(&window, "Save backup", &name, "Casebook backup", "cbk")
            .await
    else {
        return Ok(None);
    };
    // The save dialog has already asked before a file name that is taken was chosen, so an
    // older backup there is replaced (only once the new one is verified; never anything else).
    state.with_session(|s| Ok(Some(s.backup_replacing(&path)?)))
}

/// Asks for a backup file for the restore screen, checks its structure (a damaged file is
/// refused now, before any code is typed) and keeps it for [`restore_backup`]. `None` when
/// cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_backup(
    window: tauri::Window,
    state: State<'_, AppState>,
) -> CommandResult<Option<BackupFacts>> {
    *state.chosen_backup() = None;
    let Some(handle) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Restore a backup")
        .add_filter("Casebook backup", &["cbk"])
        .pick_file()
        .await
    else {
        return Ok(None);
    };
    let facts = backup::describe(handle.path())?;
    *state.chosen_backup() = Some(handle.path().to_owned());
    Ok(Some(facts))
}

/// Restores the backup chosen with [`choose_backup`] into this computer's vault folder with the
/// recovery code, or with the passphrase when `with_passphrase` (only where this computer's
/// keyring holds the vault's device secret). `replace` must be "REPLACE" when a vault is
/// already here (it is kept aside). Then, as after a recovery-code unlock, the DSL sets a new
/// passphrase.
#[tauri::command]
#[specta::specta]
pub async fn restore_backup(
    state: State<'_, AppState>,
    member: Option<String>,
    secret: Passphrase,
    with_passphrase: bool,
    replace: Option<String>,
) -> CommandResult<RecoveredView> {
    let member = member
        .as_deref()
        .map(crate::commands::team::member_id)
        .transpose()?;
    // A malformed recovery code is refused before anything else.
    let code = if with_passphrase {
        None
    } else {
        Some(RecoveryCode::parse(secret.expose())?)
    };
    let Some(path) = state.chosen_backup().clone() else {
        return Err(casebook::Error::Unavailable("Choose the backup file first.".into()).into());
    };
    state.lock(LockReason::Manual)?;
    let existing = match replace.as_deref() {
        Some(typed) => Existing::Replace { typed },
        None => Existing::Refuse,
    };
    let opener = match &code {
        Some(code) => Opener::RecoveryCode(code),
        None => Opener::Passphrase(&secret),
    };
    let recovered = backup::restore_with(&state.vault, &path, member, opener, existing)?;
    *state.chosen_backup() = None;
    let view = RecoveredView::of(
        &recovered,
        Some("The backup was restored and checked. Set a new passphrase for this computer.".into()),
    )?;
    *state.slot() = Slot::Recovered(Box::new(recovered));
    state.touch();
    Ok(view)
}

/// Incidents past their retention date.
#[tauri::command]
#[specta::specta]
pub async fn retention_due(state: State<'_, AppState>) -> CommandResult<Vec<DueRecord>> {
    let today = chrono::Utc::now().date_naive();
    state.with_session(|s| Ok(retention::due(s.conn(), today)?))
}

/// Deletes reviewed incidents past their retention date, with the reason, and the people
/// recorded only in them.
#[tauri::command]
#[specta::specta]
pub async fn delete_due_records(
    state: State<'_, AppState>,
    references: Vec<String>,
    reason: String,
) -> CommandResult<Deletion> {
    let today = chrono::Utc::now().date_naive();
    state.with_session(|s| Ok(retention::delete(s, &references, &reason, today)?))
}
