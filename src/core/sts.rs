//! AWS STS over its query protocol: request bodies for AssumeRole and
//! GetCallerIdentity, and their XML answers and errors read by a small tag
//! extractor (an XML crate would cost more bundle than these few tags are worth).

use super::sign::Credentials;
use super::time::parse_iso8601;

/// Form-encoded request bodies (signed by [`super::sign::sign_sts`]).
pub use super::sign::STS_CONTENT_TYPE;

/// The body of a GetCallerIdentity call.
pub const GET_CALLER_IDENTITY_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// No STS answer is anywhere near this long; a longer one is not STS.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The server's message is kept up to this many characters.
const MAX_MESSAGE_CHARS: usize = 1000;

/// The body of an AssumeRole call; values are percent-encoded (RFC 3986).
pub fn assume_role_body(
    role_arn: &str,
    session_name: &str,
    duration_s: u32,
    external_id: Option<&str>,
) -> String {
    let mut body = format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName={}&DurationSeconds={duration_s}",
        percent_encode(role_arn),
        percent_encode(session_name),
    );
    if let Some(id) = external_id {
        body.push_str("&ExternalId=");
        body.push_str(&percent_encode(id));
    }
    body
}

/// Every byte but the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The regional STS endpoint (`https://sts.<region>.amazonaws.com/`, `.com.cn` in China).
pub fn sts_url(region: &str) -> String {
    if region.starts_with("cn-") {
        format!("https://sts.{region}.amazonaws.com.cn/")
    } else {
        format!("https://sts.{region}.amazonaws.com/")
    }
}

/// A successful AssumeRole.
#[derive(Clone, Debug, PartialEq)]
pub struct Assumed {
    /// The role session's temporary credentials (they redact themselves in `Debug`).
    pub credentials: Credentials,
    /// When they expire, milliseconds since the epoch.
    pub expiration_ms: f64,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub assumed_role_arn: String,
}

/// Who the credentials belong to (GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The 12-digit account id.
    pub account: String,
    /// `arn:aws:iam::<account>:user/<name>`, `arn:aws:sts::<account>:assumed-role/…`, …
    pub arn: String,
    /// `AIDA…` for a user, `AROA…:<session>` for a role session.
    pub user_id: String,
}

/// What went wrong with an STS call, grouped by what the user should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StsErrorKind {
    /// `AccessDenied`: a trust policy, an external id or a permission says no.
    AccessDenied,
    /// `ExpiredToken`: the calling credentials have expired.
    ExpiredToken,
    /// `InvalidClientTokenId`: unknown access key id or bad session token.
    InvalidClientTokenId,
    /// `SignatureDoesNotMatch`: the secret access key is wrong.
    SignatureDoesNotMatch,
    /// `SignatureDoesNotMatch` with "Signature expired" or "not yet current":
    /// this computer's clock is more than 5 minutes off.
    ClockSkew,
    /// `Throttling`, `RequestLimitExceeded`.
    Throttled,
    /// `ValidationError` and friends, e.g. DurationSeconds above the role's maximum.
    Validation,
    /// `RegionDisabledException`: STS is not activated in this region for the account.
    RegionDisabled,
    /// A 5xx answer, or no answer at all (status 0, see [`StsError::network`]).
    ServerError,
    /// An STS answer cut off before its end (a dropped connection).
    Truncated,
    /// An answer that is not STS XML (an HTML page, JSON, …).
    NotSts,
    /// An STS error code this app does not know.
    Other,
}

/// One failed STS call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.sentence(None))]
pub struct StsError {
    pub kind: StsErrorKind,
    /// HTTP status; 0 when no answer arrived.
    pub status: u16,
    /// The STS error code, e.g. `AccessDenied`; empty when there is none.
    pub code: String,
    /// The server's message (unescaped, at most 1000 characters); for
    /// [`StsErrorKind::NotSts`], [`StsErrorKind::Truncated`] and network
    /// failures, our own description.
    pub message: String,
}

impl StsError {
    fn new(kind: StsErrorKind, status: u16, code: &str, message: &str) -> Self {
        StsError {
            kind,
            status,
            code: code.to_owned(),
            message: message.chars().take(MAX_MESSAGE_CHARS).collect(),
        }
    }

    /// Fetch itself failed (offline, DNS, CORS, blocked by the page's policy).
    pub fn network(detail: &str) -> Self {
        Self::new(StsErrorKind::ServerError, 0, "", detail)
    }

    fn not_sts(status: u16, why: &str) -> Self {
        Self::new(StsErrorKind::NotSts, status, "", why)
    }

    /// Whether calling again (re-signed) may succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            StsErrorKind::Throttled | StsErrorKind::ServerError | StsErrorKind::Truncated
        )
    }

    /// One sentence for the user, about assuming `role` (AssumeRole) or, with
    /// `None`, about checking the credentials themselves (GetCallerIdentity).
    /// It names the error code but never repeats credentials.
    pub fn sentence(&self, role: Option<&str>) -> String {
        use StsErrorKind as K;
        let lead = match role {
            Some(r) => format!("Could not assume role {r}"),
            None => "Could not check these credentials with STS".to_owned(),
        };
        let code = if self.code.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.code)
        };
        let reason = match (self.kind, role) {
            (K::AccessDenied, Some(_)) => "its trust policy does not allow this identity, the external id is wrong, or this identity may not call sts:AssumeRole".to_owned(),
            (K::AccessDenied, None) => "a policy (such as a service control policy) denies this identity".to_owned(),
            (K::ExpiredToken, Some(_)) => "the credentials used to assume it have expired; paste fresh ones".to_owned(),
            (K::ExpiredToken, None) => "these temporary credentials have expired; paste fresh ones".to_owned(),
            (K::InvalidClientTokenId, _) => "the access key id or session token is not recognised; paste the complete, current credentials".to_owned(),
            (K::SignatureDoesNotMatch, _) => "the secret access key does not match the access key id".to_owned(),
            (K::ClockSkew, _) => "this computer's clock is more than 5 minutes off, and requests signed with it are refused".to_owned(),
            (K::Throttled, _) => "STS is throttling these requests; wait a moment and try again".to_owned(),
            (K::Validation, _) if self.message.contains("DurationSeconds") => "the session duration asked for is longer than the role's maximum session duration; ask for a shorter one".to_owned(),
            (K::Validation, _) => "STS refused a parameter (the role ARN, session name, duration or external id)".to_owned(),
            (K::RegionDisabled, _) => "STS is not activated for this account in this region; activate it in the IAM account settings or choose another region".to_owned(),
            (K::ServerError, _) if self.status == 0 => "STS could not be reached; check the network, the region, and that this page may connect to the STS endpoint".to_owned(),
            (K::ServerError, _) => format!("STS had an internal error (HTTP {}); try again in a moment", self.status),
            (K::Truncated, _) => "STS's answer was cut off before its end (the connection dropped); try again".to_owned(),
            (K::NotSts, _) => format!("the endpoint did not answer like STS ({})", self.message),
            (K::Other, _) => "STS refused the request".to_owned(),
        };
        format!("{lead}: {code}{reason}.")
    }

    /// The server's own words, when it sent some.
    pub fn detail(&self) -> Option<String> {
        if self.code.is_empty() || self.message.is_empty() {
            return None;
        }
        Some(format!("{}: {}", self.code, self.message))
    }
}

/// Reads an AssumeRole answer.
pub fn parse_assume_role(status: u16, body: &str) -> Result<Assumed, StsError> {
    let result = success(status, body, "AssumeRoleResponse")?;
    let bad = |why: &str| StsError::not_sts(status, why);
    let creds =
        element(result, "Credentials").ok_or_else(|| bad("the answer has no credentials"))?;
    let field = |name: &str| element(creds, name).map(|v| unescape(v).trim().to_owned());
    let (Some(akid), Some(secret)) = (field("AccessKeyId"), field("SecretAccessKey")) else {
        return Err(bad("the answer's credentials are incomplete"));
    };
    let credentials = Credentials::new(&akid, &secret, &field("SessionToken").unwrap_or_default())
        .map_err(|_| bad("the answer's credentials are not valid"))?;
    let expiration_secs = field("Expiration")
        .as_deref()
        .and_then(parse_iso8601)
        .ok_or_else(|| bad("the answer has no valid expiration time"))?;
    let assumed_role_arn = element(result, "AssumedRoleUser")
        .and_then(|u| element(u, "Arn"))
        .map(|a| unescape(a).trim().to_owned())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("the answer has no assumed role ARN"))?;
    Ok(Assumed {
        credentials,
        expiration_ms: expiration_secs as f64 * 1000.0,
        assumed_role_arn,
    })
}

/// Reads a GetCallerIdentity answer.
pub fn parse_caller_identity(status: u16, body: &str) -> Result<CallerIdentity, StsError> {
    let result = success(status, body, "GetCallerIdentityResponse")?;
    let field = |name: &str| {
        element(result, name)
            .map(|v| unescape(v).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    match (field("Account"), field("Arn"), field("UserId")) {
        (Some(account), Some(arn), Some(user_id)) => Ok(CallerIdentity {
            account,
            arn,
            user_id,
        }),
        _ => Err(StsError::not_sts(
            status,
            "the answer has no account, ARN or user id",
        )),
    }
}

/// The inside of a successful answer's `<root>`, or the error the answer stands for.
fn success<'a>(status: u16, body: &'a str, root: &str) -> Result<&'a str, StsError> {
    if status == 0 {
        return Err(StsError::network("no answer"));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(StsError::not_sts(
            status,
            "the answer is far longer than any STS answer",
        ));
    }
    // An error is an error whatever the status says.
    if let Some(error) = error_of(status, body) {
        return Err(error);
    }
    let trimmed = body.trim_start();
    if (200..300).contains(&status) {
        if let Some(inside) = element(body, root) {
            return Ok(inside);
        }
        if has_open_tag(body, root) {
            return Err(StsError::new(
                StsErrorKind::Truncated,
                status,
                "",
                "the answer was cut off before its end",
            ));
        }
    }
    let what = if trimmed.is_empty() {
        "an empty answer"
    } else if looks_like_html(trimmed) {
        "a web page, not an STS answer"
    } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
        "JSON, not an STS XML answer"
    } else if trimmed.starts_with('<') {
        "XML that is not an STS answer"
    } else {
        "text that is not an STS answer"
    };
    let kind = if status >= 500 {
        StsErrorKind::ServerError
    } else {
        StsErrorKind::NotSts
    };
    Err(StsError::new(
        kind,
        status,
        "",
        &format!("HTTP {status}: {what}"),
    ))
}

fn looks_like_html(trimmed: &str) -> bool {
    let head: String = trimmed
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>`, if the body is one.
fn error_of(status: u16, body: &str) -> Option<StsError> {
    let error = element(body, "ErrorResponse")
        .and_then(|r| element(r, "Error"))
        .or_else(|| element(body, "Error"));
    let Some(error) = error else {
        // An error answer cut before `</Error>`: nothing reliable to read.
        return has_open_tag(body, "ErrorResponse").then(|| {
            let kind = if status >= 500 {
                StsErrorKind::ServerError
            } else {
                StsErrorKind::Truncated
            };
            StsError::new(
                kind,
                status,
                "",
                "the error answer was cut off before its end",
            )
        });
    };
    let code = element(error, "Code").map(|c| unescape(c).trim().to_owned())?;
    let message = element(error, "Message")
        .map(|m| unescape(m).trim().to_owned())
        .unwrap_or_default();
    let kind = kind_of(&code, status, &message);
    Some(StsError::new(kind, status, &code, &message))
}

fn kind_of(code: &str, status: u16, message: &str) -> StsErrorKind {
    use StsErrorKind as K;
    match code {
        "AccessDenied" | "AccessDeniedException" => K::AccessDenied,
        "ExpiredToken" | "ExpiredTokenException" => K::ExpiredToken,
        "InvalidClientTokenId" | "UnrecognizedClientException" => K::InvalidClientTokenId,
        "SignatureDoesNotMatch" | "InvalidSignatureException" => {
            if message.contains("Signature expired")
                || message.contains("Signature not yet current")
            {
                K::ClockSkew
            } else {
                K::SignatureDoesNotMatch
            }
        }
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => K::Throttled,
        "ValidationError"
        | "InvalidParameterValue"
        | "InvalidParameterCombination"
        | "MissingParameter"
        | "MalformedPolicyDocument" => K::Validation,
        "RegionDisabledException" => K::RegionDisabled,
        "InternalFailure" | "InternalError" | "ServiceUnavailable" => K::ServerError,
        _ if status >= 500 => K::ServerError,
        _ => K::Other,
    }
}

/// True when `xml` has the start of an opening tag `<name`, complete or cut off.
fn has_open_tag(xml: &str, name: &str) -> bool {
    let pattern = format!("<{name}");
    xml.match_indices(&pattern).any(|(i, _)| {
        matches!(
            xml.as_bytes().get(i + pattern.len()),
            None | Some(b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n')
        )
    })
}

/// Where the content after the first opening tag `<name>` / `<name …>` starts,
/// and whether the tag closed itself (`<name/>`).
fn open_tag(xml: &str, name: &str) -> Option<(usize, bool)> {
    let mut from = 0;
    while let Some(i) = xml.get(from..)?.find('<') {
        let at = from + i;
        // `<` is one byte, so `at + 1` is a character boundary.
        let after = xml.get(at + 1..)?;
        if let Some(rest) = after.strip_prefix(name) {
            let start = at + 1 + name.len();
            match rest.bytes().next() {
                Some(b'>') => return Some((start + 1, false)),
                Some(b'/') if rest.starts_with("/>") => return Some((start + 2, true)),
                Some(c) if c.is_ascii_whitespace() => {
                    let end = rest.find('>')?;
                    let self_closing = rest[..end].ends_with('/');
                    return Some((start + end + 1, self_closing));
                }
                _ => {}
            }
        }
        from = at + 1;
    }
    None
}

/// The raw text between the first `<name …>` and the `</name>` after it:
/// `None` when the element is absent or not closed. Namespaces (`xmlns=`)
/// are attributes and so ignored.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let (start, self_closing) = open_tag(xml, name)?;
    if self_closing {
        return Some("");
    }
    let inside = xml.get(start..)?;
    let end = inside.find(&format!("</{name}>"))?;
    inside.get(..end)
}

/// Replaces `&amp; &lt; &gt; &quot; &apos;` and `&#NN;` / `&#xHH;`; anything
/// else after `&` is kept as it is.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let decoded = tail
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| Some((entity(&tail[..end])?, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    let code = match name {
        "amp" => return Some('&'),
        "lt" => return Some('<'),
        "gt" => return Some('>'),
        "quot" => return Some('"'),
        "apos" => return Some('\''),
        _ => {
            let num = name.strip_prefix('#')?;
            match num.strip_prefix(['x', 'X']) {
                Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    u32::from_str_radix(hex, 16).ok()?
                }
                Some(_) => return None,
                None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                    num.parse().ok()?
                }
                None => return None,
            }
        }
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::111122223333:role/BackupLensReader";

    const ASSUMED: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>DevUser123</SourceIdentity>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:backup-lens</AssumedRoleId>
      <Arn>arn:aws:sts::111122223333:assumed-role/BackupLensReader/backup-lens</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==</SessionToken>
      <Expiration>2026-11-26T17:24:56Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
"#;

    fn error_body(code: &str, message: &str) -> String {
        format!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>2d2fb9e4-4b2a-4f4c-9d86-1d9b6f0f8c3e</RequestId>
</ErrorResponse>
"#
        )
    }

    #[test]
    fn bodies_are_form_encoded() {
        assert_eq!(
            assume_role_body(ROLE, "backup-lens", 3600, None),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FBackupLensReader&RoleSessionName=backup-lens&DurationSeconds=3600"
        );
        assert_eq!(
            assume_role_body(ROLE, "a.b_c~d", 900, Some("Ext id+1/é")),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FBackupLensReader&RoleSessionName=a.b_c~d&DurationSeconds=900&ExternalId=Ext%20id%2B1%2F%C3%A9"
        );
        assert_eq!(
            GET_CALLER_IDENTITY_BODY,
            "Action=GetCallerIdentity&Version=2011-06-15"
        );
        assert_eq!(
            STS_CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8"
        );
    }

    #[test]
    fn regional_endpoints() {
        assert_eq!(sts_url("eu-west-1"), "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(
            sts_url("cn-northwest-1"),
            "https://sts.cn-northwest-1.amazonaws.com.cn/"
        );
        assert_eq!(
            sts_url("us-gov-west-1"),
            "https://sts.us-gov-west-1.amazonaws.com/"
        );
        for (_, regions) in super::super::endpoint::REGION_GROUPS {
            for r in *regions {
                assert!(super::super::endpoint::Endpoint::parse(&sts_url(r)).is_ok());
            }
        }
    }

    #[test]
    fn assume_role_success() {
        let a = parse_assume_role(200, ASSUMED).unwrap();
        assert_eq!(a.credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
        assert_eq!(
            a.credentials.secret_access_key,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
        );
        assert!(a
            .credentials
            .session_token
            .as_deref()
            .is_some_and(|t| t.starts_with("AQoDYXdzEPT") && t.ends_with("BA==")));
        assert_eq!(
            a.assumed_role_arn,
            "arn:aws:sts::111122223333:assumed-role/BackupLensReader/backup-lens"
        );
        assert_eq!(
            a.expiration_ms,
            parse_iso8601("2026-11-26T17:24:56Z").unwrap() as f64 * 1000.0
        );
        assert!(!format!("{a:?}").contains("wJalrXUtnFEMI"));
    }

    #[test]
    fn assume_role_success_on_one_line() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?><AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s</AssumedRoleId><Arn>arn:aws-cn:sts::111122223333:assumed-role/R/s</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>abc&amp;def</SecretAccessKey><SessionToken>FwoGZXIvYXdzEBYaDHhBTk0sG9x5hXk1MSKC</SessionToken><Expiration>2026-11-26T17:24:56.5+01:00</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></AssumeRoleResponse>"#;
        let a = parse_assume_role(200, body).unwrap();
        assert_eq!(a.credentials.secret_access_key, "abc&def");
        assert_eq!(
            a.credentials.session_token.as_deref(),
            Some("FwoGZXIvYXdzEBYaDHhBTk0sG9x5hXk1MSKC")
        );
        assert_eq!(
            a.expiration_ms,
            (parse_iso8601("2026-11-26T16:24:56Z").unwrap() * 1000) as f64
        );
    }

    #[test]
    fn caller_identity_success() {
        let body = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"#;
        assert_eq!(
            parse_caller_identity(200, body).unwrap(),
            CallerIdentity {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:user/Alice".into(),
                user_id: "AIDACKCEVSQ6C2EXAMPLE".into(),
            }
        );
        // A role session's identity.
        let role = body
            .replace(
                "arn:aws:iam::123456789012:user/Alice",
                "arn:aws:sts::123456789012:assumed-role/R/s",
            )
            .replace("AIDACKCEVSQ6C2EXAMPLE", "AROA3XFRBF535PLBIFPI4:s");
        assert_eq!(
            parse_caller_identity(200, &role).unwrap().user_id,
            "AROA3XFRBF535PLBIFPI4:s"
        );
        // An AssumeRole answer is not a caller identity, and the other way round.
        assert_eq!(
            parse_caller_identity(200, ASSUMED).unwrap_err().kind,
            StsErrorKind::NotSts
        );
        assert_eq!(
            parse_assume_role(200, body).unwrap_err().kind,
            StsErrorKind::NotSts
        );
    }

    #[test]
    fn error_answers_by_kind() {
        use StsErrorKind as K;
        let cases = [
            (403, "AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/BackupLensReader", K::AccessDenied, false),
            (400, "ExpiredToken", "The security token included in the request is expired", K::ExpiredToken, false),
            (403, "InvalidClientTokenId", "The security token included in the request is invalid.", K::InvalidClientTokenId, false),
            (403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", K::SignatureDoesNotMatch, false),
            (403, "SignatureDoesNotMatch", "Signature expired: 20261125T000000Z is now earlier than 20261125T020000Z (20261125T020500Z - 5 min.)", K::ClockSkew, false),
            (400, "Throttling", "Rate exceeded", K::Throttled, true),
            (400, "RequestLimitExceeded", "Request limit exceeded.", K::Throttled, true),
            (400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", K::Validation, false),
            (400, "ValidationError", "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", K::Validation, false),
            (403, "RegionDisabledException", "STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console.", K::RegionDisabled, false),
            (500, "InternalFailure", "An internal error occurred.", K::ServerError, true),
            (503, "SomethingNew", "Try later", K::ServerError, true),
            (400, "InvalidAction", "Could not find operation AssumeRol for version 2011-06-15", K::Other, false),
        ];
        for (status, code, message, kind, retryable) in cases {
            let body = error_body(code, message);
            for e in [
                parse_assume_role(status, &body).unwrap_err(),
                parse_caller_identity(status, &body).unwrap_err(),
                // An error answer is an error whatever the status.
                parse_assume_role(200, &body).map(|_| ()).unwrap_err(),
            ] {
                assert_eq!(e.code, code);
                assert_eq!(e.message, message);
                if e.status == status {
                    assert_eq!(e.kind, kind, "{code}: {message}");
                    assert_eq!(e.retryable(), retryable, "{code}");
                }
                for role in [None, Some(ROLE)] {
                    let s = e.sentence(role);
                    assert!(s.ends_with('.') && !s.contains('\n'), "{s}");
                    assert!(s.contains(code), "{s}");
                }
            }
        }
    }

    #[test]
    fn sentences_say_what_to_do() {
        let e = parse_assume_role(403, &error_body("AccessDenied", "no")).unwrap_err();
        assert_eq!(
            e.sentence(Some(ROLE)),
            "Could not assume role arn:aws:iam::111122223333:role/BackupLensReader: AccessDenied: its trust policy does not allow this identity, the external id is wrong, or this identity may not call sts:AssumeRole."
        );
        assert_eq!(
            e.sentence(None),
            "Could not check these credentials with STS: AccessDenied: a policy (such as a service control policy) denies this identity."
        );
        assert_eq!(e.to_string(), e.sentence(None));
        assert_eq!(e.detail().as_deref(), Some("AccessDenied: no"));
        let e = parse_assume_role(
            400,
            &error_body(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
        )
        .unwrap_err();
        assert!(e.sentence(Some(ROLE)).contains("maximum session duration"));
        let e = StsError::network("Failed to fetch");
        assert_eq!(e.kind, StsErrorKind::ServerError);
        assert!(e.retryable());
        assert_eq!(
            e.sentence(None),
            "Could not check these credentials with STS: STS could not be reached; check the network, the region, and that this page may connect to the STS endpoint."
        );
        assert_eq!(e.detail(), None);
        assert_eq!(
            parse_caller_identity(0, "").unwrap_err().kind,
            StsErrorKind::ServerError
        );
    }

    #[test]
    fn answers_that_are_not_sts() {
        let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
        let e = parse_assume_role(502, html).unwrap_err();
        assert_eq!(e.kind, StsErrorKind::ServerError);
        assert!(e.retryable());
        assert_eq!(e.code, "");
        assert!(e.sentence(None).contains("HTTP 502"));
        for (status, body, why) in [
            (
                200,
                "<!DOCTYPE html><html><body>Captive portal</body></html>",
                "a web page",
            ),
            (403, "<html><body>Forbidden</body></html>", "a web page"),
            (
                400,
                r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#,
                "JSON",
            ),
            (200, "", "an empty answer"),
            (200, "OK", "text"),
            (200, "<ListBackupsResponse/>", "XML that is not"),
        ] {
            let e = parse_assume_role(status, body).unwrap_err();
            assert_eq!(e.kind, StsErrorKind::NotSts, "{body}");
            assert!(!e.retryable());
            assert!(e.sentence(Some(ROLE)).contains(why), "{}", e.sentence(None));
        }
        let huge = format!("<AssumeRoleResponse>{}", " ".repeat(MAX_BODY_BYTES));
        assert_eq!(
            parse_assume_role(200, &huge).unwrap_err().kind,
            StsErrorKind::NotSts
        );
    }

    #[test]
    fn truncated_answers() {
        for cut in [30, ASSUMED.len() / 2, ASSUMED.len() - 25] {
            let e = parse_assume_role(200, &ASSUMED[..cut]).unwrap_err();
            assert_eq!(e.kind, StsErrorKind::Truncated, "cut at {cut}");
            assert!(e.retryable());
            assert!(!e.sentence(None).contains("wJalr"));
        }
        let body = error_body("AccessDenied", "User: x is not authorized");
        let e = parse_assume_role(403, &body[..60]).unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Truncated);
        // Cut inside the message: nothing half-read is trusted, not even the code.
        let cut = body.find("</Message>").unwrap_or(body.len());
        let e = parse_assume_role(403, &body[..cut]).unwrap_err();
        assert_eq!(e.kind, StsErrorKind::Truncated);
    }

    #[test]
    fn every_cut_of_an_answer_is_an_error_never_a_panic() {
        let error = error_body("AccessDenied", "a &amp; b é");
        for body in [ASSUMED, error.as_str()] {
            // Every cut before the closing tag's `>`.
            let end = body.trim_end().len();
            for cut in (0..end).filter(|&i| body.is_char_boundary(i)) {
                let e = parse_assume_role(200, &body[..cut]).unwrap_err();
                assert!(
                    matches!(
                        e.kind,
                        StsErrorKind::Truncated | StsErrorKind::NotSts | StsErrorKind::AccessDenied
                    ),
                    "cut at {cut}: {e:?}"
                );
                let _ = parse_caller_identity(403, &body[..cut]);
            }
        }
    }

    #[test]
    fn entities_are_unescaped() {
        let body = error_body(
            "AccessDenied",
            "User: arn:aws:iam::1:user/a&amp;b is not authorized: &quot;sts:AssumeRole&quot; &lt;x&gt; it&apos;s &#65;&#x42;&#X43; &#x1F600; &bogus; & &#xZZ; &#;",
        );
        let e = parse_assume_role(403, &body).unwrap_err();
        assert_eq!(
            e.message,
            "User: arn:aws:iam::1:user/a&b is not authorized: \"sts:AssumeRole\" <x> it's ABC \u{1F600} &bogus; & &#xZZ; &#;"
        );
        assert_eq!(unescape("&amp;lt;"), "&lt;");
        assert_eq!(unescape("&#xD800;&#1114112;"), "&#xD800;&#1114112;");
        assert_eq!(unescape("é&amp"), "é&amp");
    }

    #[test]
    fn tags_are_found_exactly() {
        let xml =
            r#"<A><ArnX>no</ArnX><Arn>yes</Arn><Empty/><Also attr="1"/><B x="&gt;">in</B></A>"#;
        assert_eq!(element(xml, "Arn"), Some("yes"));
        assert_eq!(element(xml, "Empty"), Some(""));
        assert_eq!(element(xml, "Also"), Some(""));
        assert_eq!(element(xml, "B"), Some("in"));
        assert_eq!(element(xml, "C"), None);
        assert_eq!(element("<Arn>open", "Arn"), None);
        assert_eq!(element("<", "Arn"), None);
        assert_eq!(element("<Arn", "Arn"), None);
        assert_eq!(element("<Arn é", "Arn"), None);
    }

    #[test]
    fn sts_calls_are_signed_for_sts() {
        use super::super::endpoint::Endpoint;
        use super::super::sign::{sign_sts, time_from_millis};
        let endpoint = Endpoint::parse(&sts_url("eu-west-1")).unwrap();
        let creds = Credentials::new(
            "ASIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "FwoGZXIvYXdzEBYaDHhBTk0s",
        )
        .unwrap();
        let body = assume_role_body(ROLE, "backup-lens", 3600, Some("ext-1"));
        let signed = sign_sts(
            &endpoint,
            "eu-west-1",
            &creds,
            body.clone(),
            time_from_millis(1_795_000_000_000.0),
        )
        .unwrap();
        assert_eq!(signed.url, "https://sts.eu-west-1.amazonaws.com/");
        assert_eq!(signed.body, body);
        let header = |name: &str| {
            signed
                .headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("content-type"), Some(STS_CONTENT_TYPE));
        assert_eq!(header("x-amz-target"), None);
        assert_eq!(header("host"), None, "the browser sends host itself");
        assert_eq!(
            header("x-amz-security-token"),
            Some("FwoGZXIvYXdzEBYaDHhBTk0s")
        );
        assert!(header("x-amz-date").is_some_and(|d| d.ends_with('Z')));
        let auth = header("authorization").unwrap_or_default();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/"),
            "{auth}"
        );
        assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
        let signed_headers = auth
            .split("SignedHeaders=")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or_default();
        let names: Vec<&str> = signed_headers.split(';').collect();
        assert!(
            names.contains(&"content-type") && names.contains(&"host"),
            "{auth}"
        );
        assert!(!auth.contains("wJalrXUtnFEMI"));
    }
}
