//! Casebook core: the encrypted vault and everything a Designated Safeguarding Lead's record
//! depends on. This crate has no Tauri or GUI dependency; the desktop shell (`src-tauri/`) and
//! the `casebook` command line are thin fronts over it.
//!
//! Layout:
//! - [`vault`]: creating, unlocking and locking the SQLCipher store, key slots, the device secret,
//!   failed-attempt throttling, schema migrations;
//! - [`audit`]: the append-only, hash-chained audit trail;
//! - [`secret`]: types for passphrases and keys that never print and are zeroed on drop;
//! - [`error`]: the error type, with messages written for a DSL.

pub mod audit;
pub mod demo;
pub mod error;
pub mod records;
pub mod secret;
pub mod vault;

pub use error::{Error, ErrorCode, Result};
