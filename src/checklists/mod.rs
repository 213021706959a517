//! Step-by-step response checklists.
//!
//! - [`template`]: the TOML template format and its validator (file, step and line in every
//!   message);
//! - [`library`]: the shipped templates plus the organisation's own, valid ones only;
//! - [`engine`]: runs on incidents, answers as versions, deterministic branching, finishing
//!   into the chronology;
//! - [`contacts`]: the organisation's contacts shown inline in the steps;
//! - [`paper`]: a printable blank copy of a template, for off-line use;
//! - [`routes`]: every route through a template, and the promises it keeps on all of them.

pub mod contacts;
pub mod engine;
pub mod library;
pub mod paper;
pub mod routes;
pub mod template;

pub use engine::{Answer, RunState, RunSummary, StepAnswer};
pub use library::Library;
pub use template::{StepKind, Template, TemplateError};
