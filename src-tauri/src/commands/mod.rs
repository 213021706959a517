//! Tauri commands: thin adapters that call the core and map its errors. Grouped by feature.

pub mod checklists;
pub mod maintenance;
pub mod records;
pub mod referrals;
pub mod session;
pub mod setup;
