//! The safeguarding team: who is in it, and the DSL's changes to it (add, remove, make DSL,
//! hand over). The rules are the core's (`casebook::vault::members`); these only adapt.

use casebook::secret::Passphrase;
use casebook::vault::members::{AddMember, Member, MemberRole};
use casebook::vault::{LockReason, RecoveryCode};
use casebook::Field;
use tauri::State;
use uuid::Uuid;

use crate::error::CommandResult;
use crate::state::AppState;

/// A member id as the window sends it back (from a list it was given).
pub(crate) fn member_id(id: &str) -> CommandResult<Uuid> {
    Uuid::parse_str(id)
        .map_err(|_| casebook::Error::field(Field::Member, "choose a member from the list").into())
}

/// Everyone who has been in the team, removed members too (marked), oldest first.
#[tauri::command]
#[specta::specta]
pub async fn team(state: State<'_, AppState>) -> CommandResult<Vec<Member>> {
    state.with_session(|s| Ok(s.members()?))
}

/// Checks a new member's details and passphrase, all at once, before their recovery code is
/// shown to them. Nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn check_new_member(
    state: State<'_, AppState>,
    name: String,
    role: MemberRole,
    role_title: String,
    passphrase: Passphrase,
    confirm: Passphrase,
) -> CommandResult<()> {
    state.with_session(|s| {
        s.check_new_member(&name, role, &role_title, &passphrase, &confirm)?;
        Ok(())
    })
}

/// Adds the member (after they typed back part of `recovery_code`), and makes their signing
/// identity so that referrals they issue are signed in their name.
#[tauri::command]
#[specta::specta]
pub async fn add_member(
    state: State<'_, AppState>,
    name: String,
    role: MemberRole,
    role_title: String,
    passphrase: Passphrase,
    confirm: Passphrase,
    recovery_code: Passphrase,
) -> CommandResult<Member> {
    let recovery_code = RecoveryCode::parse(recovery_code.expose())?;
    state.with_session(|s| {
        let member = s.add_member(&AddMember {
            name: &name,
            role,
            role_title: &role_title,
            passphrase: &passphrase,
            confirm: &confirm,
            recovery_code: &recovery_code,
        })?;
        casebook::referral::ensure_identity_of(s, member.id)?;
        Ok(member)
    })
}

/// Removes a member and re-encrypts the vault under a new key.
#[tauri::command]
#[specta::specta]
pub async fn remove_member(
    state: State<'_, AppState>,
    member: String,
    reason: String,
) -> CommandResult<Vec<Member>> {
    let id = member_id(&member)?;
    state.with_session(|s| {
        s.remove_member(id, &reason)?;
        Ok(s.members()?)
    })
}

/// Makes another member the DSL; this DSL becomes a deputy.
#[tauri::command]
#[specta::specta]
pub async fn make_dsl(
    state: State<'_, AppState>,
    member: String,
    reason: String,
) -> CommandResult<Vec<Member>> {
    let id = member_id(&member)?;
    state.with_session(|s| {
        s.make_dsl(id, &reason)?;
        Ok(s.members()?)
    })
}

/// The outgoing DSL hands over to `member` and leaves the team; the vault then locks, since
/// this session's member is no longer one.
#[tauri::command]
#[specta::specta]
pub async fn hand_over(
    state: State<'_, AppState>,
    member: String,
    reason: String,
) -> CommandResult<()> {
    let id = member_id(&member)?;
    state.with_session(|s| Ok(s.hand_over_to(id, &reason)?))?;
    state.lock(LockReason::Manual)?;
    Ok(())
}
