//! Dates and times as a person types them in the window, read here and nowhere else.
//!
//! A date is typed in three boxes, day, month and year, as the GOV.UK Design System's date
//! input asks for it ("For example, 27 3 2012"); a time of day as 24-hour hours and minutes
//! ("14:30"), in UK time. The window sends what was typed; the core reads it inside the same
//! check as every other field, so every problem of a form is reported at once, each in a
//! sentence for its field. The messages follow the Design System's date input guidance: "must
//! include a month", "must be a real date".
//!
//! [`Moment`] and [`Day`] carry either what was typed or a value already known (a stored time,
//! the command line's, "now"): forms editing a record send the stored value back unchanged.
//! What is stored is always the plain value: a `Day` serialises as `YYYY-MM-DD`, so records
//! that hold one keep their format.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{from_uk, long_date, ClockChoice, UkTime};
use crate::error::{Field, Form};
use crate::Error;

/// A date typed in three boxes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DateParts {
    pub day: String,
    pub month: String,
    pub year: String,
}

/// A date and a 24-hour time typed in UK time; `clock` says which was meant when the time
/// happened twice (the night the clocks go back).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TimeParts {
    pub date: DateParts,
    pub time: String,
    #[serde(default)]
    pub clock: Option<ClockChoice>,
}

/// A moment in a form: as typed, or already known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum Moment {
    At(DateTime<Utc>),
    Typed(TimeParts),
}

impl Moment {
    /// The UK date it falls on, as far as it can be read (a typed date alone is enough); `None`
    /// when the date typed is not yet a date.
    pub fn uk_date(&self) -> Option<NaiveDate> {
        match self {
            Moment::At(t) => Some(super::uk_date(*t)),
            Moment::Typed(parts) => date_from_parts(&parts.date).ok().flatten(),
        }
    }
}

impl From<DateTime<Utc>> for Moment {
    fn from(at: DateTime<Utc>) -> Self {
        Moment::At(at)
    }
}

/// A date in a form: as typed, or already known. Stored, it is always `On`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum Day {
    On(NaiveDate),
    Typed(DateParts),
}

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day::On(d)
    }
}

impl Day {
    /// The date, once read (`None` for one still as typed, which a record never holds).
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Day::On(d) => Some(*d),
            Day::Typed(_) => None,
        }
    }
}

/// Reads `day` for `field`: `None` when nothing was typed; a problem goes to `form`.
pub fn read_day(form: &mut Form, field: Field, day: Option<&Day>) -> Option<NaiveDate> {
    match day? {
        Day::On(d) => Some(*d),
        Day::Typed(parts) => match date_from_parts(parts) {
            Ok(d) => d,
            Err(problem) => {
                form.add(Error::field(field, &problem));
                None
            }
        },
    }
}

/// Reads `moment` for `field`: `None` when nothing was typed; a problem goes to `form`. The
/// hour that happened twice, with no choice made, is reported on [`Field::ClockChoice`], where
/// the window asks which.
pub fn read_moment(
    form: &mut Form,
    field: Field,
    moment: Option<&Moment>,
) -> Option<DateTime<Utc>> {
    match moment? {
        Moment::At(t) => Some(*t),
        Moment::Typed(parts) => match moment_from_parts(parts) {
            Ok(t) => t,
            Err((on, problem)) => {
                form.add(Error::field(on.unwrap_or(field), &problem));
                None
            }
        },
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month as a number (1 to 12) or its English name, in full or its first three letters.
fn month(s: &str) -> Option<u32> {
    let s = s.trim().to_lowercase();
    if let Ok(n) = s.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&s) && (s.len() == 3 || *m == s))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// The date typed, `None` when all three boxes are empty, or the problem in words.
pub fn date_from_parts(p: &DateParts) -> Result<Option<NaiveDate>, String> {
    let (d, m, y) = (blank(&p.day), blank(&p.month), blank(&p.year));
    if d && m && y {
        return Ok(None);
    }
    let missing: Vec<&str> = [(d, "a day"), (m, "a month"), (y, "a year")]
        .into_iter()
        .filter_map(|(gone, name)| gone.then_some(name))
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(format!("must include {one}")),
        [a, b] => {
            return Err(format!(
                "must include {a} and {}",
                b.trim_start_matches("a ")
            ))
        }
        _ => return Err("enter a date".into()),
    }
    let year = p.year.trim();
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the year must include 4 numbers, for example 2012".into());
    }
    let real = || "must be a real date, for example 27 3 2012".to_owned();
    let day: u32 = p.day.trim().parse().map_err(|_| real())?;
    let month = month(&p.month).ok_or_else(real)?;
    let year: i32 = year.parse().map_err(|_| real())?;
    NaiveDate::from_ymd_opt(year, month, day)
        .map(Some)
        .ok_or_else(real)
}

/// A 24-hour time: "14:30", "14.30", "1430", "9:05"; or "2:30pm".
fn time_of_day(s: &str) -> Option<NaiveTime> {
    let s = s.trim().to_lowercase().replace(' ', "");
    let (s, pm) = match (s.strip_suffix("pm"), s.strip_suffix("am")) {
        (Some(t), _) => (t.to_owned(), Some(true)),
        (_, Some(t)) => (t.to_owned(), Some(false)),
        _ => (s, None),
    };
    let (h, m) = match s.split_once([':', '.']) {
        Some((h, m)) => (h.to_owned(), m.to_owned()),
        None if s.len() == 4 => (s[..2].to_owned(), s[2..].to_owned()),
        None if pm.is_some() && !s.is_empty() && s.len() <= 2 => (s, "00".to_owned()),
        None => return None,
    };
    if m.len() != 2 || h.is_empty() || h.len() > 2 {
        return None;
    }
    let mut hour: u32 = h.parse().ok()?;
    let minute: u32 = m.parse().ok()?;
    match pm {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) if hour != 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The moment typed, `None` when nothing was, or the problem in words (and, for the hour that
/// happened twice, the field that asks which).
pub(super) fn moment_from_parts(
    p: &TimeParts,
) -> Result<Option<DateTime<Utc>>, (Option<Field>, String)> {
    let date = date_from_parts(&p.date).map_err(|e| (None, e))?;
    let Some(date) = date else {
        return if blank(&p.time) {
            Ok(None)
        } else {
            Err((None, "enter the date as well as the time".into()))
        };
    };
    if blank(&p.time) {
        return Err((None, "must include a time, for example 14:30".into()));
    }
    let time = time_of_day(&p.time).ok_or_else(|| {
        (
            None,
            "the time must be a real 24-hour time, for example 14:30".to_owned(),
        )
    })?;
    match (from_uk(date, time).map_err(|e| (None, e))?, p.clock) {
        (UkTime::Exact(t), _) => Ok(Some(t)),
        (UkTime::Twice { bst, .. }, Some(ClockChoice::Bst)) => Ok(Some(bst)),
        (UkTime::Twice { gmt, .. }, Some(ClockChoice::Gmt)) => Ok(Some(gmt)),
        (UkTime::Twice { .. }, None) => Err((
            Some(Field::ClockChoice),
            format!(
                "{} on {} happened twice, because the clocks went back an hour at 2am: choose \
                 the first time (BST) or the second (GMT)",
                time.format("%H:%M"),
                long_date(date)
            ),
        )),
    }
}

/// A date of birth as a DSL may know it: whole, or only the year (or the month and year), which
/// forms still ask for ("Date of birth: 2011, day and month not known").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Whole(NaiveDate),
    /// The year, and the month when known (1 to 12).
    Partly {
        year: i32,
        month: Option<u32>,
    },
}

/// Reads a date of birth for `field`: three boxes with the day left empty mean only the month
/// and year (or only the year) are known. `None` when nothing was typed.
pub fn read_birth(form: &mut Form, field: Field, day: Option<&Day>) -> Option<Birth> {
    let Some(Day::Typed(p)) = day else {
        return read_day(form, field, day).map(Birth::Whole);
    };
    if !blank(&p.day) || blank(&p.year) {
        return read_day(form, field, day).map(Birth::Whole);
    }
    let year = p.year.trim();
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        form.add(Error::field(
            field,
            "the year must include 4 numbers, for example 2012",
        ));
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let month = if blank(&p.month) {
        None
    } else {
        match month(&p.month) {
            Some(m) => Some(m),
            None => {
                form.add(Error::field(
                    field,
                    "the month must be a real month, for example 3 or March",
                ));
                return None;
            }
        }
    };
    Some(Birth::Partly { year, month })
}

impl Birth {
    /// The latest day it can be (the end of the month or year): what a retention period counts
    /// from, so that a record is never deleted early.
    pub fn latest(self) -> Option<NaiveDate> {
        match self {
            Birth::Whole(d) => Some(d),
            Birth::Partly { year, month: None } => NaiveDate::from_ymd_opt(year, 12, 31),
            Birth::Partly {
                year,
                month: Some(m),
            } => {
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, m + 1, 1)
                };
                next.and_then(|n| n.pred_opt())
            }
        }
    }

    /// The earliest day it can be (for checks such as "not in the future").
    pub fn earliest(self) -> Option<NaiveDate> {
        match self {
            Birth::Whole(d) => Some(d),
            Birth::Partly { year, month } => NaiveDate::from_ymd_opt(year, month.unwrap_or(1), 1),
        }
    }
}

/// A date of birth must be in the past, and not before 1900.
pub fn check_birth(form: &mut Form, field: Field, dob: Option<NaiveDate>, today: NaiveDate) {
    if let Some(d) = dob {
        if d > today {
            form.add(Error::field(field, "must be in the past"));
        } else if d.year() < 1900 {
            form.add(Error::field(field, "must be after 1900"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(day: &str, month: &str, year: &str) -> DateParts {
        DateParts {
            day: day.into(),
            month: month.into(),
            year: year.into(),
        }
    }

    fn typed(date: DateParts, time: &str, clock: Option<ClockChoice>) -> TimeParts {
        TimeParts {
            date,
            time: time.into(),
            clock,
        }
    }

    #[test]
    fn dates_read_as_people_type_them_and_problems_say_what_is_missing() {
        let d = |y, m, day| Ok(Some(NaiveDate::from_ymd_opt(y, m, day).unwrap()));
        assert_eq!(date_from_parts(&parts("27", "3", "2012")), d(2012, 3, 27));
        assert_eq!(date_from_parts(&parts(" 07 ", "03", "2012")), d(2012, 3, 7));
        assert_eq!(
            date_from_parts(&parts("27", "March", "2012")),
            d(2012, 3, 27)
        );
        assert_eq!(date_from_parts(&parts("27", "mar", "2012")), d(2012, 3, 27));
        assert_eq!(date_from_parts(&parts("29", "2", "2024")), d(2024, 2, 29));
        assert_eq!(date_from_parts(&parts("", " ", "")), Ok(None));
        for (p, said) in [
            (parts("", "3", "2012"), "must include a day"),
            (parts("27", "", ""), "must include a month and year"),
            (parts("27", "3", "12"), "the year must include 4 numbers"),
            (parts("30", "2", "2026"), "must be a real date"),
            (parts("29", "2", "2025"), "must be a real date"),
            (parts("27", "13", "2012"), "must be a real date"),
            (parts("27", "ma", "2012"), "must be a real date"),
            (parts("x", "3", "2012"), "must be a real date"),
            (
                parts("27", "3", "２０１２"),
                "the year must include 4 numbers",
            ),
        ] {
            let got = date_from_parts(&p).unwrap_err();
            assert!(got.starts_with(said), "{p:?}: {got}");
        }
    }

    #[test]
    fn times_read_in_24_hours_or_with_am_and_pm() {
        let t = |h, m| Some(NaiveTime::from_hms_opt(h, m, 0).unwrap());
        assert_eq!(time_of_day("14:30"), t(14, 30));
        assert_eq!(time_of_day("14.30"), t(14, 30));
        assert_eq!(time_of_day("1430"), t(14, 30));
        assert_eq!(time_of_day("9:05"), t(9, 5));
        assert_eq!(time_of_day("2:30pm"), t(14, 30));
        assert_eq!(time_of_day("12 am"), t(0, 0));
        assert_eq!(time_of_day("12:15pm"), t(12, 15));
        assert_eq!(time_of_day("3pm"), t(15, 0));
        for bad in ["24:00", "14:3", "14:60", "noon", "", "13pm", "1:2:3"] {
            assert_eq!(time_of_day(bad), None, "{bad}");
        }
    }

    /// Both daylight-saving changes of 2026 (29 March, 25 October), and a time just after
    /// midnight in summer, which is the previous day in UTC.
    #[test]
    fn typed_times_are_uk_time_on_both_sides_of_the_clock_changes() {
        let utc = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let read = |p: TimeParts| moment_from_parts(&p);
        assert_eq!(
            read(typed(parts("29", "3", "2026"), "00:30", None)),
            Ok(utc("2026-03-29T00:30:00Z"))
        );
        let gap = read(typed(parts("29", "3", "2026"), "01:30", None)).unwrap_err();
        assert_eq!(gap.0, None);
        assert!(gap.1.contains("no 01:30 on 29 March 2026"), "{}", gap.1);
        assert_eq!(
            read(typed(parts("29", "3", "2026"), "02:00", None)),
            Ok(utc("2026-03-29T01:00:00Z"))
        );
        // 00:30 BST on 1 June is 23:30 UTC on 31 May: the day the DSL typed is kept.
        assert_eq!(
            read(typed(parts("1", "6", "2026"), "00:30", None)),
            Ok(utc("2026-05-31T23:30:00Z"))
        );
        let twice = read(typed(parts("25", "10", "2026"), "01:30", None)).unwrap_err();
        assert_eq!(twice.0, Some(Field::ClockChoice));
        assert!(twice.1.contains("happened twice"), "{}", twice.1);
        assert_eq!(
            read(typed(
                parts("25", "10", "2026"),
                "01:30",
                Some(ClockChoice::Bst)
            )),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            read(typed(
                parts("25", "10", "2026"),
                "01:30",
                Some(ClockChoice::Gmt)
            )),
            Ok(utc("2026-10-25T01:30:00Z"))
        );
        assert_eq!(read(typed(DateParts::default(), "", None)), Ok(None));
        assert!(read(typed(DateParts::default(), "14:30", None)).is_err());
        assert!(read(typed(parts("1", "6", "2026"), "", None)).is_err());
    }

    #[test]
    fn a_form_gets_each_problem_on_its_own_field_and_known_values_pass_through() {
        let mut form = Form::default();
        let at = Utc::now();
        assert_eq!(
            read_moment(&mut form, Field::OccurredAt, Some(&Moment::At(at))),
            Some(at)
        );
        assert_eq!(read_moment(&mut form, Field::OccurredAt, None), None);
        let bad = Moment::Typed(typed(parts("31", "4", "2026"), "10:00", None));
        assert_eq!(read_moment(&mut form, Field::OccurredAt, Some(&bad)), None);
        let bad_day = Day::Typed(parts("", "4", "2026"));
        assert_eq!(
            read_day(&mut form, Field::DateOfBirth, Some(&bad_day)),
            None
        );
        let errors = form.finish().unwrap_err();
        let fields: Vec<Field> = errors.fields().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::OccurredAt, Field::DateOfBirth]);
    }

    #[test]
    fn a_date_of_birth_may_be_only_the_year_or_the_month_and_year() {
        let mut form = Form::default();
        let typed = |d: &str, m: &str, y: &str| Day::Typed(parts(d, m, y));
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            read_birth(&mut form, Field::DateOfBirth, Some(&typed("", "", "2011"))),
            Some(Birth::Partly {
                year: 2011,
                month: None
            })
        );
        let march = read_birth(
            &mut form,
            Field::DateOfBirth,
            Some(&typed("", "March", "2011")),
        )
        .unwrap();
        assert_eq!(march.latest(), Some(d(2011, 3, 31)));
        assert_eq!(march.earliest(), Some(d(2011, 3, 1)));
        let december = Birth::Partly {
            year: 2011,
            month: Some(12),
        };
        assert_eq!(december.latest(), Some(d(2011, 12, 31)));
        assert_eq!(
            read_birth(
                &mut form,
                Field::DateOfBirth,
                Some(&typed("14", "3", "2011"))
            ),
            Some(Birth::Whole(d(2011, 3, 14)))
        );
        assert!(form.is_empty());
        // A day with no month is not a date; a month that is not one is refused.
        assert_eq!(
            read_birth(
                &mut form,
                Field::DateOfBirth,
                Some(&typed("14", "", "2011"))
            ),
            None
        );
        assert_eq!(
            read_birth(
                &mut form,
                Field::DateOfBirth,
                Some(&typed("", "13", "2011"))
            ),
            None
        );
        assert_eq!(form.finish().unwrap_err().fields().len(), 2);
    }

    #[test]
    fn a_stored_day_keeps_its_format() {
        let day = Day::On(NaiveDate::from_ymd_opt(2011, 3, 14).unwrap());
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2011-03-14\"");
        assert_eq!(serde_json::from_str::<Day>("\"2011-03-14\"").unwrap(), day);
        let typed: Day = serde_json::from_str(r#"{"day":"14","month":"3","year":"2011"}"#).unwrap();
        assert_eq!(typed, Day::Typed(parts("14", "3", "2011")));
        let moment: Moment = serde_json::from_str("\"2026-03-29T00:30:00Z\"").unwrap();
        assert!(matches!(moment, Moment::At(_)));
    }
}
