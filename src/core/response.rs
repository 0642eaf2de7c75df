//! Parsing ListBackups answers: `(status, headers, body)` in, a page of
//! backup summaries or one typed [`ApiError`] out. Never panics.

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::error::{ApiError, ErrorKind};

/// Bodies larger than this are not a ListBackups page (a page holds at most 1 MB).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// `BackupStatus`; unknown values are kept as they came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupStatus {
    Creating,
    Deleted,
    Available,
    Other(String),
}

impl BackupStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Creating => "CREATING",
            Self::Deleted => "DELETED",
            Self::Available => "AVAILABLE",
            Self::Other(s) => s,
        }
    }
}

impl From<String> for BackupStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "CREATING" => Self::Creating,
            "DELETED" => Self::Deleted,
            "AVAILABLE" => Self::Available,
            _ => Self::Other(s),
        }
    }
}

/// `BackupType` of a summary; unknown values are kept as they came.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupKind {
    User,
    System,
    AwsBackup,
    Other(String),
}

impl BackupKind {
    pub fn as_str(&self) -> &str {
        match self {
            Self::User => "USER",
            Self::System => "SYSTEM",
            Self::AwsBackup => "AWS_BACKUP",
            Self::Other(s) => s,
        }
    }
}

impl From<String> for BackupKind {
    fn from(s: String) -> Self {
        match s.as_str() {
            "USER" => Self::User,
            "SYSTEM" => Self::System,
            "AWS_BACKUP" => Self::AwsBackup,
            _ => Self::Other(s),
        }
    }
}

/// One `BackupSummary`. Every field may be absent.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct BackupSummary {
    pub table_name: Option<String>,
    pub table_id: Option<String>,
    pub table_arn: Option<String>,
    pub backup_arn: Option<String>,
    pub backup_name: Option<String>,
    /// Epoch seconds (a JSON double, possibly `1.7E9`).
    #[serde(deserialize_with = "opt_seconds")]
    pub backup_creation_date_time: Option<f64>,
    /// Epoch seconds; SYSTEM backups only.
    #[serde(deserialize_with = "opt_seconds")]
    pub backup_expiry_date_time: Option<f64>,
    #[serde(deserialize_with = "opt_enum")]
    pub backup_status: Option<BackupStatus>,
    #[serde(deserialize_with = "opt_enum")]
    pub backup_type: Option<BackupKind>,
    #[serde(deserialize_with = "opt_size")]
    pub backup_size_bytes: Option<u64>,
}

fn opt_enum<'de, D: Deserializer<'de>, T: From<String>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(T::from))
}

fn opt_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        Some(v) if !v.is_finite() => Err(de::Error::custom("timestamp is not finite")),
        v => Ok(v),
    }
}

fn opt_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    // A long on the wire, but accept `1.5E3` too: JSON does not tell them apart.
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(v) if (0.0..1.9e19).contains(&v) => Ok(Some(v.round() as u64)),
        Some(_) => Err(de::Error::custom("BackupSizeBytes must be a number >= 0")),
    }
}

/// One page of a ListBackups answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub backup_summaries: Vec<BackupSummary>,
    /// `LastEvaluatedBackupArn`: where the next page starts; absent on the last page.
    pub next_start: Option<String>,
}

/// The answer as it comes, read in one pass from the text (no `serde_json::Value`
/// in between): absent members stay `None` so that the checks below can tell
/// "no BackupSummaries" and "an error body" apart.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    #[serde(default)]
    backup_summaries: Option<Vec<BackupSummary>>,
    #[serde(rename = "LastEvaluatedBackupArn", default)]
    next_start: Option<String>,
    #[serde(rename = "__type", default)]
    error_type: Option<de::IgnoredAny>,
}

/// Parses a ListBackups answer. `header` looks up a response header by
/// lower-case name (the browser exposes only CORS-safelisted and exposed ones).
pub fn parse_list_backups(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<Page, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, header, body));
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::not_dynamodb(
            status,
            "the answer is larger than any ListBackups page",
        ));
    }
    if !body.trim_start().starts_with('{') {
        return Err(if looks_like_html(body) {
            ApiError::not_dynamodb(status, "it answered with a web page, not JSON")
        } else if serde_json::from_str::<de::IgnoredAny>(body).is_ok() {
            ApiError::not_dynamodb(status, "the answer is not a JSON object")
        } else {
            ApiError::not_dynamodb(status, "the answer is not valid JSON")
        });
    }
    let answer: Answer = serde_json::from_str(body).map_err(|e| {
        if e.is_eof() {
            // A JSON object that stops early: the connection was cut, a retry may succeed.
            ApiError::new(
                ErrorKind::Truncated,
                status,
                None,
                "the answer was cut off before its end",
            )
        } else if e.is_syntax() {
            ApiError::not_dynamodb(status, "the answer is not valid JSON")
        } else if body.contains("\"__type\"") {
            // An error body with a 2xx status whose other members are unusual.
            ApiError::from_response(400, header, body)
        } else {
            ApiError::not_dynamodb(
                status,
                &format!("a backup summary has the wrong shape ({e})"),
            )
        }
    })?;
    if answer.error_type.is_some() {
        // An error body with a 2xx status: still an error.
        return Err(ApiError::from_response(400, header, body));
    }
    let Some(backup_summaries) = answer.backup_summaries else {
        return Err(ApiError::not_dynamodb(
            status,
            "the answer has no BackupSummaries",
        ));
    };
    let page = Page {
        backup_summaries,
        next_start: answer.next_start,
    };
    if let Some(next) = &page.next_start {
        if next.is_empty() {
            return Err(ApiError::not_dynamodb(
                status,
                "LastEvaluatedBackupArn is empty",
            ));
        }
    }
    Ok(page)
}

pub(crate) fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype") || head.starts_with("<html") || head.starts_with('<')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn parses_exponent_numbers_missing_fields_and_unknown_enums() {
        let body = r#"{"BackupSummaries":[
            {"BackupArn":"a","BackupCreationDateTime":1.7E9,"BackupSizeBytes":1.5E3,"BackupStatus":"ARCHIVED","BackupType":"USER"},
            {}
        ],"LastEvaluatedBackupArn":"a"}"#;
        let page = parse_list_backups(200, &no_headers, body).unwrap();
        assert_eq!(page.backup_summaries.len(), 2);
        let s = &page.backup_summaries[0];
        assert_eq!(s.backup_creation_date_time, Some(1.7e9));
        assert_eq!(s.backup_size_bytes, Some(1500));
        assert_eq!(
            s.backup_status,
            Some(BackupStatus::Other("ARCHIVED".into()))
        );
        assert_eq!(page.backup_summaries[1], BackupSummary::default());
        assert_eq!(page.next_start.as_deref(), Some("a"));
    }

    #[test]
    fn unknown_fields_are_ignored_and_nulls_are_absent() {
        let body = r#"{"BackupSummaries":[{"BackupName":null,"NewField":{"x":1}}],"Extra":true}"#;
        let page = parse_list_backups(200, &no_headers, body).unwrap();
        assert_eq!(page.backup_summaries[0].backup_name, None);
        assert_eq!(page.next_start, None);
    }
}
