//! The listing engine: many ListBackups listings (one per *source*: endpoint,
//! region, credentials and query) driven as one pure state machine, in the
//! shape of `quinn_proto::Connection`.
//!
//! Nothing here performs I/O or reads a clock. The edge
//!
//! - tells the engine what the user asked for ([`Engine::request`],
//!   [`Engine::stop`], [`Engine::retry_source`]);
//! - calls [`Engine::poll`] with the monotonic and wall clocks until it answers
//!   [`Action::WakeAt`] or [`Action::Idle`], performing each [`Action::Send`]
//!   (sign with [`Engine::target`] at `sign_at_ms`, fetch) and each
//!   [`Action::Abort`] (cancel that fetch);
//! - hands every answer back with [`Engine::handle`], then polls again;
//! - when the wake time comes, polls again.
//!
//! Per source the engine keeps the cursor, the rate gate (5 calls per 1.1 s,
//! monotonic time), the retry state and the clock offset learnt from a
//! "Signature expired" answer. Up to [`EngineConfig::max_in_flight`] requests
//! are in flight at once, never two for one source. Every request has a
//! deadline: `poll` notices it passed, tells the edge to abort, and counts it as
//! a network failure. Answers to requests the engine no longer waits for
//! (aborted, stopped, superseded) are ignored.
//!
//! Two listings may exist: the *current* one, whose rows are shown, and a
//! *pending* one (a new query or target), which replaces the current one when
//! its first page arrives. A pending listing that fails before any page is
//! dropped and the shown rows stay as they were.

use std::collections::{HashMap, HashSet, VecDeque};

use super::endpoint::Endpoint;
use super::error::{ApiError, ErrorKind};
use super::query::Query;
use super::rate::{RateGate, CALLS_PER_WINDOW};
use super::response::{BackupSummary, Page};
use super::retry::{Attempts, Decision, RetryPolicy};
use super::rows::{Cursor, Row};
use super::sign::Credentials;

/// Why a ready source waits for the rate gate.
pub const PACING: &str = "pacing requests under DynamoDB's 5 calls per second";

/// The message of the network error a passed deadline counts as.
const NO_ANSWER: &str = "no answer within";

/// Timers are compared with this slack (ms), so a wake time computed as
/// `now + wait` is never judged a hair too early by floating point.
const SLACK_MS: f64 = 0.001;

/// One listing source, unique for the life of an [`Engine`] (never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// One request sent for a source, unique for the life of an [`Engine`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// Where a source's requests go and how they are signed.
#[derive(Clone, Debug)]
pub struct Target {
    pub endpoint: Endpoint,
    pub region: String,
    /// Whose credentials sign: [`HOME`] (the pasted ones) or an assumed
    /// role's ARN. Renewed credentials replace those of every source with the
    /// same principal ([`Engine::set_credentials`]).
    pub principal: String,
    pub credentials: Credentials,
}

/// The principal of the pasted credentials.
pub const HOME: &str = "home";

impl Target {
    /// Same endpoint, region and principal (credentials aside): the same
    /// account's data on the same server, whose cursors, clock and rate limit
    /// are valid for both.
    pub fn same_place(&self, other: &Target) -> bool {
        self.endpoint == other.endpoint
            && self.region == other.region
            && self.principal == other.principal
    }
}

/// One source of a listing, as the UI describes it.
#[derive(Clone, Debug)]
pub struct SourceSpec {
    pub target: Target,
    pub query: Query,
    /// Shown next to the source's status, e.g. "prod · eu-west-1".
    pub label: String,
    /// The account id, when known before any backup arrives (a role's ARN, or
    /// GetCallerIdentity); otherwise read from the first backup ARN.
    pub account: Option<String>,
    /// The source cannot be listed yet (its role could not be assumed): it
    /// starts in [`SourceState::Error`] with this error and sends nothing until
    /// [`Engine::set_credentials`] gives its principal credentials.
    pub blocked: Option<ApiError>,
}

impl SourceSpec {
    /// Whether a listing of `self` can be continued for `other` (credentials may differ).
    pub fn same_listing(&self, other: &SourceSpec) -> bool {
        self.target.same_place(&other.target) && self.query == other.query
    }
}

/// Tunables; [`Default`] is what the app uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EngineConfig {
    /// Requests in flight at once over all sources (at least 1).
    pub max_in_flight: usize,
    /// A request without an answer after this long is aborted and retried.
    pub timeout_ms: f64,
    pub policy: RetryPolicy,
    /// A learnt clock offset is clamped to ± this.
    pub max_clock_offset_ms: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_in_flight: 6,
            timeout_ms: 30_000.0,
            policy: RetryPolicy::default(),
            max_clock_offset_ms: 24.0 * 3600.0 * 1000.0,
        }
    }
}

/// What the user asked of the sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// One more page from each source that has more.
    OnePage,
    /// Every remaining page.
    All,
}

/// A request for the edge to sign and send.
#[derive(Clone, Debug, PartialEq)]
pub struct Send {
    pub id: RequestId,
    pub source: SourceId,
    /// The ListBackups JSON body.
    pub body: String,
    /// Sign at this time (epoch ms): the wall clock plus the source's clock offset.
    pub sign_at_ms: f64,
    /// Monotonic ms after which the engine gives up on this request.
    pub deadline_ms: f64,
}

/// What the edge should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Sign and send this request; hand its answer to [`Engine::handle`].
    Send(Send),
    /// Cancel this request if it is still running; its answer is ignored anyway.
    Abort(RequestId),
    /// Nothing more now: poll again at this monotonic time, or when an answer arrives.
    WakeAt(f64),
    /// Nothing to do until the user asks for something (or an answer arrives).
    Idle,
}

/// What came back for a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Page(Page),
    Failed(ApiError),
}

/// Where one source stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceState {
    /// Ready to send; waiting for a free slot (the in-flight cap).
    Queued,
    /// A request is in flight.
    Loading,
    /// Will send (the same cursor) at monotonic time `until`: after a retryable
    /// failure, or pacing under the rate limit (`why` == [`PACING`]).
    Waiting { why: String, until: f64 },
    /// All results are in.
    Done,
    /// More results exist; nothing asked for now (after Load more).
    Idle,
    /// Stopped by the user (or superseded by a new listing); the cursor is kept.
    Stopped,
    /// Stopped by an error that a retry alone does not cure; the cursor is kept.
    Error(ApiError),
}

impl SourceState {
    /// Queued, loading or waiting.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            SourceState::Queued | SourceState::Loading | SourceState::Waiting { .. }
        )
    }
}

/// What the UI shows for one source.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceStatus {
    pub label: String,
    pub state: SourceState,
    /// Pages applied.
    pub pages: u32,
    /// Backups from this source among the rows (one per BackupArn).
    pub rows: usize,
    /// Their `BackupSizeBytes`, summed (saturating).
    pub bytes: u64,
    /// Server clock minus this computer's, ms (0 until learnt).
    pub clock_offset_ms: f64,
    /// True until the last page is in.
    pub has_more: bool,
    /// The account listed: from the spec, else from the first backup ARN.
    pub account: Option<String>,
    /// The region listed.
    pub region: String,
}

/// Things the UI may want to tell the user once; see [`Engine::take_events`].
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// The pending listing got its first page and is now the shown one:
    /// [`Engine::rows`] holds only its rows ([`Engine::generation`] bumped).
    Replaced,
    /// A source's clock offset was learnt from a "Signature expired" answer.
    /// `clamped`: the server's time was further off than the configured maximum.
    ClockCorrected {
        source: SourceId,
        offset_ms: f64,
        clamped: bool,
    },
    /// A source of the shown listing stopped on an error. `rows_kept` of its
    /// backups stay; `resumable` means it had pages and more remain, so Load
    /// all (or [`Engine::retry_source`]) continues at the failed page.
    SourceFailed {
        source: SourceId,
        label: String,
        /// The access key id the failed request was signed with (an
        /// ExpiredToken is about this key, whatever the form holds now).
        access_key_id: String,
        error: ApiError,
        rows_kept: usize,
        resumable: bool,
    },
    /// A new listing failed before any page: it is dropped and the shown rows
    /// are unchanged. `error` is that of its first source; the message must not
    /// speak of resuming (nothing of it was shown).
    PendingFailed {
        error: ApiError,
        /// Every source's error, in order, with its label.
        errors: Vec<(String, ApiError)>,
        /// The access key id of the first failed source (the one `error` is from).
        access_key_id: String,
    },
}

/// A request in flight.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    id: RequestId,
    deadline_ms: f64,
}

/// The rate gate, plus the start times behind it so that a new listing on the
/// same account and region can inherit them (the server counts per account and
/// region, not per listing).
#[derive(Clone, Debug, Default)]
struct Pace {
    gate: RateGate,
    starts: VecDeque<f64>,
}

impl Pace {
    fn wait_ms(&self, now_ms: f64) -> f64 {
        self.gate.wait_ms(now_ms)
    }

    fn record(&mut self, now_ms: f64) {
        self.gate.record(now_ms);
        self.starts.push_back(now_ms);
        while self.starts.len() > CALLS_PER_WINDOW {
            self.starts.pop_front();
        }
    }

    /// A gate that holds the most recent starts of all of `paces` (conservative:
    /// different accounts in one region would share it for one window only).
    fn merged<'a>(paces: impl Iterator<Item = &'a Pace>) -> Pace {
        let mut starts: Vec<f64> = paces.flat_map(|p| p.starts.iter().copied()).collect();
        crate::core::sort::by(&mut starts, f64::total_cmp);
        let mut pace = Pace::default();
        for t in starts {
            pace.record(t);
        }
        pace
    }
}

/// One source: its spec, cursor, gate, retry state and rows bookkeeping.
#[derive(Debug)]
struct Source {
    id: SourceId,
    spec: SourceSpec,
    status: SourceStatus,
    cursor: Cursor,
    /// Every cursor adopted in this listing: a repeat means a loop.
    seen: HashSet<String>,
    pace: Pace,
    attempts: Attempts,
    goal: Option<Goal>,
    in_flight: Option<InFlight>,
    /// Row index by key, within the listing's rows.
    index: HashMap<String, usize>,
    unnamed: u64,
}

impl Source {
    fn new(id: SourceId, spec: SourceSpec, pace: Pace, offset_ms: f64, goal: Goal) -> Self {
        let blocked = spec.blocked.clone();
        let mut source = Source {
            id,
            status: SourceStatus {
                label: spec.label.clone(),
                state: SourceState::Queued,
                pages: 0,
                rows: 0,
                bytes: 0,
                clock_offset_ms: offset_ms,
                has_more: true,
                account: spec.account.clone(),
                region: spec.target.region.clone(),
            },
            spec,
            cursor: Cursor::Start,
            seen: HashSet::new(),
            pace,
            attempts: Attempts::new(),
            goal: Some(goal),
            in_flight: None,
            index: HashMap::new(),
            unnamed: 0,
        };
        if let Some(e) = blocked {
            source.status.state = SourceState::Error(e);
        }
        source
    }

    fn start(&self) -> Option<&str> {
        match &self.cursor {
            Cursor::After(arn) => Some(arn),
            _ => None,
        }
    }

    fn has_more(&self) -> bool {
        !matches!(self.cursor, Cursor::Done)
    }

    /// Ends any activity: the in-flight request (returned, to abort) and any wait.
    fn halt(&mut self) -> Option<RequestId> {
        self.goal = None;
        if self.status.state.is_busy() {
            self.status.state = SourceState::Stopped;
        }
        self.in_flight.take().map(|f| f.id)
    }

    /// Asks for `goal`: idle, stopped and failed sources start again (fresh
    /// attempts, same cursor); busy ones keep going with the new goal.
    fn want(&mut self, goal: Goal) {
        if !self.has_more() {
            return;
        }
        self.goal = Some(goal);
        if let Some(e) = &self.spec.blocked {
            // No credentials to sign with yet: it stays failed (and keeps the goal).
            self.status.state = SourceState::Error(e.clone());
            return;
        }
        if !self.status.state.is_busy() {
            self.attempts = Attempts::new();
            self.status.state = SourceState::Queued;
        }
    }
}

/// A set of sources and the rows they loaded.
#[derive(Debug, Default)]
struct Listing {
    sources: Vec<Source>,
    rows: Vec<Row>,
    pages: u32,
}

impl Listing {
    fn matches(&self, specs: &[SourceSpec]) -> bool {
        self.sources.len() == specs.len()
            && self
                .sources
                .iter()
                .zip(specs)
                .all(|(s, spec)| s.spec.same_listing(spec))
    }

    fn has_more(&self) -> bool {
        self.sources.iter().any(Source::has_more)
    }

    fn busy(&self) -> bool {
        self.sources.iter().any(|s| s.status.state.is_busy())
    }

    fn in_flight(&self) -> usize {
        self.sources
            .iter()
            .filter(|s| s.in_flight.is_some())
            .count()
    }

    /// Continues with `specs` (which match): fresh credentials and labels in place.
    fn resume(&mut self, specs: Vec<SourceSpec>, goal: Goal) {
        for (s, spec) in self.sources.iter_mut().zip(specs) {
            s.status.label.clone_from(&spec.label);
            s.spec = spec;
            s.want(goal);
        }
    }

    fn halt(&mut self, aborts: &mut VecDeque<RequestId>) {
        aborts.extend(self.sources.iter_mut().filter_map(Source::halt));
    }

    /// Takes in the recent call starts of `dropped`'s sources at the same
    /// places: the server still counts them when this listing goes on.
    fn absorb_paces(&mut self, dropped: &Listing) {
        for s in &mut self.sources {
            let same = dropped
                .sources
                .iter()
                .filter(|d| d.spec.target.same_place(&s.spec.target));
            s.pace = Pace::merged(std::iter::once(&s.pace).chain(same.map(|d| &d.pace)));
        }
    }

    /// Adds a page's summaries to the rows of source `i`; returns how many rows changed in place.
    fn add_rows(&mut self, i: usize, summaries: Vec<BackupSummary>) -> u64 {
        let src = &mut self.sources[i];
        let mut changed = 0u64;
        for summary in summaries {
            let key = match &summary.backup_arn {
                Some(arn) => arn.clone(),
                None => {
                    src.unnamed = src.unnamed.saturating_add(1);
                    format!("(no BackupArn) #{}", src.unnamed)
                }
            };
            let size = summary.backup_size_bytes.unwrap_or(0);
            match src.index.get(&key) {
                // Seen on an earlier page: one row, with the newest data.
                Some(&at) => {
                    let row = &mut self.rows[at];
                    if row.summary != summary {
                        let old = row.summary.backup_size_bytes.unwrap_or(0);
                        src.status.bytes =
                            src.status.bytes.saturating_sub(old).saturating_add(size);
                        let updates = row.updates.wrapping_add(1);
                        *row = Row::from_source(src.id.0, key, summary);
                        row.updates = updates;
                        changed = changed.saturating_add(1);
                    }
                }
                None => {
                    if src.status.account.is_none() {
                        src.status.account = arn_account(&key).map(str::to_owned);
                    }
                    src.index.insert(key.clone(), self.rows.len());
                    self.rows.push(Row::from_source(src.id.0, key, summary));
                    src.status.rows = src.status.rows.saturating_add(1);
                    src.status.bytes = src.status.bytes.saturating_add(size);
                }
            }
        }
        changed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Current,
    Pending,
}

/// The listing engine. See the module documentation for the protocol.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    /// The shown listing.
    current: Option<Listing>,
    /// A new listing, shown once its first page arrives.
    pending: Option<Listing>,
    aborts: VecDeque<RequestId>,
    events: Vec<Event>,
    next_request: u64,
    next_source: u32,
    generation: u64,
    revision: u64,
    /// Round-robin start for handing out free slots.
    turn: usize,
    /// Jitter for failures the engine notices itself (timeouts), stirred by
    /// every random number the edge passes in.
    entropy: u64,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let defaults = EngineConfig::default();
        let positive = |v: f64, d: f64| if v > 0.0 { v } else { d };
        let config = EngineConfig {
            max_in_flight: config.max_in_flight.max(1),
            timeout_ms: positive(config.timeout_ms, defaults.timeout_ms),
            policy: config.policy,
            max_clock_offset_ms: if config.max_clock_offset_ms >= 0.0 {
                config.max_clock_offset_ms
            } else {
                defaults.max_clock_offset_ms
            },
        };
        Engine {
            config,
            current: None,
            pending: None,
            aborts: VecDeque::new(),
            events: Vec::new(),
            next_request: 0,
            next_source: 0,
            generation: 0,
            revision: 0,
            turn: 0,
            entropy: 0x9e37_79b9_7f4a_7c15,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    // ----- what the user asks -------------------------------------------

    /// List / Load more / Load all. Unless `fresh`, a listing for the same
    /// sources (same places and queries, in order) is continued with `goal`,
    /// its credentials and labels replaced in place: the pending listing if it
    /// matches, else the shown one if it matches and has more. Anything else
    /// starts a new pending listing (the shown rows stay until its first page).
    /// An empty `sources` stops everything.
    pub fn request(&mut self, sources: Vec<SourceSpec>, goal: Goal, fresh: bool) {
        if sources.is_empty() {
            self.stop();
            return;
        }
        if !fresh {
            if let Some(pending) = self.pending.as_mut().filter(|l| l.matches(&sources)) {
                pending.resume(sources, goal);
                return;
            }
            if let Some(current) = self
                .current
                .as_mut()
                .filter(|l| l.matches(&sources) && l.has_more())
            {
                current.resume(sources, goal);
                if let Some(mut pending) = self.pending.take() {
                    pending.halt(&mut self.aborts);
                    current.absorb_paces(&pending);
                }
                return;
            }
        }
        // A new listing: whatever ran stops; its answers will be ignored.
        let mut old: Vec<Listing> = Vec::new();
        if let Some(mut pending) = self.pending.take() {
            pending.halt(&mut self.aborts);
            old.push(pending);
        }
        if let Some(current) = self.current.as_mut() {
            current.halt(&mut self.aborts);
        }
        let old_sources: Vec<&Source> = old
            .iter()
            .chain(self.current.as_ref())
            .flat_map(|l| l.sources.iter())
            .collect();
        let mut new = Listing::default();
        for spec in sources {
            let same: Vec<&&Source> = old_sources
                .iter()
                .filter(|s| s.spec.target.same_place(&spec.target))
                .collect();
            // Same server: its recent calls still count against the limit, and
            // its clock is the one we learnt. Another place starts afresh.
            let pace = Pace::merged(same.iter().map(|s| &s.pace));
            let offset = same
                .iter()
                .map(|s| s.status.clock_offset_ms)
                .find(|&o| o != 0.0)
                .unwrap_or(0.0);
            let id = SourceId(self.next_source);
            self.next_source = self.next_source.wrapping_add(1);
            new.sources.push(Source::new(id, spec, pace, offset, goal));
        }
        if new.busy() {
            self.pending = Some(new);
        } else {
            // Every source is blocked: nothing can be sent, the shown rows stay.
            self.pending = Some(new);
            if let Some(pending) = self.pending.take() {
                self.fail_pending(pending);
            }
        }
    }

    /// Gives every source of `principal` new credentials (renewed or just
    /// assumed): requests signed from now on use them. Sources that were
    /// blocked waiting for them are unblocked and, if they have a goal, start
    /// again at their cursor. Returns how many sources were changed.
    pub fn set_credentials(&mut self, principal: &str, credentials: &Credentials) -> usize {
        let mut changed = 0;
        for l in self.current.iter_mut().chain(self.pending.iter_mut()) {
            for s in &mut l.sources {
                if s.spec.target.principal != principal {
                    continue;
                }
                changed += 1;
                s.spec.target.credentials = credentials.clone();
                if s.spec.blocked.take().is_some() {
                    if let Some(goal) = s.goal {
                        s.want(goal);
                    }
                }
            }
        }
        changed
    }

    /// The account of `principal` became known (GetCallerIdentity): sources
    /// that had not read it from a backup ARN yet take it.
    pub fn set_account(&mut self, principal: &str, account: &str) {
        for l in self.current.iter_mut().chain(self.pending.iter_mut()) {
            for s in &mut l.sources {
                if s.spec.target.principal == principal {
                    s.spec.account = Some(account.to_owned());
                    s.status.account.get_or_insert_with(|| account.to_owned());
                }
            }
        }
    }

    /// Sources of the active listing signed by `principal` that stopped on
    /// an expired token: to retry once the role is renewed.
    pub fn expired_sources(&self, principal: &str) -> Vec<SourceId> {
        self.active()
            .into_iter()
            .flat_map(|l| l.sources.iter())
            .filter(|s| {
                s.spec.target.principal == principal
                    && matches!(&s.status.state, SourceState::Error(e) if e.kind == ErrorKind::ExpiredToken)
            })
            .map(|s| s.id)
            .collect()
    }

    /// Blocks every source of `principal` with `error` (its role can no longer
    /// be assumed): busy ones stop, and nothing more is signed for them until
    /// [`Self::set_credentials`].
    pub fn block(&mut self, principal: &str, error: &ApiError) {
        for l in self.current.iter_mut().chain(self.pending.iter_mut()) {
            for s in &mut l.sources {
                if s.spec.target.principal != principal {
                    continue;
                }
                let goal = s.goal;
                if let Some(id) = s.halt() {
                    self.aborts.push_back(id);
                }
                s.goal = goal;
                s.spec.blocked = Some(error.clone());
                s.spec.target.credentials = Credentials::default();
                if s.has_more() {
                    s.status.state = SourceState::Error(error.clone());
                }
            }
        }
    }

    /// Stops every source at once. Answers still on their way are ignored; the
    /// shown rows and every cursor stay, so a later [`Self::request`] with the
    /// same sources resumes. A pending listing (no page yet) is dropped.
    pub fn stop(&mut self) {
        if let Some(current) = self.current.as_mut() {
            current.halt(&mut self.aborts);
        }
        if let Some(pending) = self.pending.take() {
            self.drop_pending(pending);
        }
    }

    /// Stops everything and drops every source's credentials (the user pressed
    /// Forget): nothing more is signed with them, and they leave memory. Rows
    /// and cursors stay; Load more / Load all with fresh credentials resume.
    pub fn forget_credentials(&mut self) {
        self.stop();
        for l in self.current.iter_mut().chain(self.pending.iter_mut()) {
            for s in &mut l.sources {
                s.spec.target.credentials = Credentials::default();
            }
        }
    }

    /// Retries one failed (or stopped) source of the active listing alone, at
    /// its cursor, with the goal it had (one page if it had none). Returns
    /// false when there is no such source or nothing to retry.
    pub fn retry_source(&mut self, s: SourceId) -> bool {
        let Some(listing) = self.active_mut() else {
            return false;
        };
        let Some(src) = listing.sources.iter_mut().find(|x| x.id == s) else {
            return false;
        };
        if !matches!(
            src.status.state,
            SourceState::Error(_) | SourceState::Stopped
        ) || !src.has_more()
            || src.spec.blocked.is_some()
        {
            return false;
        }
        let goal = src.goal.unwrap_or(Goal::OnePage);
        src.want(goal);
        true
    }

    // ----- driving ------------------------------------------------------

    /// What to do next at monotonic time `mono_ms` (wall clock `wall_ms`, epoch
    /// ms, used only to sign). Call repeatedly until it answers `WakeAt` or `Idle`.
    pub fn poll(&mut self, mono_ms: f64, wall_ms: f64) -> Action {
        if let Some(id) = self.aborts.pop_front() {
            return Action::Abort(id);
        }
        let Some(slot) = self.active_slot() else {
            return Action::Idle;
        };
        // A deadline passed: abort, and count it as a network failure.
        let late = self.listing(slot).and_then(|l| {
            l.sources.iter().position(|s| {
                s.in_flight
                    .is_some_and(|f| f.deadline_ms <= mono_ms + SLACK_MS)
            })
        });
        if let Some(i) = late {
            let id = self
                .listing_mut(slot)
                .and_then(|l| l.sources[i].in_flight.take());
            let error = ApiError::network(&format!(
                "{NO_ANSWER} {} s",
                super::format::compact_num(self.config.timeout_ms / 1000.0)
            ));
            let random = self.next_random();
            self.fail(slot, i, &error, mono_ms, wall_ms, random);
            if let Some(f) = id {
                return Action::Abort(f.id);
            }
        }
        let cap = self.config.max_in_flight;
        let timeout = self.config.timeout_ms;
        let turn = self.turn;
        let request = RequestId(self.next_request);
        let Some(listing) = self.listing_mut(slot) else {
            return Action::Idle;
        };
        for s in &mut listing.sources {
            if let SourceState::Waiting { until, .. } = s.status.state {
                if until <= mono_ms + SLACK_MS {
                    s.status.state = SourceState::Queued;
                }
            }
        }
        let n = listing.sources.len();
        let mut sent = None;
        if listing.in_flight() < cap {
            for k in 0..n {
                let i = (turn + k) % n;
                let s = &mut listing.sources[i];
                if s.status.state != SourceState::Queued {
                    continue;
                }
                let wait = s.pace.wait_ms(mono_ms);
                if wait > SLACK_MS {
                    s.status.state = SourceState::Waiting {
                        why: PACING.to_owned(),
                        until: mono_ms + wait,
                    };
                    continue;
                }
                s.pace.record(mono_ms);
                let deadline_ms = mono_ms + timeout;
                s.in_flight = Some(InFlight {
                    id: request,
                    deadline_ms,
                });
                s.status.state = SourceState::Loading;
                sent = Some((
                    i,
                    Send {
                        id: request,
                        source: s.id,
                        body: s.spec.query.body(s.start()),
                        sign_at_ms: wall_ms + s.status.clock_offset_ms,
                        deadline_ms,
                    },
                ));
                break;
            }
        }
        if let Some((i, send)) = sent {
            self.turn = (i + 1) % n.max(1);
            self.next_request = self.next_request.wrapping_add(1);
            return Action::Send(send);
        }
        let wake = listing
            .sources
            .iter()
            .filter_map(|s| match (&s.in_flight, &s.status.state) {
                (Some(f), _) => Some(f.deadline_ms),
                (None, SourceState::Waiting { until, .. }) => Some(*until),
                _ => None,
            })
            .reduce(f64::min);
        match wake {
            Some(t) => Action::WakeAt(t),
            None => Action::Idle,
        }
    }

    /// The answer to request `id`, at monotonic `mono_ms` and wall `wall_ms`;
    /// `random` is uniform in `[0, 1)` (for backoff jitter). Answers to
    /// requests the engine no longer waits for are ignored.
    pub fn handle(
        &mut self,
        id: RequestId,
        outcome: Outcome,
        mono_ms: f64,
        wall_ms: f64,
        random: f64,
    ) {
        self.stir(random);
        let Some((mut slot, i)) = self.locate(id) else {
            return; // aborted, stopped or superseded: a late answer
        };
        if let Some(l) = self.listing_mut(slot) {
            l.sources[i].in_flight = None;
        }
        match outcome {
            Outcome::Page(page) => {
                if slot == Slot::Pending {
                    self.promote();
                    slot = Slot::Current;
                }
                self.apply(slot, i, page);
            }
            Outcome::Failed(error) => self.fail(slot, i, &error, mono_ms, wall_ms, random),
        }
    }

    // ----- what the UI reads ------------------------------------------

    /// The target of a source (pending or shown), for signing its [`Send`].
    pub fn target(&self, s: SourceId) -> Option<&Target> {
        self.find(s).map(|src| &src.spec.target)
    }

    /// The spec of a source (pending or shown).
    pub fn spec(&self, s: SourceId) -> Option<&SourceSpec> {
        self.find(s).map(|src| &src.spec)
    }

    /// The status of a source (pending or shown).
    pub fn source(&self, s: SourceId) -> Option<&SourceStatus> {
        self.find(s).map(|src| &src.status)
    }

    /// The shown rows: every source of the current listing, in arrival order,
    /// one per `(source, BackupArn)`.
    pub fn rows(&self) -> &[Row] {
        self.current.as_ref().map_or(&[], |l| &l.rows)
    }

    /// Bumps whenever the shown row set is replaced (a new listing's first page).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Bumps whenever a shown row changes in place (a later page updating a
    /// backup); appending rows does not bump it.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Pages applied to the shown listing, all sources together.
    pub fn pages(&self) -> u32 {
        self.current.as_ref().map_or(0, |l| l.pages)
    }

    /// True when a source of the shown listing has more results.
    pub fn has_more(&self) -> bool {
        self.current.as_ref().is_some_and(Listing::has_more)
    }

    /// True while any source is queued, loading or waiting.
    pub fn busy(&self) -> bool {
        self.pending.as_ref().is_some_and(Listing::busy)
            || self.current.as_ref().is_some_and(Listing::busy)
    }

    /// True while a new listing is being fetched behind the shown rows.
    pub fn is_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The sources of the active listing, in the order they were given: the
    /// pending listing while there is one, else the shown one.
    pub fn sources(&self) -> impl Iterator<Item = (SourceId, &SourceStatus)> {
        self.active()
            .into_iter()
            .flat_map(|l| l.sources.iter().map(|s| (s.id, &s.status)))
    }

    /// The sources of the shown listing (whose rows [`Self::rows`] returns).
    pub fn shown_sources(&self) -> impl Iterator<Item = (SourceId, &SourceStatus)> {
        self.current
            .iter()
            .flat_map(|l| l.sources.iter().map(|s| (s.id, &s.status)))
    }

    /// Events since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    // ----- inside -------------------------------------------------------

    fn listing(&self, slot: Slot) -> Option<&Listing> {
        match slot {
            Slot::Current => self.current.as_ref(),
            Slot::Pending => self.pending.as_ref(),
        }
    }

    fn listing_mut(&mut self, slot: Slot) -> Option<&mut Listing> {
        match slot {
            Slot::Current => self.current.as_mut(),
            Slot::Pending => self.pending.as_mut(),
        }
    }

    /// The listing that may send: the pending one, else the shown one.
    fn active_slot(&self) -> Option<Slot> {
        if self.pending.is_some() {
            Some(Slot::Pending)
        } else if self.current.is_some() {
            Some(Slot::Current)
        } else {
            None
        }
    }

    fn active(&self) -> Option<&Listing> {
        self.active_slot().and_then(|s| self.listing(s))
    }

    fn active_mut(&mut self) -> Option<&mut Listing> {
        self.active_slot().and_then(|s| self.listing_mut(s))
    }

    fn find(&self, s: SourceId) -> Option<&Source> {
        [self.pending.as_ref(), self.current.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|l| l.sources.iter().find(|x| x.id == s))
    }

    /// The source waiting for request `id`, if any.
    fn locate(&self, id: RequestId) -> Option<(Slot, usize)> {
        [Slot::Pending, Slot::Current].into_iter().find_map(|slot| {
            let l = self.listing(slot)?;
            let i = l
                .sources
                .iter()
                .position(|s| s.in_flight.is_some_and(|f| f.id == id))?;
            Some((slot, i))
        })
    }

    /// The pending listing's first page arrived: it becomes the shown one.
    fn promote(&mut self) {
        let Some(new) = self.pending.take() else {
            return;
        };
        self.current = Some(new);
        self.generation = self.generation.wrapping_add(1);
        self.events.push(Event::Replaced);
        // Sources that failed while the listing was pending are now shown failures.
        if let Some(l) = self.current.as_ref() {
            for s in &l.sources {
                if let SourceState::Error(e) = &s.status.state {
                    self.events.push(Event::SourceFailed {
                        source: s.id,
                        label: s.status.label.clone(),
                        access_key_id: s.spec.target.credentials.access_key_id.clone(),
                        error: e.clone(),
                        rows_kept: 0,
                        resumable: false,
                    });
                }
            }
        }
    }

    fn apply(&mut self, slot: Slot, i: usize, page: Page) {
        let looped = self.listing(slot).is_some_and(|l| {
            page.next_start
                .as_ref()
                .is_some_and(|next| l.sources[i].seen.contains(next))
        });
        if looped {
            // A → … → A: following it would fetch the same pages forever.
            // Nothing of this page is applied, as for any answer refused whole.
            self.stop_source(slot, i, loop_error());
            return;
        }
        let Some(listing) = self.listing_mut(slot) else {
            return;
        };
        let changed = listing.add_rows(i, page.backup_summaries);
        listing.pages = listing.pages.saturating_add(1);
        let src = &mut listing.sources[i];
        src.status.pages = src.status.pages.saturating_add(1);
        src.attempts = Attempts::new();
        src.cursor = match page.next_start {
            Some(next) => {
                src.seen.insert(next.clone());
                Cursor::After(next)
            }
            None => Cursor::Done,
        };
        src.status.has_more = src.has_more();
        src.status.state = match (src.has_more(), src.goal) {
            (false, _) => {
                src.goal = None;
                SourceState::Done
            }
            (true, Some(Goal::All)) => SourceState::Queued,
            (true, _) => {
                src.goal = None;
                SourceState::Idle
            }
        };
        if slot == Slot::Current {
            self.revision = self.revision.wrapping_add(changed);
        }
    }

    fn fail(
        &mut self,
        slot: Slot,
        i: usize,
        error: &ApiError,
        mono_ms: f64,
        wall_ms: f64,
        random: f64,
    ) {
        let policy = self.config.policy;
        let max_offset = self.config.max_clock_offset_ms;
        let Some(listing) = self.listing_mut(slot) else {
            return;
        };
        let src = &mut listing.sources[i];
        match src.attempts.after(&policy, error, random, wall_ms) {
            // Same cursor again later: the page is neither skipped nor applied twice.
            Decision::Retry { after_ms, why } => {
                // A deadline the engine noticed itself: say so, not "the network failed".
                let why = if error.message.starts_with(NO_ANSWER) {
                    why.replacen("the network failed", &error.message, 1)
                } else {
                    why
                };
                src.status.state = SourceState::Waiting {
                    why,
                    until: mono_ms + after_ms.max(0.0),
                };
            }
            Decision::CorrectClock { offset_ms } => {
                let clamped = offset_ms.is_nan() || offset_ms.abs() > max_offset;
                let offset_ms = if offset_ms.is_nan() {
                    0.0
                } else {
                    offset_ms.clamp(-max_offset, max_offset)
                };
                src.status.clock_offset_ms = offset_ms;
                src.status.state = SourceState::Queued;
                let source = src.id;
                self.events.push(Event::ClockCorrected {
                    source,
                    offset_ms,
                    clamped,
                });
            }
            Decision::Stop => self.stop_source(slot, i, error.clone()),
        }
    }

    /// Source `i` stops on `error`; a pending listing with nothing left to try is dropped.
    fn stop_source(&mut self, slot: Slot, i: usize, error: ApiError) {
        let Some(listing) = self.listing_mut(slot) else {
            return;
        };
        let src = &mut listing.sources[i];
        src.status.state = SourceState::Error(error.clone());
        let event = Event::SourceFailed {
            source: src.id,
            label: src.status.label.clone(),
            access_key_id: src.spec.target.credentials.access_key_id.clone(),
            error,
            rows_kept: src.status.rows,
            resumable: src.status.pages > 0 && src.has_more(),
        };
        match slot {
            Slot::Current => self.events.push(event),
            Slot::Pending => {
                if listing.busy() {
                    return; // another source may still bring the first page
                }
                if let Some(pending) = self.pending.take() {
                    self.fail_pending(pending);
                }
            }
        }
    }

    /// A pending listing with nothing left to try: dropped, with its errors reported.
    fn fail_pending(&mut self, pending: Listing) {
        let errors: Vec<(String, ApiError)> = pending
            .sources
            .iter()
            .filter_map(|s| match &s.status.state {
                SourceState::Error(e) => Some((s.status.label.clone(), e.clone())),
                _ => None,
            })
            .collect();
        let access_key_id = pending
            .sources
            .iter()
            .find(|s| matches!(s.status.state, SourceState::Error(_)))
            .map(|s| s.spec.target.credentials.access_key_id.clone())
            .unwrap_or_default();
        self.drop_pending(pending);
        if let Some((_, error)) = errors.first() {
            self.events.push(Event::PendingFailed {
                error: error.clone(),
                errors,
                access_key_id,
            });
        }
    }

    /// Ends a pending listing that never showed a page: its requests are
    /// aborted, and the shown listing inherits its recent call starts.
    fn drop_pending(&mut self, mut pending: Listing) {
        pending.halt(&mut self.aborts);
        if let Some(current) = self.current.as_mut() {
            current.absorb_paces(&pending);
        }
    }

    fn stir(&mut self, random: f64) {
        let bits = if random.is_finite() {
            (random.clamp(0.0, 1.0) * 9_007_199_254_740_992.0) as u64
        } else {
            0
        };
        self.entropy = splitmix(self.entropy ^ bits);
    }

    /// Uniform in `[0, 1)`.
    fn next_random(&mut self) -> f64 {
        self.entropy = splitmix(self.entropy);
        (self.entropy >> 11) as f64 / 9_007_199_254_740_992.0
    }
}

/// The account id inside an ARN (`arn:partition:service:region:account:…`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.strip_prefix("arn:")?.split(':').nth(3)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The region inside an ARN.
pub fn arn_region(arn: &str) -> Option<&str> {
    let region = arn.strip_prefix("arn:")?.split(':').nth(2)?;
    (!region.is_empty()).then_some(region)
}

/// The error of a source whose server sent back a cursor seen before.
pub fn loop_error() -> ApiError {
    ApiError::new(
        ErrorKind::NotDynamoDb,
        200,
        None,
        "it returned a page cursor (LastEvaluatedBackupArn) it had already returned in this listing; \
         this source was stopped to avoid looping forever",
    )
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    const WALL: f64 = 1_767_225_600_000.0;

    fn target(host: &str, region: &str, key: &str) -> Target {
        Target {
            endpoint: Endpoint::parse(&format!("http://{host}")).unwrap(),
            region: region.into(),
            principal: HOME.into(),
            credentials: Credentials {
                access_key_id: key.into(),
                secret_access_key: "secret".into(),
                session_token: None,
            },
        }
    }

    fn spec(host: &str, key: &str, table: Option<&str>) -> SourceSpec {
        SourceSpec {
            target: target(host, "us-east-1", key),
            query: Query {
                table: table.map(Into::into),
                ..Query::default()
            },
            label: format!("{host} {key}"),
            account: None,
            blocked: None,
        }
    }

    fn arn(n: u32) -> String {
        format!("arn:aws:dynamodb:us-east-1:123456789012:table/t/backup/{n:020}")
    }

    fn page(arns: &[u32], next: Option<u32>) -> Outcome {
        Outcome::Page(Page {
            backup_summaries: arns
                .iter()
                .map(|&n| BackupSummary {
                    backup_arn: Some(arn(n)),
                    backup_size_bytes: Some(u64::from(n)),
                    ..Default::default()
                })
                .collect(),
            next_start: next.map(arn),
        })
    }

    /// The next send (after any aborts).
    fn send(e: &mut Engine, mono: f64) -> Send {
        send_or_none(e, mono).expect("expected a send")
    }

    /// The next send, if the engine wants one now.
    fn send_or_none(e: &mut Engine, mono: f64) -> Option<Send> {
        loop {
            match e.poll(mono, WALL) {
                Action::Send(s) => return Some(s),
                Action::Abort(_) => {}
                _ => return None,
            }
        }
    }

    fn start_of(s: &Send) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&s.body).unwrap();
        v.get("ExclusiveStartBackupArn")
            .and_then(|a| a.as_str())
            .map(Into::into)
    }

    fn state(e: &Engine, s: SourceId) -> SourceState {
        e.source(s).unwrap().state.clone()
    }

    #[test]
    fn same_place_ignores_credentials_only() {
        let a = target("localhost:8000", "us-east-1", "AKIDAAAAAAAAAAAAAAAA");
        let b = target("localhost:8000", "us-east-1", "AKIDBBBBBBBBBBBBBBBB");
        assert!(a.same_place(&b));
        assert!(!a.same_place(&target("localhost:8001", "us-east-1", "x")));
        assert!(!a.same_place(&target("localhost:8000", "eu-west-1", "x")));
    }

    #[test]
    fn pace_merge_keeps_the_latest_starts() {
        let mut a = Pace::default();
        let mut b = Pace::default();
        for t in [0.0, 10.0, 20.0] {
            a.record(t);
        }
        for t in [5.0, 15.0, 25.0] {
            b.record(t);
        }
        let m = Pace::merged([&a, &b].into_iter());
        assert_eq!(m.starts, [5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(m.wait_ms(30.0), 5.0 + crate::core::rate::WINDOW_MS - 30.0);
        assert_eq!(Pace::merged(std::iter::empty()).wait_ms(0.0), 0.0);
    }

    #[test]
    fn one_source_pages_through_to_the_end() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        assert!(e.is_pending() && e.busy());
        let s1 = send(&mut e, 0.0);
        assert_eq!(start_of(&s1), None);
        assert_eq!(s1.sign_at_ms, WALL);
        assert_eq!(s1.deadline_ms, 30_000.0);
        assert_eq!(e.poll(0.0, WALL), Action::WakeAt(30_000.0));
        e.handle(s1.id, page(&[1, 2], Some(2)), 50.0, WALL, 0.5);
        assert!(!e.is_pending());
        assert_eq!(e.take_events(), [Event::Replaced]);
        assert_eq!(e.generation(), 1);
        let s2 = send(&mut e, 50.0);
        assert_eq!(start_of(&s2), Some(arn(2)));
        e.handle(s2.id, page(&[3], None), 90.0, WALL, 0.5);
        assert_eq!(e.poll(90.0, WALL), Action::Idle);
        assert_eq!(e.rows().len(), 3);
        assert_eq!(e.pages(), 2);
        assert!(!e.has_more() && !e.busy());
        let (id, st) = e.sources().next().unwrap();
        assert_eq!(st.state, SourceState::Done);
        assert_eq!((st.rows, st.bytes, st.pages), (3, 6, 2));
        assert!(e.rows().iter().all(|r| r.source == id.0));
    }

    #[test]
    fn one_page_goal_idles_with_more() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(
            vec![spec("localhost:1", "AKID1", None)],
            Goal::OnePage,
            true,
        );
        let s1 = send(&mut e, 0.0);
        e.handle(s1.id, page(&[1], Some(1)), 10.0, WALL, 0.5);
        assert_eq!(e.poll(10.0, WALL), Action::Idle);
        let (id, st) = e.sources().next().unwrap();
        assert_eq!(st.state, SourceState::Idle);
        // Load more for the same source continues at the cursor.
        e.request(
            vec![spec("localhost:1", "AKID1", None)],
            Goal::OnePage,
            false,
        );
        let s2 = send(&mut e, 20.0);
        assert_eq!((s2.source, start_of(&s2)), (id, Some(arn(1))));
    }

    #[test]
    fn a_cursor_seen_before_stops_the_source() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1], Some(1)), 1.0, WALL, 0.5); // → A
        let s = send(&mut e, 1.0);
        e.handle(s.id, page(&[2], Some(2)), 2.0, WALL, 0.5); // → B
        let s = send(&mut e, 2.0);
        e.handle(s.id, page(&[3], Some(1)), 3.0, WALL, 0.5); // → A again
        let (id, st) = e.sources().next().unwrap();
        match &st.state {
            SourceState::Error(err) => {
                assert!(err.user_message().contains("looping forever"), "{err:?}");
                assert!(!err.retryable());
            }
            s => panic!("{s:?}"),
        }
        assert_eq!(e.rows().len(), 2, "the looping page is not applied");
        assert_eq!(e.poll(3.0, WALL), Action::Idle);
        let events = e.take_events();
        assert!(matches!(
            events.last(),
            Some(Event::SourceFailed { source, rows_kept: 2, resumable: true, .. }) if *source == id
        ));
    }

    #[test]
    fn a_passed_deadline_aborts_retries_the_same_cursor_and_ignores_the_late_answer() {
        let mut e = Engine::new(EngineConfig {
            timeout_ms: 1000.0,
            ..EngineConfig::default()
        });
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1], Some(1)), 10.0, WALL, 0.5);
        let slow = send(&mut e, 10.0);
        assert_eq!(e.poll(500.0, WALL), Action::WakeAt(1010.0));
        assert_eq!(e.poll(1010.0, WALL), Action::Abort(slow.id));
        let id = slow.source;
        match state(&e, id) {
            SourceState::Waiting { why, until } => {
                assert!(
                    why.starts_with(
                        "no answer within 1 s; retrying the same page (attempt 2 of 6)"
                    ),
                    "{why}"
                );
                assert!((1010.0..=1010.0 + 250.0).contains(&until), "{until}");
            }
            s => panic!("{s:?}"),
        }
        // The late answer to the aborted request changes nothing.
        e.handle(slow.id, page(&[99], None), 1020.0, WALL, 0.5);
        assert_eq!(e.rows().len(), 1);
        let retry = send(&mut e, 2000.0);
        assert_ne!(retry.id, slow.id);
        assert_eq!(start_of(&retry), Some(arn(1)), "same cursor re-sent");
        e.handle(retry.id, page(&[2], None), 2010.0, WALL, 0.5);
        assert_eq!(state(&e, id), SourceState::Done);
        assert_eq!(e.rows().len(), 2);
    }

    #[test]
    fn timeout_error_says_how_long() {
        let mut e = Engine::new(EngineConfig {
            policy: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            ..EngineConfig::default()
        });
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        assert_eq!(e.poll(30_000.0, WALL), Action::Abort(s.id));
        match e.take_events().as_slice() {
            [Event::PendingFailed { error, .. }] => {
                assert_eq!(error.kind, ErrorKind::Transient);
                assert_eq!(error.status, 0);
                assert_eq!(error.message, "no answer within 30 s");
            }
            ev => panic!("{ev:?}"),
        }
    }

    #[test]
    fn forgetting_credentials_stops_and_scrubs_them_and_fresh_ones_resume() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[0, 1], Some(1)), 1.0, WALL, 0.5);
        let id = s.source;
        assert!(send_or_none(&mut e, 2_000.0).is_some(), "Load all goes on");
        e.forget_credentials();
        assert!(!e.busy());
        let t = e.target(id).unwrap();
        assert!(
            t.credentials.access_key_id.is_empty() && t.credentials.secret_access_key.is_empty()
        );
        assert!(
            send_or_none(&mut e, 5_000.0).is_none(),
            "nothing is signed after Forget"
        );
        assert_eq!(e.rows().len(), 2, "rows stay");
        e.request(vec![spec("localhost:1", "AKID2", None)], Goal::All, false);
        assert_eq!(e.target(id).unwrap().credentials.access_key_id, "AKID2");
        let resumed = send(&mut e, 6_000.0);
        assert_eq!(
            start_of(&resumed),
            Some(arn(1)),
            "resumes at the stopped page"
        );
    }

    #[test]
    fn in_flight_cap_round_robin_and_one_request_per_source() {
        let mut e = Engine::new(EngineConfig {
            max_in_flight: 3,
            ..EngineConfig::default()
        });
        let specs: Vec<_> = (0..5)
            .map(|i| spec(&format!("localhost:{}", 100 + i), "AKID", None))
            .collect();
        e.request(specs, Goal::All, true);
        let sent: Vec<Send> = (0..3).map(|_| send(&mut e, 0.0)).collect();
        let ids: Vec<_> = e.sources().map(|(id, _)| id).collect();
        assert_eq!(sent.iter().map(|s| s.source).collect::<Vec<_>>(), ids[..3]);
        assert_eq!(e.poll(0.0, WALL), Action::WakeAt(30_000.0), "cap reached");
        assert_eq!(state(&e, ids[3]), SourceState::Queued);
        e.handle(sent[0].id, page(&[1], Some(1)), 5.0, WALL, 0.5);
        // The freed slot goes to the next source in turn, not back to the first.
        assert_eq!(send(&mut e, 5.0).source, ids[3]);
        assert!(matches!(e.poll(5.0, WALL), Action::WakeAt(_)));
        let in_flight = e
            .sources()
            .filter(|(_, s)| s.state == SourceState::Loading)
            .count();
        assert_eq!(in_flight, 3);
    }

    #[test]
    fn the_rate_gate_paces_one_source() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let mut starts = Vec::new();
        let mut now = 0.0;
        for n in 0..10 {
            let s = loop {
                match e.poll(now, WALL) {
                    Action::Send(s) => break s,
                    Action::WakeAt(t) => now = t,
                    a => panic!("{a:?}"),
                }
            };
            starts.push(now);
            now += 1.0;
            e.handle(s.id, page(&[n], Some(n)), now, WALL, 0.5);
        }
        // The sixth start waits for the first to leave the gate's window.
        assert_eq!(starts[5], crate::core::rate::WINDOW_MS);
        assert!(starts
            .windows(6)
            .all(|w| w[5] - w[0] >= crate::core::rate::WINDOW_MS));
        let id = e.sources().next().unwrap().0;
        assert!(matches!(e.poll(now, WALL), Action::WakeAt(_)));
        assert!(matches!(state(&e, id), SourceState::Waiting { why, .. } if why == PACING));
    }

    #[test]
    fn stop_ignores_late_answers_and_a_later_request_resumes() {
        let mut e = Engine::new(EngineConfig::default());
        let specs = vec![
            spec("localhost:1", "AKID1", None),
            spec("localhost:2", "AKID2", None),
        ];
        e.request(specs.clone(), Goal::All, true);
        let a = send(&mut e, 0.0);
        let b = send(&mut e, 0.0);
        e.handle(a.id, page(&[1], Some(1)), 5.0, WALL, 0.5);
        let a2 = send(&mut e, 5.0);
        e.stop();
        let mut aborts = Vec::new();
        while let Action::Abort(id) = e.poll(6.0, WALL) {
            aborts.push(id);
        }
        aborts.sort_by_key(|r| r.0);
        assert_eq!(aborts, [b.id, a2.id]);
        assert!(!e.busy());
        e.handle(a2.id, page(&[7], None), 7.0, WALL, 0.5);
        e.handle(b.id, page(&[8], None), 7.0, WALL, 0.5);
        assert_eq!(e.rows().len(), 1, "no late page lands");
        assert!(e.sources().all(|(_, s)| s.state == SourceState::Stopped));
        assert_eq!(e.poll(8.0, WALL), Action::Idle);
        e.request(specs, Goal::All, false);
        let mut resumed = [send(&mut e, 10.0), send(&mut e, 10.0)];
        resumed.sort_by_key(|s| s.source);
        assert_eq!(resumed[0].source, a.source);
        assert_eq!(start_of(&resumed[0]), Some(arn(1)), "resumes at the cursor");
        assert_eq!(start_of(&resumed[1]), None, "b had no page yet");
        assert_eq!(e.generation(), 1, "same listing, rows kept");
    }

    #[test]
    fn a_new_query_replaces_rows_only_when_its_first_page_arrives() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(
            vec![spec("localhost:1", "AKID1", None)],
            Goal::OnePage,
            true,
        );
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1, 2], Some(2)), 1.0, WALL, 0.5);
        e.take_events();
        // Load all for another table: a new listing, not the old cursor.
        e.request(
            vec![spec("localhost:1", "AKID1", Some("orders"))],
            Goal::All,
            false,
        );
        assert!(e.is_pending());
        let n = send(&mut e, 2.0);
        assert_eq!(start_of(&n), None);
        assert!(n.body.contains("orders"));
        assert_eq!(e.rows().len(), 2, "old rows still shown");
        e.handle(n.id, page(&[10], None), 3.0, WALL, 0.5);
        assert_eq!(e.take_events(), [Event::Replaced]);
        assert_eq!(e.rows().len(), 1);
        assert_eq!(e.rows()[0].key, arn(10));
        assert_eq!(e.generation(), 2);
    }

    #[test]
    fn a_failing_new_query_keeps_the_shown_rows() {
        let mut e = Engine::new(EngineConfig::default());
        let old = vec![spec("localhost:1", "AKID1", None)];
        e.request(old.clone(), Goal::OnePage, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1, 2], Some(2)), 1.0, WALL, 0.5);
        e.take_events();
        e.request(
            vec![spec("localhost:1", "AKID1", Some("orders"))],
            Goal::OnePage,
            true,
        );
        let n = send(&mut e, 2.0);
        let denied = ApiError::new(ErrorKind::AccessDenied, 400, None, "no");
        e.handle(n.id, Outcome::Failed(denied.clone()), 3.0, WALL, 0.5);
        assert_eq!(
            e.take_events(),
            [Event::PendingFailed {
                error: denied.clone(),
                errors: vec![("localhost:1 AKID1".into(), denied)],
                access_key_id: "AKID1".into(),
            }]
        );
        assert!(!e.is_pending());
        assert_eq!(e.rows().len(), 2);
        assert_eq!(e.generation(), 1);
        // The old listing is intact and continues where it was.
        e.request(old, Goal::OnePage, false);
        assert_eq!(start_of(&send(&mut e, 4.0)), Some(arn(2)));
    }

    #[test]
    fn fresh_credentials_keep_the_cursor_and_rows() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "ASIAOLD", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1], Some(1)), 1.0, WALL, 0.5);
        let s = send(&mut e, 1.0);
        let expired = ApiError::new(ErrorKind::ExpiredToken, 400, None, "expired");
        e.handle(s.id, Outcome::Failed(expired), 2.0, WALL, 0.5);
        let id = s.source;
        assert!(matches!(state(&e, id), SourceState::Error(_)));
        assert!(matches!(
            e.take_events().last(),
            Some(Event::SourceFailed {
                rows_kept: 1,
                resumable: true,
                ..
            })
        ));
        e.request(vec![spec("localhost:1", "ASIANEW", None)], Goal::All, false);
        assert_eq!(e.target(id).unwrap().credentials.access_key_id, "ASIANEW");
        let s = send(&mut e, 3.0);
        assert_eq!((s.source, start_of(&s)), (id, Some(arn(1))));
        assert_eq!(e.rows().len(), 1);
    }

    #[test]
    fn another_target_never_gets_the_old_cursor() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1], Some(1)), 1.0, WALL, 0.5);
        let old = send(&mut e, 1.0);
        let mut moved = spec("localhost:1", "AKID1", None);
        moved.target.region = "eu-west-1".into();
        e.request(vec![moved], Goal::All, false);
        assert_eq!(e.poll(2.0, WALL), Action::Abort(old.id));
        let s = send(&mut e, 2.0);
        assert_ne!(s.source, old.source);
        assert_eq!(start_of(&s), None);
        assert_eq!(e.target(s.source).unwrap().region, "eu-west-1");
    }

    #[test]
    fn clock_offset_is_learnt_clamped_and_kept_for_the_same_place() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        // Server 2 h behind this computer.
        let server_s = (WALL - 7_200_000.0) / 1000.0;
        let skew = ApiError::new(
            ErrorKind::ClockSkew {
                server_time: Some(server_s as i64),
            },
            400,
            None,
            "Signature expired",
        );
        e.handle(s.id, Outcome::Failed(skew), 1.0, WALL, 0.5);
        let id = s.source;
        assert!(matches!(
            e.take_events().as_slice(),
            [Event::ClockCorrected { offset_ms, clamped: false, .. }] if *offset_ms == -7_200_000.0
        ));
        let s = send(&mut e, 1.0);
        assert_eq!((s.source, s.sign_at_ms), (id, WALL - 7_200_000.0));
        e.handle(s.id, page(&[1], None), 2.0, WALL, 0.5);
        // A new query on the same place keeps the offset; another place does not.
        e.request(
            vec![spec("localhost:1", "AKID1", Some("x"))],
            Goal::All,
            true,
        );
        assert_eq!(send(&mut e, 3.0).sign_at_ms, WALL - 7_200_000.0);
        e.request(vec![spec("localhost:2", "AKID1", None)], Goal::All, true);
        assert_eq!(send(&mut e, 4.0).sign_at_ms, WALL);
        // 30 days: clamped to 24 h, then the second refusal stops the source.
        let far = ApiError::new(
            ErrorKind::ClockSkew {
                server_time: Some(((WALL + 30.0 * 86_400_000.0) / 1000.0) as i64),
            },
            400,
            None,
            "Signature not yet current",
        );
        e.request(vec![spec("localhost:3", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 5.0);
        e.handle(s.id, Outcome::Failed(far.clone()), 6.0, WALL, 0.5);
        let s2 = send(&mut e, 6.0);
        assert_eq!(s2.sign_at_ms, WALL + 86_400_000.0);
        e.handle(s2.id, Outcome::Failed(far), 7.0, WALL, 0.5);
        let events = e.take_events();
        assert!(events
            .iter()
            .any(|ev| matches!(ev, Event::ClockCorrected { clamped: true, offset_ms, .. } if *offset_ms == 86_400_000.0)));
        assert!(
            matches!(events.last(), Some(Event::PendingFailed { error, .. })
            if matches!(error.kind, ErrorKind::ClockSkew { .. }))
        );
    }

    #[test]
    fn retries_resend_the_same_cursor_and_give_up_after_max_attempts() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        e.handle(s.id, page(&[1], Some(1)), 1.0, WALL, 0.5);
        let mut now = 1.0;
        let mut starts = Vec::new();
        for _ in 0..6 {
            let s = loop {
                match e.poll(now, WALL) {
                    Action::Send(s) => break s,
                    Action::WakeAt(t) => now = t,
                    a => panic!("{a:?}"),
                }
            };
            starts.push(start_of(&s));
            let busy = ApiError::new(ErrorKind::ServerError, 500, None, "");
            e.handle(s.id, Outcome::Failed(busy), now, WALL, 0.99);
        }
        assert!(starts.iter().all(|s| *s == Some(arn(1))));
        assert!(matches!(
            state(&e, e.sources().next().unwrap().0),
            SourceState::Error(_)
        ));
        assert_eq!(e.poll(now, WALL), Action::Idle);
        // retry_source starts again with fresh attempts, at the same cursor.
        let id = e.sources().next().unwrap().0;
        assert!(e.retry_source(id));
        assert_eq!(start_of(&send(&mut e, now + 5000.0)), Some(arn(1)));
        assert!(!e.retry_source(SourceId(999)));
    }

    #[test]
    fn an_update_in_place_bumps_the_revision_and_sizes_saturate() {
        let mut e = Engine::new(EngineConfig::default());
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        let huge = |n: u32, size: u64| BackupSummary {
            backup_arn: Some(arn(n)),
            backup_size_bytes: Some(size),
            ..Default::default()
        };
        e.handle(
            s.id,
            Outcome::Page(Page {
                backup_summaries: vec![
                    huge(1, u64::MAX),
                    huge(2, u64::MAX),
                    BackupSummary::default(),
                ],
                next_start: Some(arn(2)),
            }),
            1.0,
            WALL,
            0.5,
        );
        assert_eq!(e.revision(), 0);
        let st = e.sources().next().unwrap().1;
        assert_eq!((st.rows, st.bytes), (3, u64::MAX));
        let s = send(&mut e, 1.0);
        e.handle(
            s.id,
            Outcome::Page(Page {
                backup_summaries: vec![huge(2, 5), BackupSummary::default()],
                next_start: None,
            }),
            2.0,
            WALL,
            0.5,
        );
        assert_eq!(e.revision(), 1);
        assert_eq!(e.rows().len(), 4, "rows without an ARN are kept apart");
        assert_eq!(e.rows()[1].summary.backup_size_bytes, Some(5));
    }

    #[test]
    fn a_failed_source_does_not_stop_the_others() {
        let mut e = Engine::new(EngineConfig::default());
        let specs = vec![
            spec("localhost:1", "AKID1", None),
            spec("localhost:2", "AKID2", None),
        ];
        e.request(specs, Goal::All, true);
        let a = send(&mut e, 0.0);
        let b = send(&mut e, 0.0);
        let denied = ApiError::new(ErrorKind::AccessDenied, 400, None, "");
        e.handle(a.id, Outcome::Failed(denied), 1.0, WALL, 0.5);
        assert!(e.is_pending(), "b may still bring the first page");
        assert!(e.take_events().is_empty());
        e.handle(b.id, page(&[1], Some(1)), 2.0, WALL, 0.5);
        assert!(matches!(
            e.take_events().as_slice(),
            [
                Event::Replaced,
                Event::SourceFailed {
                    rows_kept: 0,
                    resumable: false,
                    ..
                }
            ]
        ));
        let s = send(&mut e, 2.0);
        assert_eq!(s.source, b.source);
        e.handle(s.id, page(&[2], None), 3.0, WALL, 0.5);
        assert_eq!(e.rows().len(), 2);
        assert!(e.has_more(), "a failed source still has more");
        assert_eq!(e.poll(3.0, WALL), Action::Idle);
    }

    #[test]
    fn answers_never_panic_on_odd_numbers() {
        let mut e = Engine::new(EngineConfig {
            max_in_flight: 0,
            timeout_ms: f64::NAN,
            max_clock_offset_ms: -1.0,
            ..EngineConfig::default()
        });
        assert_eq!(e.config().max_in_flight, 1);
        e.request(vec![spec("localhost:1", "AKID1", None)], Goal::All, true);
        let s = send(&mut e, 0.0);
        assert_eq!(s.deadline_ms, 30_000.0);
        let skew = ApiError::new(
            ErrorKind::ClockSkew {
                server_time: Some(i64::MAX),
            },
            400,
            None,
            "",
        );
        e.handle(s.id, Outcome::Failed(skew), 1.0, f64::NAN, f64::NAN);
        let s = send(&mut e, 1.0);
        assert!(s.sign_at_ms.is_finite());
        e.handle(s.id, page(&[], None), 2.0, WALL, 2.0);
        assert!(!e.busy());
    }
}
