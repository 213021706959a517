//! Unlocking, recovery, locking, and the home screen.

use casebook::secret::Passphrase;
use casebook::vault::{LockReason, RecoveryCode};
use serde::Serialize;
use tauri::State;

use crate::commands::team::member_id;
use crate::error::{CommandError, CommandResult};
use crate::state::{AppState, Slot};

/// The home screen: the organisation, the DSL and who is signed in, nothing from any record.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Home {
    pub organisation: String,
    pub dsl_name: String,
    /// The member this session belongs to: everything they record carries their name.
    pub member_name: String,
    /// Their role as the organisation names it ("Deputy DSL").
    pub member_role: String,
    /// Only the DSL changes the team.
    pub is_dsl: bool,
    /// How a recipient reaches this member about a referral they sign (one is required).
    pub member_phone: String,
    pub member_secure_email: String,
    pub idle_lock_minutes: u32,
    /// Days after the last verified backup before the reminder shows.
    pub backup_reminder_days: u32,
    /// A reminder when the last verified backup is old (or there is none).
    pub backup_reminder: Option<String>,
    /// "3 failed unlock attempts since …", once, after an unlock that follows failures.
    pub notice: Option<String>,
    /// A demo vault (fictional records only): the window says so on every screen.
    pub demo: Option<String>,
}

fn home_of(session: &casebook::vault::Session, notice: Option<String>) -> CommandResult<Home> {
    let org = casebook::organisation::current(session.conn())?;
    let me = session.current_member()?;
    Ok(Home {
        organisation: org.name,
        dsl_name: org.dsl_name,
        member_name: me.name,
        member_role: me.role_title,
        is_dsl: me.role == casebook::vault::members::MemberRole::Dsl,
        member_phone: me.phone,
        member_secure_email: me.secure_email,
        idle_lock_minutes: casebook::settings::idle_lock_minutes(session.conn())?,
        backup_reminder_days: casebook::settings::backup_reminder_days(session.conn())?,
        backup_reminder: session.backup_reminder(
            casebook::settings::backup_reminder_days(session.conn())?,
            chrono::Utc::now(),
        )?,
        notice,
        demo: casebook::organisation::is_demo(session.conn())?
            .then(|| casebook::organisation::DEMO_MARKING.to_owned()),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn unlock(
    state: State<'_, AppState>,
    member: Option<String>,
    passphrase: Passphrase,
) -> CommandResult<Home> {
    let member = member.as_deref().map(member_id).transpose()?;
    state.lock(LockReason::Manual)?;
    let unlocked = state.vault.unlock_as(member, &passphrase)?;
    let notice = unlocked.failures.as_ref().map(|f| f.message());
    open_session(&state, unlocked.session, notice)
}

/// Unlocks a vault whose database is older than the one last opened here, on purpose (after
/// the DSL read why: `older_copy`); the audit trail records it.
#[tauri::command]
#[specta::specta]
pub async fn unlock_older_copy(
    state: State<'_, AppState>,
    member: Option<String>,
    passphrase: Passphrase,
) -> CommandResult<Home> {
    let member = member.as_deref().map(member_id).transpose()?;
    state.lock(LockReason::Manual)?;
    let unlocked = state.vault.unlock_older_copy(member, &passphrase)?;
    let notice = unlocked.failures.as_ref().map(|f| f.message());
    open_session(&state, unlocked.session, notice)
}

/// After a recovery-code unlock: who the vault belongs to, for the new-passphrase screen.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RecoveredView {
    pub organisation: String,
    pub dsl_name: String,
    /// The member whose recovery code it was, who now sets a new passphrase.
    pub member_name: String,
    pub notice: Option<String>,
}

impl RecoveredView {
    pub(crate) fn of(
        recovered: &casebook::vault::RecoveredVault,
        notice: Option<String>,
    ) -> CommandResult<Self> {
        let org = recovered.organisation()?;
        Ok(RecoveredView {
            organisation: org.name,
            dsl_name: org.dsl_name,
            member_name: recovered.member()?.name,
            notice,
        })
    }
}

#[tauri::command]
#[specta::specta]
pub async fn unlock_with_recovery(
    state: State<'_, AppState>,
    member: Option<String>,
    code: Passphrase,
) -> CommandResult<RecoveredView> {
    let member = member.as_deref().map(member_id).transpose()?;
    state.lock(LockReason::Manual)?;
    let code = RecoveryCode::parse(code.expose())?;
    let recovered = state.vault.unlock_with_recovery_as(member, &code)?;
    let view = RecoveredView::of(&recovered, recovered.failures.as_ref().map(|f| f.message()))?;
    *state.slot() = Slot::Recovered(Box::new(recovered));
    state.touch();
    Ok(view)
}

/// Takes the recovered vault out of the slot, or says there is none.
fn take_recovered(state: &AppState) -> CommandResult<casebook::vault::RecoveredVault> {
    let mut slot = state.slot();
    match std::mem::take(&mut *slot) {
        Slot::Recovered(r) => Ok(*r),
        other => {
            *slot = other;
            Err(CommandError::locked())
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn set_new_passphrase(
    state: State<'_, AppState>,
    passphrase: Passphrase,
    confirm: Passphrase,
) -> CommandResult<Home> {
    let recovered = take_recovered(&state)?;
    let session = match recovered.set_new_passphrase(&passphrase, &confirm) {
        Ok(session) => session,
        Err(refused) => {
            // Keep the recovered vault open so the DSL can choose again.
            let refused = *refused;
            *state.slot() = Slot::Recovered(Box::new(refused.vault));
            return Err(refused.error.into());
        }
    };
    open_session(&state, session, None)
}

/// Only when this computer's keyring cannot be used: open for this session without a new
/// passphrase (the core refuses this when the keyring works).
#[tauri::command]
#[specta::specta]
pub async fn open_without_keyring(state: State<'_, AppState>) -> CommandResult<Home> {
    let recovered = take_recovered(&state)?;
    // The core probes the keyring itself; on refusal the vault is dropped and the DSL starts
    // again with the recovery code, which is rare enough (the button shows only without one).
    let session = recovered.open_without_keyring()?;
    open_session(&state, session, None)
}

fn open_session(
    state: &AppState,
    session: casebook::vault::Session,
    notice: Option<String>,
) -> CommandResult<Home> {
    let home = home_of(&session, notice)?;
    crate::apply_idle_limit(state, &session);
    *state.slot() = Slot::Open(Box::new(session));
    state.touch();
    Ok(home)
}

#[tauri::command]
#[specta::specta]
pub async fn home(state: State<'_, AppState>) -> CommandResult<Home> {
    state.with_session(|s| home_of(s, None))
}

/// "Lock now": closes the vault and wipes the key. The UI then shows the unlock screen.
#[tauri::command]
#[specta::specta]
pub async fn lock(state: State<'_, AppState>) -> CommandResult<()> {
    state.lock(LockReason::Manual).map(|_| ())
}

/// The UI reports keyboard and pointer activity (at most every few seconds) to hold off the
/// idle lock. Nothing about what was typed is sent.
#[tauri::command]
#[specta::specta]
pub async fn record_activity(state: State<'_, AppState>) -> CommandResult<()> {
    if state.is_unlocked() {
        state.touch();
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn set_idle_lock_minutes(
    state: State<'_, AppState>,
    minutes: u32,
) -> CommandResult<Home> {
    state.with_session(|s| {
        casebook::settings::set_idle_lock_minutes(s, minutes)?;
        crate::apply_idle_limit(&state, s);
        home_of(s, None)
    })
}

/// Changes how many days after the last verified backup the reminder shows.
#[tauri::command]
#[specta::specta]
pub async fn set_backup_reminder_days(
    state: State<'_, AppState>,
    days: u32,
) -> CommandResult<Home> {
    state.with_session(|s| {
        casebook::settings::set_backup_reminder_days(s, days)?;
        home_of(s, None)
    })
}

/// Records a new name for the organisation, as a new version. (The DSL changes within the
/// team, never here.)
#[tauri::command]
#[specta::specta]
pub async fn change_organisation(
    state: State<'_, AppState>,
    organisation: String,
) -> CommandResult<Home> {
    state.with_session(|s| {
        casebook::settings::change_organisation(s, &organisation)?;
        home_of(s, None)
    })
}

/// The setting's address, URN, phone and secure e-mail, as referrals carry them.
#[tauri::command]
#[specta::specta]
pub async fn setting_details(
    state: State<'_, AppState>,
) -> CommandResult<casebook::organisation::SettingDetails> {
    state.with_session(|s| Ok(casebook::organisation::setting_details(s.conn())?))
}

/// Records the setting's details as a new version.
#[tauri::command]
#[specta::specta]
pub async fn change_setting_details(
    state: State<'_, AppState>,
    details: casebook::organisation::SettingDetails,
) -> CommandResult<casebook::organisation::SettingDetails> {
    state.with_session(|s| Ok(casebook::settings::change_setting_details(s, &details)?))
}

/// Records this member's own phone and secure e-mail (printed on referrals they sign).
#[tauri::command]
#[specta::specta]
pub async fn change_my_contact(
    state: State<'_, AppState>,
    phone: String,
    secure_email: String,
) -> CommandResult<Home> {
    state.with_session(|s| {
        s.change_my_contact(&phone, &secure_email)?;
        home_of(s, None)
    })
}

/// Changes the passphrase after checking the current one. The recovery code stays the same.
#[tauri::command]
#[specta::specta]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    current: Passphrase,
    passphrase: Passphrase,
    confirm: Passphrase,
) -> CommandResult<()> {
    state.with_session(|s| Ok(s.change_passphrase(&current, &passphrase, &confirm)?))
}

/// A fresh recovery code to show and check; nothing changes until [`replace_recovery_code`].
#[tauri::command]
#[specta::specta]
pub async fn fresh_recovery_code(
    state: State<'_, AppState>,
) -> CommandResult<crate::commands::setup::RecoveryCodeView> {
    state.with_session(|_| {
        Ok(crate::commands::setup::RecoveryCodeView {
            groups: RecoveryCode::generate()?.groups(),
        })
    })
}

/// One group of a recovery code as the DSL typed it back: `index` is 0 to 7.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct GroupAnswer {
    pub index: u8,
    pub typed: String,
}

/// Whether the groups typed back match the code shown (the check that it was written down).
#[tauri::command]
#[specta::specta]
pub async fn recovery_groups_match(
    code: Passphrase,
    answers: Vec<GroupAnswer>,
) -> CommandResult<bool> {
    let code = RecoveryCode::parse(code.expose())?;
    Ok(!answers.is_empty()
        && answers
            .iter()
            .all(|a| code.group_matches(usize::from(a.index), &a.typed)))
}

/// Refuses a new passphrase the policy does not accept.
#[tauri::command]
#[specta::specta]
pub async fn check_new_passphrase(
    state: State<'_, AppState>,
    passphrase: Passphrase,
    confirm: Passphrase,
) -> CommandResult<()> {
    state.with_session(|s| Ok(s.check_new_passphrase(&passphrase, &confirm)?))
}

/// Puts the checked new recovery code in place of the old one, after the passphrase is
/// checked, and rekeys the vault.
#[tauri::command]
#[specta::specta]
pub async fn replace_recovery_code(
    state: State<'_, AppState>,
    current: Passphrase,
    code: Passphrase,
) -> CommandResult<()> {
    let code = RecoveryCode::parse(code.expose())?;
    state.with_session(|s| Ok(s.replace_recovery_code(&current, &code)?))
}
