//! AWS's official SigV4 test suite (../shared/sigv4-suite, copied into
//! tests/sigv4-suite) run through the signer the app uses.
//!
//! For every case: the `Authorization` header must equal `.authz`; the
//! canonical request aws-sigv4 actually built (captured from its trace event)
//! must equal `.creq`; and the string to sign made from it must equal `.sts`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aws_sigv4::http_request::{PercentEncodingMode, SessionTokenMode, SigningSettings};
use backup_lens::core::sign::{sign_headers, time_from_millis, Credentials};
use sha2::{Digest, Sha256};

const SUITE_TIME_MS: f64 = 1_440_938_160_000.0; // 20150830T123600Z
const STS_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
const SESSION_TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sigv4-suite")
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            if p.join(format!("{name}.req")).exists() {
                out.push(p.clone());
            }
            cases(&p, out);
        }
    }
}

struct RawRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Parses a `.req` file: request line, headers (with folded continuation lines), blank line, body.
fn parse_req(text: &str) -> RawRequest {
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], text.as_bytes()[i + 2..].to_vec()),
        None => (text, Vec::new()),
    };
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let method = request_line.split(' ').next().unwrap().to_owned();
    let path = request_line[method.len() + 1..request_line.len() - " HTTP/1.1".len()].to_owned();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            let last = headers.last_mut().unwrap();
            last.1.push(' ');
            last.1.push_str(line.trim());
        } else {
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.to_owned(), v.to_owned()));
        }
    }
    RawRequest {
        method,
        path,
        headers,
        body,
    }
}

/// Encodes the raw request target as a client's URL builder does before
/// signing in single-encoding mode: the path per RFC 3986 (everything but
/// unreserved characters and `/`), the query only where it is not valid ASCII.
fn uri_safe(target: &str) -> String {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if let Some(q) = query {
        out.push('?');
        for b in q.bytes() {
            if b.is_ascii_graphic() {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// A tracing subscriber that keeps the `canonical_request` field aws-sigv4 logs.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<String>>>);

struct Visitor<'a>(&'a Mutex<Vec<String>>);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "canonical_request" {
            self.0.lock().unwrap().push(format!("{value:?}"));
        }
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut Visitor(&self.0));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_str().unwrap();
    let read = |ext: &str| fs::read_to_string(dir.join(format!("{name}.{ext}"))).unwrap();
    let req = parse_req(&read("req"));
    let host = req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone())
        .unwrap();
    let url = format!("https://{host}{}", uri_safe(&req.path));
    let header_refs: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    // The legacy suite encodes paths once (DynamoDB's path is always "/").
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    let token = match name {
        "get-vanilla-with-session-token" => Some(SESSION_TOKEN),
        "post-sts-header-before" => Some(STS_TOKEN),
        "post-sts-header-after" => {
            settings.session_token_mode = SessionTokenMode::Exclude;
            Some(STS_TOKEN)
        }
        _ => None,
    };
    let creds = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: token.map(Into::into),
    };

    let capture = Capture::default();
    let added = tracing::subscriber::with_default(capture.clone(), || {
        sign_headers(
            &req.method,
            &url,
            &header_refs,
            &req.body,
            &creds,
            "us-east-1",
            "service",
            settings,
            time_from_millis(SUITE_TIME_MS),
        )
    })
    .map_err(|e| format!("{name}: signing failed: {e}"))?;

    let authz = added
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone())
        .ok_or(format!("{name}: no authorization header"))?;
    let expected_authz = read("authz");
    if authz != expected_authz.trim_end() {
        return Err(format!(
            "{name}: authorization\n  got  {authz}\n  want {expected_authz}"
        ));
    }

    let expected_creq = read("creq");
    let captured = capture
        .0
        .lock()
        .unwrap()
        .last()
        .cloned()
        .ok_or(format!("{name}: no canonical request traced"))?;
    // aws-sigv4 redacts the token's value in its trace; do the same to the expectation.
    let redacted_expectation = match token {
        Some(t) if expected_creq.contains(t) => {
            expected_creq.replace(t, &format!("** redacted (length={}) **", t.len()))
        }
        _ => expected_creq.clone(),
    };
    if captured != redacted_expectation {
        return Err(format!(
            "{name}: canonical request\n--- got\n{captured}\n--- want\n{redacted_expectation}"
        ));
    }

    let sts = format!(
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n{}",
        sha256_hex(&expected_creq)
    );
    if sts != read("sts") {
        return Err(format!(
            "{name}: string to sign\n--- got\n{sts}\n--- want\n{}",
            read("sts")
        ));
    }
    Ok(())
}

#[test]
fn every_case_of_the_official_suite_passes() {
    let mut all = Vec::new();
    cases(&suite_dir(), &mut all);
    assert_eq!(all.len(), 34, "the suite has 34 cases");
    let failures: Vec<String> = all.iter().filter_map(|c| run_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}
