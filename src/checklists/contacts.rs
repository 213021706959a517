//! The organisation's contacts (DSL, deputy, LADO, children's social care, police, CEOP, …),
//! set once in Settings and shown inline in the checklist steps that need them.
//!
//! The whole list is one versioned record: a change adds a version, so what a step showed on a
//! given day can always be told.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Action};
use crate::error::Field;
use crate::records::fields;
use crate::time;
use crate::vault::Session;
use crate::{Error, Result};

text_enum! {
    /// Whom a checklist step may ask the DSL to contact.
    ContactKey {
        Dsl = "dsl", "Designated Safeguarding Lead";
        DeputyDsl = "deputy_dsl", "Deputy DSL";
        Headteacher = "headteacher", "Headteacher / managing director";
        ChairOfGovernors = "chair_of_governors", "Chair of governors / proprietor";
        Lado = "lado", "LADO (Local Authority Designated Officer)";
        ChildrensSocialCare = "childrens_social_care", "Children's social care front door / MASH";
        PoliceEmergency = "police_emergency", "Police: emergency";
        Police = "police", "Police: non-emergency";
        Ceop = "ceop", "CEOP (National Crime Agency)";
        Prevent = "prevent", "Prevent";
        ReportRemove = "report_remove", "Report Remove (Childline and IWF)";
        Iwf = "iwf", "Internet Watch Foundation (report a web address)";
        TrueVision = "true_vision", "True Vision (online hate crime reporting)";
        PartnerSchool = "partner_school", "Partner school(s)";
        Parents = "parents", "Parents or carers";
    }
}

/// One contact as set in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Contact {
    pub key: ContactKey,
    /// Who or which service ("Sam Patel, LADO", "Front Door").
    pub name: String,
    pub phone: String,
    /// Anything else: out-of-hours number, e-mail, web address (kept as text, never opened).
    pub details: String,
}

impl Contact {
    fn new(key: ContactKey, name: &str, phone: &str, details: &str) -> Self {
        Contact {
            key,
            name: name.to_owned(),
            phone: phone.to_owned(),
            details: details.to_owned(),
        }
    }
}

/// The national numbers everyone has; the local ones are blank until the DSL fills them in.
pub fn defaults(dsl_name: &str) -> Vec<Contact> {
    ContactKey::ALL
        .iter()
        .map(|&k| match k {
            ContactKey::Dsl => Contact::new(k, dsl_name, "", ""),
            ContactKey::PoliceEmergency => Contact::new(
                k,
                "Police",
                "999",
                "When a child is in immediate danger or at immediate risk of harm",
            ),
            ContactKey::Police => Contact::new(k, "Police", "101", ""),
            ContactKey::Ceop => Contact::new(
                k,
                "CEOP Safety Centre",
                "",
                "Report online at ceop.police.uk (999 if a child is in immediate danger)",
            ),
            ContactKey::Prevent => Contact::new(
                k,
                "Prevent",
                "",
                "The local Prevent referral route (national Prevent referral form); anti-terrorist hotline 0800 789 321",
            ),
            ContactKey::Iwf => Contact::new(
                k,
                "Internet Watch Foundation",
                "",
                "Report the web address (never the image) at report.iwf.org.uk",
            ),
            ContactKey::TrueVision => Contact::new(
                k,
                "True Vision",
                "",
                "Police-backed online hate crime reporting, third-party reports accepted: report-it.org.uk",
            ),
            ContactKey::ReportRemove => Contact::new(
                k,
                "Childline / IWF Report Remove",
                "",
                "The young person reports at childline.org.uk/remove (under 18s)",
            ),
            _ => Contact::new(k, "", "", ""),
        })
        .collect()
}

/// The contacts as last saved, with any key never saved filled from [`defaults`].
pub fn current(conn: &Connection, dsl_name: &str) -> Result<Vec<Contact>> {
    let saved: Option<String> = conn
        .query_row(
            "SELECT contacts FROM contact_versions ORDER BY version DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let mut list = defaults(dsl_name);
    if let Some(json) = saved {
        let saved: Vec<Contact> = serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("stored contacts unreadable: {e}")))?;
        for c in saved {
            if let Some(slot) = list.iter_mut().find(|d| d.key == c.key) {
                *slot = c;
            }
        }
    }
    Ok(list)
}

/// One contact, for a step that shows it.
pub fn get(conn: &Connection, dsl_name: &str, key: ContactKey) -> Result<Contact> {
    current(conn, dsl_name)?
        .into_iter()
        .find(|c| c.key == key)
        .ok_or_else(|| Error::Internal(format!("no contact {}", key.as_str())))
}

/// Saves a new version of the contact list. Keys not given keep their current value.
pub fn save(session: &mut Session, changes: &[Contact]) -> Result<Vec<Contact>> {
    let dsl_name = crate::organisation::current(session.conn())?.dsl_name;
    let mut list = current(session.conn(), &dsl_name)?;
    for c in changes {
        let checked = Contact {
            key: c.key,
            name: fields::line(Field::Name, &c.name, fields::SHORT)?,
            phone: check_phone(&c.phone)?,
            details: fields::line(Field::Details, &c.details, fields::SHORT)?,
        };
        if let Some(slot) = list.iter_mut().find(|d| d.key == c.key) {
            *slot = checked;
        }
    }
    let json = serde_json::to_string(&list)
        .map_err(|e| Error::Internal(format!("contacts not encodable: {e}")))?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO contact_versions (contacts, changed_at, changed_by) VALUES (?1, ?2, ?3)",
            params![json, time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::SettingChanged,
            "contacts",
            &json!({ "setting": "contacts", "version": tx.last_insert_rowid() }),
        )?;
        Ok(())
    })?;
    current(session.conn(), &dsl_name)
}

/// A phone number as people write them (the same rule as the setting's and members' numbers).
fn check_phone(phone: &str) -> Result<String> {
    crate::organisation::check_phone(Field::Phone, phone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_default_and_the_national_numbers_are_set() {
        let d = defaults("Siobhán");
        assert_eq!(d.len(), ContactKey::ALL.len());
        let phone = |k| d.iter().find(|c| c.key == k).map(|c| c.phone.clone());
        assert_eq!(phone(ContactKey::PoliceEmergency).as_deref(), Some("999"));
        assert_eq!(phone(ContactKey::Police).as_deref(), Some("101"));
    }

    #[test]
    fn phone_numbers_are_checked() {
        assert!(check_phone("0191 123 4567 ext 2").is_ok());
        assert!(check_phone("+44 (0)191-123-4567").is_ok());
        assert!(check_phone("call me; DROP TABLE").is_err());
    }
}
