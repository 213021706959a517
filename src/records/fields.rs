//! Checks every text field goes through before it is stored: length, line breaks where they do
//! not belong, and the no-images guard. Each failure names the field as the DSL sees it.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::no_images;
use crate::{Error, Result};

/// Short, single-line fields (names, places, bag numbers).
pub const SHORT: usize = 200;
/// Long, multi-line fields (summaries, the child's words, notes).
pub const LONG: usize = 20_000;

/// A single-line text: trimmed, at most `max` characters, no line breaks, no images.
pub fn line(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.contains(['\n', '\r']) {
        return Err(invalid(field, "keep this to one line"));
    }
    checked(field, v, max)
}

/// A single-line text that must be filled in.
pub fn required_line(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = line(field, value, max)?;
    if v.is_empty() {
        return Err(invalid(field, "please fill this in"));
    }
    Ok(v)
}

/// Multi-line text, kept exactly as typed (the child's words are verbatim) apart from
/// surrounding blank space.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    checked(field, value.trim_matches(|c: char| c.is_whitespace()), max)
}

pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = text(field, value, max)?;
    if v.is_empty() {
        return Err(invalid(field, "please fill this in"));
    }
    Ok(v)
}

fn checked(field: &'static str, v: &str, max: usize) -> Result<String> {
    if v.chars().count() > max {
        return Err(invalid(field, &format!("use at most {max} characters")));
    }
    no_images::check_text(v).map_err(|r| Error::ImageRefused {
        field,
        message: r.message(),
    })?;
    Ok(v.to_owned())
}

pub fn invalid(field: &'static str, message: &str) -> Error {
    Error::InvalidInput {
        field,
        message: message.to_owned(),
    }
}

/// How times are stored.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A time must not be in the future (a slip of the keyboard, usually) beyond clock drift.
pub fn not_future(field: &'static str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if at > now + chrono::Duration::minutes(5) {
        return Err(invalid(
            field,
            "this is in the future; check the date and time",
        ));
    }
    Ok(())
}

/// SQLite errors inside a record operation: a full disk is said so; anything else is a
/// storage error by code (the transaction is rolled back, so nothing was changed).
pub fn sql(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull,
        _ => Error::Storage {
            code: match &e {
                rusqlite::Error::SqliteFailure(f, _) => f.extended_code,
                _ => -1,
            },
        },
    }
}
