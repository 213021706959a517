//! The error every command returns: the core's stable code, its user-facing message, every
//! invalid field by its stable key, and how long to wait when unlocking is throttled, so the UI
//! can branch and place errors without ever parsing text.

use casebook::{ErrorCode, FieldError};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// Each invalid field of a form, all at once (empty for other errors).
    pub fields: Vec<FieldError>,
    /// Seconds before another unlock may be tried (`too_many_attempts` only).
    pub wait_seconds: Option<u32>,
}

impl From<casebook::Error> for CommandError {
    fn from(e: casebook::Error) -> Self {
        CommandError {
            code: e.code(),
            message: e.to_string(),
            fields: e.fields(),
            wait_seconds: e
                .wait_seconds()
                .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
        }
    }
}

impl CommandError {
    /// The vault must be unlocked for this.
    pub fn locked() -> Self {
        casebook::Error::Locked.into()
    }
}

pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_vault_has_its_own_code() {
        let e = CommandError::locked();
        assert_eq!(e.code, ErrorCode::Locked);
        assert!(e.fields.is_empty());
    }

    #[test]
    fn a_throttled_unlock_says_how_long_to_wait_as_a_number() {
        let e = CommandError::from(casebook::Error::TooManyAttempts { wait_seconds: 42 });
        assert_eq!(e.wait_seconds, Some(42));
    }
}
