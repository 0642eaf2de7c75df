//! Calendar arithmetic for epoch seconds, in UTC, without a clock.
//!
//! The dashboard shows and accepts times in UTC so that what a user types is
//! exactly what is sent (`TimeRange*Bound` are epoch seconds) whatever the
//! browser's time zone.

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Broken-down UTC time of an epoch-seconds value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    pub fn from_epoch(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
        }
    }
}

/// `2026-11-25 14:03 UTC`: what the table shows.
pub fn format_minutes(secs: f64) -> String {
    let c = Civil::from_epoch(secs.floor() as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// `2026-11-25T14:03:07.250Z`: the exact value, for tooltips.
pub fn format_iso(secs: f64) -> String {
    let whole = secs.floor();
    let millis = ((secs - whole) * 1000.0).round() as u32;
    let c = Civil::from_epoch(whole as i64);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        millis.min(999)
    )
}

/// The value for an `<input type="datetime-local">`: `2026-11-25T14:03`.
pub fn format_input(secs: i64) -> String {
    let c = Civil::from_epoch(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

/// SigV4's `x-amz-date` form, `20261125T140307Z`.
pub fn format_amz(secs: i64) -> String {
    let c = Civil::from_epoch(secs);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Parses `YYYY-MM-DDTHH:MM[:SS]` (also with a space instead of `T`, an
/// optional trailing `Z`, or a bare `YYYY-MM-DD`) as UTC epoch seconds.
pub fn parse_utc(input: &str) -> Option<i64> {
    let s = input.trim().trim_end_matches(['Z', 'z']);
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    let mut dp = date.split('-');
    let y: i64 = num(dp.next()?, 4)?;
    let m: u32 = num(dp.next()?, 2)?;
    let d: u32 = num(dp.next()?, 2)?;
    if dp.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let (mut hh, mut mm, mut ss) = (0u32, 0u32, 0u32);
    if !time.is_empty() {
        let mut tp = time.split(':');
        hh = num(tp.next()?, 2)?;
        mm = num(tp.next()?, 2)?;
        if let Some(sec) = tp.next() {
            ss = num(sec, 2)?;
        }
        if tp.next().is_some() || hh > 23 || mm > 59 || ss > 59 {
            return None;
        }
    }
    Some(days_from_civil(y, m, d) * 86_400 + i64::from(hh * 3600 + mm * 60 + ss))
}

fn num<T: std::str::FromStr>(s: &str, width: usize) -> Option<T> {
    if s.len() == width && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses SigV4's basic form `20261125T140307Z` into epoch seconds.
pub fn parse_amz(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 16
        || !s.is_char_boundary(8)
        || !s.is_char_boundary(9)
        || &s[8..9] != "T"
        || !s.ends_with('Z')
    {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?,
        s.get(13..15)?
    );
    parse_utc(&iso)
}

/// Parses an ISO 8601 instant as STS and botocore write it
/// (`2026-11-26T17:24:56Z`, `2026-11-26T17:24:56.123456+00:00`, `…-05:30`):
/// epoch seconds, fractions dropped. A time without a zone is taken as UTC.
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    let (main, offset_s) = match s.get(19..) {
        Some(rest) => {
            let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
            let offset = match rest {
                "" | "Z" | "z" => 0,
                _ => {
                    let sign = match rest.as_bytes().first()? {
                        b'+' => 1,
                        b'-' => -1,
                        _ => return None,
                    };
                    let (h, m) = rest[1..].split_once(':')?;
                    let (h, m): (i64, i64) = (num(h, 2)?, num(m, 2)?);
                    sign * (h * 3600 + m * 60)
                }
            };
            (s.get(..19)?, offset)
        }
        None => (s, 0),
    };
    Some(parse_utc(main)? - offset_s)
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Tue, 25 Nov 2026 14:03:07 GMT`).
pub fn parse_http_date(s: &str) -> Option<i64> {
    let mut it = s.split_whitespace();
    let _weekday = it.next()?;
    let day: u32 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let time = it.next()?;
    if it.next()? != "GMT" {
        return None;
    }
    parse_utc(&format!("{year:04}-{month:02}-{day:02}T{time}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_civil() {
        for secs in [0i64, 951_782_400, 1_700_000_000, 4_102_444_800, -86_400] {
            assert_eq!(
                parse_utc(&format_input(secs)).map(|s| s / 60),
                Some(secs / 60)
            );
        }
        assert_eq!(parse_utc("2000-02-29T00:00"), Some(951_782_400));
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-1-01",
            "2026-01-01T24:00",
            "",
            "yesterday",
            "2026-01-01T10",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format_minutes(1_700_000_000.0), "2023-11-14 22:13 UTC");
        assert_eq!(format_iso(1_700_000_000.25), "2023-11-14T22:13:20.250Z");
        assert_eq!(format_amz(1_440_938_160), "20150830T123600Z");
        assert_eq!(parse_amz("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(
            parse_http_date("Sun, 30 Aug 2015 12:36:00 GMT"),
            Some(1_440_938_160)
        );
        assert_eq!(parse_iso8601("2015-08-30T12:36:00Z"), Some(1_440_938_160));
        assert_eq!(
            parse_iso8601("2015-08-30T12:36:00.123456+00:00"),
            Some(1_440_938_160)
        );
        assert_eq!(
            parse_iso8601("2015-08-30T14:36:00+02:00"),
            Some(1_440_938_160)
        );
        assert_eq!(parse_iso8601("2015-08-30T12:36:00"), Some(1_440_938_160));
        assert_eq!(parse_iso8601("2015-08-30T12:36:00+2"), None);
        assert_eq!(parse_iso8601("soon"), None);
        assert_eq!(parse_amz("2015083OT123600Z"), None);
        assert_eq!(parse_amz("ééééééééééééééé"), None);
    }
}
