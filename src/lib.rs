//! Casebook core: the encrypted vault and everything a Designated Safeguarding Lead's record
//! depends on. This crate has no Tauri or GUI dependency; the desktop shell (`src-tauri/`) and
//! the `casebook` command line are thin fronts over it.
//!
//! Layout:
//! - [`vault`]: creating, unlocking and locking the SQLCipher store, key slots, the device secret,
//!   failed-attempt throttling, schema migrations;
//! - [`records`]: people, incidents, chronology, evidence and custody, search;
//! - [`checklists`]: response checklist templates, their validator, and the run engine;
//! - [`audit`]: the append-only, hash-chained audit trail;
//! - [`secret`]: types for passphrases and keys that never print and are zeroed on drop;
//! - [`error`]: the error type, with messages written for a DSL.

/// Generates an enum stored as snake_case text, with its labels for people. Defined before the
/// modules so each of them can use it.
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            /// How it is written for people (screens, PDFs).
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

pub mod audit;
pub mod checklists;
pub mod demo;
pub mod error;
pub mod pdf;
pub mod records;
pub mod referral;
pub mod secret;
pub mod vault;

pub use error::{Error, ErrorCode, Result};
