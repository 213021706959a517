//! The error every command returns: the core's stable code and its user-facing message, so the
//! UI can branch on `code` and show `message` without ever parsing text.

use casebook::ErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<casebook::Error> for CommandError {
    fn from(e: casebook::Error) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    /// The vault must be unlocked for this.
    pub fn locked() -> Self {
        CommandError {
            code: ErrorCode::InvalidInput,
            message: "The vault is locked. Unlock it to continue.".into(),
        }
    }
}

/// A file the DSL chose could not be read or written (save dialogs, printing, checking a PDF).
impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> Self {
        CommandError {
            code: ErrorCode::Io,
            message: format!("That file could not be read or written ({e})."),
        }
    }
}

pub type CommandResult<T> = Result<T, CommandError>;
