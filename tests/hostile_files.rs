//! Files from outside, made hostile: backups whose key slots ask for terabytes of memory or
//! billions of passes or carry a nonce of the wrong size, checklist templates that are a FIFO
//! or a device, PDFs that are a device. Each is run through the real command line under a
//! memory limit (`ulimit -v`) and a timeout: the answer is exit 1 with a sentence, never a
//! panic (101), a timeout (124), an abort (134) or the out-of-memory killer (137).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use casebook::vault::backup;
use casebook::ErrorCode;
use common::*;

const MAGIC: &[u8] = b"CASEBOOK BACKUP 1\n";
/// Any well-formed recovery code: the backup is refused before it is tried.
const SOME_CODE: &str = "0000-1111-2222-3333-4444-5555-6666-7777\n";

/// Runs the command line with at most 2 GB of address space and 30 seconds.
fn run_limited(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 2000000; exec timeout 30 "$@""#)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_casebook"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn refused_with_a_sentence(what: &str, out: &Output, words: &str) {
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
    assert!(said.contains(words), "{what}: {said}");
    assert!(
        !said.contains("panicked") && !said.contains("unexpected"),
        "{what}: {said}"
    );
}

/// A real backup of a new vault.
fn a_backup(dir: &Path) -> Vec<u8> {
    let f = new_vault();
    let mut s = f.unlock();
    let path = dir.join("real.cbk");
    s.backup_to(&path).unwrap();
    std::fs::read(path).unwrap()
}

/// The same backup with its description (manifest) edited.
fn edited(backup: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let rest = &backup[MAGIC.len()..];
    let len = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
    let mut manifest: serde_json::Value = serde_json::from_slice(&rest[4..4 + len]).unwrap();
    edit(&mut manifest);
    let json = serde_json::to_vec(&manifest).unwrap();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&u32::try_from(json.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&rest[4 + len..]);
    out
}

#[test]
fn backups_asking_for_impossible_key_derivation_or_odd_nonces_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let real = a_backup(tmp.path());
    let b64 = base64::engine::general_purpose::STANDARD;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "4 TiB of memory",
            edited(&real, |m| {
                m["keys"]["members"][0]["recovery"]["kdf"]["memory_kib"] = u32::MAX.into();
            }),
        ),
        (
            "12 GiB of memory",
            edited(&real, |m| {
                m["keys"]["members"][0]["recovery"]["kdf"]["memory_kib"] =
                    (12u32 * 1024 * 1024).into();
            }),
        ),
        (
            "2^32 - 1 passes",
            edited(&real, |m| {
                m["keys"]["members"][0]["passphrase"]["kdf"]["iterations"] = u32::MAX.into();
            }),
        ),
        (
            "no lanes",
            edited(&real, |m| {
                m["keys"]["members"][0]["recovery"]["kdf"]["parallelism"] = 0.into();
            }),
        ),
        (
            "a 23-byte nonce",
            edited(&real, |m| {
                m["keys"]["members"][0]["recovery"]["wrapped"]["nonce"] =
                    b64.encode([7u8; 23]).into();
            }),
        ),
        (
            "an empty salt",
            edited(&real, |m| {
                m["keys"]["members"][0]["recovery"]["salt"] = "".into();
            }),
        ),
    ];
    for (what, bytes) in cases {
        let path = tmp.path().join("hostile.cbk");
        std::fs::write(&path, &bytes).unwrap();
        let e = backup::read(&path).unwrap_err();
        assert_eq!(e.code(), ErrorCode::DamagedBackup, "{what}: {e}");
        let vault = tmp.path().join(format!("restored-{}", what.len()));
        let out = run_limited(
            &[
                "--vault",
                vault.to_str().unwrap(),
                "restore",
                path.to_str().unwrap(),
            ],
            SOME_CODE,
        );
        refused_with_a_sentence(what, &out, "cannot be used");
        assert!(
            !vault.join("casebook.vault").exists(),
            "{what}: nothing restored"
        );
    }
}

#[test]
fn a_template_that_is_a_fifo_or_a_device_is_refused_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("templates");
    std::fs::create_dir(&dir).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.toml")).unwrap();
    let out = run_limited(&["checklists", "validate", dir.to_str().unwrap()], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(said.contains("pipe.toml"), "{said}");
    assert!(said.contains("zero.toml"), "{said}");
    assert!(said.contains("not a file Casebook can read"), "{said}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("unexpected"),
        "{out:?}"
    );
}

/// A template built to make the route walk explode: thousands of questions, each able to skip
/// the next, so the routes are countless and each thousands of steps long.
fn exploding_template(steps: usize) -> String {
    let mut t = String::from(
        "id = \"explosive\"\nversion = 1\ntitle = \"Explosive\"\ncategories = [\"cyberbullying\"]\npromises = [\"ends-in-outcome\"]\n\n[[sources]]\nid = \"g\"\ndocument = \"Guidance\"\n",
    );
    for i in 0..steps {
        t.push_str(&format!(
            "\n[[steps]]\nid = \"q{i}\"\nkind = \"question\"\ntitle = \"Question number {i} of the test\"\ncite = [{{ source = \"g\", section = \"one\" }}]\nnext = \"q{}\"\n",
            i + 1
        ));
        if i + 2 <= steps {
            t.push_str(&format!(
                "\n[[steps.branch]]\nwhen_answer = \"yes\"\ngoto = \"q{}\"\n",
                i + 2
            ));
        }
    }
    t.push_str(&format!(
        "\n[[steps]]\nid = \"q{steps}\"\nkind = \"decision\"\ntitle = \"The outcome\"\nmarks = [\"outcome\"]\noptions = [{{ id = \"a\", label = \"A\" }}, {{ id = \"b\", label = \"B\" }}]\ncite = [{{ source = \"g\", section = \"two\" }}]\n"
    ));
    t
}

#[test]
fn a_template_with_countless_long_routes_is_refused_in_bounded_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("templates");
    std::fs::create_dir(&dir).unwrap();
    let text = exploding_template(2_500);
    assert!(text.len() < casebook::checklists::template::MAX_TEMPLATE_BYTES);
    std::fs::write(dir.join("explosive.toml"), &text).unwrap();
    let out = run_limited(&["checklists", "validate", dir.to_str().unwrap()], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(said.contains("too many routes"), "{said}");
    let out = run_limited(
        &[
            "checklists",
            "routes",
            "explosive",
            "--dir",
            dir.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_device_or_a_folder_as_a_pdf_is_refused_not_read_for_ever() {
    let tmp = tempfile::tempdir().unwrap();
    for target in ["/dev/zero", tmp.path().to_str().unwrap()] {
        let out = run_limited(&["verify", "--no-vault", target], "");
        refused_with_a_sentence(target, &out, "not a file Casebook can read");
    }
}

#[test]
fn hostile_pdfs_through_the_command_line_get_a_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not a PDF", b"hello".to_vec()),
        (
            "four billion objects",
            b"%PDF-1.3\nxref\n0 4000000000\ntrailer<</Root 1 0 R>>\nstartxref\n9\n%%EOF\n".to_vec(),
        ),
        ("nested arrays", {
            let mut x = b"%PDF-1.3\nxref\n0 1\n0000000000 65535 f\r\ntrailer".to_vec();
            x.extend(std::iter::repeat_n(b'[', 200_000));
            x.extend_from_slice(b"\nstartxref\n9\n%%EOF\n");
            x
        }),
    ];
    for (what, bytes) in cases {
        let path = tmp.path().join("hostile.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let out = run_limited(&["verify", "--no-vault", path.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(1), "{what}: {out:?}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("cannot be confirmed") || said.contains("no digital signature"),
            "{what}: {said}"
        );
        assert!(!said.contains("unexpected"), "{what}: {said}");
    }
}

/// The committed seed corpus (`tests/fixtures/hostile/`), each file through the command line
/// under the same limits: a sentence and exit 1, never a crash, a hang or exhaustion.
#[test]
fn every_file_of_the_hostile_corpus_gets_a_sentence() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile");
    let files = |dir: &str| {
        let mut v: Vec<_> = std::fs::read_dir(corpus.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        assert!(!v.is_empty(), "no {dir} in the corpus");
        v
    };
    let tmp = tempfile::tempdir().unwrap();
    for backup in files("backups") {
        let vault = tmp.path().join("restored");
        let out = run_limited(
            &[
                "--vault",
                vault.to_str().unwrap(),
                "restore",
                backup.to_str().unwrap(),
            ],
            SOME_CODE,
        );
        refused_with_a_sentence(&backup.display().to_string(), &out, "cannot be used");
        assert!(!vault.join("casebook.vault").exists());
    }
    for pdf in files("pdfs") {
        let out = run_limited(&["verify", "--no-vault", pdf.to_str().unwrap()], "");
        assert_eq!(out.status.code(), Some(1), "{}: {out:?}", pdf.display());
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("cannot be confirmed"),
            "{}: {said} {}",
            pdf.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for template in files("templates") {
        let dir = tempfile::tempdir().unwrap();
        let name = template.file_name().unwrap();
        std::fs::copy(&template, dir.path().join(name)).unwrap();
        let out = run_limited(
            &["checklists", "validate", dir.path().to_str().unwrap()],
            "",
        );
        let said = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {out:?}",
            template.display()
        );
        assert!(said.contains(&*name.to_string_lossy()), "{said}");
    }
}
