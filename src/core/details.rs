//! What the details drawer and the table show for one backup: relative times,
//! names cut in the middle, the restore command, and DescribeBackup's answer as labelled
//! lines. Pure functions; the drawer only lays them out.

use serde_json::Value;

use super::error::ApiError;
use super::format::{grouped, human_size, json_text};
use super::rate::RateGate;
use super::time::format_minutes;

/// DescribeBackup's target header.
pub const DESCRIBE_BACKUP_TARGET: &str = "DynamoDB_20120810.DescribeBackup";
/// DescribeBackup allows 10 calls per second per account and region.
pub const DESCRIBE_CALLS_PER_WINDOW: usize = 10;

/// The pace of DescribeBackup calls of one account and region (10 per 1.1 s).
pub fn describe_gate() -> RateGate {
    RateGate::new(DESCRIBE_CALLS_PER_WINDOW, super::rate::WINDOW_MS)
}

/// "3 days ago", "in 2 hours", "just now": `t` against `now` (epoch seconds).
pub fn relative_time(now: i64, t: f64) -> String {
    if !t.is_finite() {
        return String::new();
    }
    let delta = t - now as f64;
    let secs = delta.abs();
    if secs < 45.0 {
        return "just now".into();
    }
    let (n, unit) = if secs < 3_600.0 {
        ((secs / 60.0).round().max(1.0), "minute")
    } else if secs < 86_400.0 {
        ((secs / 3_600.0).round().max(1.0), "hour")
    } else if secs < 86_400.0 * 60.0 {
        ((secs / 86_400.0).round().max(1.0), "day")
    } else if secs < 86_400.0 * 365.0 * 2.0 {
        ((secs / (86_400.0 * 30.44)).round().max(1.0), "month")
    } else {
        ((secs / (86_400.0 * 365.25)).round().max(1.0), "year")
    };
    let n = n as u64;
    let unit = if n == 1 {
        unit.to_owned()
    } else {
        format!("{unit}s")
    };
    if delta < 0.0 {
        format!("{n} {unit} ago")
    } else {
        format!("in {n} {unit}")
    }
}

/// Splits `text` into a head that may be cut with an ellipsis and a tail of
/// up to `tail` characters that always shows: a middle cut in CSS, with the
/// whole text still in the page (search, copy, screen readers).
pub fn split_tail(text: &str, tail: usize) -> (&str, &str) {
    let n = text.chars().count();
    if n <= tail * 2 {
        return (text, "");
    }
    let at = text
        .char_indices()
        .nth(n - tail)
        .map_or(text.len(), |(i, _)| i);
    text.split_at(at)
}

/// Quotes a shell word when it needs quoting (POSIX single quotes).
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/@=+,".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The AWS CLI command that restores this backup into a new table.
pub fn restore_command(backup_arn: &str, table: &str, region: &str) -> String {
    let target = format!(
        "{}-restored",
        if table.is_empty() { "table" } else { table }
    );
    format!(
        "aws dynamodb restore-table-from-backup --region {} --target-table-name {} --backup-arn {}",
        shell_word(region),
        shell_word(&target),
        shell_word(backup_arn)
    )
}

/// The body of a DescribeBackup call.
pub fn describe_backup_body(backup_arn: &str) -> String {
    json_text(&serde_json::json!({ "BackupArn": backup_arn }))
}

/// DescribeBackup's answer as (label, value) lines for the drawer: the
/// source table's key schema, billing mode and throughput, item count and
/// size, indexes, stream, TTL and encryption. Fields the answer lacks are
/// left out; an error answer becomes the error.
pub fn parse_describe_backup(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, header, body));
    }
    let v: Value = serde_json::from_str(body)
        .map_err(|_| ApiError::not_dynamodb(status, "the DescribeBackup answer is not JSON"))?;
    let d = v
        .get("BackupDescription")
        .ok_or_else(|| ApiError::not_dynamodb(status, "the answer has no BackupDescription"))?;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |label: &str, value: String| {
        if !value.is_empty() {
            out.push((label.to_owned(), value));
        }
    };
    let src = d.get("SourceTableDetails").unwrap_or(&Value::Null);
    put("Key schema", key_schema(src.get("KeySchema")));
    put("Billing mode", text(src.get("BillingMode")));
    if let Some(p) = src.get("ProvisionedThroughput") {
        let r = number(p.get("ReadCapacityUnits"));
        let w = number(p.get("WriteCapacityUnits"));
        if r.is_some() || w.is_some() {
            put(
                "Provisioned throughput",
                format!(
                    "{} read, {} write capacity units",
                    r.map_or("—".into(), grouped),
                    w.map_or("—".into(), grouped)
                ),
            );
        }
    }
    if let Some(p) = src.get("OnDemandThroughput") {
        let r = number(p.get("MaxReadRequestUnits"));
        let w = number(p.get("MaxWriteRequestUnits"));
        if r.is_some_and(|x| x > 0) || w.is_some_and(|x| x > 0) {
            put(
                "On-demand maximum",
                format!(
                    "{} read, {} write request units",
                    r.map_or("—".into(), grouped),
                    w.map_or("—".into(), grouped)
                ),
            );
        }
    }
    if let Some(n) = number(src.get("ItemCount")) {
        put("Item count", grouped(n));
    }
    if let Some(n) = number(src.get("TableSizeBytes")) {
        put(
            "Table size",
            format!("{} ({} bytes)", human_size(n), grouped(n)),
        );
    }
    if let Some(t) = src.get("TableCreationDateTime").and_then(Value::as_f64) {
        put("Table created", format_minutes(t));
    }
    let features = d.get("SourceTableFeatureDetails").unwrap_or(&Value::Null);
    for (key, label) in [
        ("GlobalSecondaryIndexes", "Global secondary indexes"),
        ("LocalSecondaryIndexes", "Local secondary indexes"),
    ] {
        let indexes: Vec<String> = features
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|i| {
                        format!(
                            "{} ({})",
                            text(i.get("IndexName")),
                            key_schema(i.get("KeySchema"))
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        put(
            label,
            if indexes.is_empty() && features.get(key).is_some() {
                "none".into()
            } else {
                indexes.join("; ")
            },
        );
    }
    if let Some(s) = features.get("StreamDescription") {
        let on = s
            .get("StreamEnabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        put(
            "Stream",
            if on {
                format!("enabled, {}", text(s.get("StreamViewType")))
            } else {
                "disabled".into()
            },
        );
    }
    if let Some(t) = features.get("TimeToLiveDescription") {
        let status = text(t.get("TimeToLiveStatus"));
        let attr = text(t.get("AttributeName"));
        put(
            "Time to live",
            if attr.is_empty() {
                status
            } else {
                format!("{status} on {attr}")
            },
        );
    }
    if let Some(e) = features.get("SSEDescription") {
        let kind = text(e.get("SSEType"));
        let status = text(e.get("Status"));
        put(
            "Encryption",
            [status, kind, text(e.get("KMSMasterKeyArn"))]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
        );
    } else if !src.is_null() {
        put("Encryption", "owned by DynamoDB (default)".into());
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn number(v: Option<&Value>) -> Option<u64> {
    v.and_then(|x| x.as_u64().or_else(|| x.as_f64().map(|f| f.max(0.0) as u64)))
}

/// `pk (HASH), sk (RANGE)`.
fn key_schema(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .map(|k| {
                    format!(
                        "{} ({})",
                        text(k.get("AttributeName")),
                        text(k.get("KeyType"))
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_767_225_600;

    #[test]
    fn relative_times_read_naturally_both_ways() {
        assert_eq!(relative_time(NOW, NOW as f64 - 10.0), "just now");
        assert_eq!(
            relative_time(NOW, NOW as f64 - 3.0 * 86_400.0),
            "3 days ago"
        );
        assert_eq!(relative_time(NOW, NOW as f64 + 2.0 * 86_400.0), "in 2 days");
        assert_eq!(relative_time(NOW, NOW as f64 - 3_600.0), "1 hour ago");
        assert_eq!(relative_time(NOW, NOW as f64 - 90.0 * 60.0), "2 hours ago");
        assert_eq!(
            relative_time(NOW, NOW as f64 - 120.0 * 86_400.0),
            "4 months ago"
        );
        assert_eq!(relative_time(NOW, f64::NAN), "");
    }

    #[test]
    fn a_tail_always_shows() {
        assert_eq!(
            split_tail("orders$SystemBackup-2026-10-21-0300", 15),
            ("orders$SystemBackup-", "2026-10-21-0300")
        );
        assert_eq!(split_tail("short", 15), ("short", ""));
        let (h, t) = split_tail("ééééééééééééééééééééééééééééééé", 15);
        assert_eq!(t.chars().count(), 15);
        assert_eq!(format!("{h}{t}").chars().count(), 31);
    }

    #[test]
    fn the_restore_command_is_one_safe_line() {
        let arn =
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/backup/01732456800000-8c2b1f4e";
        assert_eq!(
            restore_command(arn, "orders", "eu-west-1"),
            format!("aws dynamodb restore-table-from-backup --region eu-west-1 --target-table-name orders-restored --backup-arn {arn}")
        );
        // A hostile name cannot break out of its word.
        let cmd = restore_command("x", "a'; rm -rf / #", "eu-west-1");
        assert!(cmd.contains(r"'a'\''; rm -rf / #-restored'"), "{cmd}");
    }

    #[test]
    fn describe_backup_lists_the_source_table() {
        let body = r#"{"BackupDescription":{"BackupDetails":{"BackupArn":"a","BackupName":"n","BackupSizeBytes":1,"BackupStatus":"AVAILABLE","BackupType":"USER","BackupCreationDateTime":1.7E9},
          "SourceTableDetails":{"TableName":"orders","TableId":"x","TableSizeBytes":52428800,"ItemCount":120000,"BillingMode":"PROVISIONED",
            "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
            "ProvisionedThroughput":{"ReadCapacityUnits":400,"WriteCapacityUnits":200},"TableCreationDateTime":1.6E9},
          "SourceTableFeatureDetails":{"GlobalSecondaryIndexes":[{"IndexName":"by-customer","KeySchema":[{"AttributeName":"customer","KeyType":"HASH"}]}],
            "StreamDescription":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},
            "TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED","AttributeName":"expires"},
            "SSEDescription":{"Status":"ENABLED","SSEType":"KMS","KMSMasterKeyArn":"arn:aws:kms:eu-west-1:123456789012:key/k"}}}}"#;
        let lines = parse_describe_backup(200, &|_| None, body).unwrap();
        let get = |l: &str| lines.iter().find(|(k, _)| k == l).map(|(_, v)| v.as_str());
        assert_eq!(get("Key schema"), Some("pk (HASH), sk (RANGE)"));
        assert_eq!(get("Billing mode"), Some("PROVISIONED"));
        assert_eq!(
            get("Provisioned throughput"),
            Some("400 read, 200 write capacity units")
        );
        assert_eq!(get("Item count"), Some("120,000"));
        assert_eq!(
            get("Global secondary indexes"),
            Some("by-customer (customer (HASH))")
        );
        assert_eq!(get("Stream"), Some("enabled, NEW_AND_OLD_IMAGES"));
        assert_eq!(get("Time to live"), Some("ENABLED on expires"));
        assert!(get("Encryption").unwrap().contains("KMS"));
        assert!(get("Table size").unwrap().starts_with("50.0 MiB"));
    }

    #[test]
    fn describe_backup_errors_are_api_errors() {
        let e = parse_describe_backup(
            400,
            &|_| None,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#BackupNotFoundException","message":"Backup not found"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code.as_deref(), Some("BackupNotFoundException"));
        assert!(parse_describe_backup(200, &|_| None, "<html>").is_err());
        assert!(parse_describe_backup(200, &|_| None, "{}").is_err());
    }
}
