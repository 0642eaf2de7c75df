//! Reads the page's Content-Security-Policy `connect-src`, so that an endpoint
//! the policy blocks is named at once instead of being retried as a network
//! failure. Implements the source-expression matching of CSP Level 3 that the
//! policies of this app use: `'self'`, `'none'`, schemes (`https:`) and hosts
//! with an optional `*.` wildcard and port (`:*`).

/// An origin: scheme, lower-case host, port (the scheme's default when absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "http" | "ws" => 80,
        _ => 443,
    }
}

impl Origin {
    /// Parses `scheme://host[:port][/…]`.
    pub fn parse(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.trim().split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let scheme = scheme.to_ascii_lowercase();
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None => default_port(&scheme),
            };
            (format!("[{h}]"), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().ok()?),
                None => (authority.to_owned(), default_port(&scheme)),
            }
        };
        if host.is_empty() {
            return None;
        }
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// The directive's source list: `connect-src`, else `default-src`, else `None` (no limit).
fn connect_sources(policy: &str) -> Option<Vec<&str>> {
    let directives: Vec<(&str, Vec<&str>)> = policy
        .split(';')
        .filter_map(|d| {
            let mut words = d.split_ascii_whitespace();
            let name = words.next()?;
            Some((name, words.collect()))
        })
        .collect();
    let find = |wanted: &str| {
        directives
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
            .map(|(_, s)| s.clone())
    };
    find("connect-src").or_else(|| find("default-src"))
}

/// True when `policy` lets a page at `page` fetch `target`. An empty policy allows everything.
pub fn connect_allowed(policy: &str, page: &Origin, target: &Origin) -> bool {
    let Some(sources) = connect_sources(policy) else {
        return true;
    };
    sources.iter().any(|s| source_matches(s, page, target))
}

fn source_matches(source: &str, page: &Origin, target: &Origin) -> bool {
    let s = source.to_ascii_lowercase();
    if s == "'self'" {
        // Same host and port; an upgrade from http to https (or ws) counts as self.
        let schemes_ok = target.scheme == page.scheme
            || (page.scheme == "http" && matches!(target.scheme.as_str(), "https" | "ws" | "wss"))
            || (page.scheme == "https" && target.scheme == "wss");
        return schemes_ok && target.host == page.host && target.port == page.port;
    }
    if s.starts_with('\'') {
        return false; // 'none', nonces, hashes: never a host
    }
    if s == "*" {
        return matches!(
            target.scheme.as_str(),
            "http" | "https" | "ws" | "wss" | "ftp"
        ) || target.scheme == page.scheme;
    }
    if let Some(scheme) = s.strip_suffix(':') {
        return scheme_matches(scheme, &target.scheme);
    }
    // host-source: [scheme://]host[:port][/path]
    let (scheme, rest) = match s.split_once("://") {
        Some((sc, r)) => (Some(sc), r),
        None => (None, s.as_str()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = if authority.starts_with('[') {
        match authority.split_once("]:") {
            Some((h, p)) => (format!("{h}]"), Some(p)),
            None => (authority.to_owned(), None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    let scheme_ok = match scheme {
        Some(sc) => scheme_matches(sc, &target.scheme),
        // No scheme: the page's scheme (or its secure upgrade).
        None => scheme_matches(&page.scheme, &target.scheme),
    };
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => target.host.ends_with(&format!(".{suffix}")),
        None => host == "*" || host == target.host,
    };
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == Some(target.port),
        None => {
            let expected = default_port(scheme.unwrap_or(&page.scheme));
            target.port == expected || target.port == default_port(&target.scheme)
        }
    };
    scheme_ok && host_ok && port_ok
}

fn scheme_matches(source: &str, target: &str) -> bool {
    source == target
        || (source == "http" && target == "https")
        || (source == "ws" && target == "wss")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTION: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
        connect-src 'self' https://dynamodb.us-east-1.amazonaws.com https://dynamodb.cn-north-1.amazonaws.com.cn; \
        base-uri 'none'";
    const DEVELOPMENT: &str = "default-src 'none'; connect-src 'self' \
        https://dynamodb.us-east-1.amazonaws.com http://localhost:* http://127.0.0.1:*";

    fn o(url: &str) -> Origin {
        Origin::parse(url).unwrap()
    }

    #[test]
    fn parses_origins_with_default_ports() {
        assert_eq!(
            o("https://Example.com/x"),
            Origin {
                scheme: "https".into(),
                host: "example.com".into(),
                port: 443
            }
        );
        assert_eq!(o("http://127.0.0.1:8765/").port, 8765);
        assert_eq!(o("http://[::1]:4566").host, "[::1]");
        assert_eq!(Origin::parse("nonsense"), None);
        assert_eq!(Origin::parse("http://:80"), None);
    }

    #[test]
    fn production_policy_allows_aws_and_self_only() {
        let page = o("https://lens.example.com/");
        for ok in [
            "https://dynamodb.us-east-1.amazonaws.com/",
            "https://dynamodb.cn-north-1.amazonaws.com.cn",
            "https://lens.example.com/other-app",
        ] {
            assert!(connect_allowed(PRODUCTION, &page, &o(ok)), "{ok}");
        }
        for blocked in [
            "http://127.0.0.1:8765/",
            "http://localhost:8000",
            "https://dynamodb.us-east-1.amazonaws.com:8443",
            "https://evil.example/",
            "https://lens.example.com:444/",
            "http://dynamodb.us-east-1.amazonaws.com/",
        ] {
            assert!(
                !connect_allowed(PRODUCTION, &page, &o(blocked)),
                "{blocked}"
            );
        }
    }

    #[test]
    fn development_policy_adds_loopback_on_any_port() {
        let page = o("http://127.0.0.1:8080/");
        assert!(connect_allowed(
            DEVELOPMENT,
            &page,
            &o("http://127.0.0.1:8765")
        ));
        assert!(connect_allowed(
            DEVELOPMENT,
            &page,
            &o("http://localhost:1")
        ));
        assert!(!connect_allowed(
            DEVELOPMENT,
            &page,
            &o("http://127.0.0.2:8765")
        ));
        assert!(!connect_allowed(
            DEVELOPMENT,
            &page,
            &o("https://evil.example")
        ));
    }

    #[test]
    fn wildcards_schemes_and_fallbacks() {
        let page = o("https://lens.example.com/");
        let p = "connect-src https://*.amazonaws.com wss:";
        assert!(connect_allowed(
            p,
            &page,
            &o("https://dynamodb.eu-west-1.amazonaws.com")
        ));
        assert!(!connect_allowed(
            p,
            &page,
            &o("https://amazonaws.com.evil.example")
        ));
        assert!(connect_allowed(p, &page, &o("wss://anything.example")));
        // No connect-src: default-src rules; no policy at all: no limit.
        assert!(!connect_allowed(
            "default-src 'none'",
            &page,
            &o("https://x.example")
        ));
        assert!(connect_allowed(
            "img-src 'self'",
            &page,
            &o("https://x.example")
        ));
        assert!(connect_allowed("", &page, &o("https://x.example")));
        assert!(!connect_allowed(
            "connect-src 'none'",
            &page,
            &o("https://lens.example.com")
        ));
        assert!(connect_allowed(
            "connect-src *",
            &page,
            &o("https://x.example")
        ));
    }
}
