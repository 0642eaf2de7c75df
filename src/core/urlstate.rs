//! The shareable view in the URL's query string: region, endpoint, query
//! parameters, filters and sort. The type has no credential fields, so a
//! credential cannot reach the URL through it.

use std::collections::BTreeSet;

use super::query::{BackupTypeFilter, QueryInput};
use super::view::{Column, Direction, Filter, Sort};

/// Everything a bookmark restores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewState {
    pub region: String,
    pub endpoint: String,
    pub query: QueryInput,
    pub filter: Filter,
    pub sort: Option<Sort>,
}

/// Percent-encodes all but RFC 3986 unreserved characters.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+`; invalid escapes are kept as they are.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(",")
}

fn split(s: &str) -> BTreeSet<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ViewState {
    /// `region=eu-west-1&q=orders&sort=size.desc` (no leading `?`); defaults are left out.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut put = |k: &'static str, v: String| {
            if !v.is_empty() {
                pairs.push((k, v));
            }
        };
        put("region", self.region.clone());
        put("endpoint", self.endpoint.clone());
        put("table", self.query.table.clone());
        if self.query.backup_type != "USER" {
            put("type", self.query.backup_type.clone());
        }
        put("from", self.query.from.clone());
        put("to", self.query.to.clone());
        put("size", self.query.page_size.clone());
        let f = &self.filter;
        put("q", f.text.clone());
        put("tables", join(&f.tables));
        put("types", join(&f.types));
        put("statuses", join(&f.statuses));
        let num = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        put("cfrom", num(f.created_from));
        put("cto", num(f.created_to));
        put(
            "smin",
            f.size_min.map(|x| x.to_string()).unwrap_or_default(),
        );
        put(
            "smax",
            f.size_max.map(|x| x.to_string()).unwrap_or_default(),
        );
        put(
            "expires",
            f.expires_within_days
                .map(|x| x.to_string())
                .unwrap_or_default(),
        );
        put("eday", num(f.expiry_day));
        if let Some(s) = self.sort {
            let dir = if s.direction == Direction::Ascending {
                "asc"
            } else {
                "desc"
            };
            put("sort", format!("{}.{dir}", s.column.id()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a query string (with or without `?`); unknown or malformed values are ignored.
    pub fn from_query(query: &str) -> ViewState {
        let mut v = ViewState {
            query: QueryInput {
                backup_type: "USER".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        for pair in query.trim_start_matches('?').split('&') {
            let Some((k, raw)) = pair.split_once('=') else {
                continue;
            };
            let val = decode(raw);
            let f = &mut v.filter;
            match k {
                "region" => v.region = val,
                "endpoint" => v.endpoint = val,
                "table" => v.query.table = val,
                // Only a value the select offers; anything else keeps USER.
                "type" => {
                    if let Some(t) = BackupTypeFilter::parse(&val) {
                        v.query.backup_type = t.as_str().to_owned();
                    }
                }
                "from" => v.query.from = val,
                "to" => v.query.to = val,
                "size" => v.query.page_size = val,
                "q" => f.text = val,
                "tables" => f.tables = split(&val),
                "types" => f.types = split(&val),
                "statuses" => f.statuses = split(&val),
                "cfrom" => f.created_from = val.parse().ok(),
                "cto" => f.created_to = val.parse().ok(),
                "smin" => f.size_min = val.parse().ok(),
                "smax" => f.size_max = val.parse().ok(),
                "expires" => f.expires_within_days = val.parse().ok(),
                "eday" => f.expiry_day = val.parse().ok(),
                "sort" => {
                    v.sort = val.split_once('.').and_then(|(c, d)| {
                        let direction = match d {
                            "asc" => Direction::Ascending,
                            "desc" => Direction::Descending,
                            _ => return None,
                        };
                        Some(Sort {
                            column: Column::parse(c)?,
                            direction,
                        })
                    })
                }
                _ => {}
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_field() {
        let mut v = ViewState {
            region: "eu-west-1".into(),
            endpoint: "http://localhost:8765".into(),
            query: QueryInput {
                table: "arn:aws:dynamodb:eu-west-1:123456789012:table/orders".into(),
                backup_type: "ALL".into(),
                from: "2026-01-01T00:00".into(),
                to: "2026-02-01T00:00".into(),
                page_size: "25".into(),
            },
            sort: Some(Sort {
                column: Column::Size,
                direction: Direction::Descending,
            }),
            ..Default::default()
        };
        v.filter.text = "nightly ordérs & co=1".into();
        v.filter.tables = ["orders".to_owned(), "catalog.products".to_owned()].into();
        v.filter.types = ["SYSTEM".to_owned()].into();
        v.filter.statuses = ["AVAILABLE".to_owned()].into();
        v.filter.created_from = Some(1_700_000_000);
        v.filter.created_to = Some(1_800_000_000);
        v.filter.size_min = Some(1024);
        v.filter.size_max = Some(1 << 40);
        v.filter.expires_within_days = Some(7);
        v.filter.expiry_day = Some(20_500);
        let q = v.to_query();
        assert!(!q.contains(' ') && !q.contains('é'), "{q}");
        assert_eq!(ViewState::from_query(&format!("?{q}")), v);
    }

    #[test]
    fn defaults_make_an_empty_query_and_junk_is_ignored() {
        let d = ViewState::from_query("");
        assert_eq!(d.to_query(), "");
        let junk = ViewState::from_query("sort=size.sideways&smin=lots&%zz=1&q=%E2%28&x");
        assert_eq!(junk.sort, None);
        assert_eq!(junk.filter.size_min, None);
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        // Found by the query_validation fuzz target: "type=" gave an empty select.
        for t in ["type=", "type=user", "type=%3Cimg%3E"] {
            let v = ViewState::from_query(t);
            assert_eq!(v.query.backup_type, "USER", "{t}");
            assert_eq!(ViewState::from_query(&v.to_query()), v, "{t} round-trips");
        }
        assert_eq!(
            ViewState::from_query("type=SYSTEM").query.backup_type,
            "SYSTEM"
        );
    }
}
