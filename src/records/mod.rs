//! The records a DSL keeps: people, incidents, chronology, evidence notes and custody.
//!
//! One module owns each table. Every record is a stable row plus append-only versions; every
//! create and amend is one transaction with its audit entry; every text passes through
//! [`fields`] and so through the [`no_images`] guard.

pub mod chronology;
pub mod evidence;
pub mod fields;
pub mod incidents;
pub mod no_images;
pub mod people;
pub mod search;
