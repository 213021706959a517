//! Casebook desktop: the Tauri shell. It wires the core's vault to the window, locks on idle
//! and on exit, and exports typed bindings for the UI. No business rules live here.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod files;
mod state;

use std::time::Duration;

use casebook::vault::{LockReason, Session, Vault, VaultConfig};
use serde::Serialize;
use tauri::Manager;
use tauri_specta::{collect_commands, collect_events, Event};

use state::AppState;

/// Sent to the UI when the vault locks without the UI asking (idle time-out).
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct VaultLocked {
    pub reason: String,
}

/// Sent to the UI shortly before the idle lock: `seconds` left, unless the DSL does something.
#[derive(Debug, Clone, Serialize, specta::Type, Event)]
pub struct IdleWarning {
    pub seconds: u32,
}

/// Every command and event the UI may use; the TypeScript bindings are generated from this.
fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::setup::app_state,
            commands::time::show_times,
            commands::time::uk_today,
            commands::team::team,
            commands::team::check_new_member,
            commands::team::add_member,
            commands::team::remove_member,
            commands::team::make_dsl,
            commands::team::hand_over,
            commands::setup::assess_passphrase,
            commands::setup::create_vault,
            commands::session::unlock,
            commands::session::unlock_older_copy,
            commands::session::unlock_with_recovery,
            commands::session::set_new_passphrase,
            commands::session::open_without_keyring,
            commands::session::home,
            commands::session::lock,
            commands::session::record_activity,
            commands::session::set_idle_lock_minutes,
            commands::session::set_backup_reminder_days,
            commands::session::change_organisation,
            commands::session::setting_details,
            commands::session::change_setting_details,
            commands::session::change_my_contact,
            commands::session::change_passphrase,
            commands::session::check_new_passphrase,
            commands::session::fresh_recovery_code,
            commands::session::replace_recovery_code,
            commands::session::recovery_groups_match,
            commands::records::vocabulary,
            commands::records::list_incidents,
            commands::records::incident_page,
            commands::records::create_incident,
            commands::records::amend_incident,
            commands::records::link_person,
            commands::records::unlink_person,
            commands::records::add_chronology_entry,
            commands::records::today,
            commands::records::set_action_state,
            commands::records::record_agency_answer,
            commands::records::default_answer_due,
            commands::records::record_emergency_call,
            commands::records::add_evidence_note,
            commands::records::record_custody_event,
            commands::records::list_people,
            commands::records::search_people,
            commands::records::create_person,
            commands::records::amend_person,
            commands::family::person_page,
            commands::family::incident_context,
            commands::family::record_parents_informed,
            commands::family::record_consent,
            commands::family::record_sharing,
            commands::family::record_first_account,
            commands::family::change_role,
            commands::family::add_relationship,
            commands::family::end_relationship,
            commands::family::save_person_pdf,
            commands::trends::trends,
            commands::trends::save_trends_report,
            commands::trends::save_trends_figures,
            commands::trends::combine_trends,
            commands::trends::save_combined_report,
            commands::transfers::child_transfers,
            commands::transfers::start_transfer,
            commands::transfers::transfer_preview,
            commands::transfers::save_transfer_pdf,
            commands::transfers::save_transfer_package,
            commands::transfers::chase_transfer,
            commands::transfers::confirm_transfer,
            commands::transfers::cancel_transfer,
            commands::transfers::receiving_key,
            commands::transfers::choose_transfer_package,
            commands::transfers::preview_transfer_package,
            commands::transfers::import_transfer_package,
            commands::transfers::save_transfer_receipt,
            commands::transfers::save_received_pdf,
            commands::transfers::known_signers,
            commands::transfers::withdraw_signer,
            commands::transfers::choose_transfer_receipt,
            commands::transfers::import_transfer_receipt,
            commands::subject_access::person_requests,
            commands::subject_access::record_request,
            commands::subject_access::extend_request,
            commands::subject_access::withhold_part,
            commands::subject_access::release_part,
            commands::subject_access::response_preview,
            commands::subject_access::save_response,
            commands::records::save_incident_pdf,
            commands::family::local_practice,
            commands::family::add_closure,
            commands::family::remove_closure,
            commands::family::set_retention_period,
            commands::family::set_after_transfer,
            commands::records::save_draft,
            commands::records::load_draft,
            commands::records::discard_draft,
            commands::checklists::checklist_templates,
            commands::checklists::incident_checklists,
            commands::checklists::start_checklist,
            commands::checklists::checklist_run,
            commands::checklists::answer_checklist_step,
            commands::checklists::finish_checklist,
            commands::checklists::organisation_contacts,
            commands::checklists::save_contacts,
            commands::checklists::save_blank_checklist,
            commands::referrals::referral_preview,
            commands::referrals::save_referral,
            commands::referrals::print_referral,
            commands::referrals::verify_referral_file,
            commands::maintenance::backup_now,
            commands::maintenance::choose_backup,
            commands::maintenance::restore_backup,
            commands::maintenance::retention_due,
            commands::maintenance::delete_due_records,
        ])
        .events(collect_events![VaultLocked, IdleWarning])
}

/// Reads the DSL's idle-lock setting into the shell's timer. The end-to-end tests set
/// `CASEBOOK_IDLE_SECONDS` to watch the warning and the lock in seconds rather than minutes; it
/// can only shorten the limit, never lengthen it.
pub(crate) fn apply_idle_limit(state: &AppState, session: &Session) {
    let Ok(minutes) = casebook::settings::idle_lock_minutes(session.conn()) else {
        return;
    };
    let mut limit = Duration::from_secs(60 * u64::from(minutes));
    if let Some(seconds) = std::env::var("CASEBOOK_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s >= 4)
    {
        limit = limit.min(Duration::from_secs(seconds));
    }
    state.set_idle_limit(limit);
}

/// The vault folder: `CASEBOOK_VAULT` if set (tests, a second vault), else the OS data folder.
fn vault_dir() -> Result<std::path::PathBuf, String> {
    if let Some(dir) = std::env::var_os("CASEBOOK_VAULT") {
        return Ok(dir.into());
    }
    casebook::vault::default_dir().ok_or_else(|| "no data folder for this user".to_string())
}

/// Locks the vault when the computer is about to sleep, on logind's `PrepareForSleep(true)`
/// on the system bus (a laptop lid closed with the vault open). Without a system bus or
/// logind (some test machines), this does nothing; the idle lock, which counts time asleep,
/// still locks it on waking.
fn spawn_sleep_watch(app: tauri::AppHandle) {
    std::thread::spawn(move || {
        let Ok(bus) = dbus::blocking::Connection::new_system() else {
            return;
        };
        let rule = dbus::message::MatchRule::new_signal(
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
        );
        let handle = app.clone();
        let watching = bus.add_match(rule, move |(starting,): (bool,), _, _| {
            if starting {
                going_to_sleep(&handle);
            }
            true
        });
        if watching.is_err() {
            return;
        }
        while bus.process(Duration::from_secs(3600)).is_ok() {}
    });
}

/// Locks now (the computer is about to sleep) and tells the window.
fn going_to_sleep(app: &tauri::AppHandle) {
    if let Ok(true) = app.state::<AppState>().lock(LockReason::Sleep) {
        let _ = VaultLocked {
            reason: "sleep".into(),
        }
        .emit(app);
    }
}

/// Locks the vault after the idle limit, checking every second; a minute before (or half the
/// limit, when it is short), tells the window once, so that the DSL can keep working with a key
/// or a movement (WCAG 2.2.1: a time limit is announced, and extended by a simple action).
fn spawn_idle_watch(app: tauri::AppHandle) {
    std::thread::spawn(move || {
        let mut warned = false;
        loop {
            std::thread::sleep(Duration::from_secs(1));
            let state = app.state::<AppState>();
            if let Ok(true) = state.lock_if_idle() {
                warned = false;
                let _ = VaultLocked {
                    reason: "idle".into(),
                }
                .emit(&app);
                continue;
            }
            match state.idle_remaining() {
                Some(left) if left <= state.idle_warning() => {
                    if !warned {
                        warned = true;
                        let _ = IdleWarning {
                            seconds: u32::try_from(left.as_secs()).unwrap_or(u32::MAX),
                        }
                        .emit(&app);
                    }
                }
                _ => warned = false,
            }
        }
    });
}

fn main() {
    if let Err(e) = casebook::secret::harden_process() {
        eprintln!("casebook-desktop: could not keep key material out of core dumps: {e}");
        std::process::exit(1);
    }
    let builder = specta_builder();
    let dir = match vault_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("casebook-desktop: {e}");
            std::process::exit(1);
        }
    };
    let state = AppState::new(Vault::new(dir, VaultConfig::production()));
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            // Print files a crashed run left behind in the runtime folder.
            files::remove_print_files();
            builder.mount_events(app);
            spawn_idle_watch(app.handle().clone());
            spawn_sleep_watch(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!("../tauri.conf.json"));
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("casebook-desktop: could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Closing the window locks the vault and records it, and removes print files
            // whose timers have not run yet.
            let _ = handle.state::<AppState>().lock(LockReason::Exit);
            files::remove_print_files();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const BINDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/bindings.ts");

    /// The bindings as generated from `specta_builder` now.
    fn generated_bindings() -> String {
        let generated =
            std::env::temp_dir().join(format!("casebook-bindings-{}.ts", std::process::id()));
        specta_builder()
            .export(
                specta_typescript::Typescript::default()
                    .header("// Generated from the Rust commands by src-tauri/src/main.rs. Do not edit.\n// @ts-nocheck"),
                &generated,
            )
            .expect("export bindings");
        let fresh = std::fs::read_to_string(&generated).expect("read generated bindings");
        let _ = std::fs::remove_file(&generated);
        fresh
    }

    /// The command names are written in three places: the handler list (`collect_commands!`,
    /// seen through the generated bindings), the registry read by build.rs, and the
    /// capability in tauri.conf.json. They must agree, or a command is unreachable or
    /// permitted without existing.
    #[test]
    fn the_command_registry_the_handlers_and_the_capability_agree() {
        use std::collections::BTreeSet;
        let handlers: BTreeSet<String> = generated_bindings()
            .split("__TAURI_INVOKE(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .map(str::to_owned)
            .collect();
        let registry: BTreeSet<String> = include_str!("../commands.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json");
        let capability: BTreeSet<String> = conf["app"]["security"]["capabilities"]
            .as_array()
            .expect("capabilities")
            .iter()
            .flat_map(|c| c["permissions"].as_array().cloned().unwrap_or_default())
            .filter_map(|p| p.as_str().map(str::to_owned))
            .filter_map(|p| p.strip_prefix("allow-").map(|n| n.replace('-', "_")))
            .collect();
        assert!(!handlers.is_empty(), "no command found in the bindings");
        assert_eq!(
            handlers, registry,
            "collect_commands! vs src-tauri/commands.txt"
        );
        assert_eq!(
            registry, capability,
            "src-tauri/commands.txt vs tauri.conf.json"
        );
    }

    /// The committed TypeScript bindings must match the commands. Regenerate with
    /// `CASEBOOK_WRITE_BINDINGS=1 cargo test -p casebook-desktop bindings`.
    #[test]
    fn bindings_are_up_to_date() {
        let fresh = generated_bindings();
        if std::env::var_os("CASEBOOK_WRITE_BINDINGS").is_some() {
            std::fs::write(BINDINGS, &fresh).expect("write bindings");
        }
        let committed = std::fs::read_to_string(BINDINGS).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/lib/bindings.ts is stale: run CASEBOOK_WRITE_BINDINGS=1 cargo test -p casebook-desktop bindings"
        );
    }
}
