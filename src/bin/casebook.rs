//! `casebook`: the command line over the same core as the desktop app, for scripted use,
//! administration and tests.
//!
//! Secrets (passphrases, recovery codes) are never taken from arguments: they are read from the
//! terminal without echo, or, when standard input is not a terminal, one per line from it.
//! Exit status: 0 on success, 1 on any failure (message on standard error) or a "no" answer (a
//! signature not intact, an altered audit trail, a template with problems), 2 on bad usage.
//!
//! Each subcommand is one documented function below, dispatched from [`run`]; those that need
//! the vault open run inside [`with_unlocked`], which always locks it again.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use casebook::checklists::Library;
use casebook::error::Field;
use casebook::secret::Passphrase;
use casebook::vault::backup::{Existing, Opener};
use casebook::vault::{LockReason, NewVault, RecoveryCode, Session, Vault, VaultConfig};
use casebook::{Error, Result};

/// `println!` for the command's output, except that output piped into a reader that stops
/// early (`casebook … | head`) ends the command quietly, as for any Unix tool, instead of
/// with a panic about a broken pipe.
macro_rules! say {
    () => {
        say_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        say_line(format_args!($($arg)*))
    };
}

fn say_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(line).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("casebook: could not write the output: {e}");
        std::process::exit(1);
    }
}

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

    /// Open the vault even though its database is older than the one last opened on this
    /// computer (after putting back a copy on purpose); the audit trail records it.
    #[arg(long, global = true)]
    open_older_copy: bool,

    /// Who you are, in a vault with a team: your name as the DSL added it (`members list`).
    #[arg(long, global = true, env = "CASEBOOK_MEMBER", value_name = "NAME")]
    member: Option<String>,

    #[command(subcommand)]
    command: Command,
}

// The referral's many answers make its variant large; a command is parsed once per run.
#[allow(clippy::large_enum_variant)]
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
        /// Make a demo vault, for fictional records only (`demo` fills it): marked so for good,
        /// on every screen, PDF and reference. Never use one for real records.
        #[arg(long)]
        demo: bool,
    },
    /// Unlock and show the schema version, record counts and the audit chain's state.
    Status,
    /// Change your passphrase (asks for the current one, then the new one twice).
    Passwd,
    /// Record the organisation's new name, or the setting's details a referral form asks for
    /// (address, URN, the safeguarding team's phone and secure e-mail); each is kept as a new
    /// version. A new name means the next referral is signed with a new certificate in it. (A
    /// new DSL: `members make-dsl` or `members hand-over`.)
    Organisation {
        /// The organisation's new name.
        #[arg(long)]
        org: Option<String>,
        /// The setting's postal address.
        #[arg(long)]
        address: Option<String>,
        /// The setting's Unique Reference Number (6 digits).
        #[arg(long)]
        urn: Option<String>,
        /// The safeguarding team's phone number.
        #[arg(long)]
        phone: Option<String>,
        /// The safeguarding team's secure e-mail.
        #[arg(long)]
        email: Option<String>,
    },
    /// The safeguarding team: the DSL and the deputies or other members the DSL adds.
    Members {
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Unlock with the recovery code and set a new passphrase for this computer.
    Recover,
    /// Replace the recovery code (e.g. after a handover): prints the new code once, asks for
    /// two of its groups back, and only then puts it in place of the old one.
    NewRecoveryCode,
    /// Fill a demo vault (made with `init --demo`) with realistic, fictional records
    /// (deterministic for a seed). Refused, changing nothing, in any other vault.
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
        /// Why you are referring, now (required).
        #[arg(long)]
        reason: String,
        /// What you ask them to do (required).
        #[arg(long)]
        asks: String,
        /// Where the child is now.
        #[arg(long, default_value = "")]
        where_child_is: String,
        /// The child's views and wishes.
        #[arg(long, default_value = "")]
        childs_views: String,
        /// What must not be shared with the family.
        #[arg(long, default_value = "")]
        not_for_family: String,
        /// The team or person it goes to.
        #[arg(long, default_value = "")]
        recipient_name: String,
        /// Whether the parents or carers know of this referral (required for social care).
        #[arg(long, value_enum)]
        parents_know: Option<YesNo>,
        /// Why they have not been told (required with --parents-know no).
        #[arg(long, default_value = "")]
        why_not_told: String,
        /// Consent to share (required for social care).
        #[arg(long, value_enum)]
        consent: Option<ConsentArg>,
        /// Who gave consent (required with --consent given).
        #[arg(long, default_value = "")]
        consent_by: String,
        /// Why you share without consent (required with --consent refused or not-sought).
        #[arg(long, default_value = "")]
        consent_note: String,
        /// How the PDF will be sent.
        #[arg(long, value_enum)]
        sent_by: Option<SendArg>,
        /// For the LADO: a harm criterion the allegation meets (at least one; repeat for more).
        #[arg(long = "harm", value_enum)]
        harm_criteria: Vec<HarmArg>,
        /// For the LADO: whether the adult knows of the allegation (required).
        #[arg(long, value_enum)]
        adult_knows: Option<YesNo>,
        /// For the LADO: why the adult has not been told.
        #[arg(long, default_value = "")]
        adult_knows_note: String,
        /// For the LADO: previous allegations or concerns, low-level ones included, or
        /// "None known" (required).
        #[arg(long, default_value = "")]
        previous_concerns: String,
        /// For the LADO: what has been done about the adult so far (suspension…).
        #[arg(long, default_value = "")]
        actions_taken: String,
        /// For the LADO: the adult's other work with children, where known.
        #[arg(long, default_value = "")]
        other_work: String,
        /// For the LADO: the adult's own children or caring responsibilities, where known.
        #[arg(long, default_value = "")]
        own_children: String,
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
    /// Trends for leaders, governors and the trust: counts only, never a name; counts of 1 to
    /// 4 shown as "fewer than 5".
    Trends {
        #[command(subcommand)]
        command: TrendsCommand,
    },
}

#[derive(Subcommand)]
enum TrendsCommand {
    /// The figures for a period (this school year unless told), beside the period before.
    Show {
        #[arg(long, value_enum, default_value = "this-school-year")]
        period: PeriodArg,
        /// The first day, with --period dates (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        from: Option<chrono::NaiveDate>,
        /// The last day, with --period dates (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
        to: Option<chrono::NaiveDate>,
        /// Also write the figures file for the trust (JSON; never overwritten). Recorded in
        /// the audit trail.
        #[arg(long, value_name = "FILE.json")]
        json: Option<PathBuf>,
        /// Also write the report as a PDF signed with your certificate (never overwritten).
        /// Recorded in the audit trail.
        #[arg(long, value_name = "FILE.pdf")]
        pdf: Option<PathBuf>,
    },
    /// One trust-wide report from several schools' figures files of the same period. No
    /// vault is opened unless --pdf asks for the report signed.
    Combine {
        #[arg(required = true, value_name = "FILE.json")]
        files: Vec<PathBuf>,
        /// Write the trust-wide report as a PDF signed with your certificate (never
        /// overwritten; recorded in your vault's audit trail).
        #[arg(long, value_name = "FILE.pdf")]
        pdf: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PeriodArg {
    ThisTerm,
    ThisSchoolYear,
    #[value(name = "last-12-months")]
    Last12Months,
    Dates,
}

fn parse_day(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date written as YYYY-MM-DD"))
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
    /// Every route through a checklist from its first step to its end, as step ids, with the
    /// answers that lead there. Exits 1 when the template has a problem (printed) or has more
    /// routes than the search tries.
    Routes {
        /// The checklist's id, as `checklists list` shows it.
        id: String,
        /// Read the template from this folder (a copy being edited) rather than those on offer.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Show each step's title beside its id.
        #[arg(long)]
        titles: bool,
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

/// What a command found, when it ran without error: yes (exit 0) or a "no" the user must act
/// on (exit 1), already explained on standard output. A "no" is an answer, not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
}

fn main() -> ExitCode {
    if let Err(e) = casebook::secret::harden_process() {
        eprintln!("casebook: could not keep key material out of core dumps: {e}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(Answer::Yes) => ExitCode::SUCCESS,
        Ok(Answer::No) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("casebook: {e}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Subcommand)]
enum MembersCommand {
    /// Everyone in the team, and who has left it.
    List,
    /// (DSL only) Add a member: they type their own passphrase twice and are shown their own
    /// recovery code once.
    Add {
        /// Their name, as the record will show it on everything they do.
        #[arg(long)]
        name: String,
        /// Their role in the team.
        #[arg(long, value_enum, default_value = "deputy")]
        role: RoleArg,
        /// How your organisation names the role (default: "Deputy DSL" or "Other member").
        #[arg(long, default_value = "")]
        title: String,
    },
    /// (DSL only) Remove a member: the vault is re-encrypted under a new key so their
    /// passphrase and recovery code open nothing.
    Remove {
        name: String,
        /// Why they are leaving the team.
        #[arg(long)]
        reason: String,
    },
    /// Your own phone number and secure e-mail, printed on referrals you sign so that the
    /// recipient can reach you (a referral is refused without one of them).
    Contact {
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        email: String,
    },
    /// (DSL only) Make another member the DSL; you become a deputy.
    MakeDsl {
        name: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// (DSL only) Hand over: make another member the DSL and leave the team yourself, with the
    /// vault re-encrypted so your passphrase and recovery code open nothing.
    HandOver {
        name: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum YesNo {
    Yes,
    No,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ConsentArg {
    Given,
    Refused,
    NotSought,
}

impl From<ConsentArg> for casebook::records::family::ConsentOutcome {
    fn from(a: ConsentArg) -> Self {
        match a {
            ConsentArg::Given => Self::Given,
            ConsentArg::Refused => Self::Refused,
            ConsentArg::NotSought => Self::NotSought,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SendArg {
    SecureEmail,
    Portal,
    ByHand,
    Post,
}

impl From<SendArg> for casebook::referral::SendRoute {
    fn from(a: SendArg) -> Self {
        match a {
            SendArg::SecureEmail => Self::SecureEmail,
            SendArg::Portal => Self::Portal,
            SendArg::ByHand => Self::ByHand,
            SendArg::Post => Self::Post,
        }
    }
}

/// KCSIE's four harm criteria (Part four, section one).
#[derive(Clone, Copy, clap::ValueEnum)]
enum HarmArg {
    /// Has harmed a child, or may have.
    Harmed,
    /// Possibly committed a criminal offence against or related to a child.
    Offence,
    /// Behaved towards children in a way that indicates they may pose a risk of harm.
    RiskOfHarm,
    /// May not be suitable to work with children (transferable risk).
    Unsuitable,
}

impl From<HarmArg> for casebook::referral::HarmCriterion {
    fn from(a: HarmArg) -> Self {
        match a {
            HarmArg::Harmed => Self::Harmed,
            HarmArg::Offence => Self::Offence,
            HarmArg::RiskOfHarm => Self::RiskOfHarm,
            HarmArg::Unsuitable => Self::Unsuitable,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Deputy,
    Other,
}

/// Dispatches each subcommand to its function.
fn run(cli: Cli) -> Result<Answer> {
    let dir = match cli.vault {
        Some(d) => d,
        None => casebook::vault::default_dir().ok_or_else(|| {
            Error::Unavailable(
                "This user has no data folder for Casebook: pass --vault DIR.".into(),
            )
        })?,
    };
    let vault = Vault::new(dir, VaultConfig::production());
    let mut input = Input::new();
    input.open_older_copy = cli.open_older_copy;
    input.member = cli.member;
    let input = &mut input;
    let done = |r: Result<()>| r.map(|()| Answer::Yes);
    match cli.command {
        Command::Init { org, dsl, demo } => done(init(&vault, input, org, dsl, demo)),
        Command::Status => done(with_unlocked(&vault, input, |s, _| status(&vault, s))),
        Command::Passwd => done(with_unlocked(&vault, input, passwd)),
        Command::Organisation {
            org,
            address,
            urn,
            phone,
            email,
        } => done(with_unlocked(&vault, input, |s, _| {
            organisation(s, org.as_deref(), [address, urn, phone, email])
        })),
        Command::Members { command } => done(members(&vault, input, command)),
        Command::Recover => done(recover(&vault, input)),
        Command::NewRecoveryCode => done(with_unlocked(&vault, input, new_recovery_code)),
        Command::Demo { incidents, seed } => done(with_unlocked(&vault, input, |s, _| {
            demo(s, incidents, seed)
        })),
        Command::Search { text, limit } => {
            done(with_unlocked(&vault, input, |s, _| search(s, text, limit)))
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => with_unlocked(&vault, input, |s, _| audit_verify(s)),
        Command::Referral {
            reference,
            to,
            out,
            reason,
            asks,
            where_child_is,
            childs_views,
            not_for_family,
            recipient_name,
            parents_know,
            why_not_told,
            consent,
            consent_by,
            consent_note,
            sent_by,
            harm_criteria,
            adult_knows,
            adult_knows_note,
            previous_concerns,
            actions_taken,
            other_work,
            own_children,
        } => {
            let choices = casebook::referral::Choices {
                reason,
                asks,
                where_child_is,
                childs_views,
                not_for_family,
                recipient_name,
                parents_know: parents_know.map(|a| a == YesNo::Yes),
                parents_know_why_not: why_not_told,
                consent: consent.map(Into::into),
                consent_by,
                consent_note,
                sent_by: sent_by.map(Into::into),
                adult: casebook::referral::AboutTheAdult {
                    harm_criteria: harm_criteria.into_iter().map(Into::into).collect(),
                    adult_knows: adult_knows.map(|a| a == YesNo::Yes),
                    adult_knows_note,
                    previous_concerns,
                    actions_taken,
                    other_work,
                    own_children,
                },
                ..Default::default()
            };
            done(referral(&vault, input, &reference, to, &choices, &out))
        }
        Command::Verify { file, no_vault } => verify(&vault, input, &file, no_vault),
        Command::Backup { file, replace } => done(with_unlocked(&vault, input, |s, _| {
            backup(s, &file, replace)
        })),
        Command::Restore {
            file,
            replace,
            with_passphrase,
        } => done(restore(&vault, input, &file, replace, with_passphrase)),
        Command::Retention { command } => {
            done(with_unlocked(&vault, input, |s, _| retention(s, command)))
        }
        Command::Checklists { command } => checklists(&vault, input, command),
        Command::Trends { command } => done(trends(&vault, input, command)),
    }
}

/// `trends show|combine`.
fn trends(vault: &Vault, input: &mut Input, command: TrendsCommand) -> Result<()> {
    use casebook::trends::{self, exchange, publish, PeriodChoice, PeriodKind};
    match command {
        TrendsCommand::Show {
            period,
            from,
            to,
            json,
            pdf,
        } => with_unlocked(vault, input, |s, _| {
            let kind = match period {
                PeriodArg::ThisTerm => PeriodKind::ThisTerm,
                PeriodArg::ThisSchoolYear => PeriodKind::ThisSchoolYear,
                PeriodArg::Last12Months => PeriodKind::Last12Months,
                PeriodArg::Dates => PeriodKind::Dates,
            };
            let choice = PeriodChoice {
                kind: Some(kind),
                first: from.map(Into::into),
                last: to.map(Into::into),
            };
            let today = casebook::time::uk_date(chrono::Utc::now());
            let compared = trends::compare(s.conn(), &choice, today)?;
            let school = casebook::organisation::current(s.conn())?.name;
            let report = publish::publish(&school, &compared)?;
            if let Some(path) = json {
                exchange::export(s, &report, |b| casebook::files::write_private_new(&path, b))?;
                say!("Wrote the figures file {}", path.display());
            }
            if let Some(path) = pdf {
                trends::report_pdf::issue(s, &report, |b| {
                    casebook::files::write_private_new(&path, b)
                })?;
                say!("Wrote the signed report {}", path.display());
            }
            print!("{}", publish::plain_text(&report));
            Ok(())
        }),
        TrendsCommand::Combine { files, pdf } => {
            let mut reports = Vec::new();
            for f in &files {
                reports.push((f.display().to_string(), exchange::read(f)?));
            }
            let report = exchange::combine(&reports)?;
            if let Some(path) = pdf {
                with_unlocked(vault, input, |s, _| {
                    trends::report_pdf::issue(s, &report, |b| {
                        casebook::files::write_private_new(&path, b)
                    })
                })?;
                say!("Wrote the signed report {}", path.display());
            }
            print!("{}", publish::plain_text(&report));
            Ok(())
        }
    }
}

/// Unlocks with the passphrase, runs `f`, and locks again whatever `f` returned.
fn with_unlocked<T>(
    vault: &Vault,
    input: &mut Input,
    f: impl FnOnce(&mut Session, &mut Input) -> Result<T>,
) -> Result<T> {
    let mut session = unlock(vault, input)?;
    let result = f(&mut session, input);
    let locked = session.lock(LockReason::Exit);
    let value = result?;
    locked?;
    Ok(value)
}

/// `init`: sets up a new vault and prints its recovery code once.
fn init(
    vault: &Vault,
    input: &mut Input,
    org: Option<String>,
    dsl: Option<String>,
    demo: bool,
) -> Result<()> {
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
        demo,
    })?;
    if demo {
        say!(
            "Demo vault created in {} ({}): for fictional records only.",
            vault.paths().dir().display(),
            casebook::organisation::DEMO_MARKING
        );
    } else {
        say!("Vault created in {}", vault.paths().dir().display());
    }
    say!();
    say!("Recovery code: {}", code.display_grouped());
    say!();
    say!("Write this code down or print it, and lock it away. It is shown only this once.");
    say!("It opens the vault on any computer if you forget your passphrase or this laptop fails.");
    session.lock(LockReason::Exit)
}

/// `status`: schema version, record counts and the audit chain's state.
fn status(vault: &Vault, session: &mut Session) -> Result<()> {
    let status = session.status()?;
    let org = casebook::organisation::current(session.conn())?;
    say!("Vault:          {}", vault.paths().dir().display());
    if casebook::organisation::is_demo(session.conn())? {
        say!(
            "Demo vault:     {} (every record here is invented)",
            casebook::organisation::DEMO_MARKING
        );
    }
    say!("Organisation:   {}", org.name);
    say!("DSL:            {}", org.dsl_name);
    say!("Schema version: {}", status.schema_version);
    say!("Records:");
    for (table, count) in &status.tables {
        say!("  {table:<24} {count}");
    }
    say!("Audit chain:    {}", status.audit);
    Ok(())
}

/// `passwd`: a new passphrase (the one just used to unlock is checked again inside).
fn passwd(session: &mut Session, input: &mut Input) -> Result<()> {
    let new = input.secret("New passphrase: ")?;
    let confirm = input.secret("New passphrase again: ")?;
    let current = input.take_last_unlock()?;
    session.change_passphrase(&current, &new, &confirm)?;
    say!("Passphrase changed. Your recovery code is unchanged.");
    say!("An older copy of the key file (in an older backup, say) still opens with the old passphrase on this computer. If someone else may know your recovery code, use new-recovery-code: it also re-encrypts the vault under a new key.");
    Ok(())
}

/// `organisation`: a new organisation name, and the setting's details, each kept as a new
/// version; what is not given stays as it was.
fn organisation(
    session: &mut Session,
    org: Option<&str>,
    [address, urn, phone, email]: [Option<String>; 4],
) -> Result<()> {
    if org.is_none() && [&address, &urn, &phone, &email].iter().all(|v| v.is_none()) {
        return Err(Error::field(
            Field::Organisation,
            "say what to change: --org, --address, --urn, --phone or --email",
        ));
    }
    if let Some(org) = org {
        let changed = casebook::settings::change_organisation(session, org)?;
        say!(
            "Organisation: {}\nDSL:          {}\n(version {}; the previous details are kept)",
            changed.name,
            changed.dsl_name,
            changed.version
        );
    }
    if address.is_some() || urn.is_some() || phone.is_some() || email.is_some() {
        let now = casebook::organisation::setting_details(session.conn())?;
        let d = casebook::settings::change_setting_details(
            session,
            &casebook::organisation::SettingDetails {
                address: address.unwrap_or(now.address),
                urn: urn.unwrap_or(now.urn),
                phone: phone.unwrap_or(now.phone),
                secure_email: email.unwrap_or(now.secure_email),
            },
        )?;
        say!(
            "Address:        {}\nURN:            {}\nPhone:          {}\nSecure e-mail:  {}\n(the previous details are kept)",
            d.address,
            d.urn,
            d.phone,
            d.secure_email
        );
    }
    Ok(())
}

/// `members`: the team, and the DSL's changes to it.
fn members(vault: &Vault, input: &mut Input, command: MembersCommand) -> Result<()> {
    use casebook::vault::{AddMember, MemberRole};
    let by_name = |s: &Session, name: &str| -> Result<uuid::Uuid> {
        s.members()?
            .into_iter()
            .find(|m| m.active && m.name.eq_ignore_ascii_case(name.trim()))
            .map(|m| m.id)
            .ok_or_else(|| {
                Error::field(
                    Field::Member,
                    &format!("nobody called \"{name}\" is in the team"),
                )
            })
    };
    match command {
        MembersCommand::List => with_unlocked(vault, input, |s, _| {
            for m in s.members()? {
                let state = if m.active {
                    String::new()
                } else {
                    format!(
                        " (left the team {})",
                        casebook::time::uk_stored(&m.changed_at)
                    )
                };
                say!("{}: {}{state}", m.name, m.role_title);
            }
            Ok(())
        }),
        MembersCommand::Add { name, role, title } => with_unlocked(vault, input, |s, input| {
            let role = match role {
                RoleArg::Deputy => MemberRole::Deputy,
                RoleArg::Other => MemberRole::Other,
            };
            eprintln!("Now {name} types their own passphrase, twice.");
            let passphrase = input.secret("Their passphrase: ")?;
            let confirm = input.secret("Their passphrase again: ")?;
            s.check_new_passphrase(&passphrase, &confirm)?;
            let code = new_code_typed_back(input)?;
            let added = s.add_member(&AddMember {
                name: &name,
                role,
                role_title: &title,
                passphrase: &passphrase,
                confirm: &confirm,
                recovery_code: &code,
            })?;
            casebook::referral::ensure_identity_of(s, added.id)?;
            say!(
                "{} added as {}. They unlock with --member \"{}\" and their own passphrase.",
                added.name,
                added.role_title,
                added.name
            );
            Ok(())
        }),
        MembersCommand::Contact { phone, email } => with_unlocked(vault, input, |s, _| {
            let me = s.change_my_contact(&phone, &email)?;
            say!(
                "{}: phone {}, secure e-mail {} (the previous details are kept)",
                me.name,
                if me.phone.is_empty() {
                    "none"
                } else {
                    &me.phone
                },
                if me.secure_email.is_empty() {
                    "none"
                } else {
                    &me.secure_email
                }
            );
            Ok(())
        }),
        MembersCommand::Remove { name, reason } => with_unlocked(vault, input, |s, _| {
            let id = by_name(s, &name)?;
            s.remove_member(id, &reason)?;
            say!("{name} is no longer in the team, and the vault is re-encrypted under a new key: their passphrase and recovery code open nothing.");
            say!("Backups made before still open with their old slots: make a new backup now, and destroy the older ones.");
            Ok(())
        }),
        MembersCommand::MakeDsl { name, reason } => with_unlocked(vault, input, |s, _| {
            let id = by_name(s, &name)?;
            s.make_dsl(id, &reason)?;
            say!("{name} is now the DSL; you are a deputy.");
            Ok(())
        }),
        MembersCommand::HandOver { name, reason } => with_unlocked(vault, input, |s, _| {
            let id = by_name(s, &name)?;
            s.hand_over_to(id, &reason)?;
            say!("{name} is now the DSL, and you have left the team: the vault is re-encrypted so your passphrase and recovery code open nothing.");
            say!("Backups made before still open with the old slots: {name} should make a new backup now.");
            Ok(())
        }),
    }
}

/// `recover`: the recovery code, then a new passphrase for this computer.
fn recover(vault: &Vault, input: &mut Input) -> Result<()> {
    let typed = input.secret("Recovery code: ")?;
    let code = RecoveryCode::parse(typed.expose())?;
    let recovered = vault.unlock_with_recovery_as(input.member_id(vault)?, &code)?;
    if let Some(n) = &recovered.failures {
        eprintln!("Note: {}", n.message());
    }
    set_new_passphrase(recovered, input)?;
    say!("Vault unlocked with the recovery code; the new passphrase works on this computer.");
    Ok(())
}

/// After a recovery code or a restore: asks for the new passphrase twice and sets it.
fn set_new_passphrase(recovered: casebook::vault::RecoveredVault, input: &mut Input) -> Result<()> {
    let new = input.secret("New passphrase: ")?;
    let confirm = input.secret("New passphrase again: ")?;
    let session = recovered
        .set_new_passphrase(&new, &confirm)
        .map_err(Error::from)?;
    session.lock(LockReason::Exit)
}

/// `new-recovery-code`: prints a new code once, asks for two groups back, then puts it in use.
fn new_recovery_code(session: &mut Session, input: &mut Input) -> Result<()> {
    let current = input.take_last_unlock()?;
    let code = new_code_typed_back(input)?;
    session.replace_recovery_code(&current, &code)?;
    say!("The new recovery code is in use, and the vault is re-encrypted under a new key: the old code no longer opens this vault, nor does any older copy of its key file.");
    say!("Backups made before still open with the old code: make a new backup now, and destroy the older ones.");
    Ok(())
}

/// A new recovery code, printed once, with two of its groups typed back (proof it was written
/// down); nothing changes when they do not match.
fn new_code_typed_back(input: &mut Input) -> Result<RecoveryCode> {
    let code = RecoveryCode::generate()?;
    say!("New recovery code: {}", code.display_grouped());
    say!("Write it down or print it, and lock it away. Then type two groups back.");
    for n in [2usize, 7] {
        let typed = input.line(&format!("Group {n}: "))?;
        if !code.group_matches(n - 1, &typed) {
            return Err(Error::field(
                Field::RecoveryCode,
                "those groups do not match the new code; nothing was changed and the old code still works",
            ));
        }
    }
    Ok(code)
}

/// `demo`: realistic, clearly fictional records, the same for the same seed; only into a
/// demo vault (`init --demo`).
fn demo(session: &mut Session, incidents: u32, seed: u64) -> Result<()> {
    let made = casebook::demo::fill(session, incidents, seed)?;
    say!(
        "Added {} demo incidents about {} people, with {} chronology entries, {} evidence notes, {} checklist runs and {} signed referrals ({}).",
        made.incidents,
        made.people,
        made.chronology,
        made.evidence,
        made.checklist_runs,
        made.referrals,
        casebook::organisation::DEMO_MARKING
    );
    Ok(())
}

/// `search`: references of matching incidents, newest first.
fn search(session: &mut Session, text: String, limit: u32) -> Result<()> {
    let filter = casebook::records::search::IncidentFilter {
        text,
        limit: Some(limit),
        ..Default::default()
    };
    for row in casebook::records::search::incidents(session.conn(), &filter)? {
        say!("{}", row.reference);
    }
    Ok(())
}

/// `audit verify`: a "no" when any entry was altered or removed.
fn audit_verify(session: &mut Session) -> Result<Answer> {
    let state = session.verify_audit()?;
    say!("Audit chain: {state}");
    if state.is_intact() {
        Ok(Answer::Yes)
    } else {
        say!("The audit trail has been altered: keep this vault as it is and ask for help.");
        Ok(Answer::No)
    }
}

/// `referral`: signs and records a referral, and writes it to a new owner-only file.
fn referral(
    vault: &Vault,
    input: &mut Input,
    reference: &str,
    to: RecipientArg,
    choices: &casebook::referral::Choices,
    out: &Path,
) -> Result<()> {
    // Refused before anything is signed or recorded.
    if out.exists() {
        return Err(Error::io(out, std::io::ErrorKind::AlreadyExists.into()));
    }
    let issued = with_unlocked(vault, input, |s, _| {
        casebook::referral::issue(s, reference, to.into(), choices)
    })?;
    casebook::files::write_private_new(out, &issued.pdf)?;
    say!(
        "Wrote {} ({} pages), signed; SHA-256 {}",
        out.display(),
        issued.pages,
        issued.sha256
    );
    Ok(())
}

/// `verify`: what a PDF's signature covers, who signed it as far as this vault can tell, and
/// whether this vault issued it. A "no" unless its contents are unchanged since signing.
fn verify(vault: &Vault, input: &mut Input, file: &Path, no_vault: bool) -> Result<Answer> {
    let bytes = casebook::referral::read_pdf(file)?;
    let checked_here = !no_vault && vault.paths().keys().exists();
    let v = if checked_here {
        with_unlocked(vault, input, |s, _| casebook::referral::verify(s, &bytes))?
    } else {
        casebook::referral::verify_bytes(&bytes)?
    };
    if !v.signer.is_empty() {
        say!("Certificate in the name of: {}", v.signer);
        say!(
            "Signed at: {}",
            casebook::time::from_pdf_date(&v.signed_at)
                .map_or_else(|| v.signed_at.clone(), casebook::time::uk)
        );
        say!("Certificate SHA-256: {}", v.cert_fingerprint);
    }
    if !checked_here {
        say!("Issued by this vault: not checked (no vault opened)");
    }
    say!("{}", v.summary);
    if let Some(problem) = &v.problem {
        say!("Found: {problem}");
    }
    for signature in &v.signatures {
        say!("{}", signature.description);
    }
    Ok(if v.contents_unchanged() {
        Answer::Yes
    } else {
        Answer::No
    })
}

/// `backup`: a verified, encrypted backup (over an older backup only with --replace).
fn backup(session: &mut Session, file: &Path, replace: bool) -> Result<()> {
    let report = if replace {
        session.backup_replacing(file)?
    } else {
        session.backup_to(file)?
    };
    say!(
        "Backup written and verified: {} ({} bytes, {} records, {} audit entries, SHA-256 {})",
        file.display(),
        report.bytes,
        report.records,
        report.audit_entries,
        report.sha256
    );
    Ok(())
}

/// `restore`: opens a backup with the recovery code (or this computer's passphrase), puts it
/// in the vault folder (an existing vault only with --replace and REPLACE typed), then asks for
/// a new passphrase.
fn restore(
    vault: &Vault,
    input: &mut Input,
    file: &Path,
    replace: bool,
    with_passphrase: bool,
) -> Result<()> {
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
        Some(code) => Opener::RecoveryCode(code),
        None => Opener::Passphrase(&secret),
    };
    let confirmation;
    let existing = if replace {
        confirmation = input.line("Type REPLACE to replace the vault on this computer: ")?;
        Existing::Replace {
            typed: confirmation.trim(),
        }
    } else {
        Existing::Refuse
    };
    let member = input.member_id(vault)?;
    let recovered = casebook::vault::backup::restore_with(vault, file, member, opener, existing)?;
    set_new_passphrase(recovered, input)?;
    say!(
        "Restored {} into {}; the new passphrase works on this computer.",
        file.display(),
        vault.paths().dir().display()
    );
    Ok(())
}

/// `retention list|delete`: records past their retention date, and their deletion.
fn retention(session: &mut Session, command: RetentionCommand) -> Result<()> {
    use casebook::records::retention;
    let today = chrono::Utc::now().date_naive();
    match command {
        RetentionCommand::List => {
            let due = retention::due(session.conn(), today)?;
            if due.is_empty() {
                say!("No record is past its retention date.");
            }
            for d in due {
                say!(
                    "{}  kept until {}  {}  people: {} ({} only in this record)",
                    d.reference,
                    d.retention_until,
                    d.category.label(),
                    d.people,
                    d.people_only_here
                );
            }
        }
        RetentionCommand::Delete { references, reason } => {
            let deleted = retention::delete(session, &references, &reason, today)?;
            for r in deleted.references {
                say!("Deleted {r}");
            }
            say!(
                "Deleted {} people recorded only in those records",
                deleted.people_deleted
            );
        }
    }
    Ok(())
}

/// `checklists list|validate|print`.
fn checklists(vault: &Vault, input: &mut Input, command: ChecklistsCommand) -> Result<Answer> {
    match command {
        ChecklistsCommand::List => {
            let library = Library::with_folder(&vault.paths().checklists());
            for t in library.templates() {
                let categories: Vec<&str> = t.categories.iter().map(|c| c.label()).collect();
                say!(
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
            Ok(Answer::Yes)
        }
        ChecklistsCommand::Validate { dir } => validate_checklists(vault, dir.as_deref()),
        ChecklistsCommand::Routes { id, dir, titles } => {
            checklist_routes(vault, &id, dir.as_deref(), titles)
        }
        ChecklistsCommand::Print { id, out } => {
            print_checklist(vault, input, &id, &out).map(|()| Answer::Yes)
        }
    }
}

/// `checklists validate`: every template read and checked; a "no" when any has a problem.
fn validate_checklists(vault: &Vault, dir: Option<&Path>) -> Result<Answer> {
    let (library, what) = match dir {
        Some(dir) if !dir.is_dir() => {
            return Err(Error::io(
                dir,
                std::io::Error::other("this is not a folder of checklist templates"),
            ))
        }
        Some(dir) => (Library::folder_only(dir), dir.display().to_string()),
        None => (
            Library::with_folder(&vault.paths().checklists()),
            "the shipped checklists and this vault's own".to_owned(),
        ),
    };
    let count = library.templates().count();
    for t in library.templates() {
        say!(
            "ok: {} version {} ({} steps)",
            t.id,
            t.version,
            t.steps.len()
        );
    }
    for p in library.problems() {
        say!("{p}");
    }
    if !library.problems().is_empty() {
        say!(
            "{} problem(s) in {what}; a template with a problem is not offered",
            library.problems().len()
        );
        Ok(Answer::No)
    } else if count == 0 {
        say!("No checklist templates (*.toml) in {what}.");
        Ok(Answer::No)
    } else {
        Ok(Answer::Yes)
    }
}

/// `checklists routes`: every route through one template, from the real engine.
fn checklist_routes(vault: &Vault, id: &str, dir: Option<&Path>, titles: bool) -> Result<Answer> {
    let library = match dir {
        Some(dir) if !dir.is_dir() => {
            return Err(Error::io(
                dir,
                std::io::Error::other("this is not a folder of checklist templates"),
            ))
        }
        Some(dir) => Library::folder_only(dir),
        None => Library::with_folder(&vault.paths().checklists()),
    };
    let Some(entry) = library.get(id) else {
        let problems: Vec<_> = library.problems().iter().collect();
        if problems.is_empty() {
            return Err(Error::NotFound {
                what: format!("The checklist \"{id}\""),
            });
        }
        // Most likely the template being edited has a problem: show what the validator says.
        for p in problems {
            say!("{p}");
        }
        say!("No valid checklist \"{id}\" to walk: fix the problems above first.");
        return Ok(Answer::No);
    };
    let t = &entry.template;
    let found = casebook::checklists::routes::enumerate(t);
    say!(
        "{} (version {}): {} route{}",
        t.id,
        t.version,
        found.routes.len(),
        if found.routes.len() == 1 { "" } else { "s" }
    );
    if !t.promises.is_empty() {
        let promised: Vec<&str> = t.promises.iter().map(|p| p.meaning()).collect();
        say!("It promises, on every route: {}.", promised.join("; "));
    }
    for (n, route) in found.routes.iter().enumerate() {
        say!();
        say!("Route {} (answers: {})", n + 1, route.describe_answers());
        if titles {
            for step in &route.steps {
                let title = t.step(step).map_or("", |s| s.title.as_str());
                say!("  {step:<28} {title}");
            }
        } else {
            say!("  {}", route.steps.join(" > "));
        }
    }
    if found.cut_off {
        say!();
        say!("The search stopped before trying every combination of answers: there may be more routes than these.");
        return Ok(Answer::No);
    }
    Ok(Answer::Yes)
}

/// `checklists print`: a blank paper copy with this vault's contacts, to a new file.
fn print_checklist(vault: &Vault, input: &mut Input, id: &str, out: &Path) -> Result<()> {
    let library = Library::with_folder(&vault.paths().checklists());
    let entry = library.get(id).ok_or_else(|| Error::NotFound {
        what: format!("The checklist \"{id}\""),
    })?;
    let (org, demo, contacts) = with_unlocked(vault, input, |s, _| {
        let org = casebook::organisation::current(s.conn())?;
        let demo = casebook::organisation::is_demo(s.conn())?;
        let contacts = casebook::checklists::contacts::current(s.conn(), &org.dsl_name)?;
        Ok((org, demo, contacts))
    })?;
    let pdf = casebook::checklists::paper::blank(
        &entry.template,
        &org.name,
        demo,
        &contacts,
        chrono::Utc::now(),
    )?;
    casebook::files::write_private_new(out, &pdf)?;
    say!("Wrote {}", out.display());
    Ok(())
}

/// Unlocks with the passphrase, remembering it for commands that check it again.
fn unlock(vault: &Vault, input: &mut Input) -> Result<Session> {
    let member = input.member_id(vault)?;
    let passphrase = input.secret("Passphrase: ")?;
    let unlocked = if input.open_older_copy {
        vault.unlock_older_copy(member, &passphrase)?
    } else {
        vault.unlock_as(member, &passphrase)?
    };
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
    /// `--open-older-copy` was given.
    open_older_copy: bool,
    /// `--member NAME`.
    member: Option<String>,
}

impl Input {
    fn new() -> Self {
        let stdin = std::io::stdin();
        Input {
            interactive: stdin.is_terminal(),
            lines: stdin.lock(),
            last_unlock: None,
            open_older_copy: false,
            member: None,
        }
    }

    /// The key-slot id of `--member NAME` (none given: the vault's only member).
    fn member_id(&self, vault: &Vault) -> Result<Option<uuid::Uuid>> {
        let Some(name) = &self.member else {
            return Ok(None);
        };
        vault
            .members()?
            .into_iter()
            .find(|m| m.name.eq_ignore_ascii_case(name.trim()))
            .map(|m| Some(m.id))
            .ok_or_else(|| {
                Error::field(
                    Field::Member,
                    &format!("nobody called \"{name}\" can unlock this vault: check the spelling against `members list`"),
                )
            })
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
            .map_err(|e| Error::io(Path::new("standard input"), e))?;
        if n == 0 {
            return Err(Error::field(
                Field::StandardInput,
                &format!(
                    "it ended before \"{}\" was given",
                    prompt.trim_end_matches([':', ' '])
                ),
            ));
        }
        Ok(buf.trim_end_matches(['\n', '\r']).to_owned())
    }

    fn secret(&mut self, prompt: &str) -> Result<Passphrase> {
        if self.interactive {
            let typed = rpassword::prompt_password(prompt)
                .map_err(|e| Error::io(Path::new("the terminal"), e))?;
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
