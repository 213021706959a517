//! Backups and restore: a backup made while the vault is in use restores in a new folder with
//! the recovery code and shows the same records; damaged backups give a clear error naming the
//! file and never a panic; an existing vault is replaced only on purpose, and kept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, Utc};
use proptest::prelude::*;

use casebook::records::search::{self, IncidentFilter};
use casebook::vault::backup::{self, Existing};
use casebook::vault::{MemoryStore, Vault};
use casebook::ErrorCode;
use common::*;

fn references(s: &casebook::vault::Session) -> Vec<String> {
    search::incidents(
        s.conn(),
        &IncidentFilter {
            limit: Some(1000),
            ..IncidentFilter::default()
        },
    )
    .unwrap()
    .into_iter()
    .map(|r| r.reference)
    .collect()
}

fn record_tables(s: &casebook::vault::Session) -> Vec<(String, i64)> {
    s.status()
        .unwrap()
        .tables
        .into_iter()
        .filter(|(t, _)| t != "audit_log" && t != "vault_meta")
        .collect()
}

/// A vault "on another computer": a new memory keyring, a new folder.
fn elsewhere(dir: &Path) -> Vault {
    Vault::new(dir.join("restored"), config(Arc::new(MemoryStore::new())))
}

#[test]
fn a_backup_restores_in_a_new_folder_with_the_recovery_code_and_shows_the_same_records() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 30, 7).unwrap();
    let file = f.tmp.path().join("usb").join("casebook-backup.cbk");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    assert!(
        s.backup_reminder(7, Utc::now()).unwrap().is_some(),
        "no backup yet"
    );
    let report = s.backup_to(&file).unwrap();
    assert!(report.records > 30);
    assert!(s.backup_reminder(7, Utc::now()).unwrap().is_none());
    assert!(s
        .backup_reminder(7, Utc::now() + Duration::days(8))
        .unwrap()
        .unwrap()
        .contains("8 days ago"));
    // Nothing is left beside the backup but the backup.
    let beside: Vec<_> = std::fs::read_dir(file.parent().unwrap()).unwrap().collect();
    assert_eq!(beside.len(), 1);
    // Never over an existing file.
    assert_eq!(
        s.backup_to(&file).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
        1
    );

    let before_refs = references(&s);
    let before_tables = record_tables(&s);
    // The vault keeps changing after the backup; the backup keeps the snapshot.
    casebook::demo::fill(&mut s, 2, 99).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    let other = elsewhere(f.tmp.path());
    let recovered = backup::restore(&other, &file, &f.recovery, Existing::Refuse).unwrap();
    let restored = recovered
        .set_new_passphrase(
            &p("harbour lantern quietly folded"),
            &p("harbour lantern quietly folded"),
        )
        .map_err(casebook::Error::from)
        .unwrap();
    assert_eq!(references(&restored), before_refs);
    assert_eq!(record_tables(&restored), before_tables);
    assert!(restored.verify_audit().unwrap().is_intact());
    let actions: Vec<String> = casebook::audit::recent(restored.conn(), 5)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"vault.restored".to_owned()),
        "{actions:?}"
    );
    restored.lock(casebook::vault::LockReason::Exit).unwrap();
    // And the new passphrase opens it on "this" computer.
    other.unlock(&p("harbour lantern quietly folded")).unwrap();
}

#[test]
fn a_wrong_code_or_an_existing_vault_changes_nothing() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 3, 1).unwrap();
    let file = f.tmp.path().join("b.cbk");
    s.backup_to(&file).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // Restoring over the vault it came from: refused unless REPLACE is typed.
    let before = snapshot(&f.dir());
    let e = backup::restore(&f.vault, &file, &f.recovery, Existing::Refuse).unwrap_err();
    assert_eq!(e.code(), ErrorCode::VaultExists);
    let e = backup::restore(
        &f.vault,
        &file,
        &f.recovery,
        Existing::Replace { typed: "replace" },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let other_code = casebook::vault::RecoveryCode::generate().unwrap();
    let e = backup::restore(
        &f.vault,
        &file,
        &other_code,
        Existing::Replace { typed: "REPLACE" },
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WrongRecoveryCode);
    assert_eq!(
        snapshot(&f.dir()),
        before,
        "a refused restore changed the vault folder"
    );

    // With REPLACE the old files are kept aside, byte for byte.
    let recovered = backup::restore(
        &f.vault,
        &file,
        &f.recovery,
        Existing::Replace { typed: "REPLACE" },
    )
    .unwrap();
    drop(recovered);
    let kept: Vec<_> = std::fs::read_dir(f.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("replaced-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    let old_keys = before
        .iter()
        .find(|(p, _)| p.file_name().unwrap() == "casebook.keys")
        .unwrap()
        .1;
    assert_eq!(
        &std::fs::read(kept[0].join("casebook.keys")).unwrap(),
        old_keys
    );
}

/// Rewrites the manifest of the backup `bytes` with `change`, keeping the database as it is.
fn with_manifest(bytes: &[u8], change: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let magic = b"CASEBOOK BACKUP 1\n";
    let rest = &bytes[magic.len()..];
    let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
    let mut manifest: serde_json::Value = serde_json::from_slice(&rest[4..4 + len]).unwrap();
    change(&mut manifest);
    let json = serde_json::to_vec(&manifest).unwrap();
    [
        magic.as_slice(),
        &u32::try_from(json.len()).unwrap().to_le_bytes(),
        &json,
        &rest[4 + len..],
    ]
    .concat()
}

/// The organisation's adapted checklists are part of what a restore must bring back: they
/// travel in the backup, bound to the vault's key, so a backup's templates cannot be changed,
/// added to or written outside the checklists folder by anyone who edits the file.
#[test]
fn the_organisations_checklists_travel_in_the_backup_and_cannot_be_changed_in_it() {
    assert_eq!(
        backup::MAX_CHECKLIST_FILE_BYTES,
        casebook::checklists::template::MAX_TEMPLATE_BYTES as u64,
        "a backup carries every template Casebook would offer"
    );
    let f = new_demo_vault();
    let mut s = f.unlock();
    let folder = f.vault.paths().checklists();
    std::fs::create_dir_all(&folder).unwrap();
    let adapted = casebook::checklists::library::SHIPPED[0].1.replacen(
        "\nversion = 2\n",
        "\nversion = 3\n",
        1,
    );
    std::fs::write(folder.join("sharing-nudes-local.toml"), &adapted).unwrap();
    std::fs::write(folder.join("notes.txt"), "not a template").unwrap();
    let file = f.tmp.path().join("b.cbk");
    s.backup_to(&file).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    let good = std::fs::read(&file).unwrap();

    // Changed, added to, or aimed outside the folder: refused before anything is written,
    // on verifying and on restoring.
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "changed",
            with_manifest(&good, |m| {
                m["checklists"]["files"][0]["text"] = "title = \"weaker\"".into();
            }),
        ),
        (
            "added",
            with_manifest(&good, |m| {
                let extra = serde_json::json!({ "name": "extra.toml", "text": "x" });
                m["checklists"]["files"].as_array_mut().unwrap().push(extra);
            }),
        ),
        (
            "unsigned",
            with_manifest(&good, |m| m["checklists"]["mac"] = "".into()),
        ),
        (
            "outside",
            with_manifest(&good, |m| {
                m["checklists"]["files"][0]["name"] = "../../evil.toml".into();
            }),
        ),
    ];
    for (name, bytes) in cases {
        let path = f.tmp.path().join(format!("{name}.cbk"));
        std::fs::write(&path, &bytes).unwrap();
        let other = elsewhere(&f.tmp.path().join(name));
        let e = backup::restore(&other, &path, &f.recovery, Existing::Refuse).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DamagedBackup, "{name}: {e}");
        assert!(e.to_string().contains("checklist"), "{name}: {e}");
        assert!(
            !other.paths().dir().exists(),
            "{name}: something was written"
        );
    }
    assert!(!f.tmp.path().join("evil.toml").exists());

    // On another computer the template comes back, byte for byte; the other file does not.
    let other = elsewhere(f.tmp.path());
    let recovered = backup::restore(&other, &file, &f.recovery, Existing::Refuse).unwrap();
    let restored = other.paths().checklists();
    assert_eq!(
        std::fs::read_to_string(restored.join("sharing-nudes-local.toml")).unwrap(),
        adapted
    );
    assert!(!restored.join("notes.txt").exists());
    drop(recovered);

    // Over the vault it came from, once its checklists changed: the backup's are put back and
    // the replaced vault's kept aside with it.
    std::fs::write(folder.join("sharing-nudes-local.toml"), "changed since").unwrap();
    drop(
        backup::restore(
            &f.vault,
            &file,
            &f.recovery,
            Existing::Replace { typed: "REPLACE" },
        )
        .unwrap(),
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("sharing-nudes-local.toml")).unwrap(),
        adapted
    );
    let aside = std::fs::read_dir(f.dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("replaced-")
        })
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(aside.join("checklists").join("sharing-nudes-local.toml")).unwrap(),
        "changed since"
    );
}

#[test]
fn damaged_backups_are_refused_by_name_and_never_written_over() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 3, 2).unwrap();
    let file = f.tmp.path().join("good.cbk");
    s.backup_to(&file).unwrap();
    let good = std::fs::read(&file).unwrap();
    let facts = backup::describe(&file).unwrap();
    assert_eq!(facts.file_name, "good.cbk");
    let made = casebook::time::parse(&facts.made_at).unwrap();
    assert!((Utc::now() - made).num_minutes().abs() < 5, "{facts:?}");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("extra", [good.clone(), b"x".to_vec()].concat()),
        ("flipped-db", {
            let mut b = good.clone();
            let at = b.len() - 100;
            b[at] ^= 0x40;
            b
        }),
        ("flipped-header", {
            let mut b = good.clone();
            b[3] ^= 0x01;
            b
        }),
        ("not-a-backup", b"%PDF-1.7 hello".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = f.tmp.path().join(format!("{name}.cbk"));
        std::fs::write(&path, &bytes).unwrap();
        let e = s.verify_backup_file(&path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DamagedBackup, "{name}: {e}");
        // The restore screen refuses it when it is chosen, before any code is typed.
        let e = backup::describe(&path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DamagedBackup, "{name}: {e}");
        assert!(
            e.to_string().contains(&format!("{name}.cbk")),
            "{name}: {e}"
        );
        let other = elsewhere(&f.tmp.path().join(name));
        let e = backup::restore(&other, &path, &f.recovery, Existing::Refuse).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DamagedBackup, "{name}: {e}");
        assert!(
            !other.paths().dir().exists(),
            "{name}: a damaged backup created a vault"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: the file was changed"
        );
    }
}

#[test]
fn a_backup_holds_no_record_text_in_clear() {
    let f = new_vault();
    let mut s = f.unlock();
    let marker = "Zyxwvut Quillon marker 8841";
    casebook::records::people::create(
        &mut s,
        &casebook::records::people::PersonInput {
            kind: casebook::records::people::PersonKind::Child,
            full_name: marker.into(),
            date_of_birth: None,
            class_year: "Year 8".into(),
            details: Default::default(),
            reason: String::new(),
        },
    )
    .unwrap();
    let file = f.tmp.path().join("leak.cbk");
    s.backup_to(&file).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();
    assert!(files_containing(f.tmp.path(), marker).is_empty());
    assert!(files_containing(f.tmp.path(), ORG).is_empty());
    // The system temp folder, where a backup is unpacked to be checked. Other programs and
    // tests come and go there: only its top-level regular files are read (Casebook's scratch
    // files sit there), and files that vanish meanwhile are skipped.
    for entry in std::fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
        let regular = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.len() <= 4 * 1024 * 1024);
        if !regular {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path()) {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "record text in {}",
                entry.path().display()
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The backup parser on hostile input: random bytes, and real headers with random tails.
    #[test]
    fn the_backup_parser_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        len in any::<u32>(),
        with_magic in any::<bool>(),
    ) {
        let mut input = Vec::new();
        if with_magic {
            input.extend_from_slice(b"CASEBOOK BACKUP 1\n");
            input.extend_from_slice(&len.to_le_bytes());
        }
        input.extend_from_slice(&bytes);
        let r = backup::parse(Path::new("fuzz.cbk"), &input);
        prop_assert!(r.is_err());
        prop_assert_eq!(r.unwrap_err().code(), ErrorCode::DamagedBackup);
    }
}

#[test]
fn an_older_backup_is_replaced_only_by_a_verified_one_and_nothing_else_is_written_over() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 5, 3).unwrap();
    let usb = f.tmp.path().join("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let file = usb.join("weekly.cbk");
    let first = s.backup_to(&file).unwrap();

    // After more work, the same name again (the save dialog asked "Replace?"): the file now
    // holds the newer backup, which verifies, and nothing else is left in the folder.
    casebook::demo::fill(&mut s, 3, 11).unwrap();
    let second = s.backup_replacing(&file).unwrap();
    assert!(second.records > first.records);
    assert_ne!(second.sha256, first.sha256);
    assert_eq!(s.verify_backup_file(&file).unwrap(), second);
    assert_eq!(std::fs::read_dir(&usb).unwrap().count(), 1);

    // Anything that is not a Casebook backup is never written over, whatever the dialog said.
    let letter = usb.join("letter.cbk");
    std::fs::write(&letter, b"Dear parents, ...").unwrap();
    let e = s.backup_replacing(&letter).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("not a Casebook backup"), "{e}");
    assert_eq!(std::fs::read(&letter).unwrap(), b"Dear parents, ...");
    let folder = usb.join("folder.cbk");
    std::fs::create_dir(&folder).unwrap();
    assert_eq!(
        s.backup_replacing(&folder).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    assert_eq!(std::fs::read_dir(&usb).unwrap().count(), 3);

    // A new name works with either call.
    s.backup_replacing(&usb.join("fresh.cbk")).unwrap();
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn on_the_same_computer_the_passphrase_also_restores_a_backup_but_not_elsewhere() {
    use casebook::vault::backup::Opener;
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 6, 4).unwrap();
    let file = f.tmp.path().join("b.cbk");
    s.backup_to(&file).unwrap();
    let before_refs = references(&s);
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // Another computer (another keyring): the passphrase cannot open it; nothing is created.
    let other = elsewhere(f.tmp.path());
    let e = backup::restore_with(
        &other,
        &file,
        None,
        Opener::Passphrase(&p(PASSPHRASE)),
        Existing::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotThisComputer, "{e}");
    assert!(!f.tmp.path().join("restored").exists());

    // This computer (the same keyring), a new folder: a wrong passphrase changes nothing...
    let here = Vault::new(f.tmp.path().join("fresh"), config(f.store.clone()));
    let e = backup::restore_with(
        &here,
        &file,
        None,
        Opener::Passphrase(&p("not the passphrase at all")),
        Existing::Refuse,
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::WrongPassphrase);
    assert!(!f.tmp.path().join("fresh").exists());

    // ...the right one restores it; then a new passphrase is set, as after the recovery code.
    let recovered = backup::restore_with(
        &here,
        &file,
        None,
        Opener::Passphrase(&p(PASSPHRASE)),
        Existing::Refuse,
    )
    .unwrap();
    let restored = recovered
        .set_new_passphrase(
            &p("copper meadow slowly turning"),
            &p("copper meadow slowly turning"),
        )
        .map_err(casebook::Error::from)
        .unwrap();
    assert_eq!(references(&restored), before_refs);
    assert!(restored.verify_audit().unwrap().is_intact());
    restored.lock(casebook::vault::LockReason::Exit).unwrap();
    here.unlock(&p("copper meadow slowly turning")).unwrap();
    // The vault the backup came from is untouched and still opens as before.
    f.unlock();
}

/// In a team, a member's recovery code needs no name, at unlock or at a restore on another
/// computer (whose keyring has no names to offer): it opens that member's slot and only theirs,
/// and the session is in their name. A passphrase still needs the name.
#[test]
fn a_members_recovery_code_opens_in_their_name_without_choosing_even_on_another_computer() {
    use casebook::vault::{AddMember, MemberRole};
    let f = new_vault();
    let mut s = f.unlock();
    let deputy_passphrase = p("copper meadow lantern drifts");
    let deputy_code = casebook::vault::RecoveryCode::generate().unwrap();
    // Checked all at once before anything is made: a taken name and a short passphrase.
    let short = p("short");
    let refused = s
        .check_new_member(DSL, MemberRole::Deputy, "", &short, &short)
        .unwrap_err();
    let fields: Vec<_> = refused.fields().iter().map(|e| e.field).collect();
    assert!(
        fields.contains(&casebook::Field::MemberName)
            && fields.contains(&casebook::Field::Passphrase),
        "{refused:?}"
    );
    let deputy = s
        .add_member(&AddMember {
            name: "Mr Tom Okafor",
            role: MemberRole::Deputy,
            role_title: "",
            passphrase: &deputy_passphrase,
            confirm: &deputy_passphrase,
            recovery_code: &deputy_code,
        })
        .unwrap();
    let file = f.tmp.path().join("team.cbk");
    s.backup_to(&file).unwrap();
    s.lock(casebook::vault::LockReason::Exit).unwrap();

    // Here: no name needed with a code; a passphrase without a name is refused.
    let recovered = f.vault.unlock_with_recovery(&deputy_code).unwrap();
    assert_eq!(recovered.member().unwrap().id, deputy.id);
    drop(recovered);
    assert_eq!(
        f.vault.unlock(&deputy_passphrase).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let wrong = casebook::vault::RecoveryCode::generate().unwrap();
    assert_eq!(
        f.vault.unlock_with_recovery(&wrong).unwrap_err().code(),
        ErrorCode::WrongRecoveryCode
    );

    // Another computer: restored with the deputy's code, named by nobody, in the deputy's name.
    let other = elsewhere(f.tmp.path());
    let recovered = backup::restore(&other, &file, &deputy_code, Existing::Refuse).unwrap();
    assert_eq!(recovered.member().unwrap().name, "Mr Tom Okafor");
    let restored = recovered
        .set_new_passphrase(&deputy_passphrase, &deputy_passphrase)
        .map_err(casebook::Error::from)
        .unwrap();
    assert_eq!(restored.actor(), "Mr Tom Okafor");
    assert!(restored.verify_audit().unwrap().is_intact());
}
