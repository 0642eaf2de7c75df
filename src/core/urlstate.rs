//! The shareable view in the URL's query string: region, endpoint, query
//! parameters, filters and sort. The type has no credential fields, and only
//! validated values are written: a value that looks like a credential, typed
//! into whichever field, never reaches the URL (browser history is synced and
//! shared). A link's endpoint is only a suggestion (see `LinkEndpoint`).

use std::collections::BTreeSet;

use super::endpoint::{is_region_code, Endpoint};
use super::query::{
    is_table_arn, is_table_name, BackupTypeFilter, QueryInput, DEFAULT_BACKUP_TYPE,
};
use super::secret::looks_like_credential;
use super::time::parse_utc;
use super::view::{Column, Direction, Filter, Sort, DEFAULT_COLUMNS};

/// Everything a bookmark restores.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewState {
    /// One region code or several, comma-separated.
    pub region: String,
    pub endpoint: String,
    /// Roles to assume: role ARNs or account ids, one per line (never a credential).
    pub roles: String,
    /// The role name that goes with account ids.
    pub role_name: String,
    /// False when the home credentials' own account is not listed.
    pub skip_home: bool,
    /// The table's chosen columns (empty: the default set).
    pub columns: Vec<Column>,
    /// The protection view ("Tables") instead of the backups.
    pub tables_view: bool,
    /// The protection view's staleness threshold in days (0: the default, 7).
    pub stale_days: u32,
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

// Sets are filled with `extend`, not `collect`: collecting into a B-tree sorts
// a `Vec` first, one more copy of the standard sort in the wasm.
fn split(s: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    set.extend(s.split(',').filter(|x| !x.is_empty()).map(str::to_owned));
    set
}

/// The protection view's default staleness threshold (days).
pub const DEFAULT_STALE_DAYS: u32 = 7;

/// A role ARN or a 12-digit account id, as the roles list holds them.
fn is_role_entry(entry: &str) -> bool {
    let arn_ok = entry.starts_with("arn:aws")
        && entry.contains(":role/")
        && entry.len() <= 2048
        && entry
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b":/+=,.@_-".contains(&b));
    let account_ok = entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit());
    (arn_ok || account_ok) && !looks_like_credential(entry)
}

/// The longest search text kept in the URL.
pub const MAX_SEARCH_IN_URL: usize = 200;

/// Keeps a free-text value only if it cannot be a credential.
fn safe_text(s: &str, max_chars: usize) -> String {
    if looks_like_credential(s) || s.chars().count() > max_chars {
        String::new()
    } else {
        s.to_owned()
    }
}

fn safe_set(set: &BTreeSet<String>) -> BTreeSet<String> {
    let mut safe = BTreeSet::new();
    safe.extend(
        set.iter()
            .filter(|v| !looks_like_credential(v) && v.len() <= 1024)
            .cloned(),
    );
    safe
}

impl ViewState {
    /// The same view with every value that is not valid for its field (and
    /// anything that looks like a credential) left out: what may go in a URL.
    pub fn sanitized(&self) -> ViewState {
        let keep = |ok: bool, v: &str| {
            if ok {
                v.trim().to_owned()
            } else {
                String::new()
            }
        };
        let q = &self.query;
        let table = q.table.trim();
        let page_size = q.page_size.trim();
        let mut filter = self.filter.clone();
        filter.text = safe_text(&filter.text, MAX_SEARCH_IN_URL);
        filter.tables = safe_set(&filter.tables);
        filter.types = safe_set(&filter.types);
        filter.statuses = safe_set(&filter.statuses);
        filter.accounts = safe_set(&filter.accounts);
        filter.regions = safe_set(&filter.regions);
        let regions: Vec<&str> = self
            .region
            .split(',')
            .map(str::trim)
            .filter(|r| is_region_code(r))
            .collect();
        let roles: Vec<&str> = self
            .roles
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| is_role_entry(r))
            .collect();
        let role_name = self.role_name.trim();
        ViewState {
            region: regions.join(","),
            roles: roles.join("\n"),
            role_name: keep(
                !role_name.is_empty()
                    && role_name.len() <= 64
                    && role_name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
                    && !looks_like_credential(role_name),
                role_name,
            ),
            skip_home: self.skip_home,
            columns: self.columns.clone(),
            tables_view: self.tables_view,
            stale_days: if (1..=3650).contains(&self.stale_days) {
                self.stale_days
            } else {
                0
            },
            endpoint: Endpoint::parse(&self.endpoint)
                .map(|e| e.url().trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            query: QueryInput {
                table: keep(
                    (is_table_name(table) || is_table_arn(table)) && !looks_like_credential(table),
                    table,
                ),
                backup_type: q.backup_type.clone(),
                from: keep(parse_utc(&q.from).is_some(), &q.from),
                to: keep(parse_utc(&q.to).is_some(), &q.to),
                page_size: keep(
                    page_size
                        .parse::<u8>()
                        .is_ok_and(|n| (1..=100).contains(&n)),
                    page_size,
                ),
            },
            filter,
            sort: self.sort,
        }
    }

    /// `region=eu-west-1&q=orders&sort=size.desc` (no leading `?`); defaults and
    /// invalid values are left out (see [`Self::sanitized`]).
    pub fn to_query(&self) -> String {
        let safe = self.sanitized();
        let s = &safe;
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut put = |k: &'static str, v: String| {
            if !v.is_empty() {
                pairs.push((k, v));
            }
        };
        put("region", s.region.clone());
        put("endpoint", s.endpoint.clone());
        put("roles", s.roles.replace('\n', ","));
        put("role", s.role_name.clone());
        if s.skip_home {
            put("home", "0".into());
        }
        if s.tables_view {
            put("view", "tables".into());
        }
        if s.stale_days != 0 && s.stale_days != DEFAULT_STALE_DAYS {
            put("stale", s.stale_days.to_string());
        }
        if !s.columns.is_empty() && s.columns[..] != DEFAULT_COLUMNS[..] {
            put(
                "cols",
                s.columns
                    .iter()
                    .map(|c| c.id())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        put("table", s.query.table.clone());
        // Always written (also the default, ALL): a shared link lists the same types
        // whatever a later default becomes.
        put("type", s.query.backup_type.clone());
        put("from", s.query.from.clone());
        put("to", s.query.to.clone());
        put("size", s.query.page_size.clone());
        let f = &s.filter;
        put("q", f.text.clone());
        put("tables", join(&f.tables));
        put("types", join(&f.types));
        put("statuses", join(&f.statuses));
        put("accounts", join(&f.accounts));
        put("regions", join(&f.regions));
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
        if let Some(s) = s.sort {
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

    /// Reads a query string (with or without `?`); unknown, malformed or
    /// credential-looking values are ignored.
    pub fn from_query(query: &str) -> ViewState {
        Self::parse_query(query).sanitized()
    }

    /// One parameter of a query string as written (percent-decoded, not validated).
    pub fn raw_param(query: &str, name: &str) -> Option<String> {
        query
            .trim_start_matches('?')
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| decode(v))
    }

    fn parse_query(query: &str) -> ViewState {
        let mut v = ViewState {
            query: QueryInput {
                backup_type: DEFAULT_BACKUP_TYPE.into(),
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
                "roles" => v.roles = val.replace(',', "\n"),
                "role" => v.role_name = val,
                "home" => v.skip_home = val == "0",
                "view" => v.tables_view = val == "tables",
                "stale" => v.stale_days = val.parse().unwrap_or(0),
                "cols" => v.columns = val.split(',').filter_map(Column::parse).collect(),
                "table" => v.query.table = val,
                // Only a value the select offers; anything else keeps the default.
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
                "accounts" => f.accounts = split(&val),
                "regions" => f.regions = split(&val),
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
    fn regions_and_roles_round_trip_without_credentials() {
        let v = ViewState {
            region: "us-east-1,eu-west-1".into(),
            roles: "arn:aws:iam::111122223333:role/BackupLensViewer\n444455556666".into(),
            role_name: "BackupLensViewer".into(),
            skip_home: true,
            query: QueryInput {
                backup_type: "USER".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let q = v.to_query();
        assert!(q.contains("region=us-east-1%2Ceu-west-1"), "{q}");
        assert!(q.contains("home=0"), "{q}");
        let tables = ViewState::from_query("view=tables&stale=30");
        assert!(tables.tables_view);
        assert_eq!(tables.stale_days, 30);
        assert_eq!(
            ViewState::from_query("stale=-4").stale_days,
            0,
            "junk keeps the default"
        );
        assert_eq!(ViewState::from_query(&q), v.sanitized());
        assert_eq!(ViewState::from_query(&q).roles, v.roles);
        // A secret pasted into the roles box, or a bad region, never reaches the URL.
        let leaky = ViewState {
            region: "us-east-1,not a region".into(),
            roles: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n111122223333".into(),
            role_name: "ASIAIOSFODNN7EXAMPLE".into(),
            ..Default::default()
        };
        let q = leaky.to_query();
        assert!(!q.contains("wJalr") && !q.contains("ASIA"), "{q}");
        assert!(q.contains("roles=111122223333"), "{q}");
        assert!(
            q.contains("region=us-east-1&") || q.ends_with("region=us-east-1"),
            "{q}"
        );
    }

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
    fn credentials_and_invalid_values_never_reach_the_url() {
        let akid = "ASIAXYZ0123456789ABC";
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        for typed in [
            akid,
            secret,
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6",
        ] {
            let mut v = ViewState::default();
            v.query.backup_type = DEFAULT_BACKUP_TYPE.into();
            v.query.table = typed.into();
            v.filter.text = format!("look {typed}");
            v.filter.tables = [typed.to_owned(), "orders".to_owned()].into();
            v.endpoint = typed.into();
            v.region = typed.into();
            let q = v.to_query();
            assert!(!q.contains(&encode(typed)) && !q.contains(typed), "{q}");
            assert_eq!(
                q, "type=ALL&tables=orders",
                "only the valid facet value stays"
            );
        }
        // Half-typed or invalid values stay out; valid ones go in normalised.
        let mut v = ViewState::default();
        v.query.backup_type = DEFAULT_BACKUP_TYPE.into();
        v.endpoint = "HTTPS://DDB.Example.com:443/".into();
        v.query.table = "or".into();
        v.query.page_size = "1000".into();
        v.query.from = "2026-13-01T00:00".into();
        v.filter.text = "x".repeat(MAX_SEARCH_IN_URL + 1);
        assert_eq!(
            v.to_query(),
            "endpoint=https%3A%2F%2Fddb.example.com&type=ALL"
        );
        v.endpoint = "https://ddb.example.com/some/path".into();
        assert_eq!(v.to_query(), "type=ALL");
        // And a link carrying a credential does not bring it into the page.
        let restored = ViewState::from_query(&format!("q={akid}&table={akid}&region=eu-west-1"));
        assert_eq!(restored.filter.text, "");
        assert_eq!(restored.query.table, "");
        assert_eq!(restored.region, "eu-west-1");
        // The raw parameter is still readable, to say why it was ignored.
        assert_eq!(
            ViewState::raw_param("?a=1&endpoint=http%3A%2F%2Fevil.example", "endpoint").as_deref(),
            Some("http://evil.example")
        );
        assert_eq!(ViewState::raw_param("a=1", "endpoint"), None);
    }

    #[test]
    fn defaults_make_an_empty_query_and_junk_is_ignored() {
        let d = ViewState::from_query("");
        assert_eq!(
            d.to_query(),
            "type=ALL",
            "only the backup type, always recorded"
        );
        let junk = ViewState::from_query("sort=size.sideways&smin=lots&%zz=1&q=%E2%28&x");
        assert_eq!(junk.sort, None);
        assert_eq!(junk.filter.size_min, None);
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        // Found by the query_validation fuzz target: "type=" gave an empty select.
        for t in ["type=", "type=user", "type=%3Cimg%3E"] {
            let v = ViewState::from_query(t);
            assert_eq!(v.query.backup_type, DEFAULT_BACKUP_TYPE, "{t}");
            assert_eq!(ViewState::from_query(&v.to_query()), v, "{t} round-trips");
        }
        assert_eq!(
            ViewState::from_query("type=SYSTEM").query.backup_type,
            "SYSTEM"
        );
    }
}
