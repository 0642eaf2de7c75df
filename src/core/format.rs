//! Numbers for people.

/// `1.5 GiB`, `512 B`: binary units, three significant digits.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{} {}", fixed(value, decimals), UNITS[unit])
}

/// `v` with exactly `decimals` digits after the point, rounded half away from
/// zero, like `format!("{v:.N}")` but in integer arithmetic: the float
/// formatting code of `core` (about 15 KB of wasm) is never linked.
/// Not finite or beyond ±9e15 after scaling: `"0"`.
pub fn fixed(v: f64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals.min(6));
    let scaled = (v.abs() * scale as f64).round();
    if scaled.is_nan() || scaled >= 9.0e15 {
        return "0".to_owned();
    }
    let n = scaled as u64;
    let sign = if v < 0.0 && n > 0 { "-" } else { "" };
    let (int, frac) = (n / scale, n % scale);
    if decimals == 0 {
        format!("{sign}{int}")
    } else {
        let digits = frac.to_string();
        let pad = "0".repeat(decimals.min(6) as usize - digits.len());
        format!("{sign}{int}.{pad}{digits}")
    }
}

/// One decimal at most, no trailing `.0` (`12.5`, `80`): SVG coordinates, seconds.
pub fn compact_num(v: f64) -> String {
    trimmed(v, 1)
}

/// At most `decimals` decimals, without trailing zeros (`1700000000.12`,
/// `80`); `-0` is `0`.
pub fn trimmed(v: f64, decimals: u32) -> String {
    let s = fixed(v, decimals);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0" } else { s }.to_owned()
}

/// `1,234,567`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Reads a size typed by a person: `1024`, `500 MB`, `1.5 GiB`, `2t` (units are
/// binary: KB = KiB, as the table shows). `None` when it is not a size.
pub fn parse_size(input: &str) -> Option<u64> {
    let s = input.trim().to_ascii_lowercase();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let exp: u32 = match unit.trim().trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return None,
    };
    // `int.frac` in integer arithmetic, rounded half up: no float parsing in
    // the wasm (its tables alone are 17 KB).
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = &frac[..frac.len().min(18)];
    if int.len() > 20 {
        return None;
    }
    let digits = |t: &str| t.bytes().fold(0u128, |n, b| n * 10 + u128::from(b - b'0'));
    let denom = 10u128.pow(frac.len() as u32);
    let scaled = (digits(int) * denom + digits(frac)).checked_mul(1024u128.pow(exp))?;
    let bytes = (scaled + denom / 2) / denom;
    (bytes < 18_000_000_000_000_000_000).then_some(bytes as u64)
}

/// A JSON value as compact text. Not `Value::to_string()`: that goes through
/// `Display` and an `io::Error` made from a string, which links the standard
/// library's Unicode printable tables (14 KB) into the wasm for nothing.
pub fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("500 MB"), Some(500 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size(".5k"), Some(512));
        assert_eq!(parse_size("5."), Some(5));
        assert_eq!(parse_size("0.0004 KiB"), Some(0));
        assert_eq!(parse_size("0.0005 KiB"), Some(1), "rounded half up");
        assert_eq!(parse_size("000000000000000000000000012 b"), Some(12));
        assert_eq!(parse_size("1.2.3"), None);
        assert_eq!(parse_size("."), None);
        assert_eq!(parse_size("16000 PiB"), None, "beyond what a backup can be");
        assert_eq!(parse_size("15000 PiB"), Some(15000 << 50));
        assert_eq!(parse_size("99999999999999999999999"), None);
        assert_eq!(parse_size("15.6p"), Some(17_564_038_546_744_934));
        assert_eq!(parse_size(" 2t "), Some(2 << 40));
        assert_eq!(parse_size("12 B"), Some(12));
        for bad in ["", "GB", "1.2.3", "ten", "5 XB", "-1", "1e30"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.00 KiB");
        assert_eq!(human_size(1536 * 1024), "1.50 MiB");
        assert_eq!(human_size(300 * 1024 * 1024 * 1024), "300 GiB");
        assert_eq!(human_size(u64::MAX), "16.0 EiB");
    }

    #[test]
    fn grouping() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn fixed_matches_the_standard_formatting() {
        for v in [
            0.0, 0.004, 0.005, 0.5, 1.0, 1.25, 9.995, 12.345, 99.94, 100.5, 1023.99, 123456.789,
        ] {
            for d in 0..=3u32 {
                let std = format!("{v:.*}", d as usize);
                let ours = fixed(v, d);
                // Ties can differ (the standard rounds the exact binary value, we
                // scale first); elsewhere the text is the same.
                let diff = (std.parse::<f64>().unwrap() - ours.parse::<f64>().unwrap()).abs();
                assert!(
                    diff <= 10f64.powi(-(d as i32)) + 1e-12,
                    "{v} {d}: {std} vs {ours}"
                );
                assert_eq!(std.len(), ours.len(), "{v} {d}: {std} vs {ours}");
            }
        }
        assert_eq!(fixed(1.5, 1), "1.5");
        assert_eq!(fixed(-2.25, 1), "-2.3");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(3.0, 2), "3.00");
        assert_eq!(fixed(f64::NAN, 1), "0");
        assert_eq!(fixed(f64::INFINITY, 0), "0");
    }

    #[test]
    fn compact_numbers_drop_a_zero_decimal() {
        assert_eq!(compact_num(80.0), "80");
        assert_eq!(compact_num(12.46), "12.5");
        assert_eq!(compact_num(-6.0), "-6");
        assert_eq!(compact_num(-0.01), "0");
        assert_eq!(compact_num(0.04), "0");
        assert_eq!(trimmed(1_700_000_000.123, 3), "1700000000.123");
        assert_eq!(trimmed(1_700_000_000.5, 3), "1700000000.5");
        assert_eq!(trimmed(1_700_000_000.0, 3), "1700000000");
        assert_eq!(trimmed(100.0, 0), "100");
    }
}
