//! How Casebook stores dates and times, and how people read and type them: the one place that
//! formats and parses them.
//!
//! Stored times are UTC, as RFC 3339 with whole seconds and a `Z` (`2026-03-29T00:30:00Z`), so
//! that text order is time order in SQL. Older vaults also hold microsecond times (audit
//! entries and organisation versions before schema 7); [`parse`] reads both. Dates are
//! `YYYY-MM-DD`.
//!
//! People read and type **UK time** (Europe/London from the tz database, by `chrono-tz`): GMT in
//! winter, BST (UTC+1) from the last Sunday in March to the last Sunday in October. Wherever a
//! time leaves the app (a PDF, the command line) it carries GMT or BST, so a reader never has
//! to guess. Dates are written as people in England write them: "3 March 2026".

use chrono::{
    DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc,
};
use chrono_tz::Tz;

pub mod shown;
pub mod typed;
pub use shown::{show, uk_today, Shown};
pub use typed::{DateParts, Day, Moment, TimeParts};

/// England's time zone.
pub const UK: Tz = chrono_tz::Europe::London;

/// A time as it is stored.
pub fn format(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stored time (any RFC 3339 form, so older microsecond entries read too).
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A date as it is stored.
pub fn format_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A stored date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A stored date read from a column: an unreadable one is an error, never a default.
pub(crate) fn date_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let s: String = r.get(i)?;
    parse_date(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("not a date: {s:?}").into(),
        )
    })
}

/// The first moment of `day` in the UK (midnight, which the clock changes never skip).
pub fn uk_day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = NaiveDateTime::new(day, NaiveTime::MIN);
    UK.from_local_datetime(&midnight)
        .earliest()
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

/// A time for people to read in messages ("3 March 2026 at 14:05 GMT").
pub fn human(at: DateTime<Utc>) -> String {
    at.with_timezone(&UK)
        .format("%-d %B %Y at %H:%M %Z")
        .to_string()
}

/// A time as PDFs and the command line print it: "3 March 2026, 14:05 GMT" (UK time, 24-hour).
pub fn uk(at: DateTime<Utc>) -> String {
    at.with_timezone(&UK)
        .format("%-d %B %Y, %H:%M %Z")
        .to_string()
}

/// The same to the second, for a signature: "3 March 2026, 14:05:09 BST".
pub fn uk_seconds(at: DateTime<Utc>) -> String {
    at.with_timezone(&UK)
        .format("%-d %B %Y, %H:%M:%S %Z")
        .to_string()
}

/// A stored time in UK time ([`uk`]); text that is not a stored time is shown as it is.
pub fn uk_stored(stored: &str) -> String {
    parse(stored).map_or_else(|| stored.to_owned(), uk)
}

/// The date in England at `at`: 00:30 BST on 1 July is 1 July, though it is still 30 June in UTC.
pub fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&UK).date_naive()
}

/// A date as people in England write it: "3 March 2026".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// A PDF date, as a signature's `/M` holds it ("D:20261203140509+00'00'" or "…Z"), as UTC.
/// `None` for anything else (it comes from a file that may be hostile).
pub fn from_pdf_date(s: &str) -> Option<DateTime<Utc>> {
    let local =
        NaiveDateTime::parse_from_str(s.strip_prefix("D:")?.get(..14)?, "%Y%m%d%H%M%S").ok()?;
    let zone = s.get(16..)?;
    let offset_minutes = match zone.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours: i64 = zone.get(1..3)?.parse().ok()?;
            let minutes: i64 = zone.get(4..6).map_or(Some(0), |m| m.parse().ok())?;
            let total = hours * 60 + minutes;
            if *sign == b'-' {
                -total
            } else {
                total
            }
        }
        Some(_) => return None,
    };
    Some(local.and_utc() - chrono::Duration::minutes(offset_minutes))
}

/// A date and time typed in UK time, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UkTime {
    /// One moment.
    Exact(DateTime<Utc>),
    /// The hour that happens twice when the clocks go back (the last Sunday in October): 01:30
    /// is first 01:30 BST, then an hour later 01:30 GMT. The person must say which.
    Twice {
        bst: DateTime<Utc>,
        gmt: DateTime<Utc>,
    },
}

/// Which of the two moments an hour that happened twice means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ClockChoice {
    /// The first time round, before the clocks went back (BST).
    Bst,
    /// The second time round, after (GMT).
    Gmt,
}

/// A date and time typed in UK time as a moment. Refused, with a sentence, for the hour that
/// does not exist when the clocks go forward (the last Sunday in March, 01:00 to 01:59).
pub fn from_uk(date: NaiveDate, time: NaiveTime) -> Result<UkTime, String> {
    match UK.from_local_datetime(&NaiveDateTime::new(date, time)) {
        LocalResult::Single(t) => Ok(UkTime::Exact(t.with_timezone(&Utc))),
        LocalResult::Ambiguous(first, second) => Ok(UkTime::Twice {
            bst: first.with_timezone(&Utc),
            gmt: second.with_timezone(&Utc),
        }),
        LocalResult::None => Err(format!(
            "there was no {} on {} in the UK: the clocks went forward an hour at 1am (GMT to \
             BST). Check the time; 2:00 is the first time after 0:59 that day",
            time.format("%H:%M"),
            long_date(date)
        )),
    }
}

/// [`from_uk`] with the choice for an hour that happened twice; without a choice it is refused
/// with a sentence that asks.
pub fn from_uk_choosing(
    date: NaiveDate,
    time: NaiveTime,
    choice: Option<ClockChoice>,
) -> Result<DateTime<Utc>, String> {
    match (from_uk(date, time)?, choice) {
        (UkTime::Exact(t), _) => Ok(t),
        (UkTime::Twice { bst, .. }, Some(ClockChoice::Bst)) => Ok(bst),
        (UkTime::Twice { gmt, .. }, Some(ClockChoice::Gmt)) => Ok(gmt),
        (UkTime::Twice { .. }, None) => Err(format!(
            "{} on {} happened twice in the UK, because the clocks went back an hour at 2am: say \
             whether it was the first time (BST) or the second (GMT)",
            time.format("%H:%M"),
            long_date(date)
        )),
    }
}

/// Time since the computer started, **including time asleep** (Linux `CLOCK_BOOTTIME`), for
/// the idle lock: `Instant` stops while a laptop is suspended, so an idle timer on it would
/// not count a night asleep. Elsewhere, the monotonic clock.
pub fn since_boot() -> std::time::Duration {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        std::time::Duration::new(
            u64::try_from(t.tv_sec).unwrap_or(0),
            u32::try_from(t.tv_nsec).unwrap_or(0),
        )
    }
    #[cfg(not(target_os = "linux"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }
    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// Shown in UK time with GMT or BST, on both sides of both changes of 2026 (29 March and
    /// 25 October, at 01:00 UTC).
    #[test]
    fn times_read_in_uk_time_with_gmt_or_bst() {
        assert_eq!(uk(t(2026, 1, 15, 14, 5)), "15 January 2026, 14:05 GMT");
        assert_eq!(uk(t(2026, 7, 1, 13, 5)), "1 July 2026, 14:05 BST");
        assert_eq!(uk(t(2026, 3, 29, 0, 59)), "29 March 2026, 00:59 GMT");
        assert_eq!(uk(t(2026, 3, 29, 1, 0)), "29 March 2026, 02:00 BST");
        assert_eq!(uk(t(2026, 10, 25, 0, 30)), "25 October 2026, 01:30 BST");
        assert_eq!(uk(t(2026, 10, 25, 1, 30)), "25 October 2026, 01:30 GMT");
        assert_eq!(
            uk_seconds(t(2026, 7, 1, 13, 5)),
            "1 July 2026, 14:05:00 BST"
        );
        assert_eq!(human(t(2026, 12, 3, 9, 0)), "3 December 2026 at 09:00 GMT");
        assert_eq!(uk_stored("2026-07-01T13:05:00Z"), "1 July 2026, 14:05 BST");
        assert_eq!(uk_stored("not a time"), "not a time");
    }

    #[test]
    fn a_signatures_pdf_date_reads_as_utc_and_nothing_else_does() {
        assert_eq!(
            from_pdf_date("D:20261203140509+00'00'"),
            Some(t(2026, 12, 3, 14, 5) + chrono::Duration::seconds(9))
        );
        assert_eq!(
            from_pdf_date("D:20260701140500+01'00'"),
            Some(t(2026, 7, 1, 13, 5))
        );
        assert_eq!(
            from_pdf_date("D:20260701130500Z"),
            Some(t(2026, 7, 1, 13, 5))
        );
        for bad in [
            "",
            "D:",
            "D:2026",
            "20261203140509Z",
            "D:20261303140509Z",
            "D:2026120314050é",
            "D:20261203140509+é",
        ] {
            assert_eq!(from_pdf_date(bad), None, "{bad}");
        }
    }

    /// 00:30 BST on 1 July is 23:30 UTC on 30 June: it belongs to 1 July, in both directions.
    #[test]
    fn a_time_just_after_midnight_in_summer_lands_on_the_uk_date() {
        let typed = from_uk_choosing(date(2026, 7, 1), hm(0, 30), None).unwrap();
        assert_eq!(typed, t(2026, 6, 30, 23, 30));
        assert_eq!(uk_date(typed), date(2026, 7, 1));
        assert_eq!(uk(typed), "1 July 2026, 00:30 BST");
        // In winter UK time is UTC.
        assert_eq!(
            from_uk_choosing(date(2026, 1, 1), hm(0, 30), None).unwrap(),
            t(2026, 1, 1, 0, 30)
        );
    }

    /// The hour that does not exist in March is refused with a sentence; the hour that happens
    /// twice in October asks which, and either answer is kept.
    #[test]
    fn the_missing_hour_is_refused_and_the_double_hour_asks_which() {
        let missing = from_uk(date(2026, 3, 29), hm(1, 30)).unwrap_err();
        assert!(
            missing.contains("there was no 01:30 on 29 March 2026"),
            "{missing}"
        );
        assert!(from_uk_choosing(date(2026, 3, 29), hm(1, 30), Some(ClockChoice::Gmt)).is_err());
        assert_eq!(
            from_uk(date(2026, 3, 29), hm(2, 0)).unwrap(),
            UkTime::Exact(t(2026, 3, 29, 1, 0))
        );

        assert_eq!(
            from_uk(date(2026, 10, 25), hm(1, 30)).unwrap(),
            UkTime::Twice {
                bst: t(2026, 10, 25, 0, 30),
                gmt: t(2026, 10, 25, 1, 30)
            }
        );
        let asks = from_uk_choosing(date(2026, 10, 25), hm(1, 30), None).unwrap_err();
        assert!(
            asks.contains("happened twice") && asks.contains("BST") && asks.contains("GMT"),
            "{asks}"
        );
        let first =
            from_uk_choosing(date(2026, 10, 25), hm(1, 30), Some(ClockChoice::Bst)).unwrap();
        let second =
            from_uk_choosing(date(2026, 10, 25), hm(1, 30), Some(ClockChoice::Gmt)).unwrap();
        assert_eq!(second - first, chrono::Duration::hours(1));
        assert_eq!(uk(first), "25 October 2026, 01:30 BST");
        assert_eq!(uk(second), "25 October 2026, 01:30 GMT");
        // Every minute of a year either exists once, twice (the October hour) or not at all
        // (the March hour), and what exists shows back as it was typed.
        let mut day = date(2026, 1, 1);
        let (mut missing_minutes, mut double_minutes) = (0, 0);
        while day.year() == 2026 {
            for minute in (0..24 * 60).step_by(15) {
                let time = hm(minute / 60, minute % 60);
                match from_uk(day, time) {
                    Err(_) => missing_minutes += 15,
                    Ok(UkTime::Twice { bst, gmt }) => {
                        double_minutes += 15;
                        assert_eq!(bst.with_timezone(&UK).time(), time);
                        assert_eq!(gmt.with_timezone(&UK).time(), time);
                    }
                    Ok(UkTime::Exact(at)) => {
                        assert_eq!(
                            at.with_timezone(&UK).naive_local(),
                            NaiveDateTime::new(day, time)
                        );
                    }
                }
            }
            day = day.succ_opt().unwrap();
        }
        assert_eq!((missing_minutes, double_minutes), (60, 60));
    }

    #[test]
    fn stored_times_round_trip_and_sort_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 3, 29, 0, 30, 1).unwrap();
        assert_eq!(format(a), "2026-03-29T00:30:00Z");
        assert_eq!(parse(&format(a)), Some(a));
        assert!(format(a) < format(b));
        // An older microsecond entry still reads.
        assert_eq!(parse("2026-03-29T00:30:00.000000Z"), Some(a));
        assert_eq!(parse("not a time"), None);
    }

    #[test]
    fn the_boot_clock_moves_forward() {
        let a = since_boot();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let b = since_boot();
        assert!(b >= a + std::time::Duration::from_millis(20), "{a:?} {b:?}");
    }

    #[test]
    fn stored_dates_round_trip() {
        let d = NaiveDate::from_ymd_opt(2012, 3, 27);
        assert_eq!(d.map(format_date).as_deref(), Some("2012-03-27"));
        assert_eq!(parse_date("2012-03-27"), d);
        assert_eq!(parse_date("27/03/2012"), None);
    }
}
