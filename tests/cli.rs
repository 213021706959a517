//! The `casebook` command line, run as a user would: real binary, real OS keyring (the Secret
//! Service that `scripts/test` starts), secrets piped on standard input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use casebook::vault::{DeviceSecretStore, OsKeyring};

const PASS: &str = "lantern orbit mossy kettle";
const NEW_PASS: &str = "violet harbour quartz meadow";

/// These tests need the OS keyring. Without one they fail and say how to run them, unless the
/// person running them explicitly opts out.
fn require_keyring() -> bool {
    if OsKeyring.get(&uuid::Uuid::nil()).is_ok() {
        return true;
    }
    if std::env::var_os("CASEBOOK_SKIP_KEYRING_TESTS").is_some() {
        eprintln!("skipped: no OS keyring and CASEBOOK_SKIP_KEYRING_TESTS is set");
        return false;
    }
    panic!(
        "No OS keyring (Secret Service) is reachable. Run the suite with scripts/test, which starts \
         one, or set CASEBOOK_SKIP_KEYRING_TESTS=1 to skip these tests on purpose."
    );
}

fn casebook(vault: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn init(vault: &Path) -> String {
    init_as(vault, false)
}

/// `init`, or `init --demo`; returns the recovery code printed.
fn init_as(vault: &Path, demo: bool) -> String {
    let mut args = vec!["init", "--org", common::ORG, "--dsl", common::DSL];
    if demo {
        args.push("--demo");
    }
    let out = casebook(vault, &args, &format!("{PASS}\n{PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Recovery code: "))
        .expect("the recovery code is printed once");
    assert_eq!(line.split('-').count(), 8);
    line.to_owned()
}

#[test]
fn init_status_wrong_passphrase_and_audit_verify() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    init(&vault);
    assert!(common::files_containing(&vault, common::ORG).is_empty());

    let out = casebook(&vault, &["status"], &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("Organisation:   {}", common::ORG)));
    assert!(stdout.contains(&format!(
        "Schema version: {}",
        casebook::vault::db::SCHEMA_VERSION
    )));
    assert!(stdout.contains("audit_log"));
    assert!(stdout.contains("Audit chain:    intact"));

    let db = vault.join("casebook.vault");
    let before = std::fs::read(&db).unwrap();
    let out = casebook(&vault, &["status"], "not my passphrase at all\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "casebook: That passphrase does not open this vault. Check that Caps Lock is off and try again."
    );
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let out = casebook(&vault, &["audit", "verify"], &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Note: 1 failed unlock attempt since"));
    assert!(text(&out.stdout).contains("Audit chain: intact"));
}

#[test]
fn passwd_and_recover() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let code = init(&vault);

    let out = casebook(
        &vault,
        &["passwd"],
        &format!("{PASS}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!casebook(&vault, &["status"], &format!("{PASS}\n"))
        .status
        .success());
    assert!(casebook(&vault, &["status"], &format!("{NEW_PASS}\n"))
        .status
        .success());

    // Forgotten passphrase: the recovery code (typed in lower case with spaces) and a new one.
    let typed = code.to_lowercase().replace('-', " ");
    let third = "copper lagoon thistle anvil";
    let out = casebook(
        &vault,
        &["recover"],
        &format!("{typed}\n{third}\n{third}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(casebook(&vault, &["status"], &format!("{third}\n"))
        .status
        .success());
    assert!(!casebook(&vault, &["status"], &format!("{NEW_PASS}\n"))
        .status
        .success());
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");

    let out = casebook(&vault, &["status"], &format!("{PASS}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("No vault was found in"));

    let out = casebook(
        &vault,
        &["init", "--org", "X", "--dsl", "Y"],
        "password\npassword\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("12 characters"));
    assert!(!vault.exists());

    let out = casebook(
        &vault,
        &["init", "--org", "X", "--dsl", "Y"],
        &format!("{PASS}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ended before"));
    assert!(!vault.exists());

    init(&vault);
    let out = casebook(&vault, &["recover"], "ABCD-EFGH\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("32 letters and digits"));

    // A passphrase is never accepted as an argument.
    let out = casebook(&vault, &["status", "--passphrase", PASS], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_os_keyring_keeps_and_finds_a_device_secret() {
    if !require_keyring() {
        return;
    }
    let id = uuid::Uuid::new_v4();
    assert_eq!(OsKeyring.get(&id).unwrap(), None);
    let secret = casebook::secret::Key32::random().unwrap();
    OsKeyring.put(&id, &secret).unwrap();
    assert_eq!(OsKeyring.get(&id).unwrap(), Some(secret));
}

#[test]
fn demo_data_and_search() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    init_as(&vault, true);
    let out = casebook(
        &vault,
        &["demo", "--incidents", "6", "--seed", "3"],
        &format!("{PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Added 6 demo incidents"));
    assert!(text(&out.stdout).contains("DEMONSTRATION — FICTIONAL RECORDS"));
    let out = casebook(&vault, &["search", "pupil"], &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let refs: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert!(!refs.is_empty());
    assert!(
        refs.iter().all(|r| r.starts_with("DEMO-") && r.len() == 14),
        "{refs:?}"
    );
    let said = text(&casebook(&vault, &["status"], &format!("{PASS}\n")).stdout);
    assert!(
        said.contains("Demo vault:     DEMONSTRATION — FICTIONAL RECORDS"),
        "{said}"
    );
    let out = casebook(
        &vault,
        &["search", "nothing matches this"],
        &format!("{PASS}\n"),
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn demo_into_a_vault_with_a_real_record_exits_1_and_writes_nothing() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    init(&real);
    // A real record, made as the window would make it.
    {
        let vault = casebook::vault::Vault::new(&real, casebook::vault::VaultConfig::production());
        let mut s = vault
            .unlock(&casebook::secret::Passphrase::from(PASS.to_owned()))
            .unwrap()
            .session;
        casebook::records::incidents::create(
            &mut s,
            &common::incident_input("A real concern"),
            &[],
        )
        .unwrap();
        s.lock(casebook::vault::LockReason::Exit).unwrap();
    }
    let counts = |out: &Output| -> Vec<String> {
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("  "))
            .filter(|l| !l.contains("audit"))
            .map(str::to_owned)
            .collect()
    };
    let before = counts(&casebook(&real, &["status"], &format!("{PASS}\n")));
    let out = casebook(&real, &["demo", "--incidents", "3"], &format!("{PASS}\n"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("only into a demo vault"),
        "{}",
        text(&out.stderr)
    );
    let after = casebook(&real, &["status"], &format!("{PASS}\n"));
    assert_eq!(counts(&after), before, "no record was added");
    assert!(!text(&after.stdout).contains("Demo vault"));
}

#[test]
fn backup_restore_and_retention_from_the_command_line() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let code = init_as(&vault, true);
    let pass = format!("{PASS}\n");
    let demo = casebook(&vault, &["demo", "--incidents", "12", "--seed", "5"], &pass);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    let file = tmp.path().join("weekly.cbk");
    let file_arg = file.to_str().unwrap();

    let out = casebook(&vault, &["backup", file_arg], &pass);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Backup written and verified"));
    let out = casebook(&vault, &["backup", file_arg], &pass);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    let out = casebook(&vault, &["backup", file_arg, "--replace"], &pass);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // On this computer (same keyring) the passphrase restores it into a new folder.
    let here = tmp.path().join("restored-with-passphrase");
    let out = casebook(
        &here,
        &["restore", file_arg, "--with-passphrase"],
        &format!("{PASS}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Restored"));
    let out = casebook(&here, &["search", ""], &format!("{NEW_PASS}\n"));
    assert_eq!(
        text(&out.stdout).lines().count(),
        12,
        "{}",
        text(&out.stderr)
    );
    // Not over an existing vault without --replace; nothing changes.
    let out = casebook(
        &here,
        &["restore", file_arg, "--with-passphrase"],
        &format!("{PASS}\n"),
    );
    assert!(!out.status.success());
    let out = casebook(&here, &["status"], &format!("{NEW_PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The recovery code restores it anywhere.
    let elsewhere = tmp.path().join("restored-with-code");
    let out = casebook(
        &elsewhere,
        &["restore", file_arg],
        &format!("{code}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Retention: the list, then a deletion with a reason.
    let out = casebook(&vault, &["retention", "list"], &pass);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let due: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|r| r.starts_with("DEMO-"))
        .collect();
    assert!(
        !due.is_empty(),
        "the demo data has a record past its date: {listed}"
    );
    let out = casebook(
        &vault,
        &[
            "retention",
            "delete",
            due[0],
            "--reason",
            "Retention period ended; reviewed",
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&format!("Deleted {}", due[0])));
    let out = casebook(&vault, &["audit", "verify"], &pass);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_team_is_made_and_handed_over_from_the_command_line() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    init(&vault);
    let pass = format!("{PASS}\n");
    let out = casebook(&vault, &["organisation", "--org", common::ORG], &pass);
    assert!(!out.status.success(), "no change is refused");
    assert!(
        text(&out.stderr).contains("already recorded"),
        "{}",
        text(&out.stderr)
    );
    // The DSL adds a deputy, who types their own passphrase and checks their own code.
    let deputy = "Mr Tomasz Kowalczyk";
    let (_code, said) = type_back_new_code(
        &vault,
        &["members", "add", "--name", deputy],
        &format!("{PASS}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(said.contains("added as Deputy DSL"), "{said}");
    let listed =
        text(&casebook(&vault, &["--member", common::DSL, "members", "list"], &pass).stdout);
    assert!(
        listed.contains(&format!("{deputy}: Deputy DSL")),
        "{listed}"
    );
    // With two members, an unlock says who: without --member it is refused with a sentence.
    let out = casebook(&vault, &["status"], &pass);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("choose who you are"),
        "{}",
        text(&out.stderr)
    );
    let out = casebook(
        &vault,
        &["--member", deputy, "status"],
        &format!("{NEW_PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A deputy cannot manage the team.
    let out = casebook(
        &vault,
        &[
            "--member",
            deputy,
            "members",
            "remove",
            common::DSL,
            "--reason",
            "x",
        ],
        &format!("{NEW_PASS}\n"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("only the Designated Safeguarding Lead"),
        "{}",
        text(&out.stderr)
    );
    // The DSL hands over: the deputy is the DSL, and the old DSL's passphrase opens nothing.
    let out = casebook(
        &vault,
        &["--member", common::DSL, "members", "hand-over", deputy],
        &pass,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("re-encrypted"),
        "{}",
        text(&out.stdout)
    );
    assert!(!casebook(&vault, &["status"], &pass).status.success());
    let out = casebook(&vault, &["status"], &format!("{NEW_PASS}\n"));
    let said = text(&out.stdout);
    assert!(
        said.contains(&format!("DSL:            {deputy}")),
        "{said}"
    );
}

#[test]
fn a_new_recovery_code_is_checked_before_it_replaces_the_old_one() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    let old_code = init(&vault);
    // A wrong copy: nothing changes.
    let out = casebook(
        &vault,
        &["new-recovery-code"],
        &format!("{PASS}\nAAAA\nBBBB\n"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("old code still works"),
        "{}",
        text(&out.stderr)
    );

    // The right copy, typed back as the code is read from the screen.
    let (new_code, rest) = type_back_new_code(&vault, &["new-recovery-code"], &format!("{PASS}\n"));
    assert!(rest.contains("no longer opens this vault"), "{rest}");

    // The old code is refused, the new one recovers the vault.
    let out = casebook(
        &vault,
        &["recover"],
        &format!("{old_code}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(!out.status.success());
    let out = casebook(
        &vault,
        &["recover"],
        &format!("{new_code}\n{NEW_PASS}\n{NEW_PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Runs a command that prints a new recovery code, types two of its groups back as read from
/// the screen, and returns the code and the rest of what it printed (it must succeed).
fn type_back_new_code(vault: &Path, args: &[&str], first_lines: &str) -> (String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("--vault")
        .arg(vault)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    write!(stdin, "{first_lines}").unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let new_code = loop {
        line.clear();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "no code printed");
        if let Some(code) = line.trim().strip_prefix("New recovery code: ") {
            break code.to_owned();
        }
    };
    let groups: Vec<&str> = new_code.split('-').collect();
    writeln!(stdin, "{}\n{}", groups[1].to_lowercase(), groups[6]).unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err).unwrap();
    }
    assert!(status.success(), "{rest}{err}");
    (new_code, rest)
}

#[test]
fn trends_are_shown_exported_signed_and_combined_from_the_command_line() {
    if !require_keyring() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    init_as(&vault, true);
    let out = casebook(
        &vault,
        &["demo", "--incidents", "60", "--seed", "3"],
        &format!("{PASS}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures = tmp.path().join("figures.json");
    let pdf = tmp.path().join("trends.pdf");
    let args = [
        "trends",
        "show",
        "--period",
        "last-12-months",
        "--json",
        figures.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
    ];
    let out = casebook(&vault, &args, &format!("{PASS}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("Incidents by category"), "{shown}");
    assert!(shown.contains("compared with"), "{shown}");
    assert!(figures.exists() && pdf.exists());
    // Never overwritten.
    let again = casebook(&vault, &args, &format!("{PASS}\n"));
    assert!(!again.status.success());

    // Combined with itself under another name: refused, naming the school twice.
    let copy = tmp.path().join("copy.json");
    std::fs::copy(&figures, &copy).unwrap();
    let both = [figures.to_str().unwrap(), copy.to_str().unwrap()];
    let out = casebook(&vault, &["trends", "combine", both[0], both[1]], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("second file from"),
        "{}",
        text(&out.stderr)
    );
    // One file combines without the vault being opened (no passphrase given).
    let out = casebook(&vault, &["trends", "combine", both[0]], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A damaged file is refused, naming it.
    std::fs::write(&copy, b"{\"format\": \"casebook-trends\"").unwrap();
    let out = casebook(&vault, &["trends", "combine", both[1]], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("copy.json"),
        "{}",
        text(&out.stderr)
    );
    // A period that ends before it starts: a sentence, exit 1.
    let out = casebook(
        &vault,
        &[
            "trends",
            "show",
            "--period",
            "dates",
            "--from",
            "2026-10-10",
            "--to",
            "2026-10-01",
        ],
        &format!("{PASS}\n"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("must end after it starts"),
        "{}",
        text(&out.stderr)
    );
}
