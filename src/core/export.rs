//! Exports of the visible rows, with the API's field names.

use serde_json::{Map, Value};

use super::response::BackupSummary;
use super::rows::Row;
use super::time::format_iso;
use super::view::{Cell, Column};

/// The API's field names, in the order of the API reference (the CSV header).
pub fn fields() -> [&'static str; 12] {
    Column::API_ORDER.map(Column::api_name)
}

/// The summary as the API would send it (epoch seconds, absent fields left out).
pub fn to_api_json(s: &BackupSummary) -> Value {
    let mut m = Map::new();
    for c in Column::API_ORDER {
        let v = match c.cell(s) {
            Some(Cell::Text(t)) => Value::from(t),
            Some(Cell::Time(t)) => Value::from(t),
            Some(Cell::Bytes(b)) => Value::from(b),
            None => continue,
        };
        m.insert(c.api_name().to_owned(), v);
    }
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
    let mut out = fields().join(",");
    out.push_str("\r\n");
    for r in indices.iter().filter_map(|&i| rows.get(i as usize)) {
        let cells = Column::API_ORDER.map(|c| match c.cell(&r.summary) {
            Some(Cell::Text(t)) => t.to_owned(),
            Some(Cell::Time(t)) => format_iso(t),
            Some(Cell::Bytes(b)) => b.to_string(),
            None => String::new(),
        });
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
