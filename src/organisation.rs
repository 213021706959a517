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

/// Checks an optional single line of contact details: trimmed, at most `max` characters, no
/// control characters, and the no-images guard. Empty stays empty.
fn check_contact_line(field: Field, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(Error::field(
            field,
            &format!("use at most {max} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::field(field, "keep this to one line"));
    }
    crate::no_images::check_text(v).map_err(|r| Error::image(field, &r.message()))?;
    Ok(v.to_owned())
}

/// A phone number as people write them (digits, spaces, +, brackets, hyphens, "ext"), or empty.
pub fn check_phone(field: Field, value: &str) -> Result<String> {
    let p = check_contact_line(field, value, 40)?;
    let ok = p.chars().all(|c| {
        c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.') || c.is_alphabetic()
    }) && p.chars().filter(char::is_ascii_digit).count() <= 20;
    if !ok {
        return Err(Error::field(
            field,
            "use digits, spaces, +, brackets and hyphens only",
        ));
    }
    Ok(p)
}

/// An e-mail address (name@place.domain), or empty.
pub fn check_email(field: Field, value: &str) -> Result<String> {
    let e = check_contact_line(field, value, 254)?;
    let looks_right = match e.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.contains(char::is_whitespace)
        }
        None => false,
    };
    if !e.is_empty() && !looks_right {
        return Err(Error::field(
            field,
            "enter an address like name@example.gov.uk",
        ));
    }
    Ok(e)
}

/// What a referral form asks about the setting: its address, its Unique Reference Number (the
/// six digits Get Information about Schools gives every school and college in England), and a
/// phone number and secure e-mail for the safeguarding team. All may be empty until set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SettingDetails {
    pub address: String,
    pub urn: String,
    pub phone: String,
    pub secure_email: String,
}

impl SettingDetails {
    /// Checked as they will be kept, every problem at once.
    pub fn checked(&self) -> Result<SettingDetails> {
        let mut form = crate::error::Form::default();
        let address = form.check(check_contact_line(
            Field::Address,
            &self.address.replace(['\r', '\n'], ", "),
            500,
        ));
        let urn = self.urn.trim().to_owned();
        let six_digits = urn.len() == 6 && urn.chars().all(|c| c.is_ascii_digit());
        if !urn.is_empty() && !six_digits {
            form.add(Error::field(
                Field::Urn,
                "a URN is 6 digits, as Get Information about Schools shows it (for example 100000)",
            ));
        }
        let phone = form.check(check_phone(Field::Phone, &self.phone));
        let secure_email = form.check(check_email(Field::SecureEmail, &self.secure_email));
        form.finish()?;
        Ok(SettingDetails {
            address,
            urn,
            phone,
            secure_email,
        })
    }
}

/// The setting's details as last saved (empty before they are first set).
pub fn setting_details(conn: &Connection) -> Result<SettingDetails> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT address, urn, phone, secure_email FROM setting_details
             ORDER BY version DESC LIMIT 1",
            [],
            |r| {
                Ok(SettingDetails {
                    address: r.get(0)?,
                    urn: r.get(1)?,
                    phone: r.get(2)?,
                    secure_email: r.get(3)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// Stores a new version of the setting's details (already checked). Call it inside the
/// transaction that audits the change; returns the version.
pub(crate) fn insert_setting_details(
    tx: &Connection,
    d: &SettingDetails,
    at: DateTime<Utc>,
    by: &str,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO setting_details (version, address, urn, phone, secure_email, changed_at, changed_by)
         VALUES ((SELECT coalesce(max(version), 0) + 1 FROM setting_details), ?1, ?2, ?3, ?4, ?5, ?6)",
        params![d.address, d.urn, d.phone, d.secure_email, time::format(at), by],
    )?;
    Ok(tx.query_row("SELECT max(version) FROM setting_details", [], |r| r.get(0))?)
}
