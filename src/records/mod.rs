//! The records a DSL keeps: people and how they are related, incidents, chronology, evidence
//! notes and custody, what the family knows and agreed, who was told what, and the
//! organisation's local practice (closure days, retention period).
//!
//! One module owns each table. Every record is a stable row plus append-only versions; every
//! create and amend is one transaction with its audit entry; every text passes through
//! [`fields`] and so through the [`no_images`] guard.

pub mod actions;
pub mod answers;
pub mod chronology;
pub mod drafts;
pub mod evidence;
pub mod family;
pub mod fields;
pub mod first_account;
pub mod incidents;
pub mod local_practice;
/// The no-images guard lives in the foundation layer (the organisation's names pass it too).
pub use crate::no_images;
pub mod people;
pub mod person_file;
pub mod relationships;
pub mod retention;
pub mod search;
pub mod sharing;
pub mod subject_access;
pub mod transfers;

/// The id of a record (a row of `people`, `incidents`, …) or a version number. SQLite row ids
/// are 64-bit, but a vault will never hold four billion of anything, and 32 bits cross into
/// the UI's JavaScript numbers exactly.
pub type RecordId = u32;

/// The id of the row just inserted.
pub(crate) fn last_id(tx: &rusqlite::Connection) -> crate::Result<RecordId> {
    RecordId::try_from(tx.last_insert_rowid())
        .map_err(|_| crate::Error::Internal("record id out of range".into()))
}
