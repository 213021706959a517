//! The organisation's details: its name and its DSL's name, kept as versions in
//! `organisation_versions` (a handover adds a version; the old ones stay).
//!
//! This module sits *below* the vault and works on a plain connection, because the vault needs
//! these names itself: the DSL's name is who acts in the audit trail, and neither name may be
//! used as a passphrase. Changing them is a setting, in [`crate::settings`], above the vault.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Field;
use crate::{time, Error, Result};

/// The longest name the organisation or DSL may have.
const MAX_NAME_CHARS: usize = 200;

/// The organisation's details, as last saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub name: String,
    pub dsl_name: String,
    pub version: i64,
}

/// The current version.
pub fn current(conn: &Connection) -> Result<Organisation> {
    Ok(conn.query_row(
        "SELECT name, dsl_name, version FROM organisation_versions ORDER BY version DESC LIMIT 1",
        [],
        |r| {
            Ok(Organisation {
                name: r.get(0)?,
                dsl_name: r.get(1)?,
                version: r.get(2)?,
            })
        },
    )?)
}

/// Whether this is a demo vault: made with fictional records only, marked so for good
/// (schema 8), and said so on every screen, PDF and reference.
pub fn is_demo(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM vault_meta WHERE key = 'demo' AND value = '1')",
        [],
        |r| r.get(0),
    )?)
}

/// The words every PDF and screen of a demo vault carries.
pub const DEMO_MARKING: &str = "DEMONSTRATION — FICTIONAL RECORDS";

/// A PDF's protective marking: `base`, led by [`DEMO_MARKING`] in a demo vault.
pub fn marking(base: &str, demo: bool) -> String {
    if demo {
        format!("{DEMO_MARKING} · {base}")
    } else {
        base.to_owned()
    }
}

/// Stores a version (the first at set-up, later ones at a handover). Call it inside the
/// transaction that audits the change.
pub(crate) fn insert_version(
    tx: &Connection,
    version: i64,
    name: &str,
    dsl_name: &str,
    at: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO organisation_versions (version, name, dsl_name, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![version, name, dsl_name, time::format(at), by],
    )?;
    Ok(())
}

/// Trims a name and checks it is present, not too long, free of control characters, and passes
/// the no-images guard.
pub fn check_name(field: Field, value: &str) -> Result<&str> {
    let v = value.trim();
    let problem = if v.is_empty() {
        "please fill this in".to_owned()
    } else if v.chars().count() > MAX_NAME_CHARS {
        format!("use at most {MAX_NAME_CHARS} characters")
    } else if v.chars().any(char::is_control) {
        "remove the line breaks or control characters".to_owned()
    } else if let Err(refusal) = crate::no_images::check_text(v) {
        return Err(Error::image(field, &refusal.message()));
    } else {
        return Ok(v);
    };
    Err(Error::field(field, &problem))
}
