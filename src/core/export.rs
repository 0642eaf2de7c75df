//! Exports of the visible rows, with the API's field names.

use serde_json::{Map, Value};

use super::response::BackupSummary;
use super::rows::Row;
use super::time::format_iso;

/// Columns, in the order of the API reference.
pub const FIELDS: [&str; 10] = [
    "TableName",
    "TableId",
    "TableArn",
    "BackupArn",
    "BackupName",
    "BackupCreationDateTime",
    "BackupExpiryDateTime",
    "BackupStatus",
    "BackupType",
    "BackupSizeBytes",
];

/// The summary as the API would send it (epoch seconds, absent fields left out).
pub fn to_api_json(s: &BackupSummary) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("TableName", s.table_name.clone().map(Value::from));
    put("TableId", s.table_id.clone().map(Value::from));
    put("TableArn", s.table_arn.clone().map(Value::from));
    put("BackupArn", s.backup_arn.clone().map(Value::from));
    put("BackupName", s.backup_name.clone().map(Value::from));
    put(
        "BackupCreationDateTime",
        s.backup_creation_date_time.map(Value::from),
    );
    put(
        "BackupExpiryDateTime",
        s.backup_expiry_date_time.map(Value::from),
    );
    put(
        "BackupStatus",
        s.backup_status.as_ref().map(|x| Value::from(x.as_str())),
    );
    put(
        "BackupType",
        s.backup_type.as_ref().map(|x| Value::from(x.as_str())),
    );
    put("BackupSizeBytes", s.backup_size_bytes.map(Value::from));
    Value::Object(m)
}

/// `{"BackupSummaries": [...]}` of the rows at `indices`, readable by the ListBackups parser.
pub fn to_json(rows: &[Row], indices: &[u32]) -> String {
    let list: Vec<Value> = indices
        .iter()
        .filter_map(|&i| rows.get(i as usize))
        .map(|r| to_api_json(&r.summary))
        .collect();
    let doc = serde_json::json!({ "BackupSummaries": list });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// A CSV cell: quoted when needed, and never a formula in a spreadsheet
/// (a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` in front).
pub fn csv_cell(value: &str) -> String {
    let neutral = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// CSV of the rows at `indices`: the API's field names as the header, times as
/// ISO 8601 UTC (spreadsheets read them), sizes in bytes.
pub fn to_csv(rows: &[Row], indices: &[u32]) -> String {
    let mut out = FIELDS.join(",");
    out.push_str("\r\n");
    for r in indices.iter().filter_map(|&i| rows.get(i as usize)) {
        let s = &r.summary;
        let cells = [
            s.table_name.clone().unwrap_or_default(),
            s.table_id.clone().unwrap_or_default(),
            s.table_arn.clone().unwrap_or_default(),
            s.backup_arn.clone().unwrap_or_default(),
            s.backup_name.clone().unwrap_or_default(),
            s.backup_creation_date_time
                .map(format_iso)
                .unwrap_or_default(),
            s.backup_expiry_date_time
                .map(format_iso)
                .unwrap_or_default(),
            s.backup_status
                .as_ref()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default(),
            s.backup_type
                .as_ref()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default(),
            s.backup_size_bytes
                .map(|b| b.to_string())
                .unwrap_or_default(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv_cell(""), "");
    }
}
