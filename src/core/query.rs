//! The ListBackups request: what the user typed, validated into a [`Query`],
//! serialised to the JSON body DynamoDB expects.

use serde::Serialize;

use super::time::parse_utc;

/// The `BackupType` request parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackupTypeFilter {
    /// On-demand backups made by a user (the service's default).
    #[default]
    User,
    /// Backups DynamoDB made itself (e.g. before a table was deleted).
    System,
    /// Backups made by AWS Backup (ListBackups does not return them in practice).
    AwsBackup,
    /// USER and SYSTEM together.
    All,
}

impl BackupTypeFilter {
    pub const EVERY: [BackupTypeFilter; 4] = [Self::User, Self::System, Self::AwsBackup, Self::All];

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::System => "SYSTEM",
            Self::AwsBackup => "AWS_BACKUP",
            Self::All => "ALL",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::EVERY.into_iter().find(|t| t.as_str() == s)
    }
}

/// The form fields, as typed. Each maps to one `data-testid` in the page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryInput {
    /// Table name or table ARN; empty for every table.
    pub table: String,
    /// `USER`, `SYSTEM`, `AWS_BACKUP` or `ALL`.
    pub backup_type: String,
    /// Created at or after, `YYYY-MM-DDTHH:MM` in UTC; empty for no bound.
    pub from: String,
    /// Created before, `YYYY-MM-DDTHH:MM` in UTC; empty for no bound.
    pub to: String,
    /// 1–100; empty for the service's default.
    pub page_size: String,
}

/// The backup type a new page starts with: every backup ListBackups returns (USER and SYSTEM).
pub const DEFAULT_BACKUP_TYPE: &str = "ALL";

/// Which form field an error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Region,
    Endpoint,
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    Table,
    BackupType,
    TimeFrom,
    TimeTo,
    PageSize,
    Roles,
    RoleName,
    ExternalId,
    CredentialsPaste,
}

impl Field {
    /// The `data-testid` of the input, also its DOM id.
    pub fn id(self) -> &'static str {
        match self {
            Field::Region => "regions",
            Field::Endpoint => "endpoint",
            Field::AccessKeyId => "access-key-id",
            Field::SecretAccessKey => "secret-access-key",
            Field::SessionToken => "session-token",
            Field::Table => "table-name",
            Field::BackupType => "backup-type",
            Field::TimeFrom => "time-from",
            Field::TimeTo => "time-to",
            Field::PageSize => "page-size",
            Field::Roles => "role-arns",
            Field::RoleName => "role-name",
            Field::ExternalId => "external-id",
            Field::CredentialsPaste => "credentials-paste",
        }
    }
}

/// A message for one input field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// A validated ListBackups query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub table: Option<String>,
    pub backup_type: BackupTypeFilter,
    /// Inclusive lower bound on creation time, epoch seconds.
    pub from: Option<i64>,
    /// Exclusive upper bound on creation time, epoch seconds.
    pub to: Option<i64>,
    /// Page size, 1–100.
    pub limit: Option<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    table_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_range_lower_bound: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_range_upper_bound: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exclusive_start_backup_arn: Option<&'a str>,
    backup_type: &'static str,
}

/// Length bounds of `ExclusiveStartBackupArn`.
pub const START_ARN_LEN: std::ops::RangeInclusive<usize> = 37..=1024;

impl Query {
    /// The JSON body for one page. `start` is the previous page's `LastEvaluatedBackupArn`.
    pub fn body(&self, start: Option<&str>) -> String {
        let body = Body {
            table_name: self.table.as_deref(),
            limit: self.limit,
            time_range_lower_bound: self.from,
            time_range_upper_bound: self.to,
            exclusive_start_backup_arn: start,
            backup_type: self.backup_type.as_str(),
        };
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_string(&body).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// True for a DynamoDB table name: 3–255 of `[a-zA-Z0-9_.-]`.
pub fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// True for `arn:<partition>:dynamodb:<region>:<account>:table/<name>`.
pub fn is_table_arn(s: &str) -> bool {
    if s.len() > 1024 {
        return false;
    }
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    let Some(name) = resource.strip_prefix("table/") else {
        return false;
    };
    arn == "arn"
        && matches!(partition, "aws" | "aws-cn" | "aws-us-gov")
        && service == "dynamodb"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && is_table_name(name)
}

impl QueryInput {
    /// Validates every field; returns all the problems at once, one per field.
    pub fn validate(&self) -> Result<Query, Vec<FieldError>> {
        let mut errors = Vec::new();
        let table = self.table.trim();
        let table = if table.is_empty() {
            None
        } else if table.starts_with("arn:") {
            if !is_table_arn(table) {
                errors.push(FieldError::new(
                    Field::Table,
                    "Not a table ARN: expected arn:aws:dynamodb:<region>:<12-digit account>:table/<name>",
                ));
            }
            Some(table.to_owned())
        } else {
            if !is_table_name(table) {
                errors.push(FieldError::new(
                    Field::Table,
                    "A table name is 3–255 characters of letters, digits, '_', '-' and '.'",
                ));
            }
            Some(table.to_owned())
        };
        let backup_type = match self.backup_type.trim() {
            "" => BackupTypeFilter::User,
            s => BackupTypeFilter::parse(s).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    Field::BackupType,
                    "Backup type must be USER, SYSTEM, AWS_BACKUP or ALL",
                ));
                BackupTypeFilter::User
            }),
        };
        let mut time = |field, s: &str| {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            let parsed = parse_utc(s);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    field,
                    "Enter a date and time as YYYY-MM-DD HH:MM (UTC)",
                ));
            }
            parsed
        };
        let from = time(Field::TimeFrom, &self.from);
        let to = time(Field::TimeTo, &self.to);
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                errors.push(FieldError::new(
                    Field::TimeTo,
                    "\"Created before\" must be later than \"Created from\"",
                ));
            }
        }
        let page_size = self.page_size.trim();
        let limit = if page_size.is_empty() {
            None
        } else {
            match page_size.parse::<u8>() {
                Ok(n @ 1..=100) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        Field::PageSize,
                        "Page size must be a whole number from 1 to 100",
                    ));
                    None
                }
            }
        };
        if errors.is_empty() {
            Ok(Query {
                table,
                backup_type,
                from,
                to,
                limit,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(table: &str, ty: &str, from: &str, to: &str, size: &str) -> QueryInput {
        QueryInput {
            table: table.into(),
            backup_type: ty.into(),
            from: from.into(),
            to: to.into(),
            page_size: size.into(),
        }
    }

    fn fields(i: QueryInput) -> Vec<Field> {
        i.validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn empty_input_is_the_default_query() {
        let q = QueryInput::default().validate().unwrap();
        assert_eq!(q, Query::default());
        assert_eq!(q.body(None), r#"{"BackupType":"USER"}"#);
    }

    #[test]
    fn full_query_serialises_every_parameter() {
        let q = input(
            " orders ",
            "ALL",
            "2026-01-01T00:00",
            "2026-01-02 00:00",
            "25",
        )
        .validate()
        .unwrap();
        let start =
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/backup/01700000000000-abcdef12";
        let v: serde_json::Value = serde_json::from_str(&q.body(Some(start))).unwrap();
        assert_eq!(v["TableName"], "orders");
        assert_eq!(v["BackupType"], "ALL");
        assert_eq!(v["Limit"], 25);
        assert_eq!(v["TimeRangeLowerBound"], 1_767_225_600);
        assert_eq!(v["TimeRangeUpperBound"], 1_767_312_000);
        assert_eq!(v["ExclusiveStartBackupArn"], start);
    }

    #[test]
    fn page_size_bounds() {
        for bad in ["0", "101", "-1", "1.5", "ten", "256"] {
            assert_eq!(
                fields(input("", "", "", "", bad)),
                vec![Field::PageSize],
                "{bad}"
            );
        }
        for good in ["1", "100", " 7 "] {
            assert!(input("", "", "", "", good).validate().is_ok(), "{good}");
        }
    }

    #[test]
    fn table_name_or_arn() {
        assert!(input(
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders",
            "",
            "",
            "",
            ""
        )
        .validate()
        .is_ok());
        assert!(input(
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/a.b-c_d",
            "",
            "",
            "",
            ""
        )
        .validate()
        .is_ok());
        for bad in [
            "ab",
            "orders table",
            "ordérs",
            "arn:aws:s3:::bucket",
            "arn:aws:dynamodb:eu-west-1:1234:table/orders",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/x",
            &"t".repeat(256),
        ] {
            assert_eq!(
                fields(input(bad, "", "", "", "")),
                vec![Field::Table],
                "{bad}"
            );
        }
    }

    #[test]
    fn time_bounds_must_be_ordered_and_valid() {
        assert_eq!(
            fields(input("", "", "2026-01-02T00:00", "2026-01-01T00:00", "")),
            vec![Field::TimeTo]
        );
        assert_eq!(
            fields(input("", "", "2026-01-01T00:00", "2026-01-01T00:00", "")),
            vec![Field::TimeTo]
        );
        assert_eq!(
            fields(input("", "", "last week", "", "")),
            vec![Field::TimeFrom]
        );
    }

    #[test]
    fn reports_every_bad_field_at_once() {
        assert_eq!(
            fields(input("x", "MINE", "nope", "", "0")),
            vec![
                Field::Table,
                Field::BackupType,
                Field::TimeFrom,
                Field::PageSize
            ]
        );
    }
}
