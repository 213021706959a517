//! Trends for leaders, governors and the trust: what the log holds for a period, counted, and
//! compared with the period before. Seed 001 §1.3.2 asks the DSL to "monitor online safety
//! incidents to identify gaps and trends" and to report "local data and figures" to the
//! directors, staff and partner schools.
//!
//! Three layers, each owning one step:
//! - this module counts, exactly, from the records ([`count`]): never leaves the core;
//! - [`publish`] turns exact counts into what may be shown outside the vault: counts of 1 to 4
//!   become "fewer than 5", totals that would give one away are rounded, no name or reference
//!   is ever carried (the report, the Trends screen and the JSON export all show this);
//! - [`exchange`] writes the published figures as a versioned JSON file for the trust and
//!   combines several schools' files into one trust-wide report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::{Field, Form};
use crate::records::incidents::{Category, FourC, Status};
use crate::records::people::YearGroup;
use crate::referral::Recipient;
use crate::time::{self, typed::read_day, Day};
use crate::{Error, Result};

pub mod exchange;
pub mod publish;
pub mod report_pdf;

/// The longest period a report covers: a school's figures across five school years.
pub const LONGEST_PERIOD_DAYS: i64 = 5 * 366;

/// Whole UK days, first and last included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    fn days(self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// "1 September 2026 to 31 August 2027".
    pub fn describe(self) -> String {
        format!(
            "{} to {}",
            time::long_date(self.first),
            time::long_date(self.last)
        )
    }

    fn starts(self) -> DateTime<Utc> {
        time::uk_day_start(self.first)
    }

    /// The first moment after the period.
    fn ends(self) -> DateTime<Utc> {
        time::uk_day_start(self.last.succ_opt().unwrap_or(self.last))
    }
}

text_enum! {
    /// The periods a DSL chooses from. Terms here are fixed thirds of the school year (autumn:
    /// September to December; spring: January to March; summer: April to August): a local
    /// choice, since term dates differ by school and year; exact term dates can be given as
    /// dates.
    PeriodKind {
        ThisTerm = "this_term", "This term";
        ThisSchoolYear = "this_school_year", "This school year";
        Last12Months = "last_12_months", "The last 12 months";
        Dates = "dates", "Dates I choose";
    }
}

/// What the DSL chose: a kind, and the dates when the kind is [`PeriodKind::Dates`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct PeriodChoice {
    pub kind: Option<PeriodKind>,
    pub first: Option<Day>,
    pub last: Option<Day>,
}

/// The period chosen and the one before it to compare with: the term or school year before,
/// the 12 months before, or as many days just before the dates chosen.
pub fn periods(choice: &PeriodChoice, today: NaiveDate) -> Result<(Period, Period)> {
    let mut form = Form::default();
    let kind = choice.kind.unwrap_or(PeriodKind::ThisSchoolYear);
    let year_start = |d: NaiveDate| {
        let y = if d.month() >= 9 {
            d.year()
        } else {
            d.year() - 1
        };
        ymd(y, 9, 1)
    };
    let current = match kind {
        PeriodKind::ThisSchoolYear => {
            let first = year_start(today)?;
            Period {
                first,
                last: add_months(first, 12)?.pred_opt().unwrap_or(first),
            }
        }
        PeriodKind::ThisTerm => term_of(today)?,
        PeriodKind::Last12Months => Period {
            first: sub_months(today, 12)?.succ_opt().unwrap_or(today),
            last: today,
        },
        PeriodKind::Dates => {
            let first = read_day(&mut form, Field::PeriodFirst, choice.first.as_ref());
            let last = read_day(&mut form, Field::PeriodLast, choice.last.as_ref());
            if first.is_none() && choice.first.is_none() {
                form.add(Error::field(
                    Field::PeriodFirst,
                    "give the first day of the period",
                ));
            }
            if last.is_none() && choice.last.is_none() {
                form.add(Error::field(
                    Field::PeriodLast,
                    "give the last day of the period",
                ));
            }
            if let (Some(f), Some(l)) = (first, last) {
                if l < f {
                    form.add(Error::field(
                        Field::PeriodLast,
                        "this is before the first day: the period must end after it starts",
                    ));
                } else if (l - f).num_days() + 1 > LONGEST_PERIOD_DAYS {
                    form.add(Error::field(
                        Field::PeriodLast,
                        "choose a period of five years or less",
                    ));
                }
            }
            form.finish()?;
            match (first, last) {
                (Some(first), Some(last)) => Period { first, last },
                _ => return Err(Error::Internal("a period without dates".into())),
            }
        }
    };
    let before = match kind {
        PeriodKind::ThisSchoolYear | PeriodKind::Last12Months => Period {
            first: sub_months(current.first, 12)?,
            last: current.first.pred_opt().unwrap_or(current.first),
        },
        PeriodKind::ThisTerm => term_of(current.first.pred_opt().unwrap_or(current.first))?,
        PeriodKind::Dates => {
            let last = current.first.pred_opt().unwrap_or(current.first);
            Period {
                first: last - chrono::Duration::days(current.days() - 1),
                last,
            }
        }
    };
    // A period still running is counted to today, and compared with as many days from the
    // start of the period before: this term so far against the same weeks of the last, never
    // a part against a whole.
    let (mut current, mut before) = (current, before);
    if current.last > today && today >= current.first {
        let so_far = today - current.first;
        current.last = today;
        before.last = (before.first + so_far).min(before.last);
    }
    Ok((current, before))
}

fn ymd(y: i32, m: u32, d: u32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::Internal("a date out of range".into()))
}

fn add_months(d: NaiveDate, n: u32) -> Result<NaiveDate> {
    d.checked_add_months(Months::new(n))
        .ok_or_else(|| Error::Internal("a date out of range".into()))
}

fn sub_months(d: NaiveDate, n: u32) -> Result<NaiveDate> {
    d.checked_sub_months(Months::new(n))
        .ok_or_else(|| Error::Internal("a date out of range".into()))
}

/// The term `day` falls in (see [`PeriodKind`]).
fn term_of(day: NaiveDate) -> Result<Period> {
    let y = day.year();
    let (first, last) = match day.month() {
        9..=12 => (ymd(y, 9, 1)?, ymd(y, 12, 31)?),
        1..=3 => (ymd(y, 1, 1)?, ymd(y, 3, 31)?),
        _ => (ymd(y, 4, 1)?, ymd(y, 8, 31)?),
    };
    Ok(Period { first, last })
}

/// A time from a report to something done about it, over the incidents that have one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Waits {
    /// How many incidents the figures are over.
    pub incidents: u32,
    /// In whole minutes; `None` when no incident has one.
    pub median_minutes: Option<u32>,
    pub slowest_minutes: Option<u32>,
}

impl Waits {
    fn of(mut minutes: Vec<u32>) -> Waits {
        minutes.sort_unstable();
        let n = minutes.len();
        let median = match n {
            0 => None,
            _ if n % 2 == 1 => Some(minutes[n / 2]),
            _ => Some(minutes[n / 2 - 1] / 2 + minutes[n / 2] / 2),
        };
        Waits {
            incidents: u32::try_from(n).unwrap_or(u32::MAX),
            median_minutes: median,
            slowest_minutes: minutes.last().copied(),
        }
    }
}

/// Exact counts for one period, from the records. Never shown or exported as they are:
/// [`publish`] applies the suppression rules first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub period: Option<Period>,
    /// Incidents reported in the period.
    pub incidents: u32,
    pub by_category: BTreeMap<Category, u32>,
    /// An incident may be in several of the 4 Cs, or none.
    pub by_four_c: BTreeMap<FourC, u32>,
    /// By the UK month of the report: (year, month).
    pub by_month: BTreeMap<(i32, u32), u32>,
    /// Incidents with a child of each year group (an incident counts once in each year group
    /// it has a child in); `None`: a child whose year group is not recorded.
    pub by_year_group: BTreeMap<Option<YearGroup>, u32>,
    /// Incidents with a child of each recorded sex, as the DSL recorded it, folded to
    /// "female", "male", "other" (any other words) and "" (not recorded).
    pub by_sex: BTreeMap<&'static str, u32>,
    /// By status now.
    pub by_status: BTreeMap<Status, u32>,
    /// Referrals issued in the period, by recipient.
    pub referrals: BTreeMap<Recipient, u32>,
    /// Checklists started in the period, by the template's title.
    pub checklists: BTreeMap<String, u32>,
    pub to_first_decision: Waits,
    pub to_first_referral: Waits,
    /// Actions on the period's incidents that are open and past their due date today.
    pub actions_overdue: u32,
    /// Children in more than one of the period's incidents.
    pub children_in_more_than_one: u32,
    /// Concerns that came through filtering and monitoring: incidents in the filtering or
    /// monitoring category.
    pub filtering_and_monitoring: u32,
}

/// Counts what the vault holds for `period`, as it stands `today` (statuses, overdue actions).
pub fn count(conn: &Connection, period: Period, today: NaiveDate) -> Result<Counts> {
    let mut c = Counts {
        period: Some(period),
        ..Counts::default()
    };
    let (from, to) = (time::format(period.starts()), time::format(period.ends()));

    // The period's incidents, from their heads (each incident's current category, 4 Cs and
    // status, indexed by the time reported; schema 16).
    let mut reported: HashMap<i64, DateTime<Utc>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT incident_id, reported_at, category, four_cs, status FROM incident_heads
             WHERE reported_at >= ?1 AND reported_at < ?2",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let at_text: String = r.get(1)?;
            let at = time::parse(&at_text).ok_or(Error::DamagedDatabase { path: None })?;
            let category: Category = r.get(2)?;
            let four_cs: String = r.get(3)?;
            let status: Status = r.get(4)?;
            reported.insert(id, at);
            c.incidents += 1;
            *c.by_category.entry(category).or_default() += 1;
            for fc in four_cs.split(',').filter_map(FourC::parse) {
                *c.by_four_c.entry(fc).or_default() += 1;
            }
            let day = time::uk_date(at);
            *c.by_month.entry((day.year(), day.month())).or_default() += 1;
            *c.by_status.entry(status).or_default() += 1;
            if category == Category::FilteringBreach {
                c.filtering_and_monitoring += 1;
            }
        }
    }

    // The people linked to them now: each link's events in order, the last one "added".
    // (Unsorted: each link keeps its newest event, by id.)
    let mut links: HashMap<(i64, i64, String), (i64, bool)> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT l.incident_id, l.person_id, l.role, l.id, l.action = 'added'
             FROM incident_heads h JOIN incident_people l ON l.incident_id = h.incident_id
             WHERE h.reported_at >= ?1 AND h.reported_at < ?2",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(r) = rows.next()? {
            let event: (i64, bool) = (r.get(3)?, r.get(4)?);
            let newest = links
                .entry((r.get(0)?, r.get(1)?, r.get(2)?))
                .or_insert(event);
            if event.0 > newest.0 {
                *newest = event;
            }
        }
    }
    let mut linked: BTreeSet<(i64, i64)> = BTreeSet::new();
    for ((incident, person, _), (_, added)) in links {
        if added {
            linked.insert((incident, person));
        }
    }
    // Each person once: their current kind, and a child's year group and sex.
    let mut people: HashMap<i64, Option<(Option<YearGroup>, &'static str)>> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT v.kind,
                    CASE WHEN v.kind = 'child' THEN json_extract(d.details, '$.year_group') END,
                    CASE WHEN v.kind = 'child' THEN json_extract(d.details, '$.gender') END
             FROM person_versions v
             LEFT JOIN person_details d ON d.person_id = v.person_id AND d.version = v.version
             WHERE v.person_id = ?1 ORDER BY v.version DESC LIMIT 1",
        )?;
        for (_, person) in &linked {
            if people.contains_key(person) {
                continue;
            }
            let child = stmt
                .query_row([person], |r| {
                    let kind: String = r.get(0)?;
                    if kind != "child" {
                        return Ok(None);
                    }
                    // As serde wrote it in the details (`year7`), which is not the stored
                    // name (`year_7`) the vocabulary's parse reads.
                    let year = r.get::<_, Option<String>>(1)?.and_then(|y| {
                        serde_json::from_value::<YearGroup>(serde_json::Value::String(y)).ok()
                    });
                    let gender: Option<String> = r.get(2)?;
                    Ok(Some((year, fold_sex(gender.as_deref().unwrap_or("")))))
                })
                .optional()?
                .flatten();
            people.insert(*person, child);
        }
    }
    {
        let mut years: BTreeSet<(i64, Option<YearGroup>)> = BTreeSet::new();
        let mut sexes: BTreeSet<(i64, &'static str)> = BTreeSet::new();
        let mut incidents_of: HashMap<i64, u32> = HashMap::new();
        for (incident, person) in &linked {
            let Some(Some((year, sex))) = people.get(person) else {
                continue;
            };
            years.insert((*incident, *year));
            sexes.insert((*incident, sex));
            *incidents_of.entry(*person).or_default() += 1;
        }
        for (_, year) in years {
            *c.by_year_group.entry(year).or_default() += 1;
        }
        for (_, sex) in sexes {
            *c.by_sex.entry(sex).or_default() += 1;
        }
        c.children_in_more_than_one =
            u32::try_from(incidents_of.values().filter(|n| **n > 1).count()).unwrap_or(u32::MAX);
    }

    // The first decision on each (its current version's time), and the first referral issued.
    c.to_first_decision = waits(
        conn,
        &reported,
        // Every incident's first decision, in one pass over the decisions' index; `waits`
        // keeps the period's.
        "SELECT incident_id, min(occurred_at) FROM entry_heads WHERE kind = 'decision'
         GROUP BY incident_id",
        None,
    )?;
    c.to_first_referral = waits(
        conn,
        &reported,
        "SELECT r.incident_id, min(r.issued_at)
         FROM referral_issues r
         JOIN incident_heads h ON h.incident_id = r.incident_id
         WHERE h.reported_at >= ?1 AND h.reported_at < ?2
         GROUP BY r.incident_id",
        Some((&from, &to)),
    )?;

    // Referrals and checklists are counted by when they were issued or started.
    {
        let mut stmt = conn.prepare_cached(
            "SELECT recipient, count(*) FROM referral_issues
             WHERE issued_at >= ?1 AND issued_at < ?2 GROUP BY recipient",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(r) = rows.next()? {
            let recipient: String = r.get(0)?;
            let n: u32 = r.get(1)?;
            let recipient =
                Recipient::parse(&recipient).ok_or(Error::DamagedDatabase { path: None })?;
            c.referrals.insert(recipient, n);
        }
    }
    {
        let mut stmt = conn.prepare_cached(
            "SELECT g.template_id, g.n, t.template_text
             FROM (SELECT template_id, count(*) AS n, max(id) AS newest FROM checklist_runs
                   WHERE started_at >= ?1 AND started_at < ?2 GROUP BY template_id) g
             JOIN checklist_runs t ON t.id = g.newest",
        )?;
        let mut rows = stmt.query([&from, &to])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let n: u32 = r.get(1)?;
            let text: String = r.get(2)?;
            *c.checklists.entry(template_title(&text, &id)).or_default() += n;
        }
    }

    // Open actions past their due date, on the period's incidents.
    let today_text = time::format_date(today);
    c.actions_overdue = conn
        .prepare_cached(
            "SELECT count(*) FROM action_heads a
             JOIN chronology_entries e ON e.id = a.entry_id
             JOIN incident_heads h ON h.incident_id = e.incident_id
             WHERE a.state = 'open' AND a.due < ?3
               AND h.reported_at >= ?1 AND h.reported_at < ?2",
        )?
        .query_row([&from, &to, &today_text], |r| r.get(0))?;
    Ok(c)
}

/// Minutes from each incident's report to the time the query gives it.
fn waits(
    conn: &Connection,
    reported: &HashMap<i64, DateTime<Utc>>,
    sql: &str,
    period: Option<(&str, &str)>,
) -> Result<Waits> {
    if reported.is_empty() {
        return Ok(Waits::default());
    }
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = match period {
        Some((from, to)) => stmt.query([from, to])?,
        None => stmt.query([])?,
    };
    let mut minutes = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let at: String = r.get(1)?;
        let (Some(start), Some(at)) = (reported.get(&id), time::parse(&at)) else {
            continue;
        };
        // A decision recorded as made before the report (a time typed in error) counts as 0.
        let h = (at - *start).num_minutes().max(0);
        minutes.push(u32::try_from(h).unwrap_or(u32::MAX));
    }
    Ok(Waits::of(minutes))
}

/// The title a stored template gives itself, or its id when it cannot be read.
fn template_title(text: &str, id: &str) -> String {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("title").and_then(|v| v.as_str()).map(str::to_owned))
        .unwrap_or_else(|| id.to_owned())
}

/// Sex or gender as the DSL wrote it, folded to the few groups a table can show. Anything
/// else is "other": counted, never quoted (it could be a description of one child).
pub fn fold_sex(written: &str) -> &'static str {
    match written.trim().to_lowercase().as_str() {
        "" => "",
        "f" | "female" | "girl" | "woman" => "female",
        "m" | "male" | "boy" | "man" => "male",
        _ => "other",
    }
}

/// Today's figures beside the period before's, for one school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub now: Counts,
    pub before: Counts,
}

/// Counts the chosen period and the one before it.
pub fn compare(conn: &Connection, choice: &PeriodChoice, today: NaiveDate) -> Result<Compared> {
    let (now, before) = periods(choice, today)?;
    Ok(Compared {
        now: count(conn, now, today)?,
        before: count(conn, before, today)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn choice(kind: PeriodKind) -> PeriodChoice {
        PeriodChoice {
            kind: Some(kind),
            ..PeriodChoice::default()
        }
    }

    #[test]
    fn school_years_terms_and_twelve_months_each_compare_with_the_one_before() {
        let today = d(2026, 12, 3);
        // So far, against the same days of the period before.
        let (now, before) = periods(&choice(PeriodKind::ThisSchoolYear), today).unwrap();
        assert_eq!((now.first, now.last), (d(2026, 9, 1), today));
        assert_eq!((before.first, before.last), (d(2025, 9, 1), d(2025, 12, 3)));
        let (now, before) = periods(&choice(PeriodKind::ThisTerm), today).unwrap();
        assert_eq!((now.first, now.last), (d(2026, 9, 1), today));
        assert_eq!((before.first, before.last), (d(2026, 4, 1), d(2026, 7, 3)));
        // On a period's last day it is whole, and so is the one before.
        let (_, before) = periods(&choice(PeriodKind::ThisTerm), d(2027, 3, 31)).unwrap();
        assert_eq!(
            (before.first, before.last),
            (d(2026, 9, 1), d(2026, 12, 31))
        );
        let (now, before) = periods(&choice(PeriodKind::ThisTerm), d(2026, 8, 31)).unwrap();
        assert_eq!(
            (now.last, before.first, before.last),
            (d(2026, 8, 31), d(2026, 1, 1), d(2026, 3, 31))
        );
        let (now, before) = periods(&choice(PeriodKind::ThisTerm), d(2027, 2, 1)).unwrap();
        assert_eq!((now.first, before.first), (d(2027, 1, 1), d(2026, 9, 1)));
        let (now, before) = periods(&choice(PeriodKind::Last12Months), today).unwrap();
        assert_eq!((now.first, now.last), (d(2025, 12, 4), today));
        assert_eq!(
            (before.first, before.last),
            (d(2024, 12, 4), d(2025, 12, 3))
        );
        // In August the school year is the one that began last September.
        let (now, _) = periods(&choice(PeriodKind::ThisSchoolYear), d(2027, 8, 31)).unwrap();
        assert_eq!(now.first, d(2026, 9, 1));
    }

    #[test]
    fn chosen_dates_compare_with_as_many_days_before_and_bad_ones_are_refused() {
        let pick = |first: NaiveDate, last: NaiveDate| PeriodChoice {
            kind: Some(PeriodKind::Dates),
            first: Some(first.into()),
            last: Some(last.into()),
        };
        let (now, before) =
            periods(&pick(d(2026, 10, 1), d(2026, 10, 10)), d(2026, 12, 3)).unwrap();
        assert_eq!((now.first, now.last), (d(2026, 10, 1), d(2026, 10, 10)));
        assert_eq!(
            (before.first, before.last),
            (d(2026, 9, 21), d(2026, 9, 30))
        );
        let e = periods(&pick(d(2026, 10, 10), d(2026, 10, 1)), d(2026, 12, 3)).unwrap_err();
        assert!(e.to_string().contains("must end after it starts"), "{e}");
        assert!(e.fields().iter().any(|f| f.field == Field::PeriodLast));
        let e = periods(&pick(d(2016, 10, 10), d(2026, 10, 1)), d(2026, 12, 3)).unwrap_err();
        assert!(e.to_string().contains("five years or less"), "{e}");
        let e = periods(&choice(PeriodKind::Dates), d(2026, 12, 3)).unwrap_err();
        assert!(e.to_string().contains("first day"), "{e}");
    }

    #[test]
    fn sex_is_folded_to_groups_and_other_words_are_never_quoted() {
        assert_eq!(fold_sex(" Female "), "female");
        assert_eq!(fold_sex("BOY"), "male");
        assert_eq!(fold_sex(""), "");
        assert_eq!(fold_sex("non-binary, uses they"), "other");
    }

    #[test]
    fn waits_give_the_median_and_the_slowest() {
        assert_eq!(Waits::of(vec![]).median_minutes, None);
        let w = Waits::of(vec![30, 2, 5]);
        assert_eq!(
            (w.incidents, w.median_minutes, w.slowest_minutes),
            (3, Some(5), Some(30))
        );
        assert_eq!(Waits::of(vec![4, 2, 10, 8]).median_minutes, Some(6));
    }
}
