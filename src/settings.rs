//! The DSL's settings: the organisation's details (a handover), the idle lock, the backup
//! reminder, and those to come. Plain functions over a session, like the record modules: reads
//! take a connection, changes take the session and audit the old and new value in the same
//! transaction.

use std::ops::RangeInclusive;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use crate::audit::{self, Action};
use crate::error::Field;
use crate::organisation::{self, Organisation};
use crate::vault::{backup, Session};
use crate::{Error, Result};

/// Minutes of inactivity before the desktop app locks itself, unless the DSL chose otherwise.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;
/// The range the DSL may choose from: long enough to read, short enough for an open office.
pub const IDLE_LOCK_MINUTES_RANGE: RangeInclusive<u32> = 1..=60;
/// Days after the last verified backup before the DSL is reminded: 1 to 90.
pub const BACKUP_REMINDER_DAYS_RANGE: RangeInclusive<u32> = 1..=90;

/// A whole-number setting kept in `vault_meta`, changed only through [`set_number`], which
/// checks the range and audits the change.
struct NumberSetting {
    key: &'static str,
    field: Field,
    unit: &'static str,
    range: RangeInclusive<u32>,
    default: u32,
}

const IDLE_LOCK: NumberSetting = NumberSetting {
    key: "idle_lock_minutes",
    field: Field::IdleLockMinutes,
    unit: "minutes",
    range: IDLE_LOCK_MINUTES_RANGE,
    default: DEFAULT_IDLE_LOCK_MINUTES,
};

const BACKUP_REMINDER: NumberSetting = NumberSetting {
    key: "backup_reminder_days",
    field: Field::BackupReminderDays,
    unit: "days",
    range: BACKUP_REMINDER_DAYS_RANGE,
    default: backup::DEFAULT_REMINDER_DAYS,
};

/// Minutes of inactivity before the desktop app locks.
pub fn idle_lock_minutes(conn: &Connection) -> Result<u32> {
    number(conn, &IDLE_LOCK)
}

/// Changes the idle lock time.
pub fn set_idle_lock_minutes(session: &mut Session, minutes: u32) -> Result<()> {
    set_number(session, &IDLE_LOCK, minutes)
}

/// Days after the last verified backup before the DSL is reminded to make one.
pub fn backup_reminder_days(conn: &Connection) -> Result<u32> {
    number(conn, &BACKUP_REMINDER)
}

/// Changes the backup reminder.
pub fn set_backup_reminder_days(session: &mut Session, days: u32) -> Result<()> {
    set_number(session, &BACKUP_REMINDER, days)
}

/// Records a new name for the organisation as a new version; the old ones stay. The next
/// referral is signed with a new certificate in that name (see `referral::member_identity`).
/// The DSL named in the organisation's details is the team's DSL: it changes by making another
/// member the DSL (`Session::make_dsl`), never here.
pub fn change_organisation(session: &mut Session, name: &str) -> Result<Organisation> {
    let name = organisation::check_name(Field::Organisation, name)?.to_owned();
    let old = organisation::current(session.conn())?;
    if old.name == name {
        return Err(Error::field(
            Field::Organisation,
            "this is the name already recorded",
        ));
    }
    let actor = session.actor().to_owned();
    let now = Utc::now();
    session.with_tx(|tx| {
        organisation::insert_version(tx, old.version + 1, &name, &old.dsl_name, now, &actor)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::OrganisationChanged,
            "organisation",
            &json!({
                "version": old.version + 1,
                "from": { "organisation": old.name },
                "to": { "organisation": name },
            }),
        )
    })?;
    organisation::current(session.conn())
}

/// Records the setting's address, URN, phone and secure e-mail as a new version, all problems
/// reported at once; referrals carry them from then on.
pub fn change_setting_details(
    session: &mut Session,
    details: &organisation::SettingDetails,
) -> Result<organisation::SettingDetails> {
    let checked = details.checked()?;
    if checked == organisation::setting_details(session.conn())? {
        return Err(Error::field(
            Field::Address,
            "these are the details already recorded",
        ));
    }
    let actor = session.actor().to_owned();
    let now = Utc::now();
    session.with_tx(|tx| {
        let version = organisation::insert_setting_details(tx, &checked, now, &actor)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::OrganisationChanged,
            "organisation",
            &json!({ "setting_details": version }),
        )
        .map(drop)
    })?;
    Ok(checked)
}

fn number(conn: &Connection, setting: &NumberSetting) -> Result<u32> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM vault_meta WHERE key = ?1",
            [setting.key],
            |r| r.get(0),
        )
        .optional()?;
    Ok(stored
        .and_then(|v| v.parse().ok())
        .filter(|v| setting.range.contains(v))
        .unwrap_or(setting.default))
}

fn set_number(session: &mut Session, setting: &NumberSetting, value: u32) -> Result<()> {
    if !setting.range.contains(&value) {
        return Err(Error::field(
            setting.field,
            &format!(
                "choose between {} and {} {}",
                setting.range.start(),
                setting.range.end(),
                setting.unit
            ),
        ));
    }
    let old = number(session.conn(), setting)?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        tx.execute(
            "INSERT OR REPLACE INTO vault_meta (key, value) VALUES (?1, ?2)",
            [setting.key, &value.to_string()],
        )?;
        audit::append(
            tx,
            Utc::now(),
            &actor,
            Action::SettingChanged,
            "settings",
            &json!({ setting.key: { "from": old, "to": value } }),
        )?;
        Ok(())
    })
}
