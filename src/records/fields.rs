//! Checks every text field goes through before it is stored: length, line breaks where they do
//! not belong, and the no-images guard. Each failure names the field by its stable key
//! ([`Field`]); gather several with [`crate::error::Form`] to report them all at once.

use chrono::{DateTime, Utc};

use super::no_images;
use crate::error::Field;
use crate::{Error, Result};

/// Short, single-line fields (names, places, bag numbers).
pub const SHORT: usize = 200;
/// Long, multi-line fields (summaries, the child's words, notes).
pub const LONG: usize = 20_000;

/// A single-line text: trimmed, at most `max` characters, no line breaks, no images.
pub fn line(field: Field, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.contains(['\n', '\r']) {
        return Err(invalid(field, "keep this to one line"));
    }
    checked(field, v, max)
}

/// A single-line text that must be filled in.
pub fn required_line(field: Field, value: &str, max: usize) -> Result<String> {
    let v = line(field, value, max)?;
    if v.is_empty() {
        return Err(invalid(field, "please fill this in"));
    }
    Ok(v)
}

/// Multi-line text, kept exactly as typed (the child's words are verbatim) apart from
/// surrounding blank space.
pub fn text(field: Field, value: &str, max: usize) -> Result<String> {
    checked(field, value.trim_matches(|c: char| c.is_whitespace()), max)
}

pub fn required_text(field: Field, value: &str, max: usize) -> Result<String> {
    let v = text(field, value, max)?;
    if v.is_empty() {
        return Err(invalid(field, "please fill this in"));
    }
    Ok(v)
}

fn checked(field: Field, v: &str, max: usize) -> Result<String> {
    if v.chars().count() > max {
        return Err(invalid(field, &format!("use at most {max} characters")));
    }
    no_images::check_text(v).map_err(|r| Error::image(field, &r.message()))?;
    Ok(v.to_owned())
}

/// A field error: "<label>: <problem>".
pub fn invalid(field: Field, problem: &str) -> Error {
    Error::field(field, problem)
}

/// A time must not be in the future (a slip of the keyboard, usually) beyond clock drift.
pub fn not_future(field: Field, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if at > now + chrono::Duration::minutes(5) {
        return Err(invalid(
            field,
            "this is in the future; check the date and time",
        ));
    }
    Ok(())
}
