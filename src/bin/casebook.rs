//! `casebook`: the command line over the same core as the desktop app, for scripted use,
//! administration and tests.
//!
//! Secrets (passphrases, recovery codes) are never taken from arguments: they are read from the
//! terminal without echo, or, when standard input is not a terminal, one per line from it.
//! Exit status: 0 on success, 1 on any failure (message on standard error), 2 on bad usage.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use casebook::secret::Passphrase;
use casebook::vault::{LockReason, NewVault, RecoveryCode, Session, Vault, VaultConfig};
use casebook::{Error, Result};

#[derive(Parser)]
#[command(
    name = "casebook",
    version,
    about = "Casebook: the DSL's encrypted incident log"
)]
struct Cli {
    /// The vault folder (default: the operating system's data folder for Casebook).
    #[arg(long, global = true, env = "CASEBOOK_VAULT", value_name = "DIR")]
    vault: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up a new vault: organisation, DSL, passphrase (asked twice); prints the recovery code once.
    Init {
        /// The organisation's name (asked for when missing).
        #[arg(long)]
        org: Option<String>,
        /// The Designated Safeguarding Lead's name (asked for when missing).
        #[arg(long)]
        dsl: Option<String>,
    },
    /// Unlock and show the schema version, record counts and the audit chain's state.
    Status,
    /// Change the passphrase (asks for the current one, then the new one twice).
    Passwd,
    /// Record a new organisation name or a new DSL (a handover): kept as a new version; the
    /// next referral is signed with a new certificate in the new name.
    Organisation {
        /// The organisation's name (unchanged when missing).
        #[arg(long)]
        org: Option<String>,
        /// The new DSL's name (unchanged when missing).
        #[arg(long)]
        dsl: Option<String>,
    },
    /// Unlock with the recovery code and set a new passphrase for this computer.
    Recover,
    /// Replace the recovery code (e.g. after a handover): prints the new code once, asks for
    /// two of its groups back, and only then puts it in place of the old one.
    NewRecoveryCode,
    /// Fill the vault with realistic, clearly fictional demo data (deterministic for a seed).
    Demo {
        /// How many incidents to add.
        #[arg(long, default_value_t = 20)]
        incidents: u32,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Print the references of incidents matching the words (newest first).
    Search {
        /// Words to find in summaries, the child's words, chronology and evidence.
        text: String,
        /// At most this many references.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Make a signed referral summary of an incident as a PDF (never overwrites a file).
    Referral {
        /// The incident reference, e.g. CB-2026-0042.
        reference: String,
        /// Who it is for.
        #[arg(long, value_enum)]
        to: RecipientArg,
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
    /// Check a referral PDF's signature. Exits 0 only when the signature is intact; says who
    /// signed it and whether this vault issued the file (when the vault can be unlocked).
    Verify {
        file: PathBuf,
        /// Check the signature only, without unlocking a vault.
        #[arg(long)]
        no_vault: bool,
    },
    /// Write a verified, encrypted backup of the vault to FILE. An existing file is refused,
    /// unless it is an older Casebook backup and --replace is given (it is replaced only once
    /// the new backup is verified).
    Backup {
        file: PathBuf,
        #[arg(long)]
        replace: bool,
    },
    /// Restore a backup into the vault folder with the recovery code (or, on this computer, the
    /// passphrase), then set a new passphrase.
    /// An existing vault is replaced only with --replace and the word REPLACE typed when asked;
    /// its files are kept in a replaced-<time> folder.
    Restore {
        file: PathBuf,
        #[arg(long)]
        replace: bool,
        /// Open the backup with the passphrase instead of the recovery code (only on the
        /// computer whose keyring holds the vault's device secret).
        #[arg(long)]
        with_passphrase: bool,
    },
    /// Records past their retention date: list them, or delete reviewed ones with a reason.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Response checklist templates.
    Checklists {
        #[command(subcommand)]
        command: ChecklistsCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// List the incidents past their retention date.
    List,
    /// Delete incidents past their retention date (all or none), recording why.
    Delete {
        #[arg(required = true)]
        references: Vec<String>,
        /// Why they are deleted (kept in the audit trail; write no record content here).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RecipientArg {
    Police,
    SocialCare,
    Lado,
}

impl From<RecipientArg> for casebook::referral::Recipient {
    fn from(r: RecipientArg) -> Self {
        match r {
            RecipientArg::Police => Self::Police,
            RecipientArg::SocialCare => Self::SocialCare,
            RecipientArg::Lado => Self::Lado,
        }
    }
}

#[derive(Subcommand)]
enum ChecklistsCommand {
    /// List the checklists on offer (shipped, and the organisation's own in the vault folder).
    List,
    /// Check templates: those in DIR, or (without DIR) the shipped ones and the vault folder's.
    /// Exits 1 when any template has a problem, printing each with its file, step and line.
    Validate {
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Write a blank, printable copy of a checklist (with this vault's contacts) as a PDF.
    Print {
        /// The checklist's id, as `checklists list` shows it.
        id: String,
        /// The PDF to write (never overwritten).
        #[arg(long, value_name = "FILE.pdf")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check that every entry links to the one before and none was changed.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("casebook: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let dir = match cli.vault {
        Some(d) => d,
        None => casebook::vault::default_dir().ok_or_else(|| {
            Error::Internal("no data folder for this user: pass --vault DIR".into())
        })?,
    };
    let vault = Vault::new(dir, VaultConfig::production());
    let mut input = Input::new();
    match cli.command {
        Command::Checklists {
            command: ChecklistsCommand::Print { id, out },
        } => {
            let library = casebook::checklists::Library::with_folder(&vault.paths().checklists());
            let entry = library.get(&id).ok_or_else(|| Error::NotFound {
                what: format!("The checklist \"{id}\""),
            })?;
            let session = unlock(&vault, &mut input)?;
            let org = session.organisation()?;
            let contacts = casebook::checklists::contacts::current(session.conn(), &org.dsl_name)?;
            session.lock(LockReason::Exit)?;
            let pdf = casebook::checklists::paper::blank(
                &entry.template,
                &org.name,
                &contacts,
                chrono::Utc::now(),
            )?;
            write_new_file(&out, &pdf)?;
            println!("Wrote {}", out.display());
            Ok(())
        }
        Command::Checklists { command } => checklists(&vault, command),
        Command::Retention { command } => {
            let mut session = unlock(&vault, &mut input)?;
            let today = chrono::Utc::now().date_naive();
            let result = match command {
                RetentionCommand::List => casebook::records::retention::due(session.conn(), today)
                    .map(|due| {
                        if due.is_empty() {
                            println!("No record is past its retention date.");
                        }
                        for d in due {
                            println!(
                                "{}  kept until {}  {}  people: {} ({} only in this record)",
                                d.reference,
                                d.retention_until,
                                d.category.label(),
                                d.people,
                                d.people_only_here
                            );
                        }
                    }),
                RetentionCommand::Delete { references, reason } => {
                    casebook::records::retention::delete(&mut session, &references, &reason, today)
                        .map(|deleted| {
                            for r in deleted.references {
                                println!("Deleted {r}");
                            }
                            println!(
                                "Deleted {} people recorded only in those records",
                                deleted.people_deleted
                            );
                        })
                }
            };
            session.lock(LockReason::Exit)?;
            result
        }
        Command::Backup { file, replace } => {
            let mut session = unlock(&vault, &mut input)?;
            let report = if replace {
                session.backup_replacing(&file)
            } else {
                session.backup_to(&file)
            };
            session.lock(LockReason::Exit)?;
            let report = report?;
            println!(
                "Backup written and verified: {} ({} bytes, {} records, {} audit entries, SHA-256 {})",
                file.display(),
                report.bytes,
                report.records,
                report.audit_entries,
                report.sha256
            );
            Ok(())
        }
        Command::Restore {
            file,
            replace,
            with_passphrase,
        } => {
            let secret = if with_passphrase {
                input.secret("Passphrase: ")?
            } else {
                input.secret("Recovery code: ")?
            };
            let code = if with_passphrase {
                None
            } else {
                Some(RecoveryCode::parse(secret.expose())?)
            };
            let opener = match &code {
                Some(code) => casebook::vault::backup::Opener::RecoveryCode(code),
                None => casebook::vault::backup::Opener::Passphrase(&secret),
            };
            let confirmation;
            let existing = if replace {
                confirmation =
                    input.line("Type REPLACE to replace the vault on this computer: ")?;
                casebook::vault::backup::Existing::Replace {
                    typed: confirmation.trim(),
                }
            } else {
                casebook::vault::backup::Existing::Refuse
            };
            let recovered = casebook::vault::backup::restore_with(&vault, &file, opener, existing)?;
            let new = input.secret("New passphrase: ")?;
            let confirm = input.secret("New passphrase again: ")?;
            let session = recovered
                .set_new_passphrase(&new, &confirm)
                .map_err(Error::from)?;
            println!(
                "Restored {} into {}; the new passphrase works on this computer.",
                file.display(),
                vault.paths().dir().display()
            );
            session.lock(LockReason::Exit)
        }
        Command::Referral { reference, to, out } => {
            if out.exists() {
                return Err(Error::Internal(format!(
                    "{} already exists; choose another file name",
                    out.display()
                )));
            }
            let mut session = unlock(&vault, &mut input)?;
            let issued = casebook::referral::issue(&mut session, &reference, to.into())?;
            session.lock(LockReason::Exit)?;
            write_new_file(&out, &issued.pdf)?;
            println!(
                "Wrote {} ({} pages), signed; SHA-256 {}",
                out.display(),
                issued.pages,
                issued.sha256
            );
            Ok(())
        }
        Command::Verify { file, no_vault } => {
            let bytes = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            let (intact, problem) = if no_vault || !vault.paths().keys().exists() {
                let v = casebook::referral::verify_bytes(&bytes)?;
                println!("Signed by: {}", v.signer);
                println!("Signed at: {}", v.signed_at);
                println!("Certificate SHA-256: {}", v.cert_fingerprint);
                println!("Issued by this vault: not checked (no vault opened)");
                (v.intact, v.problem)
            } else {
                let session = unlock(&vault, &mut input)?;
                let v = casebook::referral::verify(&session, &bytes)?;
                session.lock(LockReason::Exit)?;
                println!("Signed by: {}", v.signer);
                println!("Signed at: {}", v.signed_at);
                println!("Certificate SHA-256: {}", v.cert_fingerprint);
                match &v.issued_here {
                    Some(r) => println!(
                        "Issued by this vault: yes, {} for {} on {} by {}",
                        r.reference,
                        r.recipient.label(),
                        r.issued_at,
                        r.issued_by
                    ),
                    None if v.signed_by_this_vault => println!(
                        "Issued by this vault: no record of this exact file, though it is signed with this vault's certificate"
                    ),
                    None => println!("Issued by this vault: no"),
                }
                (v.intact, v.problem)
            };
            if intact {
                println!("Signature: intact");
                Ok(())
            } else {
                println!("Signature: NOT intact");
                Err(Error::Internal(format!(
                    "the signature is not intact: {}",
                    problem.unwrap_or_else(|| "unknown reason".into())
                )))
            }
        }
        Command::Init { org, dsl } => init(&vault, &mut input, org, dsl),
        Command::Organisation { org, dsl } => {
            let mut session = unlock(&vault, &mut input)?;
            let current = session.organisation()?;
            let changed = session.change_organisation(
                org.as_deref().unwrap_or(&current.name),
                dsl.as_deref().unwrap_or(&current.dsl_name),
            );
            session.lock(LockReason::Exit)?;
            let changed = changed?;
            println!(
                "Organisation: {}\nDSL:          {}\n(version {}; the previous details are kept)",
                changed.name, changed.dsl_name, changed.version
            );
            Ok(())
        }
        Command::Status => {
            let session = unlock(&vault, &mut input)?;
            let status = session.status()?;
            let org = session.organisation()?;
            println!("Vault:          {}", vault.paths().dir().display());
            println!("Organisation:   {}", org.name);
            println!("DSL:            {}", org.dsl_name);
            println!("Schema version: {}", status.schema_version);
            println!("Records:");
            for (table, count) in &status.tables {
                println!("  {table:<24} {count}");
            }
            println!("Audit chain:    {}", status.audit);
            session.lock(LockReason::Exit)
        }
        Command::Passwd => {
            let mut session = unlock(&vault, &mut input)?;
            let new = input.secret("New passphrase: ")?;
            let confirm = input.secret("New passphrase again: ")?;
            // The current passphrase was just proved by the unlock; it is checked again inside.
            let current = input.take_last_unlock()?;
            session.change_passphrase(&current, &new, &confirm)?;
            println!("Passphrase changed. Your recovery code is unchanged.");
            session.lock(LockReason::Exit)
        }
        Command::NewRecoveryCode => {
            let mut session = unlock(&vault, &mut input)?;
            let current = input.take_last_unlock()?;
            let code = RecoveryCode::generate()?;
            println!("New recovery code: {}", code.display_grouped());
            println!("Write it down or print it, and lock it away. Then type two groups back.");
            let groups = code.groups();
            let mut copied = true;
            for n in [2usize, 7] {
                let typed = input.line(&format!("Group {n}: "))?;
                let typed = typed
                    .trim()
                    .to_uppercase()
                    .replace('O', "0")
                    .replace(['I', 'L'], "1");
                copied &= groups.get(n - 1).is_some_and(|g| *g == typed);
            }
            let result = if copied {
                session.replace_recovery_code(&current, &code)
            } else {
                Err(Error::InvalidInput {
                    field: "Recovery code",
                    message: "those groups do not match the new code; nothing was changed and the old code still works".into(),
                })
            };
            session.lock(LockReason::Exit)?;
            result?;
            println!("The new recovery code is in use; the old one no longer opens this vault.");
            println!("Backups made before still open with the old code: make a new backup now.");
            Ok(())
        }
        Command::Recover => {
            let typed = input.secret("Recovery code: ")?;
            let code = RecoveryCode::parse(typed.expose())?;
            let recovered = vault.unlock_with_recovery(&code)?;
            if let Some(n) = &recovered.failures {
                eprintln!("Note: {}", n.message());
            }
            let new = input.secret("New passphrase: ")?;
            let confirm = input.secret("New passphrase again: ")?;
            let session = recovered
                .set_new_passphrase(&new, &confirm)
                .map_err(Error::from)?;
            println!(
                "Vault unlocked with the recovery code; the new passphrase works on this computer."
            );
            session.lock(LockReason::Exit)
        }
        Command::Demo { incidents, seed } => {
            let mut session = unlock(&vault, &mut input)?;
            let made = casebook::demo::fill(&mut session, incidents, seed)?;
            println!(
                "Added {} demo incidents, {} children, {} chronology entries and {} evidence notes.",
                made.incidents, made.people, made.chronology, made.evidence
            );
            session.lock(LockReason::Exit)
        }
        Command::Search { text, limit } => {
            let session = unlock(&vault, &mut input)?;
            let filter = casebook::records::search::IncidentFilter {
                text,
                limit: Some(limit),
                ..Default::default()
            };
            for row in casebook::records::search::incidents(session.conn(), &filter)? {
                println!("{}", row.reference);
            }
            session.lock(LockReason::Exit)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let session = unlock(&vault, &mut input)?;
            let state = session.verify_audit()?;
            println!("Audit chain: {state}");
            session.lock(LockReason::Exit)?;
            if state.is_intact() {
                Ok(())
            } else {
                Err(Error::Internal(
                    "the audit trail has been altered: keep this vault as it is and ask for help"
                        .into(),
                ))
            }
        }
    }
}

/// Writes a file that must not exist yet: nothing the DSL already has is overwritten.
fn write_new_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

fn checklists(vault: &Vault, command: ChecklistsCommand) -> Result<()> {
    use casebook::checklists::Library;
    let (library, what) = match &command {
        ChecklistsCommand::Validate { dir: Some(dir) } => {
            if !dir.is_dir() {
                return Err(Error::Internal(format!(
                    "{} is not a folder of checklist templates",
                    dir.display()
                )));
            }
            (Library::folder_only(dir), dir.display().to_string())
        }
        _ => (
            Library::with_folder(&vault.paths().checklists()),
            "the shipped checklists and this vault's own".to_owned(),
        ),
    };
    match command {
        ChecklistsCommand::Print { .. } => Ok(()),
        ChecklistsCommand::List => {
            for t in library.templates() {
                let categories: Vec<&str> = t.categories.iter().map(|c| c.label()).collect();
                println!(
                    "{:<28} v{:<3} {:>3} steps  {}  [{}]",
                    t.id,
                    t.version,
                    t.steps.len(),
                    t.title,
                    categories.join(", ")
                );
            }
            for p in library.problems() {
                eprintln!("not offered: {p}");
            }
            Ok(())
        }
        ChecklistsCommand::Validate { .. } => {
            let count = library.templates().count();
            for t in library.templates() {
                println!(
                    "ok: {} version {} ({} steps)",
                    t.id,
                    t.version,
                    t.steps.len()
                );
            }
            for p in library.problems() {
                println!("{p}");
            }
            if !library.problems().is_empty() {
                Err(Error::Internal(format!(
                    "{} problem(s) in {what}; a template with a problem is not offered",
                    library.problems().len()
                )))
            } else if count == 0 {
                Err(Error::Internal(format!(
                    "no checklist templates (*.toml) in {what}"
                )))
            } else {
                Ok(())
            }
        }
    }
}

fn init(vault: &Vault, input: &mut Input, org: Option<String>, dsl: Option<String>) -> Result<()> {
    let org = match org {
        Some(o) => o,
        None => input.line("Organisation name: ")?,
    };
    let dsl = match dsl {
        Some(d) => d,
        None => input.line("Your name (the DSL): ")?,
    };
    let passphrase = input.secret("Choose a passphrase: ")?;
    let confirm = input.secret("The same passphrase again: ")?;
    let (session, code) = vault.create(NewVault {
        organisation: &org,
        dsl_name: &dsl,
        passphrase: &passphrase,
        confirm: &confirm,
    })?;
    println!("Vault created in {}", vault.paths().dir().display());
    println!();
    println!("Recovery code: {}", code.display_grouped());
    println!();
    println!("Write this code down or print it, and lock it away. It is shown only this once.");
    println!(
        "It opens the vault on any computer if you forget your passphrase or this laptop fails."
    );
    session.lock(LockReason::Exit)
}

fn unlock(vault: &Vault, input: &mut Input) -> Result<Session> {
    let passphrase = input.secret("Passphrase: ")?;
    let unlocked = vault.unlock(&passphrase)?;
    if let Some(n) = &unlocked.failures {
        eprintln!("Note: {}", n.message());
    }
    input.last_unlock = Some(passphrase);
    Ok(unlocked.session)
}

/// Reads names and secrets from the terminal, or line by line from piped standard input.
struct Input {
    interactive: bool,
    lines: std::io::StdinLock<'static>,
    last_unlock: Option<Passphrase>,
}

impl Input {
    fn new() -> Self {
        let stdin = std::io::stdin();
        Input {
            interactive: stdin.is_terminal(),
            lines: stdin.lock(),
            last_unlock: None,
        }
    }

    fn line(&mut self, prompt: &str) -> Result<String> {
        if self.interactive {
            eprint!("{prompt}");
            let _ = std::io::stderr().flush();
        }
        let mut buf = String::new();
        let n = self
            .lines
            .read_line(&mut buf)
            .map_err(|e| Error::Internal(format!("could not read standard input: {e}")))?;
        if n == 0 {
            return Err(Error::InvalidInput {
                field: "Standard input",
                message: format!(
                    "it ended before \"{}\" was given",
                    prompt.trim_end_matches([':', ' '])
                ),
            });
        }
        Ok(buf.trim_end_matches(['\n', '\r']).to_owned())
    }

    fn secret(&mut self, prompt: &str) -> Result<Passphrase> {
        if self.interactive {
            let typed = rpassword::prompt_password(prompt)
                .map_err(|e| Error::Internal(format!("could not read from the terminal: {e}")))?;
            return Ok(Passphrase::new(typed));
        }
        let line = Zeroizing::new(self.line(prompt)?);
        Ok(Passphrase::new(line.as_str()))
    }

    fn take_last_unlock(&mut self) -> Result<Passphrase> {
        self.last_unlock
            .take()
            .ok_or_else(|| Error::Internal("no passphrase was read".into()))
    }
}
