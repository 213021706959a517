//! First run: the vault's state, passphrase strength, and creating the vault.

use casebook::secret::Passphrase;
use casebook::vault::passphrase_policy::{self, Strength};
use casebook::vault::{NewVault, VaultState};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::{AppState, Slot};

/// What the UI needs to pick its first screen.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppView {
    /// Missing (set-up), locked (unlock), incomplete (needs help), or open.
    pub vault: VaultView,
    /// Where the vault lives, shown on the set-up and unlock screens.
    pub vault_dir: String,
    /// Whether the OS keyring answers; if not, the unlock screen leads with the recovery code.
    pub keyring_available: bool,
    /// Seconds before another unlock may be tried.
    pub wait_seconds: u32,
    /// Who can unlock (names only, from this computer's keyring). With more than one, the
    /// unlock screen asks who you are.
    pub members: Vec<casebook::vault::members::MemberName>,
}

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum VaultView {
    Missing,
    Locked,
    Incomplete,
    Recovered,
    Open,
}

#[tauri::command]
#[specta::specta]
pub async fn app_state(state: State<'_, AppState>) -> CommandResult<AppView> {
    let vault = match (&*state.slot(), state.vault.state()) {
        (Slot::Open(_), _) => VaultView::Open,
        (Slot::Recovered(_), _) => VaultView::Recovered,
        (Slot::Locked, VaultState::Missing) => VaultView::Missing,
        (Slot::Locked, VaultState::Locked) => VaultView::Locked,
        (Slot::Locked, VaultState::Incomplete) => VaultView::Incomplete,
    };
    let wait = state.vault.wait_before_next_try(None).unwrap_or_default();
    Ok(AppView {
        vault,
        vault_dir: state.vault.paths().dir().display().to_string(),
        keyring_available: state.vault.keyring_available(),
        wait_seconds: u32::try_from(wait.as_secs()).unwrap_or(u32::MAX),
        members: state.vault.members().unwrap_or_default(),
    })
}

/// Strength feedback while the DSL types a new passphrase.
#[tauri::command]
#[specta::specta]
pub async fn assess_passphrase(
    passphrase: Passphrase,
    organisation: String,
    dsl_name: String,
) -> CommandResult<Strength> {
    Ok(passphrase_policy::assess(
        &passphrase,
        &[&organisation, &dsl_name],
    ))
}

/// The recovery code, shown once.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RecoveryCodeView {
    /// 8 groups of 4 characters.
    pub groups: Vec<String>,
}

#[tauri::command]
#[specta::specta]
pub async fn create_vault(
    state: State<'_, AppState>,
    organisation: String,
    dsl_name: String,
    passphrase: Passphrase,
    confirm: Passphrase,
) -> CommandResult<RecoveryCodeView> {
    let (session, code) = state.vault.create(NewVault {
        organisation: &organisation,
        dsl_name: &dsl_name,
        passphrase: &passphrase,
        confirm: &confirm,
        demo: false,
    })?;
    crate::apply_idle_limit(&state, &session);
    *state.slot() = Slot::Open(Box::new(session));
    state.touch();
    Ok(RecoveryCodeView {
        groups: code.groups(),
    })
}
