//! The protection view's core: which tables exist (ListTables), whether each
//! has point-in-time recovery (DescribeContinuousBackups), and how each stands
//! against its backups. [`Scanner`] is a pure state machine like the listing
//! engine: per source (account × region) it pages through ListTables, then
//! asks each table's PITR state, one call at a time per source, each API
//! paced on its own (5 calls per 1.1 s per account and region), retried like
//! ListBackups, stopped with everything else. [`protection`] joins the tables
//! with the loaded backups and orders them by risk.

use std::collections::VecDeque;

use serde_json::Value;

use super::engine::Target;
use super::error::{ApiError, ErrorKind};
use super::format::{grouped, human_size, json_text};
use super::rate::{RateGate, CALLS_PER_WINDOW, WINDOW_MS};
use super::response::BackupStatus;
use super::retry::{Attempts, Decision, RetryPolicy};
use super::rows::Row;
use super::time::format_iso;

pub const LIST_TABLES_TARGET: &str = "DynamoDB_20120810.ListTables";
pub const CONTINUOUS_BACKUPS_TARGET: &str = "DynamoDB_20120810.DescribeContinuousBackups";
/// Tables per ListTables page.
pub const TABLES_PAGE: u8 = 100;
/// Calls in flight over all sources.
const MAX_IN_FLIGHT: usize = 4;
const TIMEOUT_MS: f64 = 30_000.0;

/// Point-in-time recovery of one table.
#[derive(Clone, Debug, PartialEq)]
pub enum Pitr {
    /// Not asked yet, or the call was denied.
    Unknown,
    Disabled,
    /// Enabled, with its restorable window (epoch seconds) when given.
    Enabled {
        earliest: Option<f64>,
        latest: Option<f64>,
    },
}

impl Pitr {
    /// `ENABLED`, `DISABLED` or `UNKNOWN` (the `data-pitr` of a row).
    pub fn as_str(&self) -> &'static str {
        match self {
            Pitr::Unknown => "UNKNOWN",
            Pitr::Disabled => "DISABLED",
            Pitr::Enabled { .. } => "ENABLED",
        }
    }
}

/// The body of a ListTables call.
pub fn list_tables_body(start: Option<&str>) -> String {
    json_text(&match start {
        Some(s) => serde_json::json!({ "Limit": TABLES_PAGE, "ExclusiveStartTableName": s }),
        None => serde_json::json!({ "Limit": TABLES_PAGE }),
    })
}

/// The body of a DescribeContinuousBackups call.
pub fn continuous_backups_body(table: &str) -> String {
    json_text(&serde_json::json!({ "TableName": table }))
}

fn json_answer(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<Value, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, header, body));
    }
    serde_json::from_str::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::not_dynamodb(status, "the answer is not a JSON object"))
}

/// A ListTables page: the names and the next page's start (absent on the last page).
pub fn parse_list_tables(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<(Vec<String>, Option<String>), ApiError> {
    let v = json_answer(status, header, body)?;
    let names = v
        .get("TableNames")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::not_dynamodb(status, "the answer has no TableNames"))?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let next = v
        .get("LastEvaluatedTableName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Ok((names, next))
}

/// A DescribeContinuousBackups answer.
pub fn parse_continuous_backups(
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<Pitr, ApiError> {
    let v = json_answer(status, header, body)?;
    let d = v.get("ContinuousBackupsDescription").ok_or_else(|| {
        ApiError::not_dynamodb(status, "the answer has no ContinuousBackupsDescription")
    })?;
    let p = d.get("PointInTimeRecoveryDescription");
    let state = p
        .and_then(|p| p.get("PointInTimeRecoveryStatus"))
        .and_then(Value::as_str)
        .unwrap_or("DISABLED");
    Ok(if state == "ENABLED" {
        let time = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_f64);
        Pitr::Enabled {
            earliest: time("EarliestRestorableDateTime"),
            latest: time("LatestRestorableDateTime"),
        }
    } else {
        Pitr::Disabled
    })
}

/// Which API a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    ListTables,
    ContinuousBackups,
}

impl Api {
    pub fn target(self) -> &'static str {
        match self {
            Api::ListTables => LIST_TABLES_TARGET,
            Api::ContinuousBackups => CONTINUOUS_BACKUPS_TARGET,
        }
    }

    /// The IAM action, for "which action is missing".
    pub fn action(self) -> &'static str {
        match self {
            Api::ListTables => "dynamodb:ListTables",
            Api::ContinuousBackups => "dynamodb:DescribeContinuousBackups",
        }
    }
}

/// One table of a source.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    pub name: String,
    pub pitr: Pitr,
}

/// What one source's scan found, and where it stands.
#[derive(Clone, Debug)]
pub struct ScanSource {
    /// `<account>/<region>`.
    pub key: String,
    pub account: String,
    pub region: String,
    pub principal: String,
    pub tables: Vec<TableInfo>,
    /// A call that was denied or failed for good, with its sentence.
    pub error: Option<(Api, ApiError)>,
    /// True once every table is listed and asked.
    pub done: bool,
    target: Target,
    next_table: Option<String>,
    listed: bool,
    describe_at: usize,
    gates: [RateGate; 2],
    attempts: Attempts,
    wait_until: f64,
    in_flight: Option<(u64, Api, f64)>,
}

impl ScanSource {
    fn next_call(&self) -> Option<Api> {
        if self.done
            || self
                .error
                .as_ref()
                .is_some_and(|(a, _)| *a == Api::ListTables)
        {
            return None;
        }
        if !self.listed {
            Some(Api::ListTables)
        } else if self.describe_at < self.tables.len() {
            Some(Api::ContinuousBackups)
        } else {
            None
        }
    }
}

/// A call for the edge to sign (with [`Scanner::target`]) and send.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanSend {
    pub id: u64,
    pub source: usize,
    pub api: Api,
    pub body: String,
}

/// What the edge should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanAction {
    Send(ScanSend),
    /// Cancel this call (its deadline passed); its answer is ignored.
    Abort(u64),
    WakeAt(f64),
    Idle,
}

/// An answer, as the core's parsers read it.
#[derive(Clone, Debug, PartialEq)]
pub enum ScanAnswer {
    Tables(Vec<String>, Option<String>),
    Pitr(Pitr),
}

/// Lists the tables of many sources and their PITR state. See the module docs.
#[derive(Debug, Default)]
pub struct Scanner {
    sources: Vec<ScanSource>,
    /// Bumps on every answer applied (what the view's join depends on).
    revision: u64,
    next_id: u64,
    policy: RetryPolicy,
    turn: usize,
    running: bool,
    aborts: VecDeque<u64>,
}

impl Scanner {
    /// Starts scanning these sources: `(account, region, principal, target)`.
    /// Sources already scanned (same key and principal) keep their results.
    pub fn start(&mut self, sources: Vec<(String, String, Target)>) {
        let mut old = std::mem::take(&mut self.sources);
        for s in &mut old {
            // A call still on its way is abandoned (aborted); the source asks again.
            if let Some((id, _, _)) = s.in_flight.take() {
                self.aborts.push_back(id);
            }
        }
        for (account, region, target) in sources {
            let key = format!("{account}/{region}");
            // The same source carries on where it stopped (tables, cursor, pace),
            // signing with the credentials it is given now.
            let kept = old
                .iter()
                .position(|s| s.key == key && s.principal == target.principal)
                .map(|i| {
                    let mut s = old.swap_remove(i);
                    s.target = target.clone();
                    s
                });
            self.sources.push(kept.unwrap_or(ScanSource {
                key,
                account,
                region,
                principal: target.principal.clone(),
                tables: Vec::new(),
                error: None,
                done: false,
                target,
                next_table: None,
                listed: false,
                describe_at: 0,
                gates: [
                    RateGate::new(CALLS_PER_WINDOW, WINDOW_MS),
                    RateGate::new(CALLS_PER_WINDOW, WINDOW_MS),
                ],
                attempts: Attempts::new(),
                wait_until: 0.0,
                in_flight: None,
            }));
        }
        self.running = true;
    }

    /// Stops at once; answers on their way are ignored. Start resumes where it stopped.
    pub fn stop(&mut self) {
        self.running = false;
        for s in &mut self.sources {
            if let Some((id, _, _)) = s.in_flight.take() {
                self.aborts.push_back(id);
            }
        }
    }

    /// Drops everything and every credential (Forget): nothing more is signed.
    pub fn forget(&mut self) {
        self.stop();
        let aborts = std::mem::take(&mut self.aborts);
        *self = Scanner {
            next_id: self.next_id,
            revision: self.revision.wrapping_add(1),
            aborts,
            ..Scanner::default()
        };
    }

    /// Bumps whenever what the scan found changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// New credentials for every source of `principal` (a renewed role).
    pub fn set_credentials(&mut self, principal: &str, credentials: &super::sign::Credentials) {
        for s in self.sources.iter_mut().filter(|s| s.principal == principal) {
            s.target.credentials = credentials.clone();
        }
    }

    pub fn sources(&self) -> &[ScanSource] {
        &self.sources
    }

    pub fn target(&self, source: usize) -> Option<&Target> {
        self.sources.get(source).map(|s| &s.target)
    }

    /// True while a call is queued, in flight or waiting.
    pub fn busy(&self) -> bool {
        self.running
            && self
                .sources
                .iter()
                .any(|s| s.in_flight.is_some() || s.next_call().is_some())
    }

    /// What to do next at monotonic time `now`.
    pub fn poll(&mut self, now: f64) -> ScanAction {
        if let Some(id) = self.aborts.pop_front() {
            return ScanAction::Abort(id);
        }
        if !self.running {
            return ScanAction::Idle;
        }
        // A deadline passed: abort and retry.
        if let Some(s) = self
            .sources
            .iter_mut()
            .find(|s| s.in_flight.is_some_and(|(_, _, d)| d <= now))
        {
            if let Some((id, api, _)) = s.in_flight.take() {
                // A call with no answer counts as a failed attempt, like a network error.
                let e = ApiError::network("no answer within 30 s");
                match s.attempts.after(&self.policy, &e, 0.5, now) {
                    Decision::Retry { after_ms, .. } => s.wait_until = now + after_ms.max(0.0),
                    _ => {
                        s.error = Some((api, e));
                        if api == Api::ContinuousBackups {
                            s.describe_at = s.tables.len();
                        }
                    }
                }
                self.revision = self.revision.wrapping_add(1);
                return ScanAction::Abort(id);
            }
        }
        let in_flight = self
            .sources
            .iter()
            .filter(|s| s.in_flight.is_some())
            .count();
        let n = self.sources.len();
        let mut wake = f64::INFINITY;
        for k in 0..n {
            let i = (self.turn + k) % n;
            let s = &mut self.sources[i];
            if s.in_flight.is_some() {
                wake = wake.min(s.in_flight.map_or(wake, |(_, _, d)| d));
                continue;
            }
            let Some(api) = s.next_call() else { continue };
            let gate = &mut s.gates[api as usize];
            let ready_at = s.wait_until.max(now + gate.wait_ms(now));
            if in_flight >= MAX_IN_FLIGHT {
                // Every slot is taken: an answer frees one (and polls again).
                if ready_at > now + 0.001 {
                    wake = wake.min(ready_at);
                }
                continue;
            }
            if ready_at > now + 0.001 {
                wake = wake.min(ready_at);
                continue;
            }
            gate.record(now);
            let body = match api {
                Api::ListTables => list_tables_body(s.next_table.as_deref()),
                Api::ContinuousBackups => continuous_backups_body(&s.tables[s.describe_at].name),
            };
            let id = self.next_id;
            self.next_id += 1;
            s.in_flight = Some((id, api, now + TIMEOUT_MS));
            self.turn = (i + 1) % n;
            return ScanAction::Send(ScanSend {
                id,
                source: i,
                api,
                body,
            });
        }
        if wake.is_finite() {
            ScanAction::WakeAt(wake)
        } else {
            ScanAction::Idle
        }
    }

    /// The answer to call `id` at monotonic `now`; `random` in `[0, 1)`.
    pub fn handle(&mut self, id: u64, answer: Result<ScanAnswer, ApiError>, now: f64, random: f64) {
        let policy = self.policy;
        let Some(s) = self
            .sources
            .iter_mut()
            .find(|s| s.in_flight.is_some_and(|(x, _, _)| x == id))
        else {
            return;
        };
        let Some((_, api, _)) = s.in_flight.take() else {
            return;
        };
        self.revision = self.revision.wrapping_add(1);
        match answer {
            Ok(ScanAnswer::Tables(names, next)) => {
                s.attempts = Attempts::new();
                s.tables.extend(names.into_iter().map(|name| TableInfo {
                    name,
                    pitr: Pitr::Unknown,
                }));
                s.listed = next.is_none();
                s.next_table = next;
            }
            Ok(ScanAnswer::Pitr(p)) => {
                s.attempts = Attempts::new();
                if let Some(t) = s.tables.get_mut(s.describe_at) {
                    t.pitr = p;
                }
                s.describe_at += 1;
            }
            Err(e)
                if e.code.as_deref() == Some("TableNotFoundException")
                    && api == Api::ContinuousBackups =>
            {
                // The table went away between the two calls: it is dropped.
                if s.describe_at < s.tables.len() {
                    s.tables.remove(s.describe_at);
                }
            }
            Err(e) => match s.attempts.after(&policy, &e, random, now) {
                Decision::Retry { after_ms, .. } => s.wait_until = now + after_ms.max(0.0),
                Decision::CorrectClock { .. } | Decision::Stop => {
                    s.attempts = Attempts::new();
                    s.error = Some((api, e));
                    if api == Api::ContinuousBackups {
                        // PITR stays unknown for the rest; the tables are still listed.
                        s.describe_at = s.tables.len();
                    }
                }
            },
        }
        if s.listed && s.describe_at >= s.tables.len() {
            s.done = true;
        }
    }
}

/// The sentence for a source whose ListTables or DescribeContinuousBackups failed.
pub fn scan_sentence(api: Api, error: &ApiError, key: &str) -> String {
    match error.kind {
        ErrorKind::AccessDenied => format!(
            "{key}: {} is not allowed for this identity, so {}. The Backups view is not affected.",
            api.action(),
            match api {
                Api::ListTables => "its tables cannot be listed",
                Api::ContinuousBackups => "point-in-time recovery shows as unknown",
            }
        ),
        _ => {
            let (account, region) = key.split_once('/').unwrap_or(("", key));
            format!(
                "{key}: {} failed: {}",
                api.action(),
                super::org::source_sentence(error, Some(account), region, true, true)
            )
        }
    }
}

/// One row of the protection view.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    pub account: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    /// Backups of this table among the loaded rows; `None` when the source's
    /// backups could not be listed.
    pub backups: Option<usize>,
    /// Newest AVAILABLE backup's creation time (epoch seconds).
    pub latest: Option<f64>,
    pub bytes: u64,
    pub pitr: Pitr,
    /// No AVAILABLE backup within the threshold (only when backups are known).
    pub stale: bool,
}

impl TableRow {
    /// Lower is riskier: no backup at all and PITR off first.
    pub fn risk(&self) -> u8 {
        let pitr_off = self.pitr == Pitr::Disabled;
        match (self.backups, self.latest, self.stale, pitr_off) {
            (None, _, _, true) => 4,
            (None, _, _, false) => 6,
            (Some(_), None, _, true) => 0,
            (Some(_), _, true, true) => 1,
            (Some(_), None, _, false) => 2,
            (Some(_), _, true, false) => 3,
            (Some(_), _, false, true) => 5,
            (Some(_), _, false, false) => 7,
        }
    }
}

/// Whether the backups of each source could be listed: `(key, known)`.
pub type BackupsKnown<'a> = &'a dyn Fn(&str) -> bool;

/// Joins the scanned tables with the loaded backup rows: per table its
/// backups, newest AVAILABLE backup, bytes and PITR, stale against
/// `stale_days` at `now`; ordered by risk, then oldest newest-backup, then name.
pub fn protection(
    sources: &[ScanSource],
    rows: &[Row],
    known: BackupsKnown,
    now: i64,
    stale_days: u32,
) -> Vec<TableRow> {
    use std::collections::HashMap;
    // (account, region, table) → (count, latest available, bytes)
    type Place<'a> = (&'a str, &'a str, &'a str);
    let mut by: HashMap<Place, (usize, Option<f64>, u64)> = HashMap::new();
    for r in rows {
        let s = &r.summary;
        let arn = s
            .table_arn
            .as_deref()
            .or(s.backup_arn.as_deref())
            .unwrap_or("");
        let (Some(region), Some(account)) = (
            super::engine::arn_region(arn),
            super::engine::arn_account(arn),
        ) else {
            continue;
        };
        let Some(table) = s.table_name.as_deref() else {
            continue;
        };
        let e = by.entry((account, region, table)).or_default();
        e.0 += 1;
        e.2 = e.2.saturating_add(s.backup_size_bytes.unwrap_or(0));
        if s.backup_status == Some(BackupStatus::Available) {
            if let Some(c) = s.backup_creation_date_time {
                e.1 = Some(e.1.map_or(c, |x: f64| x.max(c)));
            }
        }
    }
    let threshold = now as f64 - f64::from(stale_days) * 86_400.0;
    let mut out: Vec<TableRow> = Vec::new();
    for src in sources {
        let known = known(&src.key);
        for t in &src.tables {
            let (count, latest, bytes) = by
                .get(&(src.account.as_str(), src.region.as_str(), t.name.as_str()))
                .copied()
                .unwrap_or_default();
            let partition = super::roles::partition_of_region(&src.region);
            out.push(TableRow {
                account: src.account.clone(),
                region: src.region.clone(),
                name: t.name.clone(),
                arn: format!(
                    "arn:{partition}:dynamodb:{}:{}:table/{}",
                    src.region, src.account, t.name
                ),
                backups: known.then_some(count),
                latest: if known { latest } else { None },
                bytes,
                pitr: t.pitr.clone(),
                stale: known && latest.is_none_or(|l| l < threshold),
            });
        }
    }
    crate::core::sort::by(&mut out, |a, b| {
        a.risk()
            .cmp(&b.risk())
            .then_with(|| a.latest.unwrap_or(0.0).total_cmp(&b.latest.unwrap_or(0.0)))
            .then_with(|| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)))
    });
    out
}

/// "N of M tables have no available backup in the last D days; K have point-in-time recovery off".
pub fn summary(rows: &[TableRow], stale_days: u32) -> (usize, usize, String) {
    let stale = rows.iter().filter(|r| r.stale).count();
    let pitr_off = rows.iter().filter(|r| r.pitr == Pitr::Disabled).count();
    let m = rows.len();
    let days = if stale_days == 1 {
        "day".to_owned()
    } else {
        format!("{} days", grouped(u64::from(stale_days)))
    };
    let text = format!(
        "{} of {} {} no available backup in the last {days}; {} {} point-in-time recovery off",
        grouped(stale as u64),
        grouped(m as u64),
        if m == 1 { "table has" } else { "tables have" },
        grouped(pitr_off as u64),
        if pitr_off == 1 { "has" } else { "have" },
    );
    (stale, pitr_off, text)
}

/// The protection rows as CSV (one line per table) and JSON.
pub fn to_csv(rows: &[TableRow]) -> String {
    let mut out = String::from(
        "AccountId,Region,TableName,TableArn,Backups,LatestAvailableBackup,BackupBytes,PointInTimeRecovery,EarliestRestorableDateTime,LatestRestorableDateTime,Stale\r\n",
    );
    for r in rows {
        let (earliest, latest) = window(&r.pitr);
        let cells = [
            r.account.clone(),
            r.region.clone(),
            r.name.clone(),
            r.arn.clone(),
            r.backups.map_or("unknown".into(), |n| n.to_string()),
            r.latest.map(format_iso).unwrap_or_default(),
            r.bytes.to_string(),
            r.pitr.as_str().to_owned(),
            earliest.map(format_iso).unwrap_or_default(),
            latest.map(format_iso).unwrap_or_default(),
            r.stale.to_string(),
        ];
        let line: Vec<String> = cells.iter().map(|c| super::export::csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

fn window(p: &Pitr) -> (Option<f64>, Option<f64>) {
    match p {
        Pitr::Enabled { earliest, latest } => (*earliest, *latest),
        _ => (None, None),
    }
}

pub fn to_json(rows: &[TableRow]) -> String {
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (earliest, latest) = window(&r.pitr);
            serde_json::json!({
                "AccountId": r.account,
                "Region": r.region,
                "TableName": r.name,
                "TableArn": r.arn,
                "Backups": r.backups,
                "LatestAvailableBackup": r.latest,
                "BackupBytes": r.bytes,
                "PointInTimeRecovery": r.pitr.as_str(),
                "EarliestRestorableDateTime": earliest,
                "LatestRestorableDateTime": latest,
                "Stale": r.stale,
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "Tables": list })).unwrap_or_default()
}

/// The PITR cell: "on · restorable 2026-10-22 … 2026-11-26" or "off".
pub fn pitr_text(p: &Pitr) -> String {
    match p {
        Pitr::Unknown => "unknown".into(),
        Pitr::Disabled => "off".into(),
        Pitr::Enabled { earliest, latest } => match (earliest, latest) {
            (Some(e), Some(l)) => format!(
                "on · restorable {} to {}",
                super::time::format_minutes(*e),
                super::time::format_minutes(*l)
            ),
            _ => "on".into(),
        },
    }
}

/// The bytes cell.
pub fn bytes_text(b: u64) -> String {
    human_size(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::endpoint::Endpoint;
    use crate::core::response::BackupSummary;
    use crate::core::sign::Credentials;

    const NOW: i64 = 1_767_225_600;

    fn target(principal: &str) -> Target {
        Target {
            endpoint: Endpoint::parse("http://127.0.0.1:9").unwrap(),
            region: "us-east-1".into(),
            principal: principal.into(),
            credentials: Credentials::default(),
        }
    }

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn list_tables_pages_and_errors() {
        let (names, next) = parse_list_tables(
            200,
            &no_headers,
            r#"{"TableNames":["a","b"],"LastEvaluatedTableName":"b"}"#,
        )
        .unwrap();
        assert_eq!(
            (names, next.as_deref()),
            (vec!["a".to_owned(), "b".to_owned()], Some("b"))
        );
        let (names, next) = parse_list_tables(200, &no_headers, r#"{"TableNames":[]}"#).unwrap();
        assert!(names.is_empty() && next.is_none());
        let e = parse_list_tables(
            400,
            &no_headers,
            r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform: dynamodb:ListTables"}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert!(parse_list_tables(200, &no_headers, "<html/>").is_err());
        assert_eq!(
            list_tables_body(Some("orders")),
            r#"{"ExclusiveStartTableName":"orders","Limit":100}"#
        );
    }

    #[test]
    fn continuous_backups_reads_the_window() {
        let on = parse_continuous_backups(
            200,
            &no_headers,
            r#"{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED","PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"ENABLED","EarliestRestorableDateTime":1.7E9,"LatestRestorableDateTime":1700086400}}}"#,
        )
        .unwrap();
        assert_eq!(
            on,
            Pitr::Enabled {
                earliest: Some(1.7e9),
                latest: Some(1_700_086_400.0)
            }
        );
        let off = parse_continuous_backups(
            200,
            &no_headers,
            r#"{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED","PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"DISABLED"}}}"#,
        )
        .unwrap();
        assert_eq!(off, Pitr::Disabled);
        assert!(parse_continuous_backups(200, &no_headers, "{}").is_err());
    }

    /// Drives the scanner against a fake of two sources: 250 tables in pages of
    /// 100, then one PITR call each, paced, with a throttle and a denial.
    #[test]
    fn scans_pages_then_pitr_paced_per_source_and_api() {
        let mut sc = Scanner::default();
        sc.start(vec![
            ("111122223333".into(), "us-east-1".into(), target("a")),
            ("777788889999".into(), "us-east-1".into(), target("b")),
        ]);
        let all: Vec<String> = (0..250).map(|i| format!("t{i:03}")).collect();
        let mut now = 0.0;
        let mut starts: Vec<(usize, Api, f64)> = Vec::new();
        let mut throttled = false;
        for _ in 0..10_000 {
            match sc.poll(now) {
                ScanAction::Send(send) => {
                    starts.push((send.source, send.api, now));
                    let v: Value = serde_json::from_str(&send.body).unwrap();
                    let answer = match (send.source, send.api) {
                        (1, Api::ListTables) => Err(ApiError::new(
                            ErrorKind::AccessDenied,
                            400,
                            Some("AccessDeniedException".into()),
                            "no",
                        )),
                        (_, Api::ListTables) => {
                            let from = v["ExclusiveStartTableName"]
                                .as_str()
                                .map_or(0, |s| all.iter().position(|x| x == s).unwrap() + 1);
                            let page: Vec<String> = all[from..(from + 100).min(250)].to_vec();
                            let next = (from + 100 < 250).then(|| page.last().unwrap().clone());
                            Ok(ScanAnswer::Tables(page, next))
                        }
                        (_, Api::ContinuousBackups) if !throttled => {
                            throttled = true;
                            Err(ApiError::new(ErrorKind::Throttled, 400, None, "slow down"))
                        }
                        (_, Api::ContinuousBackups) => {
                            let name = v["TableName"].as_str().unwrap();
                            Ok(ScanAnswer::Pitr(if name.ends_with('7') {
                                Pitr::Enabled {
                                    earliest: None,
                                    latest: None,
                                }
                            } else {
                                Pitr::Disabled
                            }))
                        }
                    };
                    now += 5.0;
                    sc.handle(send.id, answer, now, 0.5);
                }
                ScanAction::WakeAt(t) => now = t,
                ScanAction::Idle => break,
                ScanAction::Abort(_) => {}
            }
        }
        assert!(!sc.busy());
        let a = &sc.sources()[0];
        assert!(a.done);
        assert_eq!(a.tables.len(), 250);
        assert_eq!(
            a.tables
                .iter()
                .filter(|t| matches!(t.pitr, Pitr::Enabled { .. }))
                .count(),
            25
        );
        assert!(a.tables.iter().all(|t| t.pitr != Pitr::Unknown));
        let b = &sc.sources()[1];
        assert!(
            matches!(&b.error, Some((Api::ListTables, e)) if e.kind == ErrorKind::AccessDenied)
        );
        assert!(
            scan_sentence(Api::ListTables, &b.error.as_ref().unwrap().1, &b.key)
                .contains("dynamodb:ListTables")
        );
        // Never more than 5 calls of one API to one source within 1,000 ms.
        for (src, api) in [(0, Api::ListTables), (0, Api::ContinuousBackups)] {
            let t: Vec<f64> = starts
                .iter()
                .filter(|s| s.0 == src && s.1 == api)
                .map(|s| s.2)
                .collect();
            for (i, &x) in t.iter().enumerate() {
                assert!(
                    t[i..].iter().take_while(|&&y| y < x + 1000.0).count() <= 5,
                    "{api:?} at {x}"
                );
            }
        }
        assert_eq!(
            starts
                .iter()
                .filter(|s| s.0 == 0 && s.1 == Api::ListTables)
                .count(),
            3
        );
    }

    #[test]
    fn stop_halts_and_start_resumes() {
        let mut sc = Scanner::default();
        sc.start(vec![("1".into(), "us-east-1".into(), target("a"))]);
        let ScanAction::Send(first) = sc.poll(0.0) else {
            panic!()
        };
        sc.stop();
        assert_eq!(sc.poll(1.0), ScanAction::Abort(first.id));
        assert_eq!(sc.poll(1.0), ScanAction::Idle);
        sc.handle(
            first.id,
            Ok(ScanAnswer::Tables(vec!["x".into()], None)),
            2.0,
            0.0,
        );
        assert!(
            sc.sources()[0].tables.is_empty(),
            "a late answer is ignored"
        );
        sc.start(vec![("1".into(), "us-east-1".into(), target("a"))]);
        assert!(matches!(sc.poll(3.0), ScanAction::Send(_)));
    }

    fn backup(account: &str, table: &str, created: f64, status: BackupStatus) -> Row {
        let arn = format!("arn:aws:dynamodb:us-east-1:{account}:table/{table}/backup/{created}");
        Row::new(
            arn.clone(),
            BackupSummary {
                table_name: Some(table.into()),
                table_arn: Some(format!(
                    "arn:aws:dynamodb:us-east-1:{account}:table/{table}"
                )),
                backup_arn: Some(arn),
                backup_creation_date_time: Some(created),
                backup_status: Some(status),
                backup_size_bytes: Some(10),
                ..Default::default()
            },
        )
    }

    #[test]
    fn the_join_orders_by_risk_and_counts_stale_tables() {
        let day = 86_400.0;
        let now = NOW as f64;
        let src = |account: &str, tables: &[(&str, Pitr)]| ScanSource {
            key: format!("{account}/us-east-1"),
            account: account.into(),
            region: "us-east-1".into(),
            principal: "p".into(),
            tables: tables
                .iter()
                .map(|(n, p)| TableInfo {
                    name: (*n).into(),
                    pitr: p.clone(),
                })
                .collect(),
            error: None,
            done: true,
            target: target("p"),
            next_table: None,
            listed: true,
            describe_at: 0,
            gates: Default::default(),
            attempts: Attempts::new(),
            wait_until: 0.0,
            in_flight: None,
        };
        let on = Pitr::Enabled {
            earliest: None,
            latest: None,
        };
        let sources = vec![
            src(
                "111122223333",
                &[
                    ("fresh", Pitr::Disabled),
                    ("old", Pitr::Disabled),
                    ("none", Pitr::Disabled),
                    ("none-pitr", on.clone()),
                    ("creating", Pitr::Disabled),
                ],
            ),
            src("777788889999", &[("hidden", Pitr::Disabled)]),
        ];
        let rows = vec![
            backup("111122223333", "fresh", now - day, BackupStatus::Available),
            backup(
                "111122223333",
                "old",
                now - 10.0 * day,
                BackupStatus::Available,
            ),
            backup(
                "111122223333",
                "old",
                now - 3.0 * day,
                BackupStatus::Deleted,
            ),
            backup(
                "111122223333",
                "creating",
                now - 60.0,
                BackupStatus::Creating,
            ),
        ];
        let known = |key: &str| !key.starts_with("7777");
        let t = protection(&sources, &rows, &known, NOW, 7);
        let names: Vec<&str> = t.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["creating", "none", "old", "none-pitr", "hidden", "fresh"]
        );
        let get = |n: &str| t.iter().find(|r| r.name == n).unwrap();
        assert_eq!(
            get("old").latest,
            Some(now - 10.0 * day),
            "only AVAILABLE backups count as latest"
        );
        assert_eq!(get("old").backups, Some(2));
        assert!(get("old").stale && !get("fresh").stale);
        assert!(
            get("creating").stale,
            "a CREATING backup is not yet a backup"
        );
        assert_eq!(get("hidden").backups, None);
        assert!(
            !get("hidden").stale,
            "unknown backups are not counted as stale"
        );
        assert_eq!(
            get("fresh").arn,
            "arn:aws:dynamodb:us-east-1:111122223333:table/fresh"
        );
        let (stale, pitr_off, text) = summary(&t, 7);
        assert_eq!((stale, pitr_off), (4, 5));
        assert_eq!(text, "4 of 6 tables have no available backup in the last 7 days; 5 have point-in-time recovery off");
        // Thresholds move tables in and out.
        assert_eq!(
            summary(&protection(&sources, &rows, &known, NOW, 30), 30).0,
            3
        );
        assert_eq!(
            summary(&protection(&sources, &rows, &known, NOW, 1), 1).0,
            4
        );
        let csv = to_csv(&t);
        assert!(csv
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("111122223333,us-east-1,creating,"));
        assert!(to_json(&t).contains("\"PointInTimeRecovery\": \"ENABLED\""));
    }
}
