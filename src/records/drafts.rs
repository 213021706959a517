//! Drafts of forms in progress, kept inside the vault so an idle lock loses nothing.
//! Owns `drafts`. Every string inside a draft, values and object keys alike, passes the same
//! checks as a record's text (numbers, booleans and nulls carry no text).

use chrono::Utc;
use rusqlite::{params, OptionalExtension};

use super::fields;
use crate::error::Field;
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

/// The largest draft kept (a long incident form is a few kilobytes).
const MAX_BYTES: usize = 256 * 1024;

/// Saves (replaces) the draft of `form`, e.g. `"new-incident"`.
pub fn save(session: &mut Session, form: &str, body: &str) -> Result<()> {
    let form = fields::required_line(Field::Form, form, 100)?;
    if body.len() > MAX_BYTES {
        return Err(fields::invalid(
            Field::Draft,
            "this draft is too large to keep",
        ));
    }
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| fields::invalid(Field::Draft, "this draft could not be read"))?;
    check_number_lengths(body)?;
    check_strings(&value)?;
    session.with_tx(|tx| {
        tx.execute(
            "INSERT INTO drafts (form, body, saved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(form) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
            params![form, body, time::format(Utc::now())],
        )?;
        Ok(())
    })
}

/// The saved draft of `form`, if any.
pub fn load(session: &Session, form: &str) -> Result<Option<String>> {
    session
        .conn()
        .query_row("SELECT body FROM drafts WHERE form = ?1", [form], |r| {
            r.get(0)
        })
        .optional()
        .map_err(Error::from)
}

/// Removes the draft of `form` (after the form was saved, or on "discard").
pub fn discard(session: &mut Session, form: &str) -> Result<()> {
    session.with_tx(|tx| {
        tx.execute("DELETE FROM drafts WHERE form = ?1", [form])?;
        Ok(())
    })
}

fn check_strings(value: &serde_json::Value) -> Result<()> {
    match value {
        serde_json::Value::String(s) => {
            fields::text(Field::Draft, s, fields::LONG)?;
            Ok(())
        }
        serde_json::Value::Number(n) => {
            fields::text(Field::Draft, &n.to_string(), fields::LONG)?;
            Ok(())
        }
        serde_json::Value::Array(items) => {
            // A list of numbers is read as the text it would make (a file's bytes, say).
            let numbers: Vec<String> = items
                .iter()
                .filter_map(|i| i.as_number().map(ToString::to_string))
                .collect();
            fields::text(Field::Draft, &numbers.join(" "), fields::LONG)?;
            items.iter().try_for_each(check_strings)
        }
        serde_json::Value::Object(map) => map.iter().try_for_each(|(key, value)| {
            fields::text(Field::Draft, key, fields::LONG)?;
            check_strings(value)
        }),
        _ => Ok(()),
    }
}

/// The longest number written in a draft, as it stands in the JSON (a form's numbers are
/// counts and years; a longer one is data).
const MAX_NUMBER_CHARS: usize = 32;

/// Numbers are parsed into floating point, which would hide how long they were written: check
/// the text of each number outside strings.
fn check_number_lengths(body: &str) -> Result<()> {
    let (mut in_string, mut escaped, mut run) = (false, false, 0usize);
    for c in body.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            in_string = true;
            run = 0;
        } else if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-') {
            run += 1;
            if run > MAX_NUMBER_CHARS {
                return Err(crate::Error::image(
                    Field::Draft,
                    "this draft holds a number far longer than any form needs; it looks like \
                     encoded data rather than words. Casebook stores descriptions, never images \
                     or files.",
                ));
            }
        } else {
            run = 0;
        }
    }
    Ok(())
}
