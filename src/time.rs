//! How Casebook stores dates and times: the one place that formats and parses them.
//!
//! Stored times are UTC, as RFC 3339 with whole seconds and a `Z` (`2026-03-29T00:30:00Z`), so
//! that text order is time order in SQL. Older vaults also hold microsecond times (audit
//! entries and organisation versions before schema 7); [`parse`] reads both. Dates are
//! `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

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

/// A time for people to read in messages ("3 March 2026 at 14:05 UTC").
pub fn human(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y at %H:%M UTC").to_string()
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
    use chrono::TimeZone;

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
