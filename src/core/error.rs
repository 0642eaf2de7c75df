//! DynamoDB errors, and everything else that can go wrong with a call, as one
//! type that knows its sentence for the user and whether a retry may help.

use serde_json::Value;

use super::response::looks_like_html;
use super::time::{format_iso, parse_amz};

/// What went wrong, grouped by what the user (or the retry policy) should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Throttling codes: retry after a pause.
    Throttled,
    /// 500 `InternalServerError` and other 5xx.
    ServerError,
    /// 502/503/504 or a failed fetch (network, CORS, blocked by CSP).
    Transient,
    /// A parameter is out of range.
    Validation,
    /// Unknown access key id or a bad session token.
    UnrecognizedClient,
    /// Wrong secret access key (or a signing bug).
    InvalidSignature,
    /// The browser's clock is more than 5 minutes off; carries the server's time if known.
    ClockSkew { server_time: Option<i64> },
    /// The temporary credentials have expired.
    ExpiredToken,
    /// The policy lacks `dynamodb:ListBackups`.
    AccessDenied,
    /// The request was not signed properly (a bug on our side).
    SigningBug,
    /// The endpoint is not DynamoDB or does not implement ListBackups.
    UnknownOperation,
    /// The answer is not a DynamoDB answer at all.
    NotDynamoDb,
    /// A 2xx answer that stopped before its end (a dropped or cut connection).
    Truncated,
    /// The page's Content-Security-Policy does not let it connect to the endpoint:
    /// nothing was sent, and retrying cannot help.
    BlockedByPolicy,
    /// No credentials for this source: its role could not be assumed (STS).
    /// The message is the whole sentence.
    Identity,
    /// A DynamoDB error this app does not know.
    Other,
}

/// One failed call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.user_message())]
pub struct ApiError {
    pub kind: ErrorKind,
    /// HTTP status; 0 when no answer arrived.
    pub status: u16,
    /// The DynamoDB error code, e.g. `ThrottlingException`.
    pub code: Option<String>,
    /// The server's own message, shown under ours.
    pub message: String,
}

/// Takes `ThrottlingException` out of `com.amazonaws.dynamodb.v20120810#ThrottlingException:http://...`.
pub fn error_code(raw: &str) -> &str {
    let after_hash = raw.rsplit('#').next().unwrap_or(raw);
    after_hash.split(':').next().unwrap_or(after_hash).trim()
}

impl ApiError {
    pub fn new(
        kind: ErrorKind,
        status: u16,
        code: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            kind,
            status,
            code,
            message: message.into(),
        }
    }

    /// Fetch itself failed: offline, DNS, CORS, or blocked by the page's policy.
    pub fn network(detail: &str) -> Self {
        Self::new(ErrorKind::Transient, 0, None, detail)
    }

    /// The page's policy forbids connecting to `url`; nothing was sent.
    pub fn blocked_by_policy(url: &str) -> Self {
        Self::new(ErrorKind::BlockedByPolicy, 0, None, url)
    }

    /// The answer cannot be a DynamoDB answer.
    pub fn not_dynamodb(status: u16, why: &str) -> Self {
        Self::new(ErrorKind::NotDynamoDb, status, None, why)
    }

    /// Reads an error answer: code from `__type` or `x-amzn-ErrorType`, text from `message` or `Message`.
    pub fn from_response(status: u16, header: &dyn Fn(&str) -> Option<String>, body: &str) -> Self {
        let json: Option<Value> = serde_json::from_str(body).ok().filter(Value::is_object);
        let code = json
            .as_ref()
            .and_then(|v| v.get("__type"))
            .and_then(Value::as_str)
            .map(|t| error_code(t).to_owned())
            .or_else(|| header("x-amzn-errortype").map(|t| error_code(&t).to_owned()))
            .filter(|c| !c.is_empty());
        let message = json
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("Message")))
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .take(1000)
            .collect::<String>();
        let kind = match code.as_deref() {
            Some(
                "ThrottlingException"
                | "LimitExceededException"
                | "RequestLimitExceeded"
                | "ProvisionedThroughputExceededException",
            ) => ErrorKind::Throttled,
            Some(
                "InternalServerError"
                | "InternalFailure"
                | "ServiceUnavailable"
                | "ServiceUnavailableException",
            ) => ErrorKind::ServerError,
            Some("ValidationException" | "SerializationException") => ErrorKind::Validation,
            Some("UnrecognizedClientException" | "InvalidClientTokenId") => {
                ErrorKind::UnrecognizedClient
            }
            Some("InvalidSignatureException" | "SignatureDoesNotMatch") => {
                if message.contains("Signature expired")
                    || message.contains("Signature not yet current")
                {
                    ErrorKind::ClockSkew {
                        server_time: server_time_from_message(&message),
                    }
                } else {
                    ErrorKind::InvalidSignature
                }
            }
            Some("ExpiredTokenException" | "ExpiredToken") => ErrorKind::ExpiredToken,
            Some("AccessDeniedException" | "AccessDenied") => ErrorKind::AccessDenied,
            Some(
                "MissingAuthenticationTokenException"
                | "IncompleteSignatureException"
                | "MissingAuthenticationToken",
            ) => ErrorKind::SigningBug,
            Some("UnknownOperationException") => ErrorKind::UnknownOperation,
            Some(_) => ErrorKind::Other,
            None => match status {
                502..=504 => ErrorKind::Transient,
                500..=599 => ErrorKind::ServerError,
                _ => {
                    let why = if looks_like_html(body) {
                        "it answered with a web page, not a DynamoDB error"
                    } else {
                        "its error answer has no DynamoDB error code"
                    };
                    return Self::not_dynamodb(status, &format!("HTTP {status}: {why}"));
                }
            },
        };
        Self::new(kind, status, code, message)
    }

    /// Whether calling again (same request, re-signed) may succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled
                | ErrorKind::ServerError
                | ErrorKind::Transient
                | ErrorKind::Truncated
        )
    }

    /// One sentence a user understands, with what to do next.
    pub fn user_message(&self) -> String {
        match &self.kind {
            ErrorKind::Throttled => "DynamoDB is throttling these requests (too many calls per second). Wait a moment and load again.".into(),
            ErrorKind::ServerError => format!("DynamoDB had an internal error (HTTP {}). Try again in a moment.", self.status),
            ErrorKind::Transient if self.status == 0 => {
                "Could not reach the endpoint: check the network, the region or endpoint, and that the endpoint allows this page (CORS).".into()
            }
            ErrorKind::Transient => format!("The endpoint is temporarily unavailable (HTTP {}). Try again in a moment.", self.status),
            ErrorKind::Validation => "DynamoDB refused a parameter of the query; check the fields and try again.".into(),
            ErrorKind::UnrecognizedClient => {
                "The access key id or session token was not recognised: paste the complete, current credentials.".into()
            }
            ErrorKind::InvalidSignature => {
                "The signature was refused: the secret access key does not match the access key id.".into()
            }
            ErrorKind::ClockSkew { server_time } => match server_time {
                Some(t) => format!(
                    "This computer's clock is wrong (the server's time is {}): requests signed with it are refused.",
                    format_iso(*t as f64)
                ),
                None => "This computer's clock is more than 5 minutes off: requests signed with it are refused.".into(),
            },
            ErrorKind::ExpiredToken => "These temporary credentials have expired: paste fresh ones to continue.".into(),
            ErrorKind::AccessDenied => {
                "Access denied: these credentials' policy must allow dynamodb:ListBackups on \"Resource\": \"*\".".into()
            }
            ErrorKind::SigningBug => "The request was not signed correctly. This is a bug in Backup Lens; please report it.".into(),
            ErrorKind::UnknownOperation => {
                "The endpoint does not support ListBackups: it is not DynamoDB, or a local emulator without backups.".into()
            }
            ErrorKind::NotDynamoDb => format!("The endpoint did not answer like DynamoDB: {}.", self.message),
            ErrorKind::BlockedByPolicy => format!(
                "This page's security policy (Content-Security-Policy connect-src) does not allow requests to {}, so nothing was sent.",
                self.message
            ),
            ErrorKind::Truncated => "The answer was cut off before its end (the connection dropped).".into(),
            ErrorKind::Identity => self.message.clone(),
            ErrorKind::Other => format!(
                "DynamoDB refused the request ({}).",
                self.code.as_deref().unwrap_or("unknown error")
            ),
        }
    }

    /// The server's own words, when they add something to [`Self::user_message`].
    pub fn detail(&self) -> Option<String> {
        if matches!(
            self.kind,
            ErrorKind::NotDynamoDb
                | ErrorKind::Truncated
                | ErrorKind::BlockedByPolicy
                | ErrorKind::Identity
        ) || self.message.is_empty()
        {
            return None;
        }
        Some(match &self.code {
            Some(c) => format!("{c}: {}", self.message),
            None => self.message.clone(),
        })
    }
}

/// Reads the server's clock out of
/// `Signature expired: 20261125T000000Z is now earlier than 20261125T020000Z (20261125T020500Z - 5 min.)`
/// (or `... is now later than ... (X + 5 min.)`): the time inside the parentheses.
pub fn server_time_from_message(message: &str) -> Option<i64> {
    let inside = message.rsplit_once('(')?.1;
    parse_amz(inside.split_whitespace().next()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_after_last_hash_and_before_colon() {
        assert_eq!(
            error_code("com.amazonaws.dynamodb.v20120810#ThrottlingException"),
            "ThrottlingException"
        );
        assert_eq!(
            error_code("a#b#ValidationException:http://internal.amazon.com/"),
            "ValidationException"
        );
        assert_eq!(error_code("AccessDeniedException"), "AccessDeniedException");
    }

    #[test]
    fn server_time_from_expired_message() {
        let m = "Signature expired: 20261125T000000Z is now earlier than 20261125T020000Z (20261125T020500Z - 5 min.)";
        assert_eq!(server_time_from_message(m), parse_amz("20261125T020500Z"));
        assert_eq!(server_time_from_message("Signature expired"), None);
    }
}
