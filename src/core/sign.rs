//! SigV4 for ListBackups with the `aws-sigv4` crate. The clock is a parameter:
//! `SystemTime::now()` panics on wasm32, so the browser edge passes its own time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use sha2::{Digest, Sha256};

use super::endpoint::Endpoint;
use super::query::{Field, FieldError};
use super::time::format_amz;

/// The one operation this app calls.
pub const LIST_BACKUPS_TARGET: &str = "DynamoDB_20120810.ListBackups";
/// awsJson1_0.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Credentials held in memory while the page is open.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Present for temporary (STS) credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    // Never print a secret, even in a debug trace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

impl Credentials {
    /// Trims and checks pasted credentials.
    pub fn new(
        access_key_id: &str,
        secret: &str,
        token: &str,
    ) -> Result<Credentials, Vec<FieldError>> {
        let mut errors = Vec::new();
        let akid = access_key_id.trim();
        let secret = secret.trim();
        let token = token.trim();
        if akid.is_empty() {
            errors.push(FieldError::new(
                Field::AccessKeyId,
                "Paste an access key id (ASIA… or AKIA…)",
            ));
        } else if !(16..=128).contains(&akid.len())
            || !akid.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            errors.push(FieldError::new(
                Field::AccessKeyId,
                "An access key id is 16–128 letters and digits, such as ASIAIOSFODNN7EXAMPLE",
            ));
        }
        if secret.is_empty() {
            errors.push(FieldError::new(
                Field::SecretAccessKey,
                "Paste the secret access key",
            ));
        } else if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(FieldError::new(
                Field::SecretAccessKey,
                "The secret access key has unexpected characters",
            ));
        }
        if token.is_empty() && akid.starts_with("ASIA") {
            errors.push(FieldError::new(
                Field::SessionToken,
                "Temporary credentials (ASIA…) need their session token",
            ));
        } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
            errors.push(FieldError::new(
                Field::SessionToken,
                "The session token has unexpected characters",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Credentials {
            access_key_id: akid.to_owned(),
            secret_access_key: secret.to_owned(),
            session_token: (!token.is_empty()).then(|| token.to_owned()),
        })
    }
}

/// A request ready for fetch: URL, headers (exactly those signed, plus `authorization`), body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Failure inside the signer (not reachable with validated inputs).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("could not sign the request: {0}")]
pub struct SignError(pub String);

/// The signing time from milliseconds since the epoch (as `Date.now()` gives).
pub fn time_from_millis(ms: f64) -> SystemTime {
    if ms.is_finite() && ms > 0.0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH
    }
}

/// Signs a generic request with SigV4 (headers mode). `headers` must be exactly
/// what will be sent, host included; the result adds `x-amz-date`,
/// `x-amz-security-token` (when there is a token) and `authorization`.
// Mirrors the inputs of SigV4 itself; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn sign_headers(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    creds: &Credentials,
    region: &str,
    service: &str,
    settings: SigningSettings,
    time: SystemTime,
) -> Result<Vec<(String, String)>, SignError> {
    let identity = AwsCredentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        creds.session_token.clone(),
        None,
        "backup-lens",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| SignError(e.to_string()))?
        .into();
    let signable = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| SignError(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| SignError(e.to_string()))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect())
}

/// Signs one ListBackups call to `endpoint` for `region` at `time`.
pub fn sign_list_backups(
    endpoint: &Endpoint,
    region: &str,
    creds: &Credentials,
    body: String,
    time: SystemTime,
) -> Result<SignedRequest, SignError> {
    sign_dynamodb(endpoint, region, creds, LIST_BACKUPS_TARGET, body, time)
}

/// Signs one DynamoDB call (`target`: `DynamoDB_20120810.<Operation>`) to
/// `endpoint` for `region` at `time`.
pub fn sign_dynamodb(
    endpoint: &Endpoint,
    region: &str,
    creds: &Credentials,
    target: &str,
    body: String,
    time: SystemTime,
) -> Result<SignedRequest, SignError> {
    let host = endpoint.authority.as_str();
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("host", host),
        ("x-amz-target", target),
    ];
    sign_post(endpoint, &headers, region, "dynamodb", creds, body, time)
}

/// STS query protocol bodies (form-encoded).
pub const STS_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Signs one STS query call (AssumeRole, GetCallerIdentity) to `endpoint` for
/// `region` at `time`: like [`sign_list_backups`], with the form content type,
/// no `x-amz-target`, and service `sts`.
pub fn sign_sts(
    endpoint: &Endpoint,
    region: &str,
    creds: &Credentials,
    body: String,
    time: SystemTime,
) -> Result<SignedRequest, SignError> {
    let host = endpoint.authority.as_str();
    let headers = [("content-type", STS_CONTENT_TYPE), ("host", host)];
    sign_post(endpoint, &headers, region, "sts", creds, body, time)
}

/// Signs a POST of `body` with exactly `unsigned` (lower-case names, host
/// included) for `service`. The browser sends `host` itself: it is signed but
/// never handed to fetch.
///
/// Every request this app makes has the same shape (POST to path `/`, no
/// query, a handful of lower-case headers), so the canonical request is built
/// here for that shape alone, and aws-sigv4 derives the key and computes the
/// HMAC. Its general signer (`sign_headers`, which parses any URL and header
/// set through the `http` crate) is the reference the tests compare this with,
/// byte for byte, besides botocore's figures.
fn sign_post<'a>(
    endpoint: &Endpoint,
    unsigned: &[(&'a str, &str)],
    region: &str,
    service: &str,
    creds: &Credentials,
    body: String,
    time: SystemTime,
) -> Result<SignedRequest, SignError> {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let amz_date = format_amz(secs);
    let mut signed: Vec<(&str, String)> = Vec::with_capacity(unsigned.len() + 2);
    let mut add = |name: &'a str, value: &str| {
        // Canonical header order is by name; values trimmed, inner runs of spaces as one.
        let at = signed
            .iter()
            .position(|(k, _)| *k > name)
            .unwrap_or(signed.len());
        signed.insert(at, (name, canonical_value(value)));
    };
    for (k, v) in unsigned {
        add(k, v);
    }
    add("x-amz-date", &amz_date);
    if let Some(token) = &creds.session_token {
        add("x-amz-security-token", token);
    }
    let mut names = String::new();
    let mut canonical = String::from("POST\n/\n\n");
    for (k, v) in &signed {
        if !names.is_empty() {
            names.push(';');
        }
        names.push_str(k);
        canonical.push_str(k);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&names);
    canonical.push('\n');
    canonical.push_str(&sha256_hex(body.as_bytes()));

    let scope = format!("{}/{region}/{service}/aws4_request", &amz_date[..8]);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = v4::generate_signing_key(&creds.secret_access_key, time, region, service);
    let signature = v4::calculate_signature(key, string_to_sign.as_bytes());
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={signature}",
        creds.access_key_id
    );

    let mut headers: Vec<(String, String)> = unsigned
        .iter()
        .filter(|(k, _)| *k != "host")
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    headers.push(("x-amz-date".to_owned(), amz_date));
    if let Some(token) = &creds.session_token {
        headers.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    headers.push(("authorization".to_owned(), authorization));
    Ok(SignedRequest {
        url: endpoint.url(),
        headers,
        body,
    })
}

/// A header value as SigV4 canonicalises it: trimmed, each run of spaces as one.
fn canonical_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for word in v.split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Lower-case hex SHA-256.
fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_checked_and_trimmed() {
        let c = Credentials::new(" ASIAIOSFODNN7EXAMPLE ", " secret/+= ", " tok ").unwrap();
        assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(c.secret_access_key, "secret/+=");
        assert_eq!(c.session_token.as_deref(), Some("tok"));
        let fields = |r: Result<Credentials, Vec<FieldError>>| {
            r.unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(Credentials::new("", "", "")),
            vec![Field::AccessKeyId, Field::SecretAccessKey]
        );
        assert_eq!(
            fields(Credentials::new("ASIAIOSFODNN7EXAMPLE", "s", "")),
            vec![Field::SessionToken]
        );
        assert_eq!(
            fields(Credentials::new("AKIA-bad", "s e", "")),
            vec![Field::AccessKeyId, Field::SecretAccessKey]
        );
        assert!(Credentials::new("AKIAIOSFODNN7EXAMPLE", "s", "")
            .unwrap()
            .session_token
            .is_none());
    }

    #[test]
    fn control_characters_in_pasted_credentials_get_a_field_message() {
        // Found by reading the code: "\u{1}" passed the check and then broke the
        // header, reported as a bug in Backup Lens.
        for (secret, token, field) in [
            ("sec\u{1}ret", "token", Field::SecretAccessKey),
            ("secret", "tok\u{7f}en", Field::SessionToken),
            ("secret", "tok\u{0}en", Field::SessionToken),
        ] {
            let errors = Credentials::new("ASIAIOSFODNN7EXAMPLE", secret, token).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, field);
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::new("ASIAIOSFODNN7EXAMPLE", "topsecretvalue", "tokenvalue").unwrap();
        let s = format!("{c:?}");
        assert!(
            !s.contains("topsecretvalue") && !s.contains("tokenvalue"),
            "{s}"
        );
    }
}
