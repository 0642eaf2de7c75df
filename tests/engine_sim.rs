//! The listing engine against a simulated DynamoDB, with simulated time.
//!
//! `World` is the browser edge and the network: it polls the engine, performs
//! each `Send` against `Sim` (the server: a backup set per account and region,
//! ListBackups pagination, faults scheduled by call count, SigV4's 5-minute
//! clock check), delivers answers after a latency, fires the engine's timers
//! and records every call start. Answers to aborted requests are still
//! delivered, late, to check that the engine ignores them.
//!
//! Every scenario checks, besides its own assertions: the rows loaded are
//! exactly the simulated set (per source), no row twice, never more than 5
//! call starts per account and region in any 1000 ms window, never two
//! requests in flight for one source (or one account and region), never more
//! than `max_in_flight` overall, and no cursor ever sent where it was not issued.

use std::collections::{BTreeSet, HashMap, HashSet};

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::engine::{
    Action, Engine, EngineConfig, Event, Goal, Outcome, RequestId, Send, SourceId, SourceSpec,
    SourceState, Target,
};
use backup_lens::core::error::ErrorKind;
use backup_lens::core::query::Query;
use backup_lens::core::response::{parse_list_backups, BackupSummary};
use backup_lens::core::sign::Credentials;
use backup_lens::core::time::format_amz;
use serde_json::{json, Value};

/// The server's clock at simulated time 0 (2026-01-01T00:00:00Z).
const BASE_MS: f64 = 1_767_225_600_000.0;
const HOUR_MS: f64 = 3_600_000.0;
const TABLES: [&str; 4] = ["orders", "users", "events", "audit"];

/// xorshift64*: small, deterministic, good enough for test data and latencies.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.next() % (hi_inclusive - lo + 1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Throttle,
    Internal500,
    Unavailable503,
    Truncated,
    /// Fetch fails ("Failed to fetch") after the latency.
    Dropped,
    /// No answer at all: the engine must abort at the deadline.
    Timeout,
    ExpiredToken,
    AccessDenied,
}

/// Endpoint authority, region, account.
type PlaceKey = (String, String, String);

/// One account in one region (at one endpoint).
struct Place {
    /// Sorted by BackupArn.
    backups: Vec<BackupSummary>,
    /// By 1-based call number at this place.
    faults: HashMap<u32, Fault>,
    calls: u32,
    /// The third page's cursor points back to the first one's (A → B → A).
    loop_mode: bool,
    /// A cursor on the last page, then an empty page (DynamoDB may do that).
    trailing_empty: bool,
}

impl Place {
    fn listed(&self, table: Option<&str>) -> Vec<&BackupSummary> {
        self.backups
            .iter()
            .filter(|b| table.is_none_or(|t| b.table_name.as_deref() == Some(t)))
            .collect()
    }
}

/// What one call got.
#[derive(Clone, Debug, PartialEq)]
enum Answer {
    Page { next: Option<String>, items: usize },
    Fault(Fault),
    Refused(String),
}

#[derive(Clone, Debug)]
struct Call {
    mono: f64,
    id: RequestId,
    start: Option<String>,
    table: Option<String>,
    answer: Answer,
}

struct World {
    places: HashMap<PlaceKey, Place>,
    /// Access key id → account.
    accounts: HashMap<String, String>,
    expired_keys: HashSet<String>,
    calls: HashMap<PlaceKey, Vec<Call>>,
    violations: Vec<String>,
    mono: f64,
    /// This computer's clock minus the server's.
    skew_ms: f64,
    rng: Rng,
    latency: (u64, u64),
    /// (arrival time, sequence, request, answer).
    arrivals: Vec<(f64, u64, RequestId, Outcome)>,
    seq: u64,
    timer: Option<f64>,
    in_flight: HashMap<RequestId, (SourceId, PlaceKey)>,
    cap: usize,
    timeout_ms: f64,
    peak_in_flight: usize,
    sent_at: HashMap<RequestId, f64>,
    aborts: Vec<(f64, RequestId)>,
    late_answers: usize,
    events: Vec<Event>,
}

impl World {
    fn new(seed: u64, config: &EngineConfig) -> Self {
        World {
            places: HashMap::new(),
            accounts: HashMap::new(),
            expired_keys: HashSet::new(),
            calls: HashMap::new(),
            violations: Vec::new(),
            mono: 0.0,
            skew_ms: 0.0,
            rng: Rng::new(seed),
            latency: (20, 300),
            arrivals: Vec::new(),
            seq: 0,
            timer: None,
            in_flight: HashMap::new(),
            cap: config.max_in_flight,
            timeout_ms: config.timeout_ms,
            peak_in_flight: 0,
            sent_at: HashMap::new(),
            aborts: Vec::new(),
            late_answers: 0,
            events: Vec::new(),
        }
    }

    fn wall(&self) -> f64 {
        BASE_MS + self.mono + self.skew_ms
    }

    /// Adds an account's backups in a region at an endpoint (`None`: the region's AWS endpoint).
    fn add_place(
        &mut self,
        endpoint: Option<&str>,
        region: &str,
        account: &str,
        backups: usize,
    ) -> PlaceKey {
        let key = place_key(endpoint, region, account);
        let mut list: Vec<BackupSummary> = (0..backups)
            .map(|_| {
                let table = TABLES[self.rng.range(0, 3) as usize];
                let created_s = 1_700_000_000 + self.rng.range(0, 60_000_000);
                BackupSummary {
                    table_name: Some(table.into()),
                    table_arn: Some(format!("arn:aws:dynamodb:{region}:{account}:table/{table}")),
                    backup_arn: Some(format!(
                        "arn:aws:dynamodb:{region}:{account}:table/{table}/backup/{:013}-{:08x}",
                        created_s * 1000,
                        self.rng.next() as u32
                    )),
                    backup_name: Some(format!("{table}-{created_s}")),
                    backup_creation_date_time: Some(created_s as f64),
                    backup_size_bytes: Some(self.rng.range(0, 1 << 40)),
                    ..Default::default()
                }
            })
            .collect();
        list.sort_by(|a, b| a.backup_arn.cmp(&b.backup_arn));
        list.dedup_by(|a, b| a.backup_arn == b.backup_arn);
        self.places.insert(
            key.clone(),
            Place {
                backups: list,
                faults: HashMap::new(),
                calls: 0,
                loop_mode: false,
                trailing_empty: false,
            },
        );
        key
    }

    fn place(&mut self, key: &PlaceKey) -> &mut Place {
        self.places.get_mut(key).unwrap()
    }

    /// A source for an account's place; `key_version` makes distinct credentials for one account.
    fn spec(
        &mut self,
        place: &PlaceKey,
        table: Option<&str>,
        limit: u8,
        key_version: u32,
    ) -> SourceSpec {
        let (authority, region, account) = place;
        let key_id = format!("AKIA{account}V{key_version}");
        self.accounts.insert(key_id.clone(), account.clone());
        let endpoint = if authority.starts_with("dynamodb.") {
            Endpoint::resolve(region, "").unwrap()
        } else {
            Endpoint::parse(&format!("http://{authority}")).unwrap()
        };
        SourceSpec {
            target: Target {
                endpoint,
                region: region.clone(),
                principal: account.clone(),
                credentials: Credentials {
                    access_key_id: key_id,
                    secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                    session_token: None,
                },
            },
            query: Query {
                table: table.map(Into::into),
                limit: Some(limit),
                ..Query::default()
            },
            label: format!("{account} · {region}"),
            account: None,
            blocked: None,
        }
    }

    // ----- the server ---------------------------------------------------

    fn serve(&mut self, e: &Engine, send: &Send) -> (Option<PlaceKey>, Option<Outcome>) {
        let target = e.target(send.source).expect("a send for an unknown source");
        let account = self
            .accounts
            .get(&target.credentials.access_key_id)
            .cloned()
            .unwrap_or_default();
        let key = (
            target.endpoint.authority.clone(),
            target.region.clone(),
            account,
        );
        let key_id = target.credentials.access_key_id.clone();
        let body: Value = serde_json::from_str(&send.body).expect("the body is JSON");
        let start = body["ExclusiveStartBackupArn"].as_str().map(str::to_owned);
        let table = body["TableName"].as_str().map(str::to_owned);
        let limit = body["Limit"].as_u64().unwrap_or(100);
        let server_ms = BASE_MS + self.mono;
        let Some(place) = self.places.get_mut(&key) else {
            self.violations
                .push(format!("a call to an unknown place {key:?}"));
            return (None, Some(error(400, "UnrecognizedClientException", "")));
        };
        place.calls += 1;
        let fault = place.faults.get(&place.calls).copied();
        let mut call = Call {
            mono: self.mono,
            id: send.id,
            start: start.clone(),
            table: table.clone(),
            answer: Answer::Refused(String::new()),
        };
        let (answer, outcome) = 'answer: {
            if !(1..=100).contains(&limit) {
                self.violations.push(format!("Limit {limit}"));
            }
            if self.expired_keys.contains(&key_id) {
                break 'answer (
                    Answer::Refused("expired".into()),
                    Some(error(
                        400,
                        "ExpiredTokenException",
                        "The security token included in the request is expired",
                    )),
                );
            }
            let off = send.sign_at_ms - server_ms;
            if off.abs() > 5.0 * 60_000.0 {
                break 'answer (
                    Answer::Refused("clock".into()),
                    Some(skew_error(send.sign_at_ms, server_ms)),
                );
            }
            if let Some(f) = fault {
                let outcome = match f {
                    Fault::Throttle => Some(error(
                        400,
                        "ThrottlingException",
                        "Rate of requests exceeds the allowed throughput.",
                    )),
                    Fault::Internal500 => {
                        Some(error(500, "InternalServerError", "Internal server error"))
                    }
                    Fault::Unavailable503 => Some(outcome(503, "")),
                    Fault::Truncated => {
                        let listed = place.listed(table.as_deref());
                        let full = page_body(&listed[..listed.len().min(1)], Some("x"));
                        Some(outcome(200, &full[..full.len() / 2]))
                    }
                    Fault::Dropped => Some(Outcome::Failed(
                        backup_lens::core::error::ApiError::network("Failed to fetch"),
                    )),
                    Fault::Timeout => None,
                    Fault::ExpiredToken => {
                        self.expired_keys.insert(key_id.clone());
                        Some(error(
                            400,
                            "ExpiredTokenException",
                            "The security token included in the request is expired",
                        ))
                    }
                    Fault::AccessDenied => Some(error(
                        400,
                        "AccessDeniedException",
                        "not authorized to perform: dynamodb:ListBackups",
                    )),
                };
                break 'answer (Answer::Fault(f), outcome);
            }
            let listed = place.listed(table.as_deref());
            let from = match &start {
                None => 0,
                Some(s) => match listed.iter().position(|b| b.backup_arn.as_ref() == Some(s)) {
                    Some(p) => p + 1,
                    None => {
                        self.violations.push(format!(
                            "cursor {s} sent to {key:?} (table {table:?}), which never issued it"
                        ));
                        break 'answer (
                            Answer::Refused("foreign cursor".into()),
                            Some(error(
                                400,
                                "ValidationException",
                                "Invalid ExclusiveStartBackupArn",
                            )),
                        );
                    }
                },
            };
            let limit = limit as usize;
            let end = (from + limit).min(listed.len());
            let items = &listed[from..end];
            let mut next = if end < listed.len() || (place.trailing_empty && !items.is_empty()) {
                items.last().and_then(|b| b.backup_arn.clone())
            } else {
                None
            };
            if place.loop_mode && from == 2 * limit {
                next = listed[limit - 1].backup_arn.clone(); // back to A
            }
            let body = page_body(items, next.as_deref());
            (
                Answer::Page {
                    next,
                    items: items.len(),
                },
                Some(outcome(200, &body)),
            )
        };
        call.answer = answer;
        self.calls.entry(key.clone()).or_default().push(call);
        (Some(key), outcome)
    }

    // ----- the edge -------------------------------------------------------

    /// Polls until the engine waits; performs every send and abort.
    fn pump(&mut self, e: &mut Engine) {
        for _ in 0..100_000 {
            match e.poll(self.mono, self.wall()) {
                Action::Send(send) => self.on_send(e, send),
                Action::Abort(id) => {
                    self.aborts.push((self.mono, id));
                    self.in_flight.remove(&id);
                }
                Action::WakeAt(t) => {
                    assert!(
                        t > self.mono,
                        "WakeAt({t}) at {}: not in the future",
                        self.mono
                    );
                    self.timer = Some(t);
                    self.events.extend(e.take_events());
                    return;
                }
                Action::Idle => {
                    self.timer = None;
                    self.events.extend(e.take_events());
                    return;
                }
            }
        }
        panic!("poll never settled");
    }

    fn on_send(&mut self, e: &mut Engine, send: Send) {
        assert_eq!(send.deadline_ms, self.mono + self.timeout_ms);
        assert!(
            !self.in_flight.values().any(|(s, _)| *s == send.source),
            "two requests in flight for {:?}",
            send.source
        );
        let (key, outcome) = self.serve(e, &send);
        if let Some(key) = key {
            assert!(
                !self.in_flight.values().any(|(_, k)| *k == key),
                "two requests in flight for {key:?}"
            );
            self.in_flight.insert(send.id, (send.source, key));
        }
        assert!(self.in_flight.len() <= self.cap, "over the in-flight cap");
        self.peak_in_flight = self.peak_in_flight.max(self.in_flight.len());
        self.sent_at.insert(send.id, self.mono);
        if let Some(outcome) = outcome {
            let at = self.mono + self.rng.range(self.latency.0, self.latency.1) as f64;
            self.seq += 1;
            self.arrivals.push((at, self.seq, send.id, outcome));
        }
    }

    /// Advances to the next answer or timer. False when nothing is left to happen.
    fn step(&mut self, e: &mut Engine) -> bool {
        self.pump(e);
        let next = self
            .arrivals
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0).then(a.1 .1.cmp(&b.1 .1)))
            .map(|(i, a)| (i, a.0));
        match (next, self.timer) {
            (Some((i, at)), timer) if timer.is_none_or(|t| at <= t) => {
                let (at, _, id, outcome) = self.arrivals.swap_remove(i);
                self.mono = self.mono.max(at);
                if self.in_flight.remove(&id).is_none() {
                    self.late_answers += 1;
                }
                let random = self.rng.unit();
                e.handle(id, outcome, self.mono, self.wall(), random);
                self.events.extend(e.take_events());
                true
            }
            (_, Some(t)) => {
                self.mono = self.mono.max(t);
                self.timer = None;
                true
            }
            _ => false,
        }
    }

    /// Runs while `go_on` holds (checked before each step); true if it stopped holding.
    fn run_while(
        &mut self,
        e: &mut Engine,
        mut go_on: impl FnMut(&Engine, &World) -> bool,
    ) -> bool {
        for _ in 0..1_000_000 {
            self.pump(e);
            if !go_on(e, self) {
                return true;
            }
            if !self.step(e) {
                return !go_on(e, self);
            }
        }
        panic!("the simulation did not settle");
    }

    /// Runs until nothing is left to happen.
    fn run(&mut self, e: &mut Engine) {
        self.run_while(e, |_, _| true);
        assert!(
            !e.busy(),
            "idle but busy: {:?}",
            e.sources().collect::<Vec<_>>()
        );
    }

    // ----- checks -----------------------------------------------------------

    /// The invariants every scenario must keep.
    fn check(&self, e: &Engine) {
        assert!(self.violations.is_empty(), "{:#?}", self.violations);
        for (key, calls) in &self.calls {
            let starts: Vec<f64> = calls.iter().map(|c| c.mono).collect();
            for (i, &t) in starts.iter().enumerate() {
                let n = starts[i..].iter().take_while(|&&s| s < t + 1000.0).count();
                assert!(n <= 5, "{n} call starts to {key:?} within 1000 ms of {t}");
            }
        }
        let mut seen = HashSet::new();
        for r in e.rows() {
            assert!(
                seen.insert((r.source, r.key.clone())),
                "row {} twice",
                r.key
            );
        }
    }

    /// The rows of `source` are exactly the place's backups for `table`, each
    /// summary as the server has it, and its page count is that of one pass.
    fn assert_loaded(
        &self,
        e: &Engine,
        source: SourceId,
        place: &PlaceKey,
        table: Option<&str>,
        limit: usize,
    ) {
        let p = &self.places[place];
        let expected: BTreeSet<&str> = p
            .listed(table)
            .iter()
            .filter_map(|b| b.backup_arn.as_deref())
            .collect();
        let rows: Vec<_> = e.rows().iter().filter(|r| r.source == source.0).collect();
        let got: BTreeSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(rows.len(), got.len(), "a row twice");
        assert_eq!(got, expected, "{place:?} {table:?}");
        for r in rows {
            assert_eq!(
                Some(&r.summary),
                p.backups
                    .iter()
                    .find(|b| b.backup_arn.as_deref() == Some(&r.key))
            );
        }
        let st = e.source(source).unwrap();
        assert_eq!(st.state, SourceState::Done, "{place:?}");
        assert_eq!(st.rows, expected.len());
        let n = expected.len();
        let pages = if n == 0 {
            1
        } else {
            n.div_ceil(limit) + usize::from(p.trailing_empty)
        };
        assert_eq!(
            st.pages as usize, pages,
            "each page applied once ({place:?})"
        );
        let bytes = p
            .listed(table)
            .iter()
            .map(|b| b.backup_size_bytes.unwrap_or(0))
            .fold(0u64, u64::saturating_add);
        assert_eq!(st.bytes, bytes);
    }

    fn calls(&self, place: &PlaceKey) -> &[Call] {
        self.calls.get(place).map_or(&[], Vec::as_slice)
    }
}

fn place_key(endpoint: Option<&str>, region: &str, account: &str) -> PlaceKey {
    let authority = match endpoint {
        Some(url) => Endpoint::parse(url).unwrap().authority,
        None => Endpoint::resolve(region, "").unwrap().authority,
    };
    (authority, region.to_owned(), account.to_owned())
}

fn outcome(status: u16, body: &str) -> Outcome {
    match parse_list_backups(status, &|_| None, body) {
        Ok(page) => Outcome::Page(page),
        Err(e) => Outcome::Failed(e),
    }
}

fn error(status: u16, code: &str, message: &str) -> Outcome {
    let body =
        json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": message});
    outcome(status, &body.to_string())
}

/// DynamoDB's answer to a request signed more than 5 minutes off its clock.
fn skew_error(sign_at_ms: f64, server_ms: f64) -> Outcome {
    let amz = |ms: f64| format_amz((ms / 1000.0).floor() as i64);
    let message = if sign_at_ms < server_ms {
        format!(
            "Signature expired: {} is now earlier than {} ({} - 5 min.)",
            amz(sign_at_ms),
            amz(server_ms - 300_000.0),
            amz(server_ms)
        )
    } else {
        format!(
            "Signature not yet current: {} is still later than {} ({} + 5 min.)",
            amz(sign_at_ms),
            amz(server_ms + 300_000.0),
            amz(server_ms)
        )
    };
    error(400, "InvalidSignatureException", &message)
}

fn page_body(items: &[&BackupSummary], next: Option<&str>) -> String {
    let summaries: Vec<Value> = items
        .iter()
        .map(|b| {
            json!({
                "TableName": b.table_name,
                "TableArn": b.table_arn,
                "BackupArn": b.backup_arn,
                "BackupName": b.backup_name,
                "BackupCreationDateTime": b.backup_creation_date_time,
                "BackupSizeBytes": b.backup_size_bytes,
            })
        })
        .collect();
    let mut body = json!({ "BackupSummaries": summaries });
    if let Some(n) = next {
        body["LastEvaluatedBackupArn"] = json!(n);
    }
    body.to_string()
}

fn source_ids(e: &Engine) -> Vec<SourceId> {
    e.sources().map(|(id, _)| id).collect()
}

fn state(e: &Engine, s: SourceId) -> SourceState {
    e.source(s).unwrap().state.clone()
}

fn keys(e: &Engine) -> Vec<String> {
    e.rows().iter().map(|r| r.key.clone()).collect()
}

// ===== scenarios ================================================================

#[test]
fn one_source_load_all() {
    let config = EngineConfig::default();
    let mut w = World::new(1, &config);
    let p = w.add_place(None, "eu-west-1", "111111111111", 537);
    w.place(&p).trailing_empty = true;
    let spec = w.spec(&p, None, 25, 0);
    let mut e = Engine::new(config);
    e.request(vec![spec], Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let id = source_ids(&e)[0];
    w.assert_loaded(&e, id, &p, None, 25);
    assert!(!e.has_more());
    assert_eq!(e.generation(), 1);
    assert_eq!(w.events, [Event::Replaced]);
    // 23 calls (22 full pages and an empty last one) paced at 5 per gate
    // window: at least 4 full windows, and not much more.
    let calls = w.calls(&p);
    assert_eq!(calls.len(), 23);
    let span = calls.last().unwrap().mono - calls[0].mono;
    let window = backup_lens::core::rate::WINDOW_MS;
    assert!(
        (4.0 * window..4.0 * window + 23.0 * 300.0).contains(&span),
        "{span}"
    );
}

#[test]
fn fifty_sources_load_all() {
    let config = EngineConfig::default();
    let mut w = World::new(50, &config);
    let regions = [
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "ap-southeast-2",
        "sa-east-1",
    ];
    let mut sources = Vec::new();
    for a in 0..10 {
        for r in regions {
            let account = format!("2000000000{a:02}");
            let n = w.rng.range(0, 300) as usize;
            let limit = w.rng.range(10, 100) as u8;
            let p = w.add_place(None, r, &account, n);
            w.place(&p).trailing_empty = w.rng.range(0, 1) == 1;
            sources.push((p, limit));
        }
    }
    let specs: Vec<_> = sources
        .iter()
        .map(|(p, l)| w.spec(p, None, *l, 0))
        .collect();
    let mut e = Engine::new(config);
    e.request(specs, Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    assert_eq!(ids.len(), 50);
    for (id, (p, limit)) in ids.iter().zip(&sources) {
        w.assert_loaded(&e, *id, p, None, usize::from(*limit));
    }
    let total: usize = sources.iter().map(|(p, _)| w.places[p].backups.len()).sum();
    assert_eq!(e.rows().len(), total);
    assert_eq!(w.peak_in_flight, 6, "uses the cap, never more");
    assert_eq!(w.late_answers, 0);
}

/// One fault kind, injected at calls 3, 4 (twice in a row) and 9 of the first
/// of three sources: all three load completely, each failed call is followed
/// by a call with the same cursor, the other sources never wait for it.
fn retryable_fault(fault: Fault) {
    let config = EngineConfig::default();
    let mut w = World::new(fault as u64 + 100, &config);
    let places: Vec<_> = (0..3)
        .map(|i| w.add_place(None, "us-east-1", &format!("30000000000{i}"), 240))
        .collect();
    for n in [3, 4, 9] {
        w.place(&places[0]).faults.insert(n, fault);
    }
    let specs: Vec<_> = places.iter().map(|p| w.spec(p, None, 20, 0)).collect();
    let mut e = Engine::new(config);
    e.request(specs, Goal::All, true);
    // While the faulty source waits, the others keep loading.
    let mut saw_waiting_while_others_load = false;
    w.run_while(&mut e, |e, _| {
        let ids = source_ids(e);
        if matches!(state(e, ids[0]), SourceState::Waiting { ref why, .. } if !why.contains("pacing"))
            && e.source(ids[1]).unwrap().pages > 0
        {
            saw_waiting_while_others_load = true;
        }
        true
    });
    assert!(!e.busy());
    w.check(&e);
    let ids = source_ids(&e);
    for (id, p) in ids.iter().zip(&places) {
        w.assert_loaded(&e, *id, p, None, 20);
    }
    assert!(saw_waiting_while_others_load, "{fault:?}");
    let calls = w.calls(&places[0]);
    assert_eq!(calls.len(), 12 + 3, "12 pages and 3 retries ({fault:?})");
    for (i, c) in calls.iter().enumerate() {
        if c.answer == Answer::Fault(fault) {
            assert_eq!(
                calls[i + 1].start,
                c.start,
                "same cursor re-sent after {fault:?}"
            );
        }
    }
    if fault == Fault::Timeout {
        // Aborted exactly at the deadline, and only then retried.
        assert_eq!(w.aborts.len(), 3);
        for (at, id) in &w.aborts {
            assert_eq!(*at, w.sent_at[id] + 30_000.0);
            let retry = calls.iter().find(|c| c.id != *id && c.mono >= *at).unwrap();
            assert_eq!(
                Some(&retry.start),
                calls.iter().find(|c| c.id == *id).map(|c| &c.start)
            );
        }
    } else {
        assert!(w.aborts.is_empty(), "{fault:?}");
    }
    assert!(
        !w.events
            .iter()
            .any(|ev| matches!(ev, Event::SourceFailed { .. } | Event::PendingFailed { .. })),
        "{:?}",
        w.events
    );
}

#[test]
fn throttling_is_retried() {
    retryable_fault(Fault::Throttle);
}

#[test]
fn internal_server_error_is_retried() {
    retryable_fault(Fault::Internal500);
}

#[test]
fn service_unavailable_is_retried() {
    retryable_fault(Fault::Unavailable503);
}

#[test]
fn truncated_answer_is_retried() {
    retryable_fault(Fault::Truncated);
}

#[test]
fn dropped_connection_is_retried() {
    retryable_fault(Fault::Dropped);
}

#[test]
fn no_answer_is_aborted_at_the_deadline_and_retried() {
    retryable_fault(Fault::Timeout);
}

#[test]
fn a_fault_outlasting_every_retry_stops_resumably_then_resumes() {
    let config = EngineConfig::default();
    let mut w = World::new(7, &config);
    let a = w.add_place(None, "us-east-1", "400000000001", 300);
    let b = w.add_place(None, "us-east-1", "400000000002", 300);
    for n in 5..=10 {
        w.place(&a).faults.insert(n, Fault::Unavailable503);
    }
    let specs = vec![w.spec(&a, None, 30, 0), w.spec(&b, None, 30, 0)];
    let mut e = Engine::new(config);
    e.request(specs.clone(), Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    assert!(matches!(state(&e, ids[0]), SourceState::Error(ref err) if err.status == 503));
    w.assert_loaded(&e, ids[1], &b, None, 30);
    let failed: Vec<_> = w
        .events
        .iter()
        .filter_map(|ev| match ev {
            Event::SourceFailed {
                source,
                rows_kept,
                resumable,
                ..
            } => Some((*source, *rows_kept, *resumable)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [(ids[0], 120, true)]);
    assert!(e.has_more());
    let cursor = w.calls(&a)[4].start.clone();
    assert!(w.calls(&a)[4..10].iter().all(|c| c.start == cursor));
    // Load all again: the same listing continues at the failed page.
    e.request(specs, Goal::All, false);
    w.run(&mut e);
    w.check(&e);
    assert_eq!(w.calls(&a)[10].start, cursor);
    w.assert_loaded(&e, ids[0], &a, None, 30);
    w.assert_loaded(&e, ids[1], &b, None, 30);
    assert_eq!(e.generation(), 1);
}

#[test]
fn expired_token_then_fresh_credentials_resume() {
    let config = EngineConfig::default();
    let mut w = World::new(8, &config);
    let a = w.add_place(None, "eu-central-1", "500000000001", 260);
    let b = w.add_place(None, "eu-central-1", "500000000002", 260);
    w.place(&a).faults.insert(4, Fault::ExpiredToken);
    let specs = vec![w.spec(&a, None, 25, 0), w.spec(&b, None, 25, 0)];
    let mut e = Engine::new(config);
    e.request(specs.clone(), Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    assert!(
        matches!(state(&e, ids[0]), SourceState::Error(ref err) if err.kind == ErrorKind::ExpiredToken)
    );
    w.assert_loaded(&e, ids[1], &b, None, 25);
    assert!(w.events.iter().any(|ev| matches!(ev,
        Event::SourceFailed { source, rows_kept: 75, resumable: true, .. } if *source == ids[0])));
    // Load all with the old credentials fails again (without resending twice).
    e.request(specs, Goal::All, false);
    w.run(&mut e);
    assert_eq!(w.calls(&a).len(), 5);
    // Fresh credentials for the same account: same sources, same cursor, same rows.
    let fresh = vec![w.spec(&a, None, 25, 1), w.spec(&b, None, 25, 0)];
    e.request(fresh, Goal::All, false);
    assert_eq!(source_ids(&e), ids, "credentials replaced in place");
    w.run(&mut e);
    w.check(&e);
    let calls = w.calls(&a);
    assert_eq!(
        calls[5].start, calls[3].start,
        "resumed at the page that failed"
    );
    assert_eq!(
        calls.iter().filter(|c| c.start.is_none()).count(),
        1,
        "never restarted"
    );
    w.assert_loaded(&e, ids[0], &a, None, 25);
    w.assert_loaded(&e, ids[1], &b, None, 25);
    assert_eq!(e.generation(), 1);
}

fn clock_skew(skew_ms: f64) {
    let config = EngineConfig::default();
    let mut w = World::new(9, &config);
    w.skew_ms = skew_ms;
    let a = w.add_place(None, "ap-northeast-1", "600000000001", 150);
    let b = w.add_place(None, "ap-northeast-1", "600000000002", 150);
    let specs = vec![w.spec(&a, None, 50, 0), w.spec(&b, None, 50, 0)];
    let mut e = Engine::new(config);
    e.request(specs, Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    w.assert_loaded(&e, ids[0], &a, None, 50);
    w.assert_loaded(&e, ids[1], &b, None, 50);
    // Each source learnt its own offset, once, close to the truth.
    let corrected: Vec<_> = w
        .events
        .iter()
        .filter_map(|ev| match ev {
            Event::ClockCorrected {
                source,
                offset_ms,
                clamped,
            } => Some((*source, *offset_ms, *clamped)),
            _ => None,
        })
        .collect();
    assert_eq!(corrected.len(), 2, "{corrected:?}");
    for (source, offset, clamped) in corrected {
        assert!(!clamped);
        assert!(
            (offset + skew_ms).abs() < 2000.0,
            "{offset} for a clock {skew_ms} off"
        );
        assert_eq!(e.source(source).unwrap().clock_offset_ms, offset);
    }
    for p in [&a, &b] {
        let refused = w
            .calls(p)
            .iter()
            .filter(|c| c.answer == Answer::Refused("clock".into()))
            .count();
        assert_eq!(refused, 1);
        assert_eq!(w.calls(p).len(), 4);
    }
}

#[test]
fn clock_two_hours_behind_is_corrected() {
    clock_skew(-2.0 * HOUR_MS);
}

#[test]
fn clock_three_hours_ahead_is_corrected() {
    clock_skew(3.0 * HOUR_MS);
}

#[test]
fn clock_thirty_days_off_is_clamped_and_stops_clearly() {
    let config = EngineConfig::default();
    let mut w = World::new(10, &config);
    w.skew_ms = 30.0 * 24.0 * HOUR_MS;
    let a = w.add_place(None, "us-east-2", "700000000001", 50);
    let spec = w.spec(&a, None, 50, 0);
    let mut e = Engine::new(config);
    e.request(vec![spec], Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    assert_eq!(w.calls(&a).len(), 2, "one correction, one retry, then stop");
    match w.events.as_slice() {
        [Event::ClockCorrected {
            offset_ms,
            clamped: true,
            ..
        }, Event::PendingFailed { error, errors, .. }] => {
            assert_eq!(*offset_ms, -24.0 * HOUR_MS);
            assert!(matches!(
                error.kind,
                ErrorKind::ClockSkew {
                    server_time: Some(_)
                }
            ));
            assert!(
                error.user_message().contains("clock is wrong"),
                "{}",
                error.user_message()
            );
            assert_eq!(errors.len(), 1);
        }
        ev => panic!("{ev:?}"),
    }
    assert!(e.rows().is_empty() && !e.is_pending() && !e.busy());
}

#[test]
fn stop_and_resume() {
    let config = EngineConfig::default();
    let mut w = World::new(11, &config);
    w.latency = (100, 900);
    let places: Vec<_> = (0..3)
        .map(|i| w.add_place(None, "us-west-1", &format!("80000000000{i}"), 400))
        .collect();
    let specs: Vec<_> = places.iter().map(|p| w.spec(p, None, 20, 0)).collect();
    let mut e = Engine::new(config);
    e.request(specs.clone(), Goal::All, true);
    w.run_while(&mut e, |e, _| e.pages() < 8);
    let in_flight_at_stop = w.in_flight.len();
    assert!(in_flight_at_stop > 0);
    e.stop();
    let stopped_at = w.mono;
    let rows = keys(&e);
    let calls_before: usize = w.calls.values().map(Vec::len).sum();
    w.run(&mut e);
    w.check(&e);
    assert_eq!(
        w.aborts.len(),
        in_flight_at_stop,
        "every request in flight aborted at once"
    );
    assert!(w.aborts.iter().all(|(at, _)| *at == stopped_at));
    assert_eq!(w.late_answers, in_flight_at_stop, "late answers arrived");
    assert_eq!(keys(&e), rows, "and none landed");
    assert_eq!(
        w.calls.values().map(Vec::len).sum::<usize>(),
        calls_before,
        "no call after stop"
    );
    assert!(e
        .sources()
        .all(|(_, s)| matches!(s.state, SourceState::Stopped | SourceState::Idle)));
    // The cursors of the aborted calls, to be resent on resume.
    let aborted: Vec<(PlaceKey, Option<String>)> = w
        .aborts
        .iter()
        .map(|(_, id)| {
            places
                .iter()
                .find_map(|p| {
                    w.calls(p)
                        .iter()
                        .find(|c| c.id == *id)
                        .map(|c| (p.clone(), c.start.clone()))
                })
                .unwrap()
        })
        .collect();
    // Load all resumes every source from its cursor.
    w.mono += 5000.0;
    let resumed_at = w.mono;
    e.request(specs, Goal::All, false);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    for (id, p) in ids.iter().zip(&places) {
        w.assert_loaded(&e, *id, p, None, 20);
        assert_eq!(
            w.calls(p).iter().filter(|c| c.start.is_none()).count(),
            1,
            "never restarted"
        );
    }
    for (p, start) in aborted {
        let first_after = w.calls(&p).iter().find(|c| c.mono >= resumed_at).unwrap();
        assert_eq!(
            first_after.start, start,
            "resumed at the aborted call's cursor"
        );
    }
    assert_eq!(e.generation(), 1);
}

#[test]
fn a_new_query_during_a_run_replaces_rows_at_its_first_page() {
    let config = EngineConfig::default();
    let mut w = World::new(12, &config);
    let p = w.add_place(None, "ca-central-1", "900000000001", 400);
    let all = w.spec(&p, None, 25, 0);
    let orders = w.spec(&p, Some("orders"), 10, 0);
    let mut e = Engine::new(config);
    e.request(vec![all], Goal::All, true);
    w.run_while(&mut e, |e, _| e.pages() < 4);
    let calls_before = w.calls(&p).len();
    let before = keys(&e);
    let generation = e.generation();
    e.request(vec![orders], Goal::All, true);
    assert!(e.is_pending());
    // The old rows stay until the new listing's first page.
    w.run_while(&mut e, |e, _| {
        if e.is_pending() {
            assert_eq!(keys(e), before);
            true
        } else {
            false
        }
    });
    assert_eq!(e.generation(), generation + 1);
    assert!(e
        .rows()
        .iter()
        .all(|r| r.summary.table_name.as_deref() == Some("orders")));
    w.run(&mut e);
    w.check(&e);
    w.assert_loaded(&e, source_ids(&e)[0], &p, Some("orders"), 10);
    let after = &w.calls(&p)[calls_before..];
    assert!(after.iter().all(|c| c.table.as_deref() == Some("orders")));
    assert_eq!(
        after[0].start, None,
        "the new query starts at its first page"
    );
    assert_eq!(w.late_answers, w.aborts.len());
    assert!(w.events.contains(&Event::Replaced));
}

#[test]
fn a_failing_new_query_keeps_the_rows_and_the_old_listing() {
    let config = EngineConfig::default();
    let mut w = World::new(13, &config);
    let p = w.add_place(None, "eu-north-1", "910000000001", 300);
    let all = w.spec(&p, None, 25, 0);
    let users = w.spec(&p, Some("users"), 25, 0);
    let mut e = Engine::new(config);
    e.request(vec![all.clone()], Goal::All, true);
    w.run_while(&mut e, |e, _| e.pages() < 3);
    let calls = w.calls(&p).len();
    w.place(&p)
        .faults
        .insert(calls as u32 + 1, Fault::AccessDenied);
    let before = keys(&e);
    e.request(vec![users], Goal::OnePage, true);
    w.run(&mut e);
    w.check(&e);
    assert_eq!(keys(&e), before);
    assert_eq!(e.generation(), 1);
    let failed: Vec<_> = w
        .events
        .iter()
        .filter(|ev| matches!(ev, Event::SourceFailed { .. } | Event::PendingFailed { .. }))
        .collect();
    assert!(
        matches!(failed.as_slice(), [Event::PendingFailed { error, .. }] if error.kind == ErrorKind::AccessDenied),
        "only a pending failure, nothing about resuming: {failed:?}"
    );
    // The shown listing was interrupted and resumes at its cursor.
    let (id, st) = e.sources().next().unwrap();
    assert_eq!(st.state, SourceState::Stopped);
    e.request(vec![all], Goal::All, false);
    w.run(&mut e);
    w.check(&e);
    w.assert_loaded(&e, id, &p, None, 25);
}

#[test]
fn a_connection_change_during_a_run_never_sends_the_old_cursor() {
    for new_place in [
        (None, "eu-west-2"),
        (Some("http://localhost:4566"), "us-east-1"),
    ] {
        let config = EngineConfig::default();
        let mut w = World::new(14, &config);
        let old = w.add_place(None, "us-east-1", "920000000001", 300);
        let new = w.add_place(new_place.0, new_place.1, "920000000001", 300);
        let old_spec = w.spec(&old, None, 20, 0);
        let new_spec = w.spec(&new, None, 20, 0);
        let mut e = Engine::new(config);
        e.request(vec![old_spec], Goal::All, true);
        w.run_while(&mut e, |e, _| e.pages() < 3);
        let calls_before = w.calls(&old).len();
        // Load all with another target: a new listing, never the old cursor.
        e.request(vec![new_spec], Goal::All, false);
        w.run(&mut e);
        w.check(&e); // includes: no cursor sent where it was not issued
        assert_eq!(
            w.calls(&old).len(),
            calls_before,
            "nothing more to the old target"
        );
        assert_eq!(w.calls(&new)[0].start, None);
        w.assert_loaded(&e, source_ids(&e)[0], &new, None, 20);
        assert_eq!(
            e.rows().len(),
            w.places[&new].backups.len(),
            "no row of the old target"
        );
        assert_eq!(e.generation(), 2);
    }
}

#[test]
fn a_cursor_loop_stops_that_source_only() {
    let config = EngineConfig::default();
    let mut w = World::new(15, &config);
    let looping = w.add_place(None, "sa-east-1", "930000000001", 200);
    let fine = w.add_place(None, "sa-east-1", "930000000002", 200);
    w.place(&looping).loop_mode = true;
    let specs = vec![w.spec(&looping, None, 20, 0), w.spec(&fine, None, 20, 0)];
    let mut e = Engine::new(config);
    e.request(specs, Goal::All, true);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    assert_eq!(w.calls(&looping).len(), 3, "A → B → A is caught at once");
    match state(&e, ids[0]) {
        SourceState::Error(err) => assert!(
            err.user_message().contains("looping forever"),
            "{}",
            err.user_message()
        ),
        s => panic!("{s:?}"),
    }
    assert_eq!(
        e.source(ids[0]).unwrap().rows,
        40,
        "the first two pages stay"
    );
    w.assert_loaded(&e, ids[1], &fine, None, 20);
}

/// Everything at once, over many seeds: up to 12 sources with random sizes
/// and page sizes, a retryable fault on about one call in six (sometimes
/// more in a row than the retry budget), answers slower than the deadline,
/// expired credentials, and Stop pressed at random moments. The user keeps
/// pressing Load all (with fresh credentials where they expired) until every
/// source is done; the result must be exactly the simulated sets, each page
/// applied once, under the rate limit and the in-flight cap throughout.
#[test]
fn chaos_across_seeds() {
    const RETRYABLE: [Fault; 6] = [
        Fault::Throttle,
        Fault::Internal500,
        Fault::Unavailable503,
        Fault::Truncated,
        Fault::Dropped,
        Fault::Timeout,
    ];
    #[derive(Debug, Default)]
    struct Totals {
        rounds: usize,
        stops: usize,
        refreshed: usize,
        aborts: usize,
        late: usize,
        faults: usize,
    }
    let mut totals = Totals::default();
    // ENGINE_SIM_SEEDS=1000 cargo test --test engine_sim chaos: a longer soak.
    let seeds = std::env::var("ENGINE_SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24u64);
    for seed in 0..seeds {
        let (mut stops, mut refreshed) = (0, 0);
        let config = EngineConfig {
            max_in_flight: 4,
            timeout_ms: 5_000.0,
            ..EngineConfig::default()
        };
        let mut w = World::new(1000 + seed, &config);
        w.latency = (10, 6_000);
        let n = w.rng.range(1, 12) as usize;
        let mut places = Vec::new();
        for i in 0..n {
            let region = ["us-east-1", "eu-west-1", "ap-south-1"][i % 3];
            let size = w.rng.range(0, 250) as usize;
            let limit = w.rng.range(5, 60) as u8;
            let p = w.add_place(None, region, &format!("95000000{seed:02}{i:02}"), size);
            w.place(&p).trailing_empty = w.rng.range(0, 1) == 1;
            for call in 1..=400 {
                let roll = w.rng.range(0, 99);
                let fault = match roll {
                    0..=1 => Some(Fault::ExpiredToken),
                    2..=16 => Some(RETRYABLE[w.rng.range(0, 5) as usize]),
                    _ => None,
                };
                if let Some(f) = fault {
                    w.place(&p).faults.insert(call, f);
                }
            }
            places.push((p, limit, 0u32));
        }
        let specs = |w: &mut World, places: &[(PlaceKey, u8, u32)]| -> Vec<SourceSpec> {
            places
                .iter()
                .map(|(p, l, v)| w.spec(p, None, *l, *v))
                .collect()
        };
        let mut e = Engine::new(config);
        let first = specs(&mut w, &places);
        e.request(first, Goal::All, true);
        let mut rounds = 0;
        loop {
            let k = w.rng.range(1, 40);
            let mut steps = 0;
            w.run_while(&mut e, |_, _| {
                steps += 1;
                steps <= k
            });
            if w.rng.range(0, 1) == 0 {
                e.stop();
                stops += 1;
            }
            w.run(&mut e);
            w.check(&e);
            let shown: Vec<_> = e.shown_sources().map(|(_, s)| s.state.clone()).collect();
            if shown.len() == n && shown.iter().all(|s| *s == SourceState::Done) {
                break;
            }
            // Fresh credentials where they expired (the engine said so with a
            // SourceFailed, or a PendingFailed if no page had come), then Load all again.
            for (p, _, version) in &mut places {
                if w.expired_keys.contains(&format!("AKIA{}V{version}", p.2)) {
                    *version += 1;
                    refreshed += 1;
                }
            }
            let again = specs(&mut w, &places);
            e.request(again, Goal::All, false);
            rounds += 1;
            assert!(rounds < 500, "seed {seed}: never finished");
        }
        let ids: Vec<SourceId> = e.shown_sources().map(|(id, _)| id).collect();
        for (id, (p, limit, _)) in ids.iter().zip(&places) {
            w.assert_loaded(&e, *id, p, None, usize::from(*limit));
        }
        assert_eq!(
            e.generation(),
            1,
            "seed {seed}: one listing from start to end"
        );
        assert!(w.peak_in_flight <= 4);
        totals.rounds += rounds;
        totals.stops += stops;
        totals.refreshed += refreshed;
        totals.aborts += w.aborts.len();
        totals.late += w.late_answers;
        totals.faults += w
            .calls
            .values()
            .flatten()
            .filter(|c| matches!(c.answer, Answer::Fault(_)))
            .count();
    }
    eprintln!("{seeds} seeds: {totals:?}");
    // The run really went through all of it.
    assert!(
        totals.rounds > 20
            && totals.stops > 20
            && totals.refreshed > 3
            && totals.aborts > 100
            && totals.late > 100
            && totals.faults > 100,
        "{totals:?}"
    );
}

/// Like [`chaos_across_seeds`], but the user also changes, at random moments,
/// the query (all tables ↔ one table, by List) and the target (another
/// region, by Load all) of random sources. Whatever listing ends shown must be
/// exactly the last one asked for, and no cursor may ever reach a target or
/// query that did not issue it; the rate limit holds per account and region
/// across every listing that called it.
#[test]
fn chaos_with_query_and_target_switches() {
    let seeds = std::env::var("ENGINE_SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16u64);
    let mut replaced = 0;
    for seed in 0..seeds {
        let config = EngineConfig {
            max_in_flight: 3,
            timeout_ms: 4_000.0,
            ..EngineConfig::default()
        };
        let mut w = World::new(5000 + seed, &config);
        w.latency = (10, 4_500);
        let n = w.rng.range(1, 6) as usize;
        // Per source: two places (regions) of one account.
        let mut homes = Vec::new();
        for i in 0..n {
            let account = format!("96000000{seed:02}{i:02}");
            let mut pair = Vec::new();
            for region in ["us-east-1", "eu-west-1"] {
                let size = w.rng.range(0, 200) as usize;
                let p = w.add_place(None, region, &account, size);
                for call in 1..=400 {
                    match w.rng.range(0, 99) {
                        0 => w.place(&p).faults.insert(call, Fault::ExpiredToken),
                        1..=10 => w.place(&p).faults.insert(call, Fault::Throttle),
                        11..=14 => w.place(&p).faults.insert(call, Fault::Timeout),
                        _ => None,
                    };
                }
                pair.push(p);
            }
            homes.push(pair);
        }
        // (region variant, one table only, key version) per source.
        let mut choice: Vec<(usize, bool, u32)> = vec![(0, false, 0); n];
        let build = |w: &mut World, choice: &[(usize, bool, u32)]| -> Vec<SourceSpec> {
            choice
                .iter()
                .zip(&homes)
                .map(|(&(r, one, v), pair)| w.spec(&pair[r], one.then_some("orders"), 15, v))
                .collect()
        };
        let mut e = Engine::new(config);
        let first = build(&mut w, &choice);
        e.request(first, Goal::All, true);
        for round in 0..400 {
            let k = w.rng.range(1, 30);
            let mut steps = 0;
            w.run_while(&mut e, |_, _| {
                steps += 1;
                steps <= k
            });
            // Fresh credentials wherever they expired.
            for (i, (r, _, version)) in choice.iter_mut().enumerate() {
                let account = &homes[i][*r].2;
                if w.expired_keys.contains(&format!("AKIA{account}V{version}")) {
                    *version += 1;
                }
            }
            let settle = round >= 12;
            let fresh = if !settle && w.rng.range(0, 2) == 0 {
                let i = w.rng.range(0, n as u64 - 1) as usize;
                if w.rng.range(0, 1) == 0 {
                    choice[i].0 ^= 1; // another region: Load all
                    false
                } else {
                    choice[i].1 = !choice[i].1; // another query: List
                    true
                }
            } else {
                false
            };
            if settle {
                w.run(&mut e);
            }
            let specs = build(&mut w, &choice);
            let shown_matches = e.shown_sources().count() == n
                && e.shown_sources()
                    .zip(&specs)
                    .all(|((id, _), s)| e.spec(id).unwrap().same_listing(s));
            if settle
                && shown_matches
                && !e.is_pending()
                && e.shown_sources().all(|(_, s)| s.state == SourceState::Done)
            {
                break;
            }
            e.request(specs, Goal::All, fresh);
            assert!(round < 399, "seed {seed}: never settled");
        }
        w.run(&mut e);
        w.check(&e);
        let ids: Vec<SourceId> = e.shown_sources().map(|(id, _)| id).collect();
        for (i, id) in ids.iter().enumerate() {
            let (r, one, _) = choice[i];
            w.assert_loaded(&e, *id, &homes[i][r], one.then_some("orders"), 15);
        }
        let total: usize = ids.iter().map(|id| e.source(*id).unwrap().rows).sum();
        assert_eq!(e.rows().len(), total, "no row of an earlier listing");
        replaced += e.generation();
    }
    assert!(replaced > seeds, "switches happened: {replaced}");
}

/// Forty sources (10 accounts × 4 regions) signed by assumed roles: one
/// role could not be assumed (its sources start blocked and send nothing),
/// one role's credentials are renewed mid-run (the old key then expires and is
/// never used again), and the blocked role succeeds on retry: every source
/// ends with exactly its backups, each account and region paced on its own.
#[test]
fn forty_role_sources_with_a_blocked_role_and_a_renewal() {
    let config = EngineConfig::default();
    let mut w = World::new(40, &config);
    let regions = ["us-east-1", "eu-west-1", "eu-south-2", "ap-southeast-2"];
    let mut places = Vec::new();
    for a in 0..10 {
        for r in regions {
            let account = format!("3000000000{a:02}");
            let n = w.rng.range(50, 400) as usize;
            places.push(w.add_place(None, r, &account, n));
        }
    }
    let role = |p: &PlaceKey| format!("arn:aws:iam::{}:role/BackupLensViewer", p.2);
    let denied = role(&places[8]); // account 2's role
    let denial = backup_lens::core::error::ApiError::new(
        ErrorKind::Identity,
        403,
        Some("AccessDenied".into()),
        "Could not assume the role",
    );
    let specs: Vec<SourceSpec> = places
        .iter()
        .map(|p| {
            let mut s = w.spec(p, None, 100, 0);
            s.target.principal = role(p);
            s.account = Some(p.2.clone());
            if s.target.principal == denied {
                s.blocked = Some(denial.clone());
                s.target.credentials = Credentials::default();
            }
            s
        })
        .collect();
    let mut e = Engine::new(config);
    e.request(specs, Goal::All, true);
    // Half a second in, the role of account 5 is renewed: a new key, the old one expires.
    let renewed = role(&places[20]);
    w.run_while(&mut e, |_, w| w.mono < 1500.0);
    let fresh = w.spec(&places[20], None, 100, 1).target.credentials;
    let old = format!("AKIA{}V0", places[20].2);
    assert_eq!(
        e.set_credentials(&renewed, &fresh),
        4,
        "every region of that account"
    );
    w.expired_keys.insert(old);
    w.run(&mut e);
    w.check(&e);
    let ids = source_ids(&e);
    assert_eq!(ids.len(), 40);
    for (id, p) in ids.iter().zip(&places) {
        if role(p) == denied {
            assert!(
                matches!(state(&e, *id), SourceState::Error(ref err) if err.kind == ErrorKind::Identity)
            );
            assert!(w.calls(p).is_empty(), "a blocked source sends nothing");
            assert!(
                !e.retry_source(*id),
                "retry of a blocked source waits for its role"
            );
        } else {
            w.assert_loaded(&e, *id, p, None, 100);
            assert_eq!(
                e.source(*id).unwrap().account.as_deref(),
                Some(p.2.as_str())
            );
        }
    }
    for p in &places {
        assert!(
            w.calls(p)
                .iter()
                .all(|c| !matches!(c.answer, Answer::Refused(ref why) if why == "expired")),
            "the renewed key replaced the old one before it expired ({p:?})"
        );
    }
    // The role is assumed on retry: its four sources load, the others stay as they are.
    let granted = w.spec(&places[8], None, 100, 0).target.credentials;
    assert_eq!(e.set_credentials(&denied, &granted), 4);
    w.run(&mut e);
    w.check(&e);
    for (id, p) in ids.iter().zip(&places) {
        w.assert_loaded(&e, *id, p, None, 100);
    }
    assert_eq!(e.generation(), 1, "one listing throughout");
}

/// A listing whose every source is blocked sends nothing and fails at once,
/// leaving the shown rows as they were.
#[test]
fn a_listing_of_only_blocked_sources_fails_without_a_request() {
    let config = EngineConfig::default();
    let mut w = World::new(41, &config);
    let a = w.add_place(None, "us-east-1", "400000000001", 30);
    let mut e = Engine::new(config);
    e.request(vec![w.spec(&a, None, 10, 0)], Goal::All, true);
    w.run(&mut e);
    let mut blocked = w.spec(&a, None, 10, 0);
    blocked.target.principal = "arn:aws:iam::400000000002:role/x".into();
    blocked.blocked = Some(backup_lens::core::error::ApiError::new(
        ErrorKind::Identity,
        403,
        None,
        "no",
    ));
    e.request(vec![blocked], Goal::All, true);
    w.run(&mut e);
    assert_eq!(e.rows().len(), 30, "the shown rows stay");
    assert!(w.events.iter().any(
        |ev| matches!(ev, Event::PendingFailed { error, .. } if error.kind == ErrorKind::Identity)
    ));
    assert_eq!(w.calls(&a).len(), 3, "nothing sent for the blocked listing");
}
