//! Calendar dates, on jiff's civil dates: strict parsing of the corpus's `YYYY-MM-DD` and
//! `YYYY-MM` dates (an impossible date such as `2026-02-31` is an error, never a date in March),
//! day numbers for deadline arithmetic, and today's date in Hong Kong (UTC+8), the zone in which
//! deadlines are written.

pub use jiff::civil::Date;
use jiff::tz::{TimeZone, offset};
use jiff::{Span, Timestamp};

/// The first day of the day numbering: 1970-01-01.
const EPOCH: Date = Date::constant(1970, 1, 1);

/// Parses `YYYY-MM-DD` strictly: exactly that shape and a real calendar date.
///
/// # Errors
/// A message saying what is wrong, e.g. "expected YYYY-MM-DD" or "day 31 is not in February".
pub fn parse_date(s: &str) -> Result<Date, String> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!("expected YYYY-MM-DD, found {s:?}"));
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i16>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(5..7) as i8, num(8..10) as i8);
    Date::new(y, m, d).map_err(|e| format!("{s:?} is not a calendar date: {e}"))
}

/// Parses `YYYY-MM` (read as the first of the month) or `YYYY-MM-DD`.
///
/// # Errors
/// As [`parse_date`], or "expected YYYY-MM or YYYY-MM-DD".
pub fn parse_month_or_date(s: &str) -> Result<Date, String> {
    if s.len() == 7 {
        return parse_date(&format!("{s}-01"))
            .map_err(|_| format!("expected YYYY-MM or YYYY-MM-DD, found {s:?}"));
    }
    parse_date(s).map_err(|e| {
        if s.len() == 10 {
            e
        } else {
            format!("expected YYYY-MM or YYYY-MM-DD, found {s:?}")
        }
    })
}

/// The day number (days since 1970-01-01) of a date.
#[must_use]
pub fn day_number(date: Date) -> i64 {
    date.since(EPOCH)
        .map_or(0, |span| i64::from(span.get_days()))
}

/// Parses `YYYY-MM-DD` into a day number; `None` when it is not a real date.
#[must_use]
pub fn parse(date: &str) -> Option<i64> {
    parse_date(date).ok().map(day_number)
}

/// Formats a day number as `YYYY-MM-DD`.
#[must_use]
pub fn format(days: i64) -> String {
    let date = i32::try_from(days)
        .ok()
        .and_then(|d| EPOCH.checked_add(Span::new().days(d)).ok())
        .unwrap_or(EPOCH);
    date.strftime("%Y-%m-%d").to_string()
}

/// Today's date in Hong Kong.
#[must_use]
pub fn today_hk_date() -> Date {
    TimeZone::fixed(offset(8))
        .to_datetime(Timestamp::now())
        .date()
}

/// Today's day number in Hong Kong.
#[must_use]
pub fn today_hk() -> i64 {
    day_number(today_hk_date())
}

/// Whole months from `from` to `to` (negative when `to` is earlier), counting a month only once
/// its day of the month is reached.
#[must_use]
pub fn months_between(from: Date, to: Date) -> i64 {
    let months = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month());
    if months > 0 && to.day() < from.day() {
        months - 1
    } else if months < 0 && to.day() > from.day() {
        months + 1
    } else {
        months
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_dates() {
        for s in ["1970-01-01", "2024-02-29", "2026-04-30", "2000-12-31"] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
        assert_eq!(parse("1970-01-02"), Some(1));
        assert_eq!(parse("2026-13-01"), None);
        assert_eq!(parse("soon"), None);
    }

    #[test]
    fn impossible_dates_are_errors() {
        assert!(parse_date("2026-02-31").is_err());
        assert!(parse_date("2025-02-29").is_err());
        assert!(parse_date("20260131").is_err());
        assert!(parse_month_or_date("2026-00").is_err());
        assert_eq!(
            parse_month_or_date("2026-02").unwrap(),
            Date::constant(2026, 2, 1)
        );
    }

    #[test]
    fn counts_whole_months() {
        let d = |y, m, d| Date::constant(y, m, d);
        assert_eq!(months_between(d(2025, 11, 1), d(2026, 11, 30)), 12);
        assert_eq!(months_between(d(2025, 11, 30), d(2026, 11, 29)), 11);
        assert_eq!(months_between(d(2026, 11, 30), d(2026, 11, 30)), 0);
        assert_eq!(months_between(d(2026, 12, 1), d(2026, 11, 30)), 0);
    }
}
