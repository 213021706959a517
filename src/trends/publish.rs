//! From exact counts to figures that may leave the vault: the one place the suppression rules
//! live, so the Trends screen, the signed report and the JSON export can never disagree.
//!
//! The rules, as official statistics apply them (see docs/trends.md):
//! 1. A count of 1 to 4 is shown as "fewer than 5". Zero is shown: it identifies nobody.
//! 2. When a group of figures that could be set against each other (the incidents' tables;
//!    the referrals; the checklists) hides a count, every figure of the group is rounded to the
//!    nearest 5 ("about 35"), its totals included: a total alone rounded could be undone by
//!    adding up another table's exact rows.
//! 3. If adding and subtracting what is left could still narrow a "fewer than 5" to one value,
//!    the figures that do it are withheld ("not shown"): the total first.
//! 4. Times to a decision or a referral are shown only over 5 incidents or more.
//!
//! Nothing is carried but counts and labels of the vocabulary: no name, reference or word the
//! DSL typed ("other" sexes are counted, never quoted; checklists by their published titles).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{Compared, Period, Waits};
use crate::records::incidents::{Category, FourC, Status};
use crate::records::people::YearGroup;
use crate::referral::Recipient;
use crate::Result;

/// The smallest count shown as it is.
pub const SMALLEST_SHOWN: u32 = 5;

/// A figure as it may be shown outside the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Figure {
    /// Zero, or 5 and more.
    Exact { n: u32 },
    /// 1 to 4.
    FewerThanFive,
    /// Rounded to the nearest 5 (rule 2): the true count is within 2 of it, and 5 or more.
    About { n: u32 },
    /// Several schools' figures added up when some were "fewer than 5" or "about".
    Between { low: u32, high: u32 },
    /// Not shown at all: with it, a count shown as "fewer than 5" could be worked out (rule 2).
    Withheld,
}

impl Figure {
    /// A count, with rule 1.
    pub fn of(n: u32) -> Figure {
        if n == 0 || n >= SMALLEST_SHOWN {
            Figure::Exact { n }
        } else {
            Figure::FewerThanFive
        }
    }

    /// A count rounded to the nearest 5 (rule 2): "about 10" for 8 to 12; 5 to 7 are "about 5".
    pub fn rounded(n: u32) -> Figure {
        match Figure::of(n) {
            Figure::Exact { n } if n > 0 => Figure::About { n: (n + 2) / 5 * 5 },
            f => f,
        }
    }

    /// The least and the most it can stand for.
    pub fn bounds(self) -> (u32, u32) {
        match self {
            Figure::Exact { n } => (n, n),
            Figure::FewerThanFive => (1, SMALLEST_SHOWN - 1),
            // Rounded from 5 or more: "about 5" is 5 to 7.
            Figure::About { n } => (n.saturating_sub(2).max(SMALLEST_SHOWN), n + 2),
            Figure::Between { low, high } => (low, high),
            Figure::Withheld => (0, u32::MAX),
        }
    }

    pub fn hides(self) -> bool {
        !matches!(self, Figure::Exact { .. })
    }

    /// How it reads: "12", "fewer than 5", "about 35", "12 to 18".
    pub fn text(self) -> String {
        match self {
            Figure::Exact { n } => n.to_string(),
            Figure::FewerThanFive => "fewer than 5".into(),
            Figure::About { n } => format!("about {n}"),
            Figure::Between { low, high } => format!("{low} to {high}"),
            Figure::Withheld => "not shown".into(),
        }
    }

    /// Figures added up (several schools'), keeping rule 1 for the sum.
    pub fn sum(figures: impl IntoIterator<Item = Figure>) -> Figure {
        let (mut low, mut high) = (0u32, 0u32);
        for f in figures {
            if f == Figure::Withheld {
                return Figure::Withheld;
            }
            let (l, h) = f.bounds();
            low = low.saturating_add(l);
            high = high.saturating_add(h);
        }
        if low == high {
            Figure::of(low)
        } else if low >= 1 && high < SMALLEST_SHOWN {
            Figure::FewerThanFive
        } else {
            Figure::Between { low, high }
        }
    }

    /// The middle of what it can stand for: how big a change looks, for ordering sentences.
    fn midpoint(self) -> f64 {
        let (l, h) = self.bounds();
        (f64::from(l) + f64::from(h)) / 2.0
    }
}

/// One line of a table: a label of the vocabulary, this period's figure and the one before's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// Stable across schools and versions (a category's stored name, "m1" for a period's first
    /// month…), so files from several schools line up.
    pub key: String,
    pub label: String,
    pub now: Figure,
    pub before: Figure,
    /// What the "before" figure is of, when it differs from the label (a month's row).
    #[serde(default)]
    pub before_label: Option<String>,
    /// Each school's figure for this period, in the report's order of schools (a trust-wide
    /// report only).
    #[serde(default)]
    pub schools: Vec<Figure>,
}

/// A table of the report, and the chart drawn from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub key: String,
    pub title: String,
    /// A sentence under the title saying what is counted.
    pub note: String,
    pub rows: Vec<Row>,
    /// The total line, where the rows add up to something.
    pub total: Option<Row>,
    /// Drawn as a line (months) rather than bars.
    #[serde(default)]
    pub line: bool,
}

/// A time to a decision or a referral, as published (rule 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct WaitFigures {
    pub incidents: Figure,
    /// Whole minutes; `None` when over fewer than 5 incidents (or none).
    pub median_minutes: Option<u32>,
    pub slowest_minutes: Option<u32>,
}

impl WaitFigures {
    fn of(w: Waits) -> WaitFigures {
        let shown = w.incidents >= SMALLEST_SHOWN;
        WaitFigures {
            incidents: Figure::of(w.incidents),
            median_minutes: w.median_minutes.filter(|_| shown),
            slowest_minutes: w.slowest_minutes.filter(|_| shown),
        }
    }

    /// "median 6 hours, slowest 3 days" or why it is not shown.
    pub fn text(&self) -> String {
        match (self.median_minutes, self.slowest_minutes) {
            (Some(m), Some(s)) => format!("median {}, slowest {}", duration(m), duration(s)),
            _ if self.incidents == (Figure::Exact { n: 0 }) => "none".into(),
            _ => "not shown: fewer than 5 incidents".into(),
        }
    }
}

/// "40 minutes", "5 hours", "2 days 3 hours" (rounded down).
pub fn duration(minutes: u32) -> String {
    let plural = |n: u32, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let h = minutes / 60;
    match (h / 24, h % 24) {
        (0, 0) => plural(minutes, "minute"),
        (0, h) => plural(h, "hour"),
        (d, 0) => plural(d, "day"),
        (d, h) => format!("{} {}", plural(d, "day"), plural(h, "hour")),
    }
}

/// One published wait: what it measures, now and before (each school's in a trust report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct WaitRow {
    pub key: String,
    pub label: String,
    pub now: WaitFigures,
    pub before: WaitFigures,
    #[serde(default)]
    pub schools: Vec<WaitFigures>,
}

/// Everything a trends report shows: counts and vocabulary labels only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The school's name, or the schools' in a trust-wide report.
    pub schools: Vec<String>,
    pub period: Period,
    pub before: Period,
    /// All incidents reported in the period (the total of the category, month and status
    /// tables).
    pub incidents: Row,
    pub tables: Vec<Table>,
    pub waits: Vec<WaitRow>,
    /// What changed most, in plain sentences.
    pub sentences: Vec<String>,
}

impl Report {
    pub fn table(&self, key: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.key == key)
    }

    /// No incident in the period (the report says so plainly).
    pub fn is_empty(&self) -> bool {
        self.incidents.now == (Figure::Exact { n: 0 })
    }
}

/// Applies the rules to one school's counts.
pub fn publish(school: &str, c: &Compared) -> Result<Report> {
    let (now, before) = (&c.now, &c.before);
    let period = now
        .period
        .ok_or_else(|| crate::Error::Internal("counts without a period".into()))?;
    let before_period = before
        .period
        .ok_or_else(|| crate::Error::Internal("counts without a period".into()))?;
    let row = |key: &str, label: &str, n: u32, b: u32| Row {
        key: key.into(),
        label: label.into(),
        now: Figure::Exact { n },
        before: Figure::Exact { n: b },
        before_label: None,
        schools: Vec::new(),
    };
    let categories: Vec<Row> = Category::ALL
        .iter()
        .map(|k| {
            row(
                k.as_str(),
                k.label(),
                get(&now.by_category, k),
                get(&before.by_category, k),
            )
        })
        .collect();
    let statuses: Vec<Row> = Status::ALL
        .iter()
        .map(|k| {
            row(
                k.as_str(),
                k.label(),
                get(&now.by_status, k),
                get(&before.by_status, k),
            )
        })
        .collect();
    let now_months = months(period);
    let before_months = months(before_period);
    let month_rows: Vec<Row> = now_months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let b = before_months.get(i);
            Row {
                before_label: b.map(|b| month_label(*b)),
                ..row(
                    &format!("m{}", i + 1),
                    &month_label(*m),
                    get(&now.by_month, m),
                    b.map_or(0, |b| get(&before.by_month, b)),
                )
            }
        })
        .collect();

    let incidents = row(
        "incidents",
        "All incidents",
        now.incidents,
        before.incidents,
    );
    let total_row = |n: u32, b: u32, label: &str| row("total", label, n, b);

    let four_cs = FourC::ALL
        .iter()
        .map(|k| {
            row(
                k.as_str(),
                k.label(),
                get(&now.by_four_c, k),
                get(&before.by_four_c, k),
            )
        })
        .collect();

    let mut years: Vec<Option<YearGroup>> = now
        .by_year_group
        .keys()
        .chain(before.by_year_group.keys())
        .copied()
        .collect();
    // Known year groups in the school's order, "not recorded" last.
    years.sort_by_key(|y| y.map_or(usize::MAX, |y| y as usize));
    years.dedup();
    let year_rows = years
        .iter()
        .map(|y| {
            let (key, label) = match y {
                Some(y) => (y.as_str(), y.label()),
                None => ("not_recorded", "Not recorded"),
            };
            row(
                key,
                label,
                get(&now.by_year_group, y),
                get(&before.by_year_group, y),
            )
        })
        .collect();

    let sex_rows = [
        ("female", "Female"),
        ("male", "Male"),
        ("other", "Described otherwise"),
        ("", "Not recorded"),
    ]
    .iter()
    .map(|(k, label)| {
        row(
            if k.is_empty() { "not_recorded" } else { k },
            label,
            get(&now.by_sex, k),
            get(&before.by_sex, k),
        )
    })
    .collect();

    let referral_rows: Vec<Row> = Recipient::ALL
        .iter()
        .map(|k| {
            row(
                k.as_str(),
                recipient_label(*k),
                get(&now.referrals, k),
                get(&before.referrals, k),
            )
        })
        .collect();
    let referral_total = total_row(
        now.referrals.values().sum(),
        before.referrals.values().sum(),
        "All referrals",
    );

    let mut titles: Vec<&String> = now
        .checklists
        .keys()
        .chain(before.checklists.keys())
        .collect();
    titles.sort();
    titles.dedup();
    let checklist_rows: Vec<Row> = titles
        .iter()
        .map(|t| {
            row(
                &checklist_key(t),
                t,
                get(&now.checklists, *t),
                get(&before.checklists, *t),
            )
        })
        .collect();
    let checklist_total = total_row(
        now.checklists.values().sum(),
        before.checklists.values().sum(),
        "All checklists",
    );

    let other_rows = vec![
        row(
            "children_in_more_than_one",
            "Children in more than one incident",
            now.children_in_more_than_one,
            before.children_in_more_than_one,
        ),
        row(
            "actions_overdue",
            "Actions open past their due date today",
            now.actions_overdue,
            before.actions_overdue,
        ),
        row(
            "filtering_and_monitoring",
            "Concerns from filtering and monitoring",
            now.filtering_and_monitoring,
            before.filtering_and_monitoring,
        ),
    ];

    // The rows are exact counts so far; now the rules, for all of a side at once (rule 2:
    // one exact table could otherwise be added up to undo another's rounding), then the check
    // that no hidden count can be worked out from what is left.
    let (mut categories, mut statuses, mut month_rows, mut incidents) =
        (categories, statuses, month_rows, incidents);
    let (mut referral_rows, mut referral_total) = (referral_rows, referral_total);
    let (mut checklist_rows, mut checklist_total) = (checklist_rows, checklist_total);
    let (mut four_cs, mut year_rows, mut sex_rows, mut other_rows) =
        (four_cs, year_rows, sex_rows, other_rows);
    // Rounding is decided for each group of figures that could be set against each other:
    // the incidents' tables; the referrals; the checklists; each other figure alone.
    {
        let mut of_incidents: Vec<&mut Row> = vec![&mut incidents];
        for t in [
            &mut categories,
            &mut statuses,
            &mut month_rows,
            &mut four_cs,
            &mut year_rows,
            &mut sex_rows,
        ] {
            of_incidents.extend(t.iter_mut());
        }
        publish_counts(&mut of_incidents);
    }
    for (rows, total) in [
        (&mut referral_rows, &mut referral_total),
        (&mut checklist_rows, &mut checklist_total),
    ] {
        let mut group: Vec<&mut Row> = vec![total];
        group.extend(rows.iter_mut());
        publish_counts(&mut group);
    }
    for r in other_rows.iter_mut() {
        publish_counts(&mut [r]);
    }
    // Each count of the 4 Cs, a year group or a sex is of incidents, so the total is at least
    // as large: a reader can use that too, so those tables may have to be withheld as well.
    withhold_until_safe(
        &mut [&mut categories, &mut month_rows, &mut statuses],
        &mut incidents,
        &mut [&mut four_cs, &mut year_rows, &mut sex_rows],
    );
    withhold_until_safe(&mut [&mut referral_rows], &mut referral_total, &mut []);
    withhold_until_safe(&mut [&mut checklist_rows], &mut checklist_total, &mut []);
    // The same count as the category's row, published as that row is.
    if let (Some(from), Some(to)) = (
        categories
            .iter()
            .find(|r| r.key == Category::FilteringBreach.as_str()),
        other_rows
            .iter_mut()
            .find(|r| r.key == "filtering_and_monitoring"),
    ) {
        to.now = from.now;
        to.before = from.before;
    }

    let with_total = |rows: Vec<Row>| {
        let total = Row {
            key: "total".into(),
            label: "All incidents".into(),
            ..incidents.clone()
        };
        (rows, Some(total))
    };
    let (categories, categories_total) = with_total(categories);
    let (month_rows, months_total) = with_total(month_rows);
    let (statuses, statuses_total) = with_total(statuses);

    let tables = vec![
        Table {
            key: "category".into(),
            title: "Incidents by category".into(),
            note: "Each incident is in one category.".into(),
            rows: categories,
            total: categories_total,
            line: false,
        },
        Table {
            key: "month".into(),
            title: "Incidents by month reported".into(),
            note: "By the month the incident was reported to the DSL (UK time). The period \
                   before is shown month by month beside it."
                .into(),
            rows: month_rows,
            total: months_total,
            line: true,
        },
        Table {
            key: "four_cs".into(),
            title: "Incidents by the 4 Cs of online risk".into(),
            note: "Content, contact, conduct and commerce (KCSIE). An incident may be in more \
                   than one, or none."
                .into(),
            rows: four_cs,
            total: None,
            line: false,
        },
        Table {
            key: "year_group".into(),
            title: "Incidents by year group".into(),
            note: "Incidents with a child of each year group, as recorded now. An incident \
                   with children in two year groups counts in both."
                .into(),
            rows: year_rows,
            total: None,
            line: false,
        },
        Table {
            key: "sex".into(),
            title: "Incidents by sex of the children involved".into(),
            note: "As the DSL recorded it. An incident with a girl and a boy counts in both."
                .into(),
            rows: sex_rows,
            total: None,
            line: false,
        },
        Table {
            key: "status".into(),
            title: "Incidents by status now".into(),
            note: "Where each incident stands today.".into(),
            rows: statuses,
            total: statuses_total,
            line: false,
        },
        Table {
            key: "referrals".into(),
            title: "Referrals issued, by recipient".into(),
            note: "Signed referrals issued from Casebook in the period. Referrals made by \
                   phone alone are in the chronology, not here."
                .into(),
            rows: referral_rows,
            total: Some(referral_total),
            line: false,
        },
        Table {
            key: "checklists".into(),
            title: "Response checklists started".into(),
            note: "By the checklist's title.".into(),
            rows: checklist_rows,
            total: Some(checklist_total),
            line: false,
        },
        Table {
            key: "other".into(),
            title: "Other figures".into(),
            note: "Children are counted, never named. Concerns from filtering and monitoring \
                   are incidents recorded in the filtering or monitoring category."
                .into(),
            rows: other_rows,
            total: None,
            line: false,
        },
    ];
    let waits = vec![
        WaitRow {
            key: "to_first_decision".into(),
            label: "From report to the first decision".into(),
            now: WaitFigures::of(now.to_first_decision),
            before: WaitFigures::of(before.to_first_decision),
            schools: Vec::new(),
        },
        WaitRow {
            key: "to_first_referral".into(),
            label: "From report to the first referral issued".into(),
            now: WaitFigures::of(now.to_first_referral),
            before: WaitFigures::of(before.to_first_referral),
            schools: Vec::new(),
        },
    ];
    let mut report = Report {
        schools: vec![school.to_owned()],
        period,
        before: before_period,
        incidents,
        tables,
        waits,
        sentences: Vec::new(),
    };
    report.sentences = sentences(&report);
    Ok(report)
}

type Side = fn(&Row) -> Figure;
type SideMut = fn(&mut Row) -> &mut Figure;
const SIDES: [(Side, SideMut); 2] = [
    (|r| r.now, |r| &mut r.now),
    (|r| r.before, |r| &mut r.before),
];

/// Rules 1 and 2 for a group of counts that could be set against each other (each side, this
/// period and the one before, apart): when any count of that side is 1 to 4, every figure of
/// that side is rounded to the nearest 5 and the small ones shown as "fewer than 5"; otherwise every figure is exact.
/// Rounding them all, not the total alone, is what stops one exact table (the 4 Cs, a month)
/// being added up to undo another's suppression (`no_hidden_count_can_be_worked_out`).
fn publish_counts(rows: &mut [&mut Row]) {
    for (get, set) in SIDES {
        let hides = rows
            .iter()
            .any(|r| matches!(get(r), Figure::Exact { n } if (1..SMALLEST_SHOWN).contains(&n)));
        for r in rows.iter_mut() {
            let f = set(r);
            let n = f.bounds().0;
            *f = if hides {
                Figure::rounded(n)
            } else {
                Figure::of(n)
            };
        }
    }
}

/// The check a reader could make on tables that add up to `total`: add and subtract every
/// published figure and see whether any "fewer than 5" is left with a single possible value
/// (two of them under a total of about 10 could both be 4, and nothing else). While one is,
/// the figures that pin it are withheld: the total first, then the tables after the first
/// (the first is what the report is for: incidents by category). `bounded`: tables whose
/// every count is at most the total (so each proves a floor under it); withheld after the
/// total, before the other tables.
fn withhold_until_safe(
    tables: &mut [&mut Vec<Row>],
    total: &mut Row,
    bounded: &mut [&mut Vec<Row>],
) {
    for (get, set) in SIDES {
        let mut next = tables.len();
        loop {
            let floor = bounded
                .iter()
                .flat_map(|t| t.iter())
                .map(|r| i64::from(get(r).bounds().0))
                .max()
                .unwrap_or(0);
            if !pinned(tables, total, get, floor) {
                break;
            }
            if get(total) != Figure::Withheld {
                *set(total) = Figure::Withheld;
            } else if floor > 0 {
                for r in bounded.iter_mut().flat_map(|t| t.iter_mut()) {
                    *set(r) = Figure::Withheld;
                }
            } else if next > 1 {
                next -= 1;
                for r in tables[next].iter_mut() {
                    *set(r) = Figure::Withheld;
                }
            } else {
                break; // the first table alone: its rows vary independently
            }
        }
    }
}

/// Whether some "fewer than 5" on one side of these tables can be worked out exactly.
fn pinned(tables: &[&mut Vec<Row>], total: &Row, side: Side, floor: i64) -> bool {
    let range = |rows: &mut dyn Iterator<Item = &Row>| {
        rows.fold((0i64, 0i64), |(l, h), r| {
            let (a, b) = side(r).bounds();
            (l + i64::from(a), h.saturating_add(i64::from(b)))
        })
    };
    let (lo, hi) = side(total).bounds();
    let (mut lo, mut hi) = (i64::from(lo).max(floor), i64::from(hi));
    for t in tables {
        let (a, b) = range(&mut t.iter());
        lo = lo.max(a);
        hi = hi.min(b);
    }
    tables.iter().any(|t| {
        t.iter().enumerate().any(|(j, r)| {
            if side(r) != Figure::FewerThanFive {
                return false;
            }
            let (ol, oh) = range(
                &mut t
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != j)
                    .map(|(_, r)| r),
            );
            (1..i64::from(SMALLEST_SHOWN))
                .filter(|v| lo - oh <= *v && *v <= hi - ol)
                .count()
                < 2
        })
    })
}

fn get<K: Ord>(map: &std::collections::BTreeMap<K, u32>, k: &K) -> u32 {
    map.get(k).copied().unwrap_or(0)
}

fn recipient_label(r: Recipient) -> &'static str {
    match r {
        Recipient::Police => "Police",
        Recipient::SocialCare => "Children's social care",
        Recipient::Lado => "LADO",
    }
}

/// A checklist title as a key: lower case, words joined by "_".
fn checklist_key(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// The calendar months a period touches, in order.
fn months(p: Period) -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    let mut d = NaiveDate::from_ymd_opt(p.first.year(), p.first.month(), 1);
    while let Some(m) = d {
        if m > p.last {
            break;
        }
        out.push((m.year(), m.month()));
        d = m.checked_add_months(chrono::Months::new(1));
    }
    out
}

fn month_label((y, m): (i32, u32)) -> String {
    NaiveDate::from_ymd_opt(y, m, 1).map_or_else(String::new, |d| d.format("%B %Y").to_string())
}

/// A few plain sentences: the total against the period before, the categories that changed
/// most (only changes the published figures prove), referrals, repeat involvement.
pub fn sentences(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let schools = if r.schools.len() > 1 {
        format!(" across {} schools", r.schools.len())
    } else {
        String::new()
    };
    if r.is_empty() {
        out.push(format!(
            "No incidents were recorded{schools} from {}.",
            r.period.describe()
        ));
    } else if r.incidents.now == Figure::Withheld {
        out.push(format!(
            "The number of incidents{schools} from {} is not shown: with it, a count shown as \
             \"fewer than 5\" could be worked out.",
            r.period.describe()
        ));
    } else {
        out.push(format!(
            "{} reported{schools} from {}, against {} in the period before.",
            capitalise(&count_of(r.incidents.now, "incident was", "incidents were")),
            r.period.describe(),
            r.incidents.before.text()
        ));
    }
    if let Some(t) = r.table("category") {
        let mut changes: Vec<(f64, String)> = t
            .rows
            .iter()
            .filter_map(|row| {
                let (nl, nh) = row.now.bounds();
                let (bl, bh) = row.before.bounds();
                let verb = if nl > bh {
                    "rose"
                } else if nh < bl {
                    "fell"
                } else {
                    return None;
                };
                Some((
                    (row.now.midpoint() - row.before.midpoint()).abs(),
                    format!(
                        "Reports of {} {verb} from {} to {}.",
                        lower_first(&row.label),
                        row.before.text(),
                        row.now.text()
                    ),
                ))
            })
            .collect();
        changes.sort_by(|a, b| b.0.total_cmp(&a.0));
        out.extend(changes.into_iter().take(3).map(|(_, s)| s));
    }
    if let Some(total) = r.table("referrals").and_then(|t| t.total.as_ref()) {
        if total.now != (Figure::Exact { n: 0 }) || total.before != (Figure::Exact { n: 0 }) {
            out.push(format!(
                "{} issued, against {} in the period before.",
                capitalise(&count_of(total.now, "referral was", "referrals were")),
                total.before.text()
            ));
        }
    }
    if let Some(row) = r
        .table("other")
        .and_then(|t| t.rows.iter().find(|r| r.key == "children_in_more_than_one"))
    {
        if row.now != (Figure::Exact { n: 0 }) {
            out.push(format!(
                "{} in more than one incident.",
                capitalise(&count_of(row.now, "child was", "children were"))
            ));
        }
    }
    out
}

fn count_of(f: Figure, one: &str, many: &str) -> String {
    match f {
        Figure::Exact { n: 1 } => format!("1 {one}"),
        f => format!("{} {many}", f.text()),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// The report as plain text (the command line prints it): the sentences, then each table with
/// its figures now and before, each school's in a trust-wide report.
pub fn plain_text(r: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "Trends: {}", r.schools.join(", "));
    let _ = writeln!(
        out,
        "{}, compared with {}",
        r.period.describe(),
        r.before.describe()
    );
    out.push('\n');
    for s in &r.sentences {
        let _ = writeln!(out, "{s}");
    }
    let several = r.schools.len() > 1;
    let line = |out: &mut String, row: &Row| {
        let before = match &row.before_label {
            Some(b) => format!("{} ({b})", row.before.text()),
            None => row.before.text(),
        };
        let _ = write!(
            out,
            "  {:<48} {:>14}  before {:>14}",
            row.label,
            row.now.text(),
            before
        );
        if several {
            let each: Vec<String> = row.schools.iter().map(|f| f.text()).collect();
            let _ = write!(out, "  schools: {}", each.join(" | "));
        }
        out.push('\n');
    };
    if r.is_empty() {
        return out;
    }
    for t in &r.tables {
        let _ = writeln!(out, "\n{}\n  {}", t.title, t.note);
        for row in &t.rows {
            line(&mut out, row);
        }
        if let Some(total) = &t.total {
            line(&mut out, total);
        }
    }
    let _ = writeln!(out, "\nTimes");
    for w in &r.waits {
        let _ = writeln!(
            out,
            "  {:<48} {}  (before: {})",
            w.label,
            w.now.text(),
            w.before.text()
        );
        if several {
            for (school, f) in r.schools.iter().zip(&w.schools) {
                let _ = writeln!(out, "    {school}: {}", f.text());
            }
        }
    }
    let _ = writeln!(
        out,
        "\nCounts of 1 to 4 are shown as \"fewer than 5\"; where one is, the figures beside it are \
         rounded to the nearest 5 (\"about\"). No child is named or can be identified."
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_one_to_four_are_never_shown() {
        assert_eq!(Figure::of(0), Figure::Exact { n: 0 });
        for n in 1..5 {
            assert_eq!(Figure::of(n), Figure::FewerThanFive);
            assert_eq!(Figure::of(n).text(), "fewer than 5");
        }
        assert_eq!(Figure::of(5), Figure::Exact { n: 5 });
    }

    fn raw(counts: &[u32]) -> Vec<Row> {
        counts
            .iter()
            .enumerate()
            .map(|(i, n)| Row {
                key: i.to_string(),
                label: String::new(),
                now: Figure::Exact { n: *n },
                before: Figure::Exact { n: 0 },
                before_label: None,
                schools: Vec::new(),
            })
            .collect()
    }

    /// The least and most a table's rows can add up to.
    fn range(rows: &[Row]) -> (i64, i64) {
        rows.iter().fold((0, 0), |(l, h), r| {
            let (a, b) = r.now.bounds();
            (l + i64::from(a), h.saturating_add(i64::from(b)))
        })
    }

    /// For every "fewer than 5", the values it could be given everything else published:
    /// what the total can be (every table's rows, and the total's own figure, agree on it),
    /// less what the other rows of its table can add up to.
    fn values_left(tables: &[Vec<Row>], total: &Row, floor: i64) -> Vec<Vec<i64>> {
        let (lo, hi) = total.now.bounds();
        let (mut lo, mut hi) = (i64::from(lo).max(floor), i64::from(hi));
        for t in tables {
            let (a, b) = range(t);
            lo = lo.max(a);
            hi = hi.min(b);
        }
        let mut out = Vec::new();
        for t in tables {
            for (j, r) in t.iter().enumerate() {
                if r.now != Figure::FewerThanFive {
                    continue;
                }
                let others: Vec<Row> = t
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != j)
                    .map(|(_, r)| r.clone())
                    .collect();
                let (ol, oh) = range(&others);
                out.push((1..5).filter(|v| lo - oh <= *v && *v <= hi - ol).collect());
            }
        }
        out
    }

    #[test]
    fn no_hidden_count_can_be_worked_out() {
        // Every way of putting up to 21 incidents in three categories, with several ways of
        // splitting them over two months and two statuses: each published the way a report
        // publishes its three tables. No "fewer than 5" may be narrowed to a single value by
        // adding and subtracting the other figures.
        for a in 0..8u32 {
            for b in 0..8u32 {
                for c in 0..8u32 {
                    let total = a + b + c;
                    let splits = [0, 1, total / 2, total.saturating_sub(1), total];
                    for m in splits {
                        for st in splits {
                            let (m, st) = (m.min(total), st.min(total));
                            let mut categories = raw(&[a, b, c]);
                            let mut months = raw(&[m, total - m]);
                            let mut statuses = raw(&[st, total - st]);
                            let mut all = raw(&[total]).remove(0);
                            // Every incident in the same one of the 4 Cs: that count is
                            // the total, and says so to a reader (a floor).
                            let mut four_cs = raw(&[total]);
                            {
                                let mut rows: Vec<&mut Row> = vec![&mut all];
                                for t in [&mut categories, &mut months, &mut statuses, &mut four_cs]
                                {
                                    rows.extend(t.iter_mut());
                                }
                                publish_counts(&mut rows);
                            }
                            withhold_until_safe(
                                &mut [&mut categories, &mut months, &mut statuses],
                                &mut all,
                                &mut [&mut four_cs],
                            );
                            let floor = i64::from(four_cs[0].now.bounds().0);
                            let tables = [categories, months, statuses];
                            let left_over = values_left(&tables, &all, floor);
                            for (k, left) in left_over.iter().enumerate() {
                                assert!(
                                    left.len() >= 2,
                                    "{a}+{b}+{c}, months {m}, statuses {st}: hidden count {k} \
                                     can only be {left:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn tables_that_hide_nothing_are_exact() {
        let mut categories = raw(&[12, 0, 7]);
        let mut all = raw(&[19]).remove(0);
        let mut rows: Vec<&mut Row> = vec![&mut all];
        rows.extend(categories.iter_mut());
        publish_counts(&mut rows);
        assert_eq!(all.now, Figure::Exact { n: 19 });
        assert_eq!(categories[0].now, Figure::Exact { n: 12 });
        assert_eq!(Figure::rounded(7), Figure::About { n: 5 });
        assert_eq!(Figure::rounded(8), Figure::About { n: 10 });
        assert_eq!(Figure::rounded(3), Figure::FewerThanFive);
        assert_eq!(Figure::About { n: 5 }.bounds(), (5, 7));
    }

    #[test]
    fn added_figures_keep_what_each_hides() {
        let f = Figure::sum([Figure::of(12), Figure::FewerThanFive, Figure::of(0)]);
        assert_eq!(f, Figure::Between { low: 13, high: 16 });
        assert_eq!(f.text(), "13 to 16");
        assert_eq!(
            Figure::sum([Figure::of(7), Figure::of(9)]),
            Figure::Exact { n: 16 }
        );
        assert_eq!(
            Figure::sum([Figure::of(0), Figure::of(0)]),
            Figure::Exact { n: 0 }
        );
        assert_eq!(
            Figure::sum([Figure::FewerThanFive, Figure::of(0)]),
            Figure::FewerThanFive
        );
        // Two schools' "fewer than 5" can be 2 to 8: shown as a range, never a small exact.
        assert_eq!(
            Figure::sum([Figure::FewerThanFive, Figure::FewerThanFive]),
            Figure::Between { low: 2, high: 8 }
        );
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(1), "1 minute");
        assert_eq!(duration(40), "40 minutes");
        assert_eq!(duration(60), "1 hour");
        assert_eq!(duration(5 * 60 + 59), "5 hours");
        assert_eq!(duration(24 * 60), "1 day");
        assert_eq!(duration(51 * 60), "2 days 3 hours");
    }
}
