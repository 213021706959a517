//! Stored dates and times as the window shows them. The window asks the core (through one
//! command) rather than converting with the web view's own time-zone data, so that the window,
//! the PDFs and the command line read every time the same way, from the same tz database.

use chrono::{NaiveDate, Timelike};
use serde::Serialize;

use super::{long_date, parse, parse_date, uk, ClockChoice, DateParts, TimeParts, UkTime, UK};

/// How the window shows one stored date or time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Shown {
    /// "3 December 2026, 09:41 GMT" for a time; "3 December 2026" for a date; "March 2011"
    /// for a month; "2011" for a year.
    pub text: String,
    /// The UK date alone: "3 December 2026" (for a month or a year, as `text`).
    pub day: String,
    /// The boxes a form shows for it, in UK time. For a time that happened twice (the night
    /// the clocks go back) `clock` says which, so that saving it unchanged keeps its meaning.
    pub parts: TimeParts,
}

/// Stored text → what the window shows; `None` for text that is not a stored date or time
/// (a date, `YYYY-MM-DD`; a month of birth, `YYYY-MM`; a year, `YYYY`; or RFC 3339).
pub fn show(stored: &str) -> Option<Shown> {
    if let Some(at) = parse(stored) {
        let local = at.with_timezone(&UK);
        let date = local.date_naive();
        let time = local.time().with_second(0)?.with_nanosecond(0)?;
        let clock = match super::from_uk(date, time) {
            Ok(UkTime::Twice { bst, .. }) => {
                Some(if bst == at.with_second(0)?.with_nanosecond(0)? {
                    ClockChoice::Bst
                } else {
                    ClockChoice::Gmt
                })
            }
            _ => None,
        };
        return Some(Shown {
            text: uk(at),
            day: long_date(date),
            parts: TimeParts {
                date: parts_of(date),
                time: local.format("%H:%M").to_string(),
                clock,
            },
        });
    }
    if let Some(date) = parse_date(stored) {
        return Some(Shown {
            text: long_date(date),
            day: long_date(date),
            parts: TimeParts {
                date: parts_of(date),
                ..TimeParts::default()
            },
        });
    }
    let (year, month) = match stored.split_once('-') {
        Some((y, m)) if m.len() == 2 => (y, Some(m.parse::<u32>().ok()?)),
        None => (stored, None),
        Some(_) => return None,
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year.parse().ok()?, month.unwrap_or(1), 1)?;
    let text = match month {
        Some(_) => first.format("%B %Y").to_string(),
        None => year.to_owned(),
    };
    Some(Shown {
        day: text.clone(),
        parts: TimeParts {
            date: DateParts {
                day: String::new(),
                month: month.map(|m| m.to_string()).unwrap_or_default(),
                year: year.to_owned(),
            },
            ..TimeParts::default()
        },
        text,
    })
}

/// Today's date in the UK, as stored.
pub fn uk_today() -> String {
    super::format_date(super::uk_date(chrono::Utc::now()))
}

fn parts_of(d: NaiveDate) -> DateParts {
    use chrono::Datelike;
    DateParts {
        day: d.day().to_string(),
        month: d.month().to_string(),
        year: d.year().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        day: &str,
        month: &str,
        year: &str,
        time: &str,
        clock: Option<ClockChoice>,
    ) -> TimeParts {
        TimeParts {
            date: DateParts {
                day: day.into(),
                month: month.into(),
                year: year.into(),
            },
            time: time.into(),
            clock,
        }
    }

    #[test]
    fn a_time_shows_in_uk_time_on_its_uk_date() {
        let s = show("2026-06-30T23:30:00Z").unwrap();
        assert_eq!(s.text, "1 July 2026, 00:30 BST");
        assert_eq!(s.day, "1 July 2026");
        assert_eq!(s.parts, parts("1", "7", "2026", "00:30", None));
        // Older microsecond times read too.
        assert_eq!(
            show("2026-01-15T14:05:09.123456Z").unwrap().text,
            "15 January 2026, 14:05 GMT"
        );
    }

    /// 01:30 on 25 October 2026 happened twice; the boxes say which, so that saving the form
    /// unchanged does not move the time by an hour.
    #[test]
    fn the_hour_that_happened_twice_keeps_which_it_was() {
        let first = show("2026-10-25T00:30:00Z").unwrap();
        let second = show("2026-10-25T01:30:00Z").unwrap();
        assert_eq!(first.text, "25 October 2026, 01:30 BST");
        assert_eq!(second.text, "25 October 2026, 01:30 GMT");
        assert_eq!(first.parts.clock, Some(ClockChoice::Bst));
        assert_eq!(second.parts.clock, Some(ClockChoice::Gmt));
        for s in [first, second] {
            let back = super::super::typed::moment_from_parts(&s.parts)
                .unwrap()
                .unwrap();
            assert_eq!(super::super::uk(back), s.text);
        }
    }

    #[test]
    fn dates_months_and_years_show_as_written_in_england() {
        let d = show("2026-03-03").unwrap();
        assert_eq!(
            (d.text.as_str(), d.day.as_str()),
            ("3 March 2026", "3 March 2026")
        );
        assert_eq!(d.parts, parts("3", "3", "2026", "", None));
        assert_eq!(show("2011-03").unwrap().text, "March 2011");
        assert_eq!(show("2011").unwrap().text, "2011");
        for not_a_date in [
            "",
            "2026-13-01",
            "2026-02-30",
            "2011-13",
            "2011-3",
            "11",
            "abcd",
            "Year 7",
            "2026-03-03T25:00:00Z",
        ] {
            assert_eq!(show(not_a_date), None, "{not_a_date:?}");
        }
    }
}
