//! Working days in England and Wales: weekends and bank holidays are not working days, nor are
//! the organisation's own closure days. Used for what is due (a referral acknowledged within one
//! working day, a child protection file sent within five school days).
//!
//! The bank holidays are a table, not a rule: they are announced (and sometimes added, as for
//! a coronation) by proclamation, so a rule would be wrong the year it matters. The table runs
//! through [`LAST_YEAR`]; `tests` recompute each year's eight from the statutory pattern so a
//! mistyped date is caught, and a date past the table is treated as a weekday with no holiday
//! (a later release extends the table).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The last year the bank-holiday table covers.
pub const LAST_YEAR: i32 = 2030;

/// England and Wales bank holidays, 2025 to 2030, with substitute days where the day itself
/// falls at a weekend (gov.uk/bank-holidays lists the announced ones).
const BANK_HOLIDAYS: &[(i32, u32, u32)] = &[
    (2025, 1, 1),
    (2025, 4, 18),
    (2025, 4, 21),
    (2025, 5, 5),
    (2025, 5, 26),
    (2025, 8, 25),
    (2025, 12, 25),
    (2025, 12, 26),
    (2026, 1, 1),
    (2026, 4, 3),
    (2026, 4, 6),
    (2026, 5, 4),
    (2026, 5, 25),
    (2026, 8, 31),
    (2026, 12, 25),
    (2026, 12, 28),
    (2027, 1, 1),
    (2027, 3, 26),
    (2027, 3, 29),
    (2027, 5, 3),
    (2027, 5, 31),
    (2027, 8, 30),
    (2027, 12, 27),
    (2027, 12, 28),
    (2028, 1, 3),
    (2028, 4, 14),
    (2028, 4, 17),
    (2028, 5, 1),
    (2028, 5, 29),
    (2028, 8, 28),
    (2028, 12, 25),
    (2028, 12, 26),
    (2029, 1, 1),
    (2029, 3, 30),
    (2029, 4, 2),
    (2029, 5, 7),
    (2029, 5, 28),
    (2029, 8, 27),
    (2029, 12, 25),
    (2029, 12, 26),
    (2030, 1, 1),
    (2030, 4, 19),
    (2030, 4, 22),
    (2030, 5, 6),
    (2030, 5, 27),
    (2030, 8, 26),
    (2030, 12, 25),
    (2030, 12, 26),
];

/// Whether `day` is an England and Wales bank holiday (as far as the table reaches).
pub fn is_bank_holiday(day: NaiveDate) -> bool {
    BANK_HOLIDAYS
        .iter()
        .any(|&(y, m, d)| (day.year(), day.month(), day.day()) == (y, m, d))
}

/// The bank holidays of one year, in order.
pub fn bank_holidays(year: i32) -> Vec<NaiveDate> {
    BANK_HOLIDAYS
        .iter()
        .filter(|(y, _, _)| *y == year)
        .filter_map(|&(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .collect()
}

/// A working day: Monday to Friday, not a bank holiday, not one of `closures`.
pub fn is_working_day(day: NaiveDate, closures: &[NaiveDate]) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
        && !is_bank_holiday(day)
        && !closures.contains(&day)
}

/// The day `n` working days after `from` (`from` itself does not count; `n = 0` is `from`).
/// Bounded: gives up after ten years of non-working days, which only a hostile closure list
/// could ask for, and then answers the last day tried.
pub fn add_working_days(from: NaiveDate, n: u32, closures: &[NaiveDate]) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    let mut tried = 0u32;
    while left > 0 && tried < 3_650 {
        day += Duration::days(1);
        tried += 1;
        if is_working_day(day, closures) {
            left -= 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Easter Sunday (Gregorian), by the anonymous algorithm (Meeus/Jones/Butcher).
    fn easter(y: i32) -> NaiveDate {
        let a = y % 19;
        let b = y / 100;
        let c = y % 100;
        let d = b / 4;
        let e = b % 4;
        let f = (b + 8) / 25;
        let g = (b - f + 1) / 3;
        let h = (19 * a + b - d - g + 15) % 30;
        let i = c / 4;
        let k = c % 4;
        let l = (32 + 2 * e + 2 * i - h - k) % 7;
        let m = (a + 11 * h + 22 * l) / 451;
        let month = (h + l - 7 * m + 114) / 31;
        let day = (h + l - 7 * m + 114) % 31 + 1;
        NaiveDate::from_ymd_opt(y, month as u32, day as u32).unwrap_or_default()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn first_monday(y: i32, m: u32) -> NaiveDate {
        (1..=7)
            .map(|d| date(y, m, d))
            .find(|d| d.weekday() == Weekday::Mon)
            .unwrap_or_default()
    }

    fn last_monday(y: i32, m: u32) -> NaiveDate {
        (0..7)
            .map(|back| date(y, m + 1, 1) - Duration::days(1 + back))
            .find(|d| d.weekday() == Weekday::Mon)
            .unwrap_or_default()
    }

    /// The next weekday on or after `d` that is not in `taken`.
    fn substitute(mut d: NaiveDate, taken: &[NaiveDate]) -> NaiveDate {
        while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || taken.contains(&d) {
            d += Duration::days(1);
        }
        d
    }

    #[test]
    fn the_table_is_complete_and_right_through_the_last_year() {
        for y in 2025..=LAST_YEAR {
            let new_year = substitute(date(y, 1, 1), &[]);
            let christmas = substitute(date(y, 12, 25), &[]);
            let boxing = substitute(date(y, 12, 26), &[christmas]);
            let mut expected = vec![
                new_year,
                easter(y) - Duration::days(2),
                easter(y) + Duration::days(1),
                first_monday(y, 5),
                last_monday(y, 5),
                last_monday(y, 8),
                christmas,
                boxing,
            ];
            expected.sort();
            assert_eq!(bank_holidays(y), expected, "{y}");
        }
    }

    #[test]
    fn working_days_skip_weekends_holidays_and_closures() {
        // Thursday 24 December 2026: the next working day is Tuesday 29 December (Christmas,
        // the weekend and the Boxing Day substitute in between).
        assert_eq!(
            add_working_days(date(2026, 12, 24), 1, &[]),
            date(2026, 12, 29)
        );
        // Friday 3 April 2026 is Good Friday; Monday 6 April is Easter Monday.
        assert_eq!(add_working_days(date(2026, 4, 2), 1, &[]), date(2026, 4, 7));
        // An INSET day the organisation closed.
        let closures = [date(2026, 4, 7)];
        assert_eq!(
            add_working_days(date(2026, 4, 2), 1, &closures),
            date(2026, 4, 8)
        );
        assert!(!is_working_day(date(2026, 11, 28), &[]));
        assert!(is_working_day(date(2026, 12, 2), &[]));
        // Five school days from a Monday with no holiday is the next Monday.
        assert_eq!(
            add_working_days(date(2026, 11, 30), 5, &[]),
            date(2026, 12, 7)
        );
    }

    #[test]
    fn a_hostile_closure_list_cannot_hang_it() {
        let every_day: Vec<NaiveDate> = (0..4_000)
            .map(|n| date(2026, 1, 1) + Duration::days(n))
            .collect();
        let _ = add_working_days(date(2026, 1, 1), 10, &every_day);
    }
}
