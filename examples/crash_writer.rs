//! A writer for the crash tests (`tests/crash.rs`): it is killed with SIGKILL at random moments
//! while it writes, and must never lose a write it acknowledged.
//!
//! `crash_writer DIR create` makes a vault with one incident; `crash_writer DIR write START N`
//! adds N chronology notes and people, printing `ack I` after each committed transaction;
//! `crash_writer DIR rekey N` replaces the recovery code N times (each a rekey of the whole
//! database), printing `trying CODE` before and `ack CODE` after each; `crash_writer DIR team
//! TAG N` adds a member and removes them again N times (each removal a rekey), printing `adding
//! NAME`, `added NAME ID`, `removing ID` and `removed ID`, and keeping a copy of the key file as
//! it was before each removal in `DIR/keys-before-ID`.
//! The device secret is kept in a file beside the vault folder so separate processes share it
//! (tests only: the real app keeps it in the OS keyring).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::incidents::{self, Category, FourC, IncidentInput, Risk, Status};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::secret::{Key32, Passphrase};
use casebook::vault::device::StoreUnavailable;
use casebook::vault::{DeviceSecretStore, LockReason, NewVault, Vault, VaultConfig};

pub const PASSPHRASE: &str = "lantern orbit mossy kettle";
/// Every member the `team` mode adds has this passphrase.
pub const MEMBER_PASSPHRASE: &str = "copper meadow lantern drifts";

/// A device-secret store in plain files, one per id (for tests that run several processes).
pub struct FileStore(pub PathBuf);

impl FileStore {
    fn file(&self, id: &uuid::Uuid) -> PathBuf {
        PathBuf::from(format!("{}-{id}", self.0.display()))
    }
}

impl DeviceSecretStore for FileStore {
    fn get(&self, id: &uuid::Uuid) -> Result<Option<Key32>, StoreUnavailable> {
        match std::fs::read_to_string(self.file(id)) {
            Ok(s) => Ok(Key32::from_hex(s.trim())),
            Err(_) => Ok(None),
        }
    }
    fn put(&self, id: &uuid::Uuid, secret: &Key32) -> Result<(), StoreUnavailable> {
        std::fs::write(self.file(id), secret.to_hex().as_bytes())
            .map_err(|e| StoreUnavailable(e.to_string()))
    }
    fn remove(&self, id: &uuid::Uuid) -> Result<(), StoreUnavailable> {
        let _ = std::fs::remove_file(self.file(id));
        Ok(())
    }
}

pub fn vault(dir: &Path) -> Vault {
    Vault::new(
        dir.join("vault"),
        VaultConfig::for_tests(Arc::new(FileStore(dir.join("device-secret")))),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&args[1]);
    let v = vault(&dir);
    let p = Passphrase::new(PASSPHRASE);
    match args[2].as_str() {
        "create" => {
            let (mut s, _) = v
                .create(NewVault {
                    organisation: "Crash Test Academy",
                    dsl_name: "Test DSL",
                    passphrase: &p,
                    confirm: &p,
                    demo: false,
                })
                .unwrap();
            let i = incidents::create(
                &mut s,
                &IncidentInput {
                    occurred_at: None,
                    reported_at: Some(chrono::Utc::now().into()),
                    reported_by: "Tutor".into(),
                    category: Some(Category::Cyberbullying),
                    four_cs: vec![FourC::Conduct],
                    summary: "Crash test incident".into(),
                    childs_words: String::new(),
                    risk: Some(Risk::Low),
                    status: Status::Open,
                    outcome: String::new(),
                    retention_until: None,
                },
                &[],
            )
            .unwrap();
            println!("{}", i.reference);
            s.lock(LockReason::Exit).unwrap();
        }
        "write" => {
            let start: u64 = args[3].parse().unwrap();
            let n: u64 = args[4].parse().unwrap();
            let reference = args[5].clone();
            let mut s = v.unlock(&p).unwrap().session;
            let out = std::io::stdout();
            for i in start..start + n {
                if i % 5 == 0 {
                    people::create(
                        &mut s,
                        &PersonInput {
                            kind: PersonKind::Child,
                            full_name: format!("crash-person-{i}"),
                            date_of_birth: None,
                            class_year: String::new(),
                            details: Default::default(),
                            reason: String::new(),
                        },
                    )
                    .unwrap();
                } else {
                    chronology::add(
                        &mut s,
                        &reference,
                        &EntryInput {
                            kind: Some(EntryKind::Note),
                            text: format!(
                                "crash-note-{i} {}",
                                "more words here ".repeat((i % 7 * 20) as usize)
                            ),
                            ..EntryInput::default()
                        },
                    )
                    .unwrap();
                }
                let mut o = out.lock();
                writeln!(o, "ack {i}").unwrap();
                o.flush().unwrap();
            }
        }
        "rekey" => {
            let n: u64 = args[3].parse().unwrap();
            let mut s = v.unlock(&p).unwrap().session;
            let out = std::io::stdout();
            for _ in 0..n {
                let code = casebook::vault::RecoveryCode::generate().unwrap();
                {
                    let mut o = out.lock();
                    writeln!(o, "trying {}", code.display_grouped()).unwrap();
                    o.flush().unwrap();
                }
                s.replace_recovery_code(&p, &code).unwrap();
                let mut o = out.lock();
                writeln!(o, "ack {}", code.display_grouped()).unwrap();
                o.flush().unwrap();
            }
        }
        "team" => {
            let tag = &args[3];
            let n: u64 = args[4].parse().unwrap();
            let mut s = v
                .unlock_as(Some(v.members().unwrap()[0].id), &p)
                .unwrap()
                .session;
            let member_passphrase = Passphrase::new(MEMBER_PASSPHRASE);
            let say = |line: String| {
                let mut o = std::io::stdout().lock();
                writeln!(o, "{line}").unwrap();
                o.flush().unwrap();
            };
            for i in 0..n {
                let name = format!("Deputy {tag}-{i}");
                say(format!("adding {name}"));
                let code = casebook::vault::RecoveryCode::generate().unwrap();
                let member = s
                    .add_member(&casebook::vault::members::AddMember {
                        name: &name,
                        role: casebook::vault::members::MemberRole::Deputy,
                        role_title: "",
                        passphrase: &member_passphrase,
                        confirm: &member_passphrase,
                        recovery_code: &code,
                    })
                    .unwrap();
                say(format!("added {name} {}", member.id));
                std::fs::copy(
                    dir.join("vault").join("casebook.keys"),
                    dir.join(format!("keys-before-{}", member.id)),
                )
                .unwrap();
                say(format!("removing {}", member.id));
                s.remove_member(member.id, "crash test").unwrap();
                say(format!("removed {}", member.id));
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
