//! The Trends screen: a period's figures as they may be shown (the core's suppression rules
//! already applied), the signed report, the figures file for the trust, and a trust-wide
//! report combined from several schools' files.

use std::path::PathBuf;

use serde::Serialize;
use tauri::State;

use casebook::trends::{self, exchange, publish, publish::Report, PeriodChoice};
use casebook::vault::Session;

use crate::error::CommandResult;
use crate::files::save_made as save;
use crate::state::AppState;

fn report(s: &Session, choice: &PeriodChoice) -> casebook::Result<Report> {
    let today = casebook::time::uk_date(chrono::Utc::now());
    let compared = trends::compare(s.conn(), choice, today)?;
    let school = casebook::organisation::current(s.conn())?.name;
    publish::publish(&school, &compared)
}

/// The figures for the period chosen, beside the period before.
#[tauri::command]
#[specta::specta]
pub async fn trends(state: State<'_, AppState>, choice: PeriodChoice) -> CommandResult<Report> {
    state.with_session(|s| Ok(report(s, &choice)?))
}

/// Signs the report for the period and saves it as a PDF. `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_trends_report(
    window: tauri::Window,
    state: State<'_, AppState>,
    choice: PeriodChoice,
) -> CommandResult<Option<String>> {
    save(
        &window,
        &state,
        ("Save the trends report", "Casebook trends report.pdf"),
        ("PDF document", "pdf"),
        |s, write| {
            let r = report(s, &choice)?;
            trends::report_pdf::issue(s, &r, write).map(|_| ())
        },
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}

/// Saves the period's figures file for the trust (JSON). `None` when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_trends_figures(
    window: tauri::Window,
    state: State<'_, AppState>,
    choice: PeriodChoice,
) -> CommandResult<Option<String>> {
    save(
        &window,
        &state,
        ("Save figures for the trust", "Casebook trends figures.json"),
        ("Casebook figures file", "json"),
        |s, write| {
            let r = report(s, &choice)?;
            exchange::export(s, &r, write)
        },
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}

/// Several schools' figures, combined.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Combined {
    pub report: Report,
    /// The files it was made from, to sign it from the same files.
    pub files: Vec<String>,
}

fn combine(files: &[String]) -> casebook::Result<Report> {
    let mut reports = Vec::new();
    for f in files {
        let path = PathBuf::from(f);
        let name = path
            .file_name()
            .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
        reports.push((name, exchange::read(&path)?));
    }
    exchange::combine(&reports)
}

/// Asks for schools' figures files and combines them into one trust-wide report. `None` when
/// cancelled. Each file is read as a hostile file (exchange::read) before anything is shown.
#[tauri::command]
#[specta::specta]
pub async fn combine_trends(window: tauri::Window) -> CommandResult<Option<Combined>> {
    let Some(handles) = rfd::AsyncFileDialog::new()
        .set_parent(&window)
        .set_title("Combine schools' figures")
        .add_filter("Casebook figures file", &["json"])
        .pick_files()
        .await
    else {
        return Ok(None);
    };
    let files: Vec<String> = handles
        .iter()
        .map(|h| h.path().to_string_lossy().into_owned())
        .collect();
    let report = combine(&files)?;
    Ok(Some(Combined { report, files }))
}

/// Signs the trust-wide report made from `files` (read and checked again) and saves it.
#[tauri::command]
#[specta::specta]
pub async fn save_combined_report(
    window: tauri::Window,
    state: State<'_, AppState>,
    files: Vec<String>,
) -> CommandResult<Option<String>> {
    let r = combine(&files)?;
    save(
        &window,
        &state,
        ("Save the trends report", "Casebook trust trends report.pdf"),
        ("PDF document", "pdf"),
        |s, write| trends::report_pdf::issue(s, &r, write).map(|_| ()),
    )
    .await
    .map(|saved| saved.map(|(name, ())| name))
}
