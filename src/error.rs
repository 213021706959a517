//! One error type for the core, whose `Display` is a sentence a DSL can act on.
//!
//! Raw SQLite, I/O or crypto messages never reach the user: they are mapped here to a plain
//! statement of what happened and what to do. Each variant also has a stable [`ErrorCode`] so
//! the UI can react (e.g. switch to the recovery-code tab) without matching on text.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Result type of the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Stable, machine-readable error codes for fronts (UI, CLI, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    WrongPassphrase,
    WrongRecoveryCode,
    MalformedRecoveryCode,
    NotThisComputer,
    KeyringUnavailable,
    TooManyAttempts,
    WeakPassphrase,
    PassphrasesDiffer,
    InvalidInput,
    ImageRefused,
    NotFound,
    VaultExists,
    NoVault,
    NewerSchema,
    DamagedKeyFile,
    DamagedDatabase,
    DamagedBackup,
    DiskFull,
    Io,
    Storage,
    Internal,
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

    #[error("{field}: {message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },

    /// Text that is or carries an image: refused, nothing saved.
    #[error("{field}: {message}")]
    ImageRefused {
        field: &'static str,
        message: String,
    },

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

    #[error("The vault database {} is damaged or is not a Casebook vault. It was not changed. Restore it from a backup, or ask for help.", .path.display())]
    DamagedDatabase { path: PathBuf },

    #[error("The backup file {} cannot be used ({detail}). It was not changed. Try another backup copy.", .path.display())]
    DamagedBackup { path: PathBuf, detail: String },

    #[error("The disk is full: nothing was saved. Free some space and try again.")]
    DiskFull,

    #[error("Casebook could not read or write {}: {detail}", .path.display())]
    Io { path: PathBuf, detail: String },

    #[error(
        "Casebook could not read or write the vault (storage error {code}). Nothing was changed."
    )]
    Storage { code: i32 },

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
            Error::InvalidInput { .. } => ErrorCode::InvalidInput,
            Error::ImageRefused { .. } => ErrorCode::ImageRefused,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::VaultExists { .. } => ErrorCode::VaultExists,
            Error::NoVault { .. } => ErrorCode::NoVault,
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::DamagedKeyFile { .. } => ErrorCode::DamagedKeyFile,
            Error::DamagedDatabase { .. } => ErrorCode::DamagedDatabase,
            Error::DamagedBackup { .. } => ErrorCode::DamagedBackup,
            Error::DiskFull => ErrorCode::DiskFull,
            Error::Io { .. } => ErrorCode::Io,
            Error::Storage { .. } => ErrorCode::Storage,
            Error::Internal(_) => ErrorCode::Internal,
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
        use rusqlite::ffi::ErrorCode as C;
        match err.sqlite_error_code() {
            Some(C::DiskFull) => Error::DiskFull,
            Some(C::NotADatabase) | Some(C::DatabaseCorrupt) => Error::DamagedDatabase {
                path: path.to_path_buf(),
            },
            _ => Error::Storage {
                code: match &err {
                    rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
                    _ => -1,
                },
            },
        }
    }
}

/// An I/O error in words a DSL understands (the raw text names scratch files and errno codes).
fn plain_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
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
