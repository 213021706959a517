//! Behaviour of the vault as a DSL meets it: set-up, unlock, wrong passphrases, recovery,
//! another computer, passphrase change, the audit trail, migrations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use casebook::audit::ChainState;
use casebook::vault::{
    db, LockReason, MemoryStore, NewVault, RecoveryCode, Throttle, Vault, VaultState,
};
use casebook::{Error, ErrorCode};
use common::*;

#[test]
fn the_vault_file_is_not_readable_sqlite_and_holds_no_plaintext() {
    let f = new_vault();
    // Open and use it, so the WAL and shared-memory files exist too.
    let s = f.unlock();
    let db_path = s.paths().db();
    let header = std::fs::read(&db_path).unwrap();
    assert!(!header.starts_with(b"SQLite format 3"));

    // Plain SQLite (no key) cannot read it.
    let plain = rusqlite::Connection::open(&db_path).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase)
    );

    // Nor can the sqlite3 tool a curious person would try first.
    let out = std::process::Command::new("sqlite3")
        .arg(&db_path)
        .arg(".tables")
        .output()
        .expect("the sqlite3 tool is needed for this test (apt-get install sqlite3)");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("file is not a database"));

    // The organisation name, the DSL's name and the passphrase appear in no file of the folder.
    for secret in [ORG, DSL, "Quillbrook", PASSPHRASE] {
        assert_eq!(
            files_containing(&f.dir(), secret),
            Vec::<std::path::PathBuf>::new(),
            "{secret}"
        );
    }
    s.lock(LockReason::Exit).unwrap();
    for secret in [ORG, DSL, PASSPHRASE] {
        assert!(files_containing(&f.dir(), secret).is_empty());
    }
}

#[cfg(unix)]
#[test]
fn vault_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let f = new_vault();
    let s = f.unlock();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&f.dir()), 0o700);
    for (path, _) in snapshot(&f.dir()) {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    drop(s);
}

#[test]
fn the_organisation_reads_back_exactly() {
    let f = new_vault();
    let org = casebook::organisation::current(f.unlock().conn()).unwrap();
    assert_eq!(org.name, ORG);
    assert_eq!(org.dsl_name, DSL);
}

#[test]
fn a_wrong_passphrase_changes_only_the_attempt_record_and_is_reported_at_the_next_unlock() {
    let f = new_vault();
    let attempts = f.vault.paths().attempts();
    let before = snapshot(&f.dir());
    for _ in 0..3 {
        let err = f
            .vault
            .unlock(&p("lantern orbit mossy kettles"))
            .unwrap_err();
        assert!(matches!(err, Error::WrongPassphrase));
        assert_eq!(
            err.to_string(),
            "That passphrase does not open this vault. Check that Caps Lock is off and try again."
        );
    }
    let mut after = snapshot(&f.dir());
    assert!(
        after.remove(&attempts).is_some(),
        "the failures were recorded"
    );
    assert_eq!(before, after, "nothing but the attempt record changed");

    let unlocked = f.vault.unlock(&p(PASSPHRASE)).unwrap();
    let notice = unlocked
        .failures
        .clone()
        .expect("the failures are reported");
    assert_eq!(notice.count, 3);
    assert!(notice
        .message()
        .starts_with("3 failed unlock attempts since "));
    assert!(!attempts.exists(), "the record moved into the audit trail");

    let recent = casebook::audit::recent(unlocked.session.conn(), 10).unwrap();
    let failed = recent
        .iter()
        .filter(|e| e.action == "vault.unlock_failed")
        .count();
    assert_eq!(failed, 3);
    assert_eq!(recent[0].action, "vault.unlocked");
    assert!(unlocked.session.verify_audit().unwrap().is_intact());

    // The next unlock after that reports nothing.
    drop(unlocked);
    assert!(f.vault.unlock(&p(PASSPHRASE)).unwrap().failures.is_none());
}

#[test]
fn repeated_failures_make_the_dsl_wait_even_with_the_right_passphrase() {
    let f = new_vault_with(|mut c| {
        c.throttle = Throttle {
            free_attempts: 1,
            base: Duration::from_secs(60),
            max: Duration::from_secs(300),
        };
        c
    });
    assert!(matches!(
        f.vault.unlock(&p("nope nope nope nope")).unwrap_err(),
        Error::WrongPassphrase
    ));
    assert!(matches!(
        f.vault.unlock(&p("nope nope nope nope")).unwrap_err(),
        Error::WrongPassphrase
    ));
    match f.vault.unlock(&p(PASSPHRASE)).unwrap_err() {
        Error::TooManyAttempts { wait_seconds } => assert!((55..=60).contains(&wait_seconds)),
        other => panic!("expected a wait, got {other:?}"),
    }
    assert!(f.vault.wait_before_next_try(None).unwrap() > Duration::from_secs(50));
}

#[test]
fn deleting_the_failed_attempt_file_or_restoring_elsewhere_does_not_reset_the_wait() {
    let throttle = Throttle {
        free_attempts: 1,
        base: Duration::from_secs(60),
        max: Duration::from_secs(300),
    };
    let f = new_vault_with(|mut c| {
        c.throttle = throttle;
        c
    });
    let mut s = f.unlock();
    let backup = f.tmp.path().join("b.cbk");
    s.backup_to(&backup).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    for _ in 0..2 {
        let _ = f.vault.unlock(&p("nope nope nope nope"));
    }
    std::fs::remove_file(f.vault.paths().attempts()).unwrap();
    let e = f.vault.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooManyAttempts, "{e}");

    // Guessing through a restore of the same vault into another folder waits too.
    let mut same_computer = config(f.store.clone());
    same_computer.throttle = throttle;
    let elsewhere = Vault::new(f.tmp.path().join("elsewhere"), same_computer);
    let e = casebook::vault::backup::restore_with(
        &elsewhere,
        &backup,
        None,
        casebook::vault::backup::Opener::Passphrase(&p("still not it at all")),
        casebook::vault::backup::Existing::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::TooManyAttempts, "{e}");
}

#[test]
fn the_recovery_code_opens_and_a_new_passphrase_must_be_set() {
    let f = new_vault();
    let shown = f
        .recovery
        .display_grouped()
        .to_lowercase()
        .replace('-', " ");
    let code = RecoveryCode::parse(&shown).unwrap();
    let recovered = f.vault.unlock_with_recovery(&code).unwrap();
    assert_eq!(recovered.organisation().unwrap().name, ORG);
    // Weak or mismatched new passphrases are refused, and the recovered vault is handed back.
    let refused = recovered
        .set_new_passphrase(&p("short"), &p("short"))
        .unwrap_err();
    assert_eq!(refused.error.code(), ErrorCode::WeakPassphrase);
    let refused = refused
        .vault
        .set_new_passphrase(
            &p("violet harbour quartz meadow"),
            &p("violet harbour quartz meadoww"),
        )
        .unwrap_err();
    assert_eq!(refused.error.code(), ErrorCode::PassphrasesDiffer);
    let session = refused
        .vault
        .set_new_passphrase(
            &p("violet harbour quartz meadow"),
            &p("violet harbour quartz meadow"),
        )
        .unwrap();
    let actions: Vec<String> = casebook::audit::recent(session.conn(), 5)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions[..2],
        [
            "vault.passphrase_reset_after_recovery",
            "vault.recovery_code_used"
        ]
    );
    drop(session);
    assert!(matches!(
        f.vault.unlock(&p(PASSPHRASE)).unwrap_err(),
        Error::WrongPassphrase
    ));
    f.vault.unlock(&p("violet harbour quartz meadow")).unwrap();
}

#[test]
fn a_wrong_recovery_code_is_refused_and_counted() {
    let f = new_vault();
    let wrong = RecoveryCode::generate().unwrap();
    assert!(matches!(
        f.vault.unlock_with_recovery(&wrong).unwrap_err(),
        Error::WrongRecoveryCode
    ));
    let n = f.vault.unlock(&p(PASSPHRASE)).unwrap().failures.unwrap();
    assert_eq!(n.count, 1);
}

#[test]
fn a_copy_on_another_computer_refuses_the_passphrase_and_accepts_the_recovery_code() {
    let f = new_vault();
    // "Another computer": the same files, a keyring that has never seen this vault.
    let other_dir = f.tmp.path().join("usb-copy");
    std::fs::create_dir(&other_dir).unwrap();
    for (path, bytes) in snapshot(&f.dir()) {
        std::fs::write(other_dir.join(path.file_name().unwrap()), bytes).unwrap();
    }
    let other_store = Arc::new(MemoryStore::new());
    let other = Vault::new(&other_dir, config(other_store));
    let err = other.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotThisComputer);
    assert_eq!(
        err.to_string(),
        "This vault was made on another computer: unlock it with your recovery code."
    );
    // No failed attempt is recorded for that: it was not a guess.
    assert!(!other.paths().attempts().exists());

    let session = other
        .unlock_with_recovery(&f.recovery)
        .unwrap()
        .set_new_passphrase(
            &p("violet harbour quartz meadow"),
            &p("violet harbour quartz meadow"),
        )
        .unwrap();
    assert_eq!(
        casebook::organisation::current(session.conn())
            .unwrap()
            .name,
        ORG
    );
    drop(session);
    other.unlock(&p("violet harbour quartz meadow")).unwrap();
    // The original still opens on the original computer with the original passphrase.
    f.unlock();
}

#[test]
fn without_a_keyring_the_dsl_is_told_and_can_use_the_recovery_code() {
    let f = new_vault();
    let broken = Vault::new(f.dir(), config(Arc::new(MemoryStore::unavailable())));
    let err = broken.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyringUnavailable);
    assert!(err
        .to_string()
        .contains("You can still unlock with your recovery code"));
    let session = broken
        .unlock_with_recovery(&f.recovery)
        .unwrap()
        .open_without_keyring()
        .unwrap();
    assert_eq!(
        casebook::organisation::current(session.conn())
            .unwrap()
            .name,
        ORG
    );
    drop(session);
    // Where the keyring works, skipping the new passphrase is not allowed.
    let recovered = f.vault.unlock_with_recovery(&f.recovery).unwrap();
    assert!(recovered.open_without_keyring().is_err());
}

#[test]
fn changing_the_passphrase_keeps_the_data_and_the_recovery_code() {
    let f = new_vault();
    let mut s = f.unlock();
    let entries_before = match s.verify_audit().unwrap() {
        ChainState::Intact { entries } => entries,
        broken => panic!("{broken}"),
    };
    let db_before = std::fs::read(f.vault.paths().db()).unwrap();
    assert!(matches!(
        s.change_passphrase(
            &p("not the passphrase"),
            &p("violet harbour quartz meadow"),
            &p("violet harbour quartz meadow")
        )
        .unwrap_err(),
        Error::WrongPassphrase
    ));
    assert!(matches!(
        s.change_passphrase(&p(PASSPHRASE), &p("short"), &p("short"))
            .unwrap_err(),
        Error::WeakPassphrase { .. }
    ));
    s.change_passphrase(
        &p(PASSPHRASE),
        &p("violet harbour quartz meadow"),
        &p("violet harbour quartz meadow"),
    )
    .unwrap();
    s.lock(LockReason::Manual).unwrap();
    assert!(matches!(
        f.vault.unlock(&p(PASSPHRASE)).unwrap_err(),
        Error::WrongPassphrase
    ));
    let s = f
        .vault
        .unlock(&p("violet harbour quartz meadow"))
        .unwrap()
        .session;
    assert_eq!(casebook::organisation::current(s.conn()).unwrap().name, ORG);
    assert_eq!(
        s.verify_audit().unwrap(),
        ChainState::Intact {
            entries: entries_before + 4 // changed, locked, the refused old passphrase, unlocked
        }
    );
    drop(s);
    // Pages were not re-encrypted: the first page (salt and header) is the same.
    let db_after = std::fs::read(f.vault.paths().db()).unwrap();
    assert_eq!(db_before[..4096], db_after[..4096]);
    f.vault.unlock_with_recovery(&f.recovery).unwrap();
}

#[test]
fn set_up_refuses_weak_passphrases_bad_names_and_existing_vaults() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::new(tmp.path().join("v"), config(Arc::new(MemoryStore::new())));
    let attempt = |org: &str, pass: &str, confirm: &str| {
        vault
            .create(NewVault {
                organisation: org,
                dsl_name: DSL,
                passphrase: &p(pass),
                confirm: &p(confirm),
                demo: false,
            })
            .map(|_| ())
            .unwrap_err()
    };
    assert_eq!(
        attempt(ORG, "password123", "password123").code(),
        ErrorCode::WeakPassphrase
    );
    assert_eq!(
        attempt(ORG, PASSPHRASE, "something else entirely").code(),
        ErrorCode::PassphrasesDiffer
    );
    assert_eq!(
        attempt("   ", PASSPHRASE, PASSPHRASE).code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        attempt("Line\nbreak", PASSPHRASE, PASSPHRASE).code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        vault.state(),
        VaultState::Missing,
        "failed set-up leaves nothing behind"
    );

    vault
        .create(NewVault {
            organisation: ORG,
            dsl_name: DSL,
            passphrase: &p(PASSPHRASE),
            confirm: &p(PASSPHRASE),
            demo: false,
        })
        .unwrap();
    assert_eq!(
        attempt(ORG, PASSPHRASE, PASSPHRASE).code(),
        ErrorCode::VaultExists
    );
}

#[test]
fn set_up_without_a_keyring_says_so_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::new(
        tmp.path().join("v"),
        config(Arc::new(MemoryStore::unavailable())),
    );
    let err = vault
        .create(NewVault {
            organisation: ORG,
            dsl_name: DSL,
            passphrase: &p(PASSPHRASE),
            confirm: &p(PASSPHRASE),
            demo: false,
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::KeyringUnavailable);
    assert_eq!(vault.state(), VaultState::Missing);
}

#[test]
fn a_missing_or_damaged_key_file_is_named_and_left_alone() {
    let f = new_vault();
    let keys = f.vault.paths().keys();
    std::fs::write(&keys, b"{ not json").unwrap();
    let err = f.vault.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DamagedKeyFile);
    assert!(err.to_string().contains("casebook.keys"));
    assert_eq!(std::fs::read(&keys).unwrap(), b"{ not json");

    std::fs::remove_file(&keys).unwrap();
    assert_eq!(f.vault.state(), VaultState::Incomplete);
    assert_eq!(
        f.vault.unlock(&p(PASSPHRASE)).unwrap_err().code(),
        ErrorCode::DamagedKeyFile
    );

    let empty = Vault::new(f.tmp.path().join("nothing"), config(f.store.clone()));
    assert_eq!(
        empty.unlock(&p(PASSPHRASE)).unwrap_err().code(),
        ErrorCode::NoVault
    );
}

#[test]
fn a_damaged_database_is_named_and_left_alone() {
    let f = new_vault();
    let db_path = f.vault.paths().db();
    let mut bytes = std::fs::read(&db_path).unwrap();
    for b in bytes.iter_mut().take(200) {
        *b ^= 0xFF;
    }
    std::fs::write(&db_path, &bytes).unwrap();
    let err = f.vault.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DamagedDatabase);
    assert!(err.to_string().contains("casebook.vault"));
    assert_eq!(std::fs::read(&db_path).unwrap(), bytes);
}

#[test]
fn altering_a_stored_audit_entry_is_caught_and_named() {
    let f = new_vault();
    let s = f.unlock();
    assert!(s.verify_audit().unwrap().is_intact());
    // Someone with the key edits entry 2 directly, getting past the append-only triggers.
    s.conn()
        .execute_batch(
            "DROP TRIGGER audit_log_no_update;
             UPDATE audit_log SET actor = 'Someone Else' WHERE seq = 2;",
        )
        .unwrap();
    assert_eq!(
        s.verify_audit().unwrap(),
        ChainState::Broken {
            seq: 2,
            reason: "it was changed after it was written".into()
        }
    );
}

#[test]
fn migrations_run_once_are_idempotent_and_upgrade_an_older_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.vault");
    let key = casebook::secret::Key32::random().unwrap();
    {
        let mut conn = db::open(&path, &key, db::CipherProfile::NEW_VAULTS, true).unwrap();
        db::migrate_to(&mut conn, &path, 1).unwrap();
        assert_eq!(db::schema_version(&conn).unwrap(), 1);
        conn.execute(
            "INSERT INTO vault_meta (key, value) VALUES ('vault_id', 'old')",
            [],
        )
        .unwrap();
        assert!(conn.prepare("SELECT * FROM organisation_versions").is_err());
    }
    let mut conn = db::open(&path, &key, db::CipherProfile::NEW_VAULTS, false).unwrap();
    db::migrate(&mut conn, &path).unwrap();
    assert_eq!(db::schema_version(&conn).unwrap(), db::SCHEMA_VERSION);
    db::migrate(&mut conn, &path).unwrap();
    assert_eq!(db::schema_version(&conn).unwrap(), db::SCHEMA_VERSION);
    let kept: String = conn
        .query_row(
            "SELECT value FROM vault_meta WHERE key = 'vault_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "old");
    conn.prepare("SELECT * FROM organisation_versions").unwrap();

    // A vault from a newer Casebook is refused, not "downgraded".
    conn.execute_batch("PRAGMA user_version = 99").unwrap();
    let err = db::migrate(&mut conn, &path).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NewerSchema);
    assert_eq!(db::schema_version(&conn).unwrap(), 99);
}

#[test]
fn weak_key_slots_are_strengthened_at_unlock() {
    let f = new_vault();
    // The same vault opened by a build whose floor is higher re-wraps the slot once.
    let stronger = casebook::vault::KdfParams {
        iterations: 2,
        ..casebook::vault::KdfParams::INSECURE_FOR_TESTS
    };
    let mut cfg = config(f.store.clone());
    cfg.kdf = casebook::vault::KdfSetting::Fixed(stronger);
    let v = Vault::new(f.dir(), cfg);
    let s = v.unlock(&p(PASSPHRASE)).unwrap().session;
    let latest = casebook::audit::recent(s.conn(), 1).unwrap();
    assert_eq!(latest[0].action, "vault.key_slot_strengthened");
    drop(s);
    let keys = casebook::vault::keyslots::KeySlotFile::load(&v.paths().keys()).unwrap();
    assert_eq!(keys.members[0].passphrase.kdf, stronger);
    let s = v.unlock(&p(PASSPHRASE)).unwrap().session;
    assert_eq!(
        casebook::audit::recent(s.conn(), 1).unwrap()[0].action,
        "vault.unlocked"
    );
}

#[test]
fn the_idle_lock_time_is_a_bounded_audited_setting() {
    let f = new_vault();
    let mut s = f.unlock();
    assert_eq!(
        casebook::settings::idle_lock_minutes(s.conn()).unwrap(),
        casebook::settings::DEFAULT_IDLE_LOCK_MINUTES
    );
    assert_eq!(
        casebook::settings::set_idle_lock_minutes(&mut s, 0)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        casebook::settings::set_idle_lock_minutes(&mut s, 61)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    casebook::settings::set_idle_lock_minutes(&mut s, 12).unwrap();
    assert_eq!(casebook::settings::idle_lock_minutes(s.conn()).unwrap(), 12);
    let last = casebook::audit::recent(s.conn(), 1).unwrap().remove(0);
    assert_eq!(last.action, "settings.changed");
    assert!(last.detail.contains("\"from\":5") && last.detail.contains("\"to\":12"));
    assert!(last.detail.contains("idle_lock_minutes"), "{}", last.detail);
    drop(s);
    assert_eq!(
        casebook::settings::idle_lock_minutes(f.unlock().conn()).unwrap(),
        12
    );
}

#[test]
fn the_backup_reminder_is_a_bounded_audited_setting_that_moves_the_reminder() {
    let f = new_vault();
    let mut s = f.unlock();
    assert_eq!(
        casebook::settings::backup_reminder_days(s.conn()).unwrap(),
        7
    );
    for bad in [0, 91] {
        let e = casebook::settings::set_backup_reminder_days(&mut s, bad).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput);
        assert!(e.to_string().contains("between 1 and 90 days"), "{e}");
    }
    s.backup_to(&f.tmp.path().join("b.cbk")).unwrap();
    let now = chrono::Utc::now();
    let in_days = |d| now + chrono::Duration::days(d);
    let days = casebook::settings::backup_reminder_days(s.conn()).unwrap();
    assert!(s.backup_reminder(days, in_days(10)).unwrap().is_some());
    casebook::settings::set_backup_reminder_days(&mut s, 14).unwrap();
    let days = casebook::settings::backup_reminder_days(s.conn()).unwrap();
    assert!(s.backup_reminder(days, in_days(10)).unwrap().is_none());
    assert!(s.backup_reminder(days, in_days(15)).unwrap().is_some());
    let last = casebook::audit::recent(s.conn(), 1).unwrap().remove(0);
    assert_eq!(last.action, "settings.changed");
    assert!(
        last.detail.contains("backup_reminder_days")
            && last.detail.contains("\"from\":7")
            && last.detail.contains("\"to\":14"),
        "{}",
        last.detail
    );
    drop(s);
    assert_eq!(
        casebook::settings::backup_reminder_days(f.unlock().conn()).unwrap(),
        14
    );
}

#[test]
fn the_cipher_profile_is_part_of_the_vault_and_older_key_files_mean_sqlcipher_defaults() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("profile.vault");
    let key = casebook::secret::Key32::random().unwrap();
    {
        let mut conn = db::open(&path, &key, db::CipherProfile::Sqlcipher4, true).unwrap();
        db::migrate(&mut conn, &path).unwrap();
    }
    // The same key with the other page authentication does not read the file: the profile
    // really is used, and must be recorded.
    assert!(matches!(
        db::open(&path, &key, db::CipherProfile::Sqlcipher4HmacSha256, false),
        Err(casebook::Error::DamagedDatabase { .. })
    ));
    db::open(&path, &key, db::CipherProfile::Sqlcipher4, false).unwrap();

    // A key-slot file written before the profile was recorded means the SQLCipher 4 defaults.
    let f = new_vault();
    let keys_path = f.vault.paths().keys();
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&keys_path).unwrap()).unwrap();
    assert_eq!(json["cipher"], "sqlcipher4-hmac-sha256");
    json.as_object_mut().unwrap().remove("cipher");
    let old: casebook::vault::keyslots::KeySlotFile = serde_json::from_value(json).unwrap();
    assert_eq!(old.cipher, db::CipherProfile::Sqlcipher4);
    f.unlock();
}

#[test]
fn a_new_recovery_code_replaces_the_old_one_only_with_the_passphrase() {
    let f = new_vault();
    let mut s = f.unlock();
    let new_code = casebook::vault::RecoveryCode::generate().unwrap();
    let keys_before = std::fs::read(f.dir().join("casebook.keys")).unwrap();
    let e = s
        .replace_recovery_code(&p("not the passphrase at all"), &new_code)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WrongPassphrase);
    assert_eq!(
        std::fs::read(f.dir().join("casebook.keys")).unwrap(),
        keys_before
    );

    s.replace_recovery_code(&p(PASSPHRASE), &new_code).unwrap();
    let last = casebook::audit::recent(s.conn(), 1).unwrap().remove(0);
    assert_eq!(last.action, "vault.recovery_code_replaced");
    assert!(!last.detail.contains(&new_code.display_grouped()));
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // The old code no longer opens the vault; the new one does; the passphrase still does.
    assert_eq!(
        f.vault
            .unlock_with_recovery(&f.recovery)
            .unwrap_err()
            .code(),
        ErrorCode::WrongRecoveryCode
    );
    let recovered = f.vault.unlock_with_recovery(&new_code).unwrap();
    drop(recovered);
    f.unlock();
}

#[test]
fn a_new_recovery_code_rekeys_the_vault_so_an_old_key_file_with_the_old_code_opens_nothing() {
    let f = new_vault();
    let mut s = f.unlock();
    let i =
        casebook::records::incidents::create(&mut s, &incident_input("Kept across the rekey"), &[])
            .unwrap();
    // What someone who leaves might keep: a copy of the key file, and the old code.
    let old_keys = std::fs::read(f.dir().join("casebook.keys")).unwrap();
    let old_device_id = old_device_secret_id(&old_keys);
    let new_code = casebook::vault::RecoveryCode::generate().unwrap();
    s.replace_recovery_code(&p(PASSPHRASE), &new_code).unwrap();
    // The session goes on under the new key.
    casebook::records::chronology::add(
        &mut s,
        &i.reference,
        &casebook::records::chronology::EntryInput {
            kind: Some(casebook::records::chronology::EntryKind::Note),
            text: "Written after the rekey".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let last = casebook::audit::recent(s.conn(), 2).unwrap();
    assert!(last.iter().any(
        |e| e.action == "vault.recovery_code_replaced" && e.detail.contains("\"rekeyed\":true")
    ));
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    assert!(!f.dir().join("casebook.vault.next").exists());
    assert!(!f.dir().join("casebook.keys.next").exists());
    // This computer's old keyring entry is gone.
    use casebook::vault::DeviceSecretStore;
    assert!(f.store.get(&old_device_id).unwrap().is_none());

    // The old key file put back with the old code: the database no longer decrypts.
    let new_keys = std::fs::read(f.dir().join("casebook.keys")).unwrap();
    std::fs::write(f.dir().join("casebook.keys"), &old_keys).unwrap();
    let refused = f.vault.unlock_with_recovery(&f.recovery).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DamagedDatabase, "{refused}");
    std::fs::write(f.dir().join("casebook.keys"), &new_keys).unwrap();

    // The new code and the passphrase open it, with every record and an intact trail.
    drop(f.vault.unlock_with_recovery(&new_code).unwrap());
    let s = f.unlock();
    let page = casebook::records::chronology::for_incident(s.conn(), &i.reference).unwrap();
    assert!(page.iter().any(|e| e.text == "Written after the rekey"));
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn a_handover_makes_the_new_dsl_and_rekeys_so_the_old_dsls_secrets_open_nothing() {
    use casebook::vault::{AddMember, MemberRole};
    let f = new_vault();
    let mut s = f.unlock();
    let i = casebook::records::incidents::create(&mut s, &incident_input("Kept at handover"), &[])
        .unwrap();
    let new = p("a different passphrase for the new DSL");
    let new_code = casebook::vault::RecoveryCode::generate().unwrap();
    let incoming = s
        .add_member(&AddMember {
            name: "Mr Tomasz Kowalczyk",
            role: MemberRole::Deputy,
            role_title: "",
            passphrase: &new,
            confirm: &new,
            recovery_code: &new_code,
        })
        .unwrap();
    let old_keys = std::fs::read(f.dir().join("casebook.keys")).unwrap();
    let old_device_id = old_device_secret_id(&old_keys);
    use casebook::vault::DeviceSecretStore;
    let old_device_secret = f.store.get(&old_device_id).unwrap().unwrap();

    // Refused, changing nothing: removing yourself, or handing over to nobody.
    let me = s.member();
    assert_eq!(
        s.remove_member(me, "Leaving").unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        s.hand_over_to(uuid::Uuid::new_v4(), "").unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        std::fs::read(f.dir().join("casebook.keys")).unwrap(),
        old_keys
    );

    s.hand_over_to(incoming.id, "Retired at the end of term")
        .unwrap();
    let last = casebook::audit::recent(s.conn(), 1).unwrap().remove(0);
    assert_eq!(last.action, "team.member_removed");
    assert!(last.detail.contains("\"rekeyed\":true"), "{}", last.detail);
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // Neither of the old DSL's secrets opens today's key file: their slots are gone.
    assert_eq!(f.vault.members().unwrap().len(), 1);
    assert_eq!(
        f.vault.unlock(&p(PASSPHRASE)).unwrap_err().code(),
        ErrorCode::WrongPassphrase
    );
    assert_eq!(
        f.vault
            .unlock_with_recovery(&f.recovery)
            .unwrap_err()
            .code(),
        ErrorCode::WrongRecoveryCode
    );
    // The worst case: the old key file, the old device secret back in the keyring, and the old
    // passphrase. The database no longer decrypts with the key they unseal.
    let new_keys = std::fs::read(f.dir().join("casebook.keys")).unwrap();
    std::fs::write(f.dir().join("casebook.keys"), &old_keys).unwrap();
    f.store.put(&old_device_id, &old_device_secret).unwrap();
    let refused = f.vault.unlock_as(Some(me), &p(PASSPHRASE)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DamagedDatabase, "{refused}");
    std::fs::write(f.dir().join("casebook.keys"), &new_keys).unwrap();

    let s = f.vault.unlock(&new).unwrap().session;
    assert_eq!(s.actor(), "Mr Tomasz Kowalczyk");
    assert_eq!(
        casebook::organisation::current(s.conn()).unwrap().dsl_name,
        "Mr Tomasz Kowalczyk"
    );
    assert_eq!(
        casebook::records::incidents::get(s.conn(), &i.reference)
            .unwrap()
            .summary,
        "Kept at handover"
    );
    assert!(s.verify_audit().unwrap().is_intact());
    drop(s);
    drop(f.vault.unlock_with_recovery(&new_code).unwrap());
}

fn old_device_secret_id(keys_json: &[u8]) -> uuid::Uuid {
    let v: serde_json::Value = serde_json::from_slice(keys_json).unwrap();
    v["members"][0]["passphrase"]["device_secret_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Every file of the vault folder, to put back later.
fn copy_folder(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    snapshot(dir).into_iter().collect()
}

fn put_back(dir: &std::path::Path, files: &[(std::path::PathBuf, Vec<u8>)]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for (path, bytes) in files {
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn an_older_copy_of_the_vault_put_back_is_refused_unless_opened_on_purpose_which_is_audited() {
    let f = new_vault();
    let mut s = f.unlock();
    casebook::records::incidents::create(&mut s, &incident_input("Before the copy"), &[]).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    let old_folder = copy_folder(&f.dir());
    let old_db = std::fs::read(f.dir().join("casebook.vault")).unwrap();

    let mut s = f.unlock();
    casebook::records::incidents::create(&mut s, &incident_input("After the copy"), &[]).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // The database alone put back: the key file's anchor is newer.
    let current_folder = copy_folder(&f.dir());
    std::fs::write(f.dir().join("casebook.vault"), &old_db).unwrap();
    for side in ["casebook.vault-wal", "casebook.vault-shm"] {
        let _ = std::fs::remove_file(f.dir().join(side));
    }
    let e = f.vault.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::OlderCopy, "{e}");
    assert!(e.to_string().contains("in the key file"), "{e}");
    put_back(&f.dir(), &current_folder);

    // The whole folder put back: its key file agrees with it, but this computer's keyring
    // remembers a longer trail.
    put_back(&f.dir(), &old_folder);
    let before = snapshot(&f.dir());
    let e = f.vault.unlock(&p(PASSPHRASE)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::OlderCopy, "{e}");
    assert!(e.to_string().contains("keyring"), "{e}");
    assert_eq!(snapshot(&f.dir()), before, "refusing changes nothing");

    // Opened on purpose: recorded, and from then on this copy is the one anchored.
    let s = f
        .vault
        .unlock_older_copy(None, &p(PASSPHRASE))
        .unwrap()
        .session;
    let recent = casebook::audit::recent(s.conn(), 3).unwrap();
    assert!(
        recent.iter().any(|e| e.action == "vault.older_copy_opened"),
        "{recent:?}"
    );
    assert!(s.verify_audit().unwrap().is_intact());
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    f.unlock();
}
