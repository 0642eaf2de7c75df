//! Where requests go: a public region's DynamoDB endpoint, or a custom URL,
//! normalised so that the signed `host` is exactly what the browser sends.

use super::query::{Field, FieldError};

/// A partition's name and its regions, in the order the region picker shows them.
pub const REGION_GROUPS: &[(&str, &[&str])] = &[
    (
        "Commercial",
        &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "eu-south-1",
            "eu-south-2",
            "eu-north-1",
            "il-central-1",
            "me-south-1",
            "me-central-1",
            "mx-central-1",
            "sa-east-1",
        ],
    ),
    ("China", &["cn-north-1", "cn-northwest-1"]),
    ("AWS GovCloud (US)", &["us-gov-east-1", "us-gov-west-1"]),
];

/// True for a region in [`REGION_GROUPS`].
pub fn is_known_region(region: &str) -> bool {
    REGION_GROUPS.iter().any(|(_, rs)| rs.contains(&region))
}

/// True for something shaped like a region code (custom endpoints may use any).
pub fn is_region_code(region: &str) -> bool {
    (2..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// The public DynamoDB endpoint of a region.
pub fn region_url(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://dynamodb.{region}.amazonaws.com.cn/")
    } else {
        format!("https://dynamodb.{region}.amazonaws.com/")
    }
}

/// A normalised endpoint: `scheme://authority/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `https` or (loopback only) `http`.
    pub scheme: &'static str,
    /// Lower-case host plus any non-default port: the `Host` header the browser sends.
    pub authority: String,
}

impl Endpoint {
    /// The URL requests are POSTed to (path `/`).
    pub fn url(&self) -> String {
        format!("{}://{}/", self.scheme, self.authority)
    }

    /// The host without the port (and without IPv6 brackets).
    pub fn host(&self) -> &str {
        let a = self.authority.as_str();
        if let Some(rest) = a.strip_prefix('[') {
            return rest.split(']').next().unwrap_or(rest);
        }
        a.rsplit_once(':').map_or(a, |(h, _)| h)
    }

    /// True for a region's own public DynamoDB endpoint (`https://dynamodb.<region>.amazonaws.com`
    /// or `.com.cn`, default port): requests there need no confirmation.
    pub fn is_aws_region_endpoint(&self) -> bool {
        self.scheme == "https"
            && REGION_GROUPS
                .iter()
                .flat_map(|(_, rs)| rs.iter())
                .any(|r| Endpoint::parse(&region_url(r)).is_ok_and(|e| e == *self))
    }

    /// True when the endpoint is this machine (where `http` is allowed and the demo lives).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.host())
    }

    /// The endpoint of a region, or the custom URL if one is given.
    pub fn resolve(region: &str, custom: &str) -> Result<Endpoint, FieldError> {
        let region = region.trim();
        let custom = custom.trim();
        if custom.is_empty() {
            if !is_known_region(region) {
                return Err(FieldError::new(
                    Field::Region,
                    format!("Unknown region \"{region}\""),
                ));
            }
            Endpoint::parse(&region_url(region))
        } else {
            if !is_region_code(region) {
                return Err(FieldError::new(
                    Field::Region,
                    "A region code such as us-east-1 is needed to sign requests",
                ));
            }
            Endpoint::parse(custom)
        }
    }

    /// Parses and normalises a custom endpoint URL.
    pub fn parse(url: &str) -> Result<Endpoint, FieldError> {
        let err = |m: &str| Err(FieldError::new(Field::Endpoint, m));
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return err("Start the endpoint with https:// (or http:// for localhost)");
        };
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => "https",
            "http" => "http",
            _ => return err("Only https:// endpoints are supported (http:// for localhost)"),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if !(path.is_empty() || path == "/") {
            return err(
                "The endpoint is a host and optional port only: no path, query or fragment",
            );
        }
        if authority.contains('@') {
            return err("Do not put a user name or password in the endpoint");
        }
        let Some((host, port)) = split_host_port(authority) else {
            return err("The endpoint's host or port is not valid");
        };
        let host = host.to_ascii_lowercase();
        let valid_host = if host.starts_with('[') {
            host.len() > 2
                && host[1..host.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        } else {
            !host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        if !valid_host {
            return err("The endpoint's host is not a valid DNS name or IP address");
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if scheme == "http" && !is_loopback_host(bare) {
            return err("Use https:// : plain http:// is allowed only for localhost, since it would send credentials in clear");
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        let authority = match port {
            Some(p) if p != default_port => format!("{host}:{p}"),
            _ => host,
        };
        Ok(Endpoint { scheme, authority })
    }
}

/// What a shared link's `endpoint=` asks for. A link may only *suggest* a
/// custom endpoint: the person at the keyboard confirms its host before
/// anything is sent there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkEndpoint {
    /// No endpoint in the link, or a region's AWS endpoint: nothing to confirm.
    None,
    /// A custom endpoint to show with its host and confirm or dismiss.
    Suggested(Endpoint),
    /// Not a valid endpoint: ignored, with a note.
    Invalid(String),
}

impl LinkEndpoint {
    /// Reads the link's value (already percent-decoded).
    pub fn from_link(raw: &str) -> LinkEndpoint {
        if raw.trim().is_empty() {
            return LinkEndpoint::None;
        }
        match Endpoint::parse(raw) {
            Ok(e) if e.is_aws_region_endpoint() => LinkEndpoint::None,
            Ok(e) => LinkEndpoint::Suggested(e),
            Err(e) => LinkEndpoint::Invalid(e.message),
        }
    }
}

/// Splits `host[:port]` / `[v6][:port]`; `None` for a bad port.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (h, rest) = authority.split_at(end + 1);
        match rest {
            "" => (h, None),
            _ => (h, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|&n| n != 0)?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// localhost, `*.localhost`, 127.0.0.0/8 and ::1.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host == "::1" {
        return true;
    }
    let octets: Vec<&str> = host.split('.').collect();
    octets.len() == 4
        && octets[0] == "127"
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && o.parse::<u8>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_partition_endpoints() {
        assert_eq!(
            Endpoint::resolve("eu-west-1", "").unwrap().url(),
            "https://dynamodb.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            Endpoint::resolve("cn-north-1", "").unwrap().url(),
            "https://dynamodb.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            Endpoint::resolve("us-gov-west-1", "").unwrap().url(),
            "https://dynamodb.us-gov-west-1.amazonaws.com/"
        );
        assert_eq!(
            Endpoint::resolve("mars-1", "").unwrap_err().field,
            Field::Region
        );
        let n: usize = REGION_GROUPS.iter().map(|(_, r)| r.len()).sum();
        assert!(n >= 38);
    }

    #[test]
    fn custom_endpoints_are_normalised() {
        let e = Endpoint::parse("HTTP://LocalHost:8000/").unwrap();
        assert_eq!(e.url(), "http://localhost:8000/");
        assert!(e.is_loopback());
        assert_eq!(
            Endpoint::parse("https://Example.COM:443")
                .unwrap()
                .authority,
            "example.com"
        );
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:80").unwrap().authority,
            "127.0.0.1"
        );
        assert_eq!(
            Endpoint::parse("http://[::1]:4566").unwrap().authority,
            "[::1]:4566"
        );
        assert_eq!(Endpoint::parse("http://[::1]:4566").unwrap().host(), "::1");
        assert_eq!(
            Endpoint::parse("https://ddb.internal:8443").unwrap().host(),
            "ddb.internal"
        );
    }

    #[test]
    fn custom_endpoints_refuse_games() {
        for bad in [
            "localhost:8000",
            "ftp://localhost",
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "https://example.com/path",
            "https://example.com/?x=1",
            "https://user:pw@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:",
            "https://exa mple.com",
            "https://",
            "https://[zz]:1",
        ] {
            assert_eq!(
                Endpoint::parse(bad).unwrap_err().field,
                Field::Endpoint,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_link_only_suggests_custom_endpoints() {
        assert_eq!(LinkEndpoint::from_link(""), LinkEndpoint::None);
        assert_eq!(
            LinkEndpoint::from_link("https://dynamodb.eu-west-1.amazonaws.com"),
            LinkEndpoint::None,
            "a region's own AWS endpoint needs no confirmation"
        );
        for custom in [
            "https://203.0.113.7:8443",
            "http://127.0.0.1:8765",
            "https://dynamodb.eu-west-1.amazonaws.com:8443",
            "https://dynamodb.eu-west-1.amazonaws.com.evil.example",
            "https://dynamodb.mars-1.amazonaws.com",
        ] {
            match LinkEndpoint::from_link(custom) {
                LinkEndpoint::Suggested(e) => assert!(!e.is_aws_region_endpoint(), "{custom}"),
                other => panic!("{custom}: {other:?}"),
            }
        }
        assert!(matches!(
            LinkEndpoint::from_link("http://evil.example"),
            LinkEndpoint::Invalid(_)
        ));
    }

    #[test]
    fn custom_endpoint_needs_a_region_code() {
        assert!(Endpoint::resolve("local", "http://localhost:8000").is_ok());
        assert_eq!(
            Endpoint::resolve("", "http://localhost:8000")
                .unwrap_err()
                .field,
            Field::Region
        );
    }
}
