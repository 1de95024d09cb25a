//! Times in the store: milliseconds since the Unix epoch (UTC), shown as RFC 3339. A bare date given by a
//! person (`2026-12-01`) means the end of that day in China Standard Time (UTC+8), the office's clock.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::{TimeZone, offset};

/// The office's clock, for bare dates and for spreadsheets people read.
fn office_zone() -> TimeZone {
    TimeZone::fixed(offset(8))
}

/// Now, in milliseconds since the epoch.
pub fn now() -> i64 {
    Timestamp::now().as_millisecond()
}

/// RFC 3339 in UTC, to the millisecond when there are any.
pub fn format(millis: i64) -> String {
    Timestamp::from_millisecond(millis)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| millis.to_string())
}

/// `YYYY-MM-DD HH:MM` on the office's clock, for spreadsheets.
pub fn format_local(millis: i64) -> String {
    Timestamp::from_millisecond(millis)
        .map(|t| {
            t.to_zoned(office_zone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Reads an RFC 3339 time (`2026-12-01T09:00:00+08:00`), or a date, which means the end of that day
/// (`end_of_day`) or its start on the office's clock.
pub fn parse(text: &str, end_of_day: bool) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp.as_millisecond());
    }
    let date: Date = text.get(..10).unwrap_or(text).parse().map_err(|_| {
        format!("'{text}' is not a date (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-12-01T09:00:00+08:00)")
    })?;
    let time = if end_of_day {
        Time::constant(23, 59, 59, 999_000_000)
    } else {
        Time::midnight()
    };
    date.to_datetime(time)
        .to_zoned(office_zone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| format!("'{text}': {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_office_days_and_times_round_trip() {
        let start = parse("2026-12-01", false).unwrap();
        assert_eq!(format(start), "2026-11-30T16:00:00Z");
        let end = parse("2026-12-01", true).unwrap();
        assert_eq!(end - start, 86_400_000 - 1);
        assert_eq!(parse(&format(end), true).unwrap(), end);
        assert_eq!(format_local(start), "2026-12-01 00:00");
        assert!(parse("next week", true).unwrap_err().contains("not a date"));
    }
}
