//! Drafts of forms in progress, kept inside the vault so an idle lock loses nothing.
//! Owns `drafts`. Every string inside a draft passes the same checks as a record's text.

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
        serde_json::Value::Array(items) => items.iter().try_for_each(check_strings),
        serde_json::Value::Object(map) => map.values().try_for_each(check_strings),
        _ => Ok(()),
    }
}
