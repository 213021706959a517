// The Tauri config lives at the repository root, as the user asked. The app manifest lists our
// commands so that each needs an explicit permission in the capability (least privilege).
fn main() {
    // The UI is embedded from ui/dist at compile time: rebuild whenever it is rebuilt.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "app_state",
            "assess_passphrase",
            "create_vault",
            "unlock",
            "unlock_with_recovery",
            "set_new_passphrase",
            "open_without_keyring",
            "home",
            "lock",
            "record_activity",
            "set_idle_lock_minutes",
            "set_backup_reminder_days",
            "change_organisation",
            "change_passphrase",
            "fresh_recovery_code",
            "replace_recovery_code",
            "vocabulary",
            "list_incidents",
            "incident_page",
            "create_incident",
            "amend_incident",
            "link_person",
            "add_chronology_entry",
            "add_evidence_note",
            "record_custody_event",
            "list_people",
            "create_person",
            "person_page",
            "amend_person",
            "save_draft",
            "load_draft",
            "discard_draft",
            "checklist_templates",
            "incident_checklists",
            "start_checklist",
            "checklist_run",
            "answer_checklist_step",
            "finish_checklist",
            "organisation_contacts",
            "save_contacts",
            "save_blank_checklist",
            "referral_preview",
            "save_referral",
            "print_referral",
            "verify_referral_file",
            "backup_now",
            "restore_backup",
            "retention_due",
            "delete_due_records",
        ]));
    if let Err(e) = tauri_build::try_build(attributes) {
        eprintln!("tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
