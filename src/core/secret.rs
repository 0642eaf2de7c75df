//! Recognises text that looks like an AWS credential, so that it is never
//! written where it could leak (the URL, a log line), whichever field it was
//! typed or pasted into.

/// Prefixes of AWS access key ids (IAM users, roles, STS sessions, …).
const KEY_PREFIXES: [&str; 7] = ["AKIA", "ASIA", "AROA", "AIDA", "ABIA", "ACCA", "AGPA"];

/// A secret access key is 40 characters of base64 and a session token hundreds:
/// a run of half a secret of that alphabet that looks random is treated as one.
/// Half, so that a secret typed key by key is caught long before it is whole
/// (the cost: a CamelCase name of 20 or more characters made of short words,
/// with no separator, is not kept in the URL).
const SECRET_MIN_RUN: usize = 20;

/// Upper-case letters or digits after an access key id's prefix that make it one
/// (a whole id has 16; a few already tell it from a word such as "ASIA").
const KEY_MIN_TAIL: usize = 4;

/// True when `text` contains something shaped like an access key id
/// (`AKIA`/`ASIA`… followed by upper-case letters or digits), a secret
/// access key or a session token, or a good part of one.
pub fn looks_like_credential(text: &str) -> bool {
    contains_access_key_id(text) || text.split_whitespace().any(contains_secret_run)
}

fn contains_access_key_id(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len()).any(|i| {
        KEY_PREFIXES
            .iter()
            .any(|p| b[i..].starts_with(p.as_bytes()))
            && b[i + 4..]
                .iter()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                .count()
                >= KEY_MIN_TAIL
    })
}

fn contains_secret_run(text: &str) -> bool {
    // In an ARN `/` separates words (`table/Orders/backup/0170…`), not base64.
    // `text` is one whitespace-free word.
    let slash_splits = text.starts_with("arn:");
    let class = |c: u8| -> u8 {
        match c {
            b'A'..=b'Z' => 1,
            b'a'..=b'z' => 2,
            b'0'..=b'9' => 3,
            _ => 4,
        }
    };
    let (mut run, mut changes, mut prev) = (0usize, 0usize, 0u8);
    let (mut upper, mut lower) = (false, false);
    for c in text.bytes() {
        let in_alphabet =
            c.is_ascii_alphanumeric() || matches!(c, b'+' | b'=') || (c == b'/' && !slash_splits);
        if !in_alphabet {
            (run, changes, prev, upper, lower) = (0, 0, 0, false, false);
            continue;
        }
        let k = class(c);
        if run > 0 && k != prev {
            changes += 1;
        }
        (run, prev) = (run + 1, k);
        upper |= k == 1;
        lower |= k == 2;
        // Random base64 changes class (upper, lower, digit, symbol) at about two
        // characters in three; words, even CamelCase with digits, less than one in three.
        let random_looking = changes * 3 >= run - 1;
        if run >= SECRET_MIN_RUN && upper && lower && (random_looking || run >= 40) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_kind_of_credential_anywhere_in_the_text() {
        for s in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAXYZ0123456789ABC",
            "key ASIAXYZ0123456789ABC pasted",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;",
            // An ARN elsewhere in the text does not hide a secret.
            "arn: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "arn:aws:dynamodb:us-east-1:123456789012:table/t wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6",
            "FwoGZXIvYXdzEBYaDHhBTk0sG9x5hXk1MSKCAcXa8rS5q3kz7Xp2Tq9w",
        ] {
            assert!(looks_like_credential(s), "{s}");
        }
    }

    #[test]
    fn a_secret_typed_key_by_key_is_caught_before_half_of_it_is_in() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let first = (1..=secret.len())
            .find(|&n| looks_like_credential(&secret[..n]))
            .unwrap();
        assert!(first <= 20, "caught only after {first} characters");
        // The demo's (moto's) session tokens start with a run of letters only.
        assert!(looks_like_credential("FQoGZXIvYXdzEBYaDkOP"));
        let akid = "ASIAXYZ0123456789ABC";
        let first = (1..=akid.len())
            .find(|&n| looks_like_credential(&akid[..n]))
            .unwrap();
        assert!(first <= 8, "caught only after {first} characters");
    }

    #[test]
    fn random_secrets_are_caught_early_whatever_their_letters() {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut worst = 0;
        for _ in 0..20_000 {
            let secret: String = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    B64[(x >> 58) as usize] as char
                })
                .collect();
            let first = (1..=40)
                .find(|&n| looks_like_credential(&secret[..n]))
                .unwrap_or(usize::MAX);
            worst = worst.max(first);
        }
        // Nearly all at 20 characters; none later than 34 of the 40.
        assert!(
            worst <= 34,
            "a random secret was first caught at {worst} characters"
        );
    }

    #[test]
    fn leaves_ordinary_view_values_alone() {
        for s in [
            "",
            "orders",
            "nightly orders backup",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/01700000000000-a1b2c3d4",
            "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable/backup/01700000000000-a1b2c3d4",
            "https://dynamodb.eu-west-1.amazonaws.com",
            "orders$SystemBackup-2026-10-21",
            "AKIA", // a prefix alone
            "ASIAshort",
            "ASIA-PACIFIC orders",
            "ap-southeast-1 ASIA",
            "catalog.products_v2-2026",
            // Long names with separators or of one case: not secrets.
            "customer_orders_archive_2024_eu_west_one",
            "customerordersarchive2024euwestone",
            "OrdersTable2024",
            "CustomerOrdersArchive",
        ] {
            assert!(!looks_like_credential(s), "{s}");
        }
    }
}
