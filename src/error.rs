//! One error type for the core, whose `Display` is a sentence a DSL can act on.
//!
//! Raw SQLite, I/O or crypto messages never reach the user: they are mapped here to a plain
//! statement of what happened and what to do. Each variant also has a stable [`ErrorCode`] so
//! the UI can react (e.g. switch to the recovery-code tab) without matching on text.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable error codes for fronts (UI, CLI, tests). Each says what happened
/// and whether trying the same thing again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The passphrase did not open the vault. Retry: yes, with the right passphrase.
    WrongPassphrase,
    /// The recovery code did not open the vault. Retry: yes, after checking the printed code.
    WrongRecoveryCode,
    /// What was typed is not shaped like a recovery code. Retry: yes, after correcting it.
    MalformedRecoveryCode,
    /// This computer's keyring lacks the vault's device secret. Retry: no; use the recovery code.
    NotThisComputer,
    /// The OS keyring did not answer. Retry: after the keyring is unlocked; else the recovery code.
    KeyringUnavailable,
    /// Too many failed unlocks. Retry: yes, after `wait_seconds`.
    TooManyAttempts,
    /// The new passphrase is too easy to guess. Retry: yes, with a stronger one.
    WeakPassphrase,
    /// The passphrase and its confirmation differ. Retry: yes, typing both alike.
    PassphrasesDiffer,
    /// One or more fields are invalid (listed with their keys). Retry: yes, after correcting them.
    InvalidInput,
    /// A field holds or carries an image; nothing was saved. Retry: yes, without the image.
    ImageRefused,
    /// The record asked for does not exist. Retry: no (check the reference).
    NotFound,
    /// Set-up found a vault already there. Retry: no; unlock it instead.
    VaultExists,
    /// No vault in that folder. Retry: no; set one up or choose another folder.
    NoVault,
    /// The vault is locked, so the action needs an unlock first. Retry: yes, after unlocking.
    Locked,
    /// The database is older than the one this computer last opened (a copy put back?). Retry:
    /// only deliberately, with "open this older copy", which is recorded.
    OlderCopy,
    /// The vault was written by a newer Casebook. Retry: no; install the newer version.
    NewerSchema,
    /// The key-slot file is damaged. Retry: no; restore from a backup.
    DamagedKeyFile,
    /// The database file is damaged or not a vault. Retry: no; restore from a backup.
    DamagedDatabase,
    /// A backup file is damaged or not a backup. Retry: no; use another copy.
    DamagedBackup,
    /// A trends figures file is damaged, edited, newer or not one. Retry: no; ask the school
    /// for a new copy.
    BadTrendsFile,
    /// A transfer package or receipt cannot be used: damaged, forged, for someone else, the
    /// wrong transfer code, or already imported. Retry: no (yes with the right code); ask the
    /// sending school for a new copy.
    BadTransferFile,
    /// The disk is full; nothing was saved. Retry: yes, after freeing space.
    DiskFull,
    /// A file could not be read or written. Retry: perhaps (a removed disk, a permission).
    Io,
    /// SQLite failed for another reason; nothing was changed. Retry: perhaps, once.
    Storage,
    /// Not possible on this computer (e.g. printing without a private runtime folder).
    /// Retry: no; do what the message suggests instead.
    Unavailable,
    /// Demo data was asked for in a vault that is not a demo vault. Retry: no; make a demo
    /// vault for it.
    NotADemoVault,
    /// A fault inside Casebook (a bug). Retry: unlikely to help; report it.
    Internal,
}

impl ErrorCode {
    /// Whether trying the same action again (after doing what the message says) can succeed.
    pub fn retry_can_help(self) -> bool {
        use ErrorCode as C;
        !matches!(
            self,
            C::NotThisComputer
                | C::NotFound
                | C::VaultExists
                | C::NoVault
                | C::NewerSchema
                | C::DamagedKeyFile
                | C::DamagedDatabase
                | C::DamagedBackup
                | C::BadTrendsFile
                | C::BadTransferFile
                | C::Unavailable
                | C::NotADemoVault
                | C::Internal
        )
    }
}

text_enum! {
    /// The field of a form that a [`FieldError`] is about: a stable key shared with the UI
    /// through the bindings (the name of the input struct's field where there is one), never an
    /// English label. `label()` is how the field is named in messages.
    Field {
        Organisation = "organisation", "Organisation name";
        DslName = "dsl_name", "DSL's name";
        Passphrase = "passphrase", "New passphrase";
        Confirm = "confirm", "The same passphrase again";
        RecoveryCode = "recovery_code", "Recovery code";
        IdleLockMinutes = "idle_lock_minutes", "Lock after";
        BackupReminderDays = "backup_reminder_days", "Backup reminder";
        BackupFile = "backup_file", "Backup file";
        Confirmation = "confirmation", "Confirmation";
        Pdf = "pdf", "PDF";
        StandardInput = "standard_input", "Standard input";
        ReportedAt = "reported_at", "Reported";
        OccurredAt = "occurred_at", "Happened";
        At = "at", "When";
        ReportedBy = "reported_by", "Reported by";
        Category = "category", "Category";
        FourCs = "four_cs", "The 4 Cs";
        Status = "status", "Status";
        Risk = "risk", "Risk";
        Summary = "summary", "What happened";
        ChildsWords = "childs_words", "The child's own words";
        Outcome = "outcome", "Outcome";
        FullName = "full_name", "Name";
        ClassYear = "class_year", "Class or year";
        DateOfBirth = "date_of_birth", "Date of birth";
        Kind = "kind", "Kind of entry";
        Text = "text", "What";
        Reason = "reason", "Reason";
        ActionOwner = "action_owner", "Who will do it";
        ActionDue = "action_due", "Due by";
        Agency = "agency", "Agency";
        AgencyPerson = "agency_person", "Who you spoke to";
        AgencyOutcome = "agency_outcome", "Outcome";
        AgencyReference = "agency_reference", "Their reference";
        Description = "description", "What was reported or seen";
        Urls = "urls", "Web addresses";
        Device = "device", "Device";
        DeviceLocation = "device_location", "Where the device is";
        HeldBy = "held_by", "Who holds it";
        Event = "event", "What happened to it";
        ByWhom = "by_whom", "Who";
        BagNumber = "bag_number", "Bag or seal number";
        Location = "location", "Where it is kept";
        Recipient = "recipient", "Handed to";
        CollarNumber = "collar_number", "Collar number";
        Note = "note", "Note";
        ActionState = "action_state", "State of the action";
        AnswerDue = "answer_due", "Answer expected by";
        Answer = "answer", "Answer";
        ChosenOption = "chosen_option", "Decision";
        Person = "person", "Who you spoke to";
        Reference = "reference", "Their reference";
        Steps = "steps", "Finish";
        Name = "name", "Contact name";
        Details = "details", "Contact details";
        Phone = "phone", "Phone number";
        Records = "records", "Records";
        Form = "form", "Form";
        Draft = "draft", "Draft";
        OtherNames = "other_names", "Other names known by";
        Gender = "gender", "Gender or sex";
        Ethnicity = "ethnicity", "Ethnicity";
        Address = "address", "Address";
        SecureEmail = "secure_email", "Secure e-mail";
        FirstLanguage = "first_language", "First language";
        CommunicationNeeds = "communication_needs", "Communication support";
        YearGroup = "year_group", "Year group";
        Send = "send", "SEND";
        Statuses = "statuses", "Status with services";
        SocialWorker = "social_worker", "Social worker";
        Agencies = "agencies", "Other agencies involved";
        StaffRole = "staff_role", "Role";
        Employer = "employer", "Employer";
        SupplyAgency = "supply_agency", "Supply agency";
        StartDate = "start_date", "Start date";
        Relationship = "relationship", "Relationship";
        WhoWasTold = "who_was_told", "Who was told";
        ToldBy = "told_by", "Told by";
        How = "how", "How";
        ReasonNot = "reason_not", "Why not";
        GivenBy = "given_by", "Given by";
        Covers = "covers", "What it covers";
        RecipientName = "recipient_name", "Name";
        RecipientOrganisation = "recipient_organisation", "Organisation";
        RecipientRole = "recipient_role", "Role";
        People = "people", "About whom";
        What = "what", "What was shared";
        Article6 = "article6", "Lawful basis (UK GDPR Article 6)";
        Article9 = "article9", "Condition for special category data (Article 9)";
        ReceivedBy = "received_by", "Received by";
        ReceivedRole = "received_role", "Their role";
        NoteLocation = "note_location", "Where the original note is kept";
        FirstDay = "first_day", "First day";
        LastDay = "last_day", "Last day";
        Label = "label", "What it is";
        ChildYears = "child_years", "Years after the date of birth";
        Member = "member", "Who you are";
        MemberName = "member_name", "Name";
        MemberRole = "member_role", "Role";
        RoleTitle = "role_title", "Role as your organisation names it";
        Urn = "urn", "URN";
        ReferrerContact = "referrer_contact", "Your contact details";
        Asks = "asks", "What you ask them to do";
        ChildsViews = "childs_views", "The child's views and wishes";
        WhereChildIs = "where_child_is", "Where the child is now";
        NotForFamily = "not_for_family", "Not to be shared with the family";
        AlsoName = "also_name", "Others to name";
        ParentsKnow = "parents_know", "Whether the parents or carers know of this referral";
        ParentsKnowWhyNot = "parents_know_why_not", "Why the parents or carers have not been told";
        Consent = "consent", "Consent to share";
        ConsentBy = "consent_by", "Who gave consent";
        ConsentNote = "consent_note", "Why you are sharing without consent";
        HarmCriteria = "harm_criteria", "Which harm criteria apply";
        AdultKnows = "adult_knows", "Whether the adult knows of this referral";
        AdultKnowsNote = "adult_knows_note", "Why the adult has not been told";
        PreviousConcerns = "previous_concerns", "Previous concerns about the adult";
        ActionsTaken = "actions_taken", "What has been done about the adult";
        OtherWork = "other_work", "The adult's other work with children";
        OwnChildren = "own_children", "The adult's own children";
        ConfirmsCall = "confirms_call", "The phone call this confirms";
        LeaveOut = "leave_out", "Details to leave out";
        ClockChoice = "clock_choice", "Before or after the clocks went back";
        ReportedFrom = "reported_from", "Reported from";
        ReportedTo = "reported_to", "Reported to";
        PeriodFirst = "period_first", "First day";
        PeriodLast = "period_last", "Last day";
        TrendsFile = "trends_file", "Figures file";
        Destination = "destination", "The school or college the child is moving to";
        DestinationDsl = "destination_dsl", "Their designated safeguarding lead";
        DestinationContact = "destination_contact", "Their phone or secure e-mail";
        MovedOn = "moved_on", "The day the child left, or starts the new term";
        TransferCode = "transfer_code", "Transfer code";
        TransferKey = "transfer_key", "The receiving school's Casebook key";
        ConfirmedBy = "confirmed_by", "Who confirmed receipt";
        AttachTo = "attach_to", "Which child this file is about";
        Transfer = "transfer", "This transfer";
        Requester = "requester", "Who asked";
        IdentityChecked = "identity_checked", "How their identity was checked";
        ReceivedOn = "received_on", "The day the request was received";
        Part = "part", "The part to withhold";
        Months = "months", "Months after receipt is confirmed";
    }
}

/// One invalid field: its key, and the sentence to show beside it ("What happened: please fill this in").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    /// The field was refused because it holds or carries an image (nothing was saved).
    pub image: bool,
}

impl FieldError {
    pub fn new(field: Field, problem: &str) -> Self {
        FieldError {
            field,
            message: format!("{}: {problem}", field.label()),
            image: false,
        }
    }
}

/// Collects every field problem of a form, so one save reports them all at once.
///
/// ```ignore
/// let mut form = Form::default();
/// let summary = form.check(fields::required_text(Field::Summary, &input.summary, LONG));
/// form.finish()?; // Err(Error::Invalid(all the problems)) if there were any
/// ```
#[derive(Debug, Default)]
pub struct Form {
    problems: Vec<FieldError>,
    other: Option<Error>,
}

impl Form {
    /// Keeps `result`'s value, or records its field problems and returns a placeholder that
    /// [`Form::finish`] never lets anyone use.
    pub fn check<T: Default>(&mut self, result: Result<T>) -> T {
        match result {
            Ok(v) => v,
            Err(e) => {
                self.add(e);
                T::default()
            }
        }
    }

    /// Records an error (field problems are gathered; any other error is kept for `finish`).
    pub fn add(&mut self, error: Error) {
        match error {
            Error::Invalid(mut fields) => self.problems.append(&mut fields),
            other => {
                self.other.get_or_insert(other);
            }
        }
    }

    /// Whether nothing has been found wrong so far.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty() && self.other.is_none()
    }

    /// Whether `field` already has a problem (so a later rule about it adds nothing).
    pub fn has(&self, field: Field) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }

    /// `Ok` when every field was valid; else every problem at once.
    pub fn finish(self) -> Result<()> {
        if let Some(e) = self.other {
            return Err(e);
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.problems))
        }
    }
}

/// Everything that can go wrong in the core, phrased for the person at the keyboard.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "That passphrase does not open this vault. Check that Caps Lock is off and try again."
    )]
    WrongPassphrase,

    #[error("That recovery code does not open this vault. Check each group of characters against your printed copy and try again.")]
    WrongRecoveryCode,

    #[error("That is not a recovery code: a recovery code has 32 letters and digits, printed in 8 groups of 4 (for example 7KQ2-M9XD-…).")]
    MalformedRecoveryCode,

    #[error("This vault was made on another computer: unlock it with your recovery code.")]
    NotThisComputer,

    #[error("This computer's keyring, where Casebook keeps the key that ties the vault to this computer, is not available ({detail}). You can still unlock with your recovery code.")]
    KeyringUnavailable { detail: String },

    #[error("Too many wrong attempts. Wait {wait_seconds} seconds before trying again.")]
    TooManyAttempts { wait_seconds: u64 },

    #[error("{reason}")]
    WeakPassphrase { reason: String },

    #[error("The two passphrases you typed are not the same.")]
    PassphrasesDiffer,

    /// One or more fields of a form are invalid (or carry an image): nothing was saved.
    #[error("{}", describe_fields(.0))]
    Invalid(Vec<FieldError>),

    #[error("{what} was not found. It may have been mistyped.")]
    NotFound { what: String },

    #[error("There is already a vault in {}. Casebook will not replace it.", .path.display())]
    VaultExists { path: PathBuf },

    #[error("No vault was found in {}. Set one up first.", .path.display())]
    NoVault { path: PathBuf },

    #[error("This vault was saved by a newer version of Casebook (schema {found}; this version understands up to {supported}). Install the newer Casebook to open it; the vault was not changed.")]
    NewerSchema { found: i64, supported: i64 },

    #[error("The key file {} is damaged or is not a Casebook key file ({detail}). It was not changed. Restore it from a backup, or ask for help.", .path.display())]
    DamagedKeyFile { path: PathBuf, detail: String },

    #[error("The vault is locked. Unlock it to continue.")]
    Locked,

    #[error("This vault's database is older than the one last opened on this computer: {why}. Someone may have put back an older copy of the vault. Nothing was changed. If you restored an older copy on purpose, open it anyway (\"Open this older copy\" on the unlock screen, or casebook --open-older-copy); that is recorded in the audit trail.")]
    OlderCopy { why: String },

    #[error("The vault database{} is damaged or is not a Casebook vault. It was not changed. Restore it from a backup, or ask for help.", .path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    DamagedDatabase { path: Option<PathBuf> },

    #[error("The backup file {} cannot be used ({detail}). It was not changed. Try another backup copy.", .path.display())]
    DamagedBackup { path: PathBuf, detail: String },

    #[error("The figures file {} cannot be used: {detail}. Nothing was changed. Ask the school for a new copy.", .path.display())]
    BadTrendsFile { path: PathBuf, detail: String },

    #[error("{} cannot be used: {detail}. Nothing was changed.", .path.display())]
    BadTransferFile { path: PathBuf, detail: String },

    #[error("The disk is full: nothing was saved. Free some space and try again.")]
    DiskFull,

    #[error("Casebook could not read or write {}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },

    #[error(
        "Casebook could not read or write the vault (storage error {code}). Nothing was changed."
    )]
    Storage {
        code: i32,
        /// SQLite's own words, for a developer reading a test failure or a support report
        /// (`{:?}`); never shown to the DSL. SQLite's messages name tables, columns and
        /// constraints, never a value that was bound or stored.
        sqlite: String,
    },

    /// A referral was signed and recorded, but its PDF was not saved or printed.
    #[error("The referral was signed and recorded as issued, but {failed}. {problem} {noted}Try again; each PDF made is recorded.")]
    NotDelivered {
        /// The code of what went wrong with the file.
        cause: ErrorCode,
        failed: &'static str,
        problem: String,
        noted: &'static str,
    },

    /// What was asked cannot be done on this computer; the message says what to do instead.
    #[error("{0}")]
    Unavailable(String),

    /// Demo data asked for in a vault that is not a demo vault (which may hold real records).
    #[error("Demo data goes only into a demo vault, never beside real records, so nothing was added. Make a separate demo vault (casebook --vault FOLDER init --demo) and fill that.")]
    NotADemoVault,

    #[error("Something unexpected went wrong inside Casebook ({0}). Nothing was changed.")]
    Internal(String),
}

impl Error {
    /// The stable code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::WrongPassphrase => ErrorCode::WrongPassphrase,
            Error::WrongRecoveryCode => ErrorCode::WrongRecoveryCode,
            Error::MalformedRecoveryCode => ErrorCode::MalformedRecoveryCode,
            Error::NotThisComputer => ErrorCode::NotThisComputer,
            Error::KeyringUnavailable { .. } => ErrorCode::KeyringUnavailable,
            Error::TooManyAttempts { .. } => ErrorCode::TooManyAttempts,
            Error::WeakPassphrase { .. } => ErrorCode::WeakPassphrase,
            Error::PassphrasesDiffer => ErrorCode::PassphrasesDiffer,
            Error::Invalid(fields) if fields.iter().any(|f| f.image) => ErrorCode::ImageRefused,
            Error::Invalid(_) => ErrorCode::InvalidInput,
            Error::Locked => ErrorCode::Locked,
            Error::OlderCopy { .. } => ErrorCode::OlderCopy,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::VaultExists { .. } => ErrorCode::VaultExists,
            Error::NoVault { .. } => ErrorCode::NoVault,
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::DamagedKeyFile { .. } => ErrorCode::DamagedKeyFile,
            Error::DamagedDatabase { .. } => ErrorCode::DamagedDatabase,
            Error::DamagedBackup { .. } => ErrorCode::DamagedBackup,
            Error::BadTrendsFile { .. } => ErrorCode::BadTrendsFile,
            Error::BadTransferFile { .. } => ErrorCode::BadTransferFile,
            Error::DiskFull => ErrorCode::DiskFull,
            Error::Io { .. } => ErrorCode::Io,
            Error::Storage { .. } => ErrorCode::Storage,
            Error::NotDelivered { cause, .. } => *cause,
            Error::Unavailable(_) => ErrorCode::Unavailable,
            Error::NotADemoVault => ErrorCode::NotADemoVault,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// One invalid field.
    pub fn field(field: Field, problem: &str) -> Self {
        Error::Invalid(vec![FieldError::new(field, problem)])
    }

    /// A field refused because it holds or carries an image.
    pub fn image(field: Field, problem: &str) -> Self {
        Error::Invalid(vec![FieldError {
            image: true,
            ..FieldError::new(field, problem)
        }])
    }

    /// Names the database file in a "damaged database" error raised without it.
    pub fn in_file(self, db: &Path) -> Self {
        match self {
            Error::DamagedDatabase { path: None } => Error::DamagedDatabase {
                path: Some(db.to_path_buf()),
            },
            other => other,
        }
    }

    /// The fields this error is about, each with the sentence to show beside it (a new
    /// passphrase that is too weak, or a confirmation that differs, is a field error too).
    pub fn fields(&self) -> Vec<FieldError> {
        match self {
            Error::Invalid(fields) => fields.clone(),
            Error::WeakPassphrase { reason } => vec![FieldError {
                field: Field::Passphrase,
                message: reason.clone(),
                image: false,
            }],
            Error::PassphrasesDiffer => vec![FieldError {
                field: Field::Confirm,
                message: self.to_string(),
                image: false,
            }],
            _ => Vec::new(),
        }
    }

    /// How many seconds to wait before another unlock may be tried, when that is the problem.
    pub fn wait_seconds(&self) -> Option<u64> {
        match self {
            Error::TooManyAttempts { wait_seconds } => Some(*wait_seconds),
            _ => None,
        }
    }

    /// An I/O error on `path`, with "no space left" recognised as [`Error::DiskFull`].
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        if is_disk_full(&err) {
            return Error::DiskFull;
        }
        Error::Io {
            path: path.to_path_buf(),
            detail: plain_io(&err),
        }
    }

    /// Maps a SQLite error on the database at `path`. The raw SQLite text is not kept: only its
    /// numeric code, which helps support without showing the DSL a developer's message.
    pub fn sqlite(path: &Path, err: rusqlite::Error) -> Self {
        from_sqlite(Some(path), err)
    }
}

/// The one mapping of SQLite errors to ours: a full disk, a damaged file, or a storage error by
/// code (the transaction is rolled back, so nothing was changed). `?` uses it too.
impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        from_sqlite(None, err)
    }
}

fn from_sqlite(path: Option<&Path>, err: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    match err.sqlite_error_code() {
        Some(C::DiskFull) => Error::DiskFull,
        Some(C::NotADatabase) | Some(C::DatabaseCorrupt) => Error::DamagedDatabase {
            path: path.map(Path::to_path_buf),
        },
        _ => Error::Storage {
            code: match &err {
                rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
                _ => -1,
            },
            sqlite: match &err {
                rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
                // Other kinds can quote a stored value (a conversion error does): name the
                // kind only.
                rusqlite::Error::SqliteFailure(_, None) => String::new(),
                rusqlite::Error::QueryReturnedNoRows => "query returned no rows".into(),
                rusqlite::Error::InvalidColumnType(..) => "invalid column type".into(),
                rusqlite::Error::FromSqlConversionFailure(..) => "conversion failure".into(),
                rusqlite::Error::InvalidQuery => "invalid query".into(),
                rusqlite::Error::InvalidParameterCount(given, wanted) => {
                    format!("{given} parameters given, {wanted} wanted")
                }
                rusqlite::Error::InvalidColumnIndex(i) => format!("no column {i}"),
                rusqlite::Error::InvalidColumnName(name) => format!("no column {name}"),
                rusqlite::Error::IntegralValueOutOfRange(i, _) => {
                    format!("column {i} out of range")
                }
                rusqlite::Error::ExecuteReturnedResults => "execute returned results".into(),
                rusqlite::Error::MultipleStatement => "several statements".into(),
                rusqlite::Error::SqlInputError { msg, offset, .. } => {
                    format!("{msg} (at {offset} in the statement)")
                }
                _ => "other rusqlite error".into(),
            },
        },
    }
}

/// "What happened: please fill this in" or, for several, each on its own line.
fn describe_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// An I/O error in words a DSL understands (the raw text names scratch files and errno codes).
fn plain_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // Casebook's own refusals (a device, a file too large) carry their words.
    if let (K::InvalidInput | K::FileTooLarge, Some(inner)) = (err.kind(), err.get_ref()) {
        return inner.to_string();
    }
    match err.kind() {
        K::NotFound => {
            "the folder or file is not there, or that place does not take new files".into()
        }
        K::PermissionDenied => {
            "this computer does not allow Casebook to write or read there".into()
        }
        K::ReadOnlyFilesystem => "that disk is read-only".into(),
        K::AlreadyExists => "a file with that name is already there".into(),
        K::IsADirectory => "that is a folder, not a file".into(),
        K::UnexpectedEof => "the file ends too soon".into(),
        K::InvalidData | K::InvalidInput => "the file could not be read as expected".into(),
        _ => match err.raw_os_error() {
            // EIO, ENXIO, ENODEV: typically a USB stick pulled out or failing.
            Some(5 | 6 | 19) => "the disk stopped answering (was it removed?)".into(),
            _ => err.to_string(),
        },
    }
}

fn is_disk_full(err: &std::io::Error) -> bool {
    // ENOSPC (28) and EDQUOT (122) on Linux; `StorageFull` where std recognises it.
    err.kind() == std::io::ErrorKind::StorageFull || matches!(err.raw_os_error(), Some(28 | 122))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error as IoError, ErrorKind};

    #[test]
    fn file_errors_name_the_file_in_plain_words() {
        let path = Path::new("/media/usb/referral.pdf");
        let e = Error::io(path, IoError::from_raw_os_error(2));
        let said = e.to_string();
        assert!(said.contains("/media/usb/referral.pdf"), "{said}");
        assert!(said.contains("is not there"), "{said}");
        assert!(!said.contains("os error"), "{said}");
        assert_eq!(e.code(), ErrorCode::Io);
        let e = Error::io(path, IoError::from_raw_os_error(5));
        assert!(e.to_string().contains("was it removed"), "{e}");
        let e = Error::io(path, IoError::from(ErrorKind::PermissionDenied));
        assert!(e.to_string().contains("does not allow"), "{e}");
        // A full disk is its own error, with its own advice.
        assert_eq!(
            Error::io(path, IoError::from_raw_os_error(28)).code(),
            ErrorCode::DiskFull
        );
    }
}
