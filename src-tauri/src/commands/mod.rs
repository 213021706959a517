//! Tauri commands: thin adapters that call the core and map its errors. Grouped by feature.
//!
//! To add a command:
//! 1. write it here, in its feature's file: `#[tauri::command] #[specta::specta] pub async fn`,
//!    a few lines that call the core (`state.with_session(|s| Ok(core::call(s, …)?))`); rules
//!    belong in the core, not here;
//! 2. register it in `collect_commands!` in `main.rs`;
//! 3. add its name to `src-tauri/commands.txt` (the registry: build.rs makes its permission);
//! 4. allow it in `tauri.conf.json`'s capability as `allow-<name-with-dashes>`;
//! 5. regenerate the UI's bindings: `CASEBOOK_WRITE_BINDINGS=1 cargo test -p casebook-desktop
//!    bindings`. `cargo test -p casebook-desktop` fails while steps 2 to 4 disagree.

pub mod checklists;
pub mod family;
pub mod maintenance;
pub mod records;
pub mod referrals;
pub mod session;
pub mod setup;
pub mod subject_access;
pub mod team;
pub mod time;
pub mod transfers;
pub mod trends;
