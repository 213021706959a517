//! A child's file leaves safely (issue 18): one person's whole record, out of the vault,
//! complete, signed, and no more than it should carry.
//!
//! - [`file`]: the record as it leaves, in Casebook's exchange format, with the redaction the
//!   DSL chose applied to every text and each redaction listed for review;
//! - [`render`]: that file as a signed PDF, in the referral summaries' text-only layout;
//! - [`package`]: the encrypted, signed transfer package and its receipt, and their checks;
//! - [`transfer`]: a child protection file transfer, sending and receiving;
//! - [`subject_access`]: the redacted, signed response to a subject access request.
//!
//! Layer 6: above the referral (signing), the incident record and the records.

pub mod file;
pub mod package;
pub mod render;
pub mod subject_access;
pub mod transfer;
