//! The organisation's local practice, where national guidance leaves a choice: its closure days
//! (which working days skip, beside weekends and bank holidays) and how long child protection
//! records are kept. Owns `closure_days` and `retention_settings` (schema 12). Both are
//! changed by appended rows, each in the audit trail.

use chrono::{Duration, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{fields, RecordId};
use crate::audit::{self, Action};
use crate::error::{Field, Form};
use crate::time::{self, typed::read_day, Day};
use crate::vault::Session;
use crate::{Error, Result};

/// The IRMS toolkit's period for child protection records: the child's date of birth plus 25
/// years. An organisation may keep them longer (local practice goes to 50 years and beyond),
/// never shorter.
pub const DEFAULT_CHILD_YEARS: u32 = 25;
/// The longest a period may be, to catch a slip of the keyboard.
pub const MAX_CHILD_YEARS: u32 = 100;
/// The longest closure period (a summer holiday is about seven weeks).
const MAX_CLOSURE_DAYS: i64 = 70;

/// How long child protection records are kept, and why it was set so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RetentionPeriod {
    /// Kept until the child's date of birth plus this many years.
    pub child_years: u32,
    /// Empty for the default.
    pub reason: String,
    /// Who set it and when; empty for the default.
    pub changed_at: String,
    pub changed_by: String,
}

/// The current period (the default until the organisation sets one).
pub fn retention_period(conn: &Connection) -> Result<RetentionPeriod> {
    Ok(conn
        .query_row(
            "SELECT child_years, reason, changed_at, changed_by FROM retention_settings
             ORDER BY version DESC LIMIT 1",
            [],
            |r| {
                Ok(RetentionPeriod {
                    child_years: r.get(0)?,
                    reason: r.get(1)?,
                    changed_at: r.get(2)?,
                    changed_by: r.get(3)?,
                })
            },
        )
        .optional()?
        .unwrap_or(RetentionPeriod {
            child_years: DEFAULT_CHILD_YEARS,
            reason: String::new(),
            changed_at: String::new(),
            changed_by: String::new(),
        }))
}

/// Sets a longer period, with the reason (a local policy, a trust's decision). Applies to
/// retention dates worked out from now on; dates already set stay as they are (each incident's
/// date changes by a new version, as always).
pub fn set_retention_period(
    session: &mut Session,
    child_years: u32,
    reason: &str,
) -> Result<RetentionPeriod> {
    let mut form = Form::default();
    if !(DEFAULT_CHILD_YEARS..=MAX_CHILD_YEARS).contains(&child_years) {
        form.add(fields::invalid(
            Field::ChildYears,
            &format!(
                "choose between {DEFAULT_CHILD_YEARS} and {MAX_CHILD_YEARS} years: \
                 child protection records are kept at least until the child is {DEFAULT_CHILD_YEARS}"
            ),
        ));
    }
    let reason = form.check(fields::required_text(Field::Reason, reason, 2_000));
    form.finish()?;
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version: i64 = tx.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM retention_settings",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO retention_settings (version, child_years, reason, changed_at, changed_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![version, child_years, reason, time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::SettingChanged,
            "retention period",
            &json!({ "child_years": child_years, "version": version }),
        )
    })?;
    retention_period(session.conn())
}

text_enum! {
    /// What happens to this school's copy of a child's file once the next school has confirmed
    /// receipt of it.
    AfterTransferRule {
        Keep = "keep", "Keep it for the usual retention period";
        Review = "review", "Bring it to the retention review, in the months set after receipt is confirmed";
    }
}

/// The organisation's rule for a transferred file (issue 18, item 4): local protocols differ
/// (one keeps a copy of the chronology for a year; IRMS's toolkit has the file go with the
/// child), so the organisation sets it, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AfterTransfer {
    pub rule: AfterTransferRule,
    /// With `Review`: months after receipt is confirmed (0 to 24).
    pub months: u32,
    /// Why (empty for the default).
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub changed_at: String,
    #[serde(default)]
    pub changed_by: String,
}

/// The most months a transferred file may wait for the retention review under `Review`.
pub const MAX_AFTER_TRANSFER_MONTHS: u32 = 24;

/// The rule in force (keep, until the organisation sets another).
pub fn after_transfer(conn: &Connection) -> Result<AfterTransfer> {
    Ok(conn
        .query_row(
            "SELECT rule, months, reason, changed_at, changed_by FROM after_transfer_settings
             ORDER BY version DESC LIMIT 1",
            [],
            |r| {
                Ok(AfterTransfer {
                    rule: r.get(0)?,
                    months: r.get(1)?,
                    reason: r.get(2)?,
                    changed_at: r.get(3)?,
                    changed_by: r.get(4)?,
                })
            },
        )
        .optional()?
        .unwrap_or(AfterTransfer {
            rule: AfterTransferRule::Keep,
            months: 0,
            reason: String::new(),
            changed_at: String::new(),
            changed_by: String::new(),
        }))
}

/// Sets the rule, with the reason. Applies to transfers confirmed from now on.
pub fn set_after_transfer(session: &mut Session, input: &AfterTransfer) -> Result<AfterTransfer> {
    let mut form = Form::default();
    if input.months > MAX_AFTER_TRANSFER_MONTHS {
        form.add(fields::invalid(
            Field::Months,
            &format!("choose from 0 to {MAX_AFTER_TRANSFER_MONTHS} months"),
        ));
    }
    let reason = form.check(fields::required_text(Field::Reason, &input.reason, 2_000));
    form.finish()?;
    let months = if input.rule == AfterTransferRule::Keep {
        0
    } else {
        input.months
    };
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        let version: i64 = tx.query_row(
            "SELECT coalesce(max(version), 0) + 1 FROM after_transfer_settings",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO after_transfer_settings (version, rule, months, reason, changed_at, changed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![version, input.rule, months, reason, time::format(now), actor],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::SettingChanged,
            "after a transfer",
            &json!({ "rule": input.rule.as_str(), "months": months, "version": version }),
        )
    })?;
    after_transfer(session.conn())
}

/// A period the organisation is closed (an INSET day, a holiday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Closure {
    pub id: RecordId,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub label: String,
}

/// What the DSL enters for a closure.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ClosureInput {
    pub first_day: Option<Day>,
    /// The same as the first day for a single day.
    pub last_day: Option<Day>,
    pub label: String,
}

/// The closures in force (added and not removed), by first day.
pub fn closures(conn: &Connection) -> Result<Vec<Closure>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.first_day, c.last_day, c.label FROM closure_days c
         WHERE c.removed = 0 AND NOT EXISTS (SELECT 1 FROM closure_days r WHERE r.ends = c.id)
         ORDER BY c.first_day, c.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Closure {
            id: r.get(0)?,
            first_day: time::date_column(r, 1)?,
            last_day: time::date_column(r, 2)?,
            label: r.get(3)?,
        })
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// Every closed day, for [`crate::calendar::add_working_days`].
pub fn closed_days(conn: &Connection) -> Result<Vec<NaiveDate>> {
    let mut days = Vec::new();
    for c in closures(conn)? {
        let mut d = c.first_day;
        while d <= c.last_day {
            days.push(d);
            d += Duration::days(1);
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// Adds a closure. Refused with a sentence when the last day is before the first or the
/// period is longer than a summer holiday.
pub fn add_closure(session: &mut Session, input: &ClosureInput) -> Result<Closure> {
    let mut form = Form::default();
    let label = form.check(fields::required_line(
        Field::Label,
        &input.label,
        fields::SHORT,
    ));
    let first = read_day(&mut form, Field::FirstDay, input.first_day.as_ref());
    if first.is_none() && !form.has(Field::FirstDay) {
        form.add(fields::invalid(
            Field::FirstDay,
            "enter the first day it is closed",
        ));
    }
    let first = first.unwrap_or(NaiveDate::MIN);
    let last = read_day(&mut form, Field::LastDay, input.last_day.as_ref()).unwrap_or(first);
    if last < first {
        form.add(fields::invalid(
            Field::LastDay,
            "this is before the first day",
        ));
    } else if (last - first).num_days() >= MAX_CLOSURE_DAYS {
        form.add(fields::invalid(
            Field::LastDay,
            &format!("a closure is at most {MAX_CLOSURE_DAYS} days: add a long one in parts"),
        ));
    }
    form.finish()?;
    let actor = session.actor().to_owned();
    let id = session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO closure_days (first_day, last_day, label, removed, ends, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, 0, NULL, ?4, ?5)",
            params![
                time::format_date(first),
                time::format_date(last),
                label,
                time::format(now),
                actor
            ],
        )?;
        let id = super::last_id(tx)?;
        audit::append(
            tx,
            now,
            &actor,
            Action::SettingChanged,
            "closure days",
            &json!({ "closure": id, "added": true }),
        )?;
        Ok(id)
    })?;
    Ok(Closure {
        id,
        first_day: first,
        last_day: last,
        label,
    })
}

/// Removes a closure (by a new row; the old one stays in the trail).
pub fn remove_closure(session: &mut Session, id: RecordId) -> Result<()> {
    let Some(c) = closures(session.conn())?.into_iter().find(|c| c.id == id) else {
        return Err(Error::NotFound {
            what: format!("Closure {id}"),
        });
    };
    let actor = session.actor().to_owned();
    session.with_tx(|tx| {
        let now = Utc::now();
        tx.execute(
            "INSERT INTO closure_days (first_day, last_day, label, removed, ends, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)",
            params![
                time::format_date(c.first_day),
                time::format_date(c.last_day),
                c.label,
                id,
                time::format(now),
                actor
            ],
        )?;
        audit::append(
            tx,
            now,
            &actor,
            Action::SettingChanged,
            "closure days",
            &json!({ "closure": id, "removed": true }),
        )?;
        Ok(())
    })
}
