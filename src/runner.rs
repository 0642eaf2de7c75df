//! The browser loop around the core listing engine: it performs what
//! `Engine::poll` asks (sign and fetch, abort, wake up later) and hands every
//! answer back. No paging, pacing, retry or clock logic lives here; that is
//! all in `core::engine`, tested on the host.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::endpoint::Endpoint;
use crate::core::engine::{
    Action, Engine, EngineConfig, Event, Goal, Outcome, Send, SourceSpec, HOME,
};
use crate::core::error::ErrorKind;
use crate::core::org::{Broker, BrokerAction, BrokerEvent, StsSend};
use crate::core::query::Query;
use crate::core::rows::Row;
use crate::core::view::RowsKey;
use crate::net::{list_backups, monotonic_ms, now_ms, sts_call};

/// Scan call ids share the abort map with listing requests: this bit keeps them apart.
const SCAN_IDS: u64 = 1 << 62;

/// How long an STS call may take before it is aborted.
const STS_TIMEOUT_MS: u32 = 10_000;

/// An org-wide listing waiting for its identities (roles being assumed).
#[derive(Clone, Debug)]
pub struct OrgRequest {
    /// Each region with the endpoint its requests go to (its AWS endpoint,
    /// or the one custom endpoint).
    pub regions: Vec<(String, Endpoint)>,
    pub query: Query,
    pub goal: Goal,
    pub fresh: bool,
}

/// Where STS calls go and the region they are signed for.
#[derive(Clone, Debug)]
pub struct StsPlace {
    pub endpoint: Endpoint,
    pub region: String,
}

/// What the page does with each engine event.
type EventHandler = Box<dyn Fn(Event)>;

/// A handle to the engine and its loop. `Copy`; lives as long as the page.
#[derive(Clone, Copy)]
pub struct Runner {
    engine: StoredValue<Engine>,
    /// Bumped after every change to the engine; readers track it through [`Runner::read`].
    tick: RwSignal<u64>,
    /// Fetches in flight, by request id, so that an `Abort` cancels the fetch.
    controllers: StoredValue<HashMap<u64, web_sys::AbortController>, LocalStorage>,
    /// The monotonic time the loop is scheduled to wake at (`INFINITY`: none).
    wake_at: StoredValue<f64>,
    /// Called with each engine event, in order (banners, notices).
    on_event: StoredValue<Option<EventHandler>, LocalStorage>,
    /// The identities (home credentials, assumed roles) that sign.
    broker: StoredValue<Broker>,
    /// Where STS calls go.
    sts: StoredValue<Option<StsPlace>>,
    /// A listing to start once every identity is settled.
    waiting: StoredValue<Option<OrgRequest>>,
    /// The protection view's table scan.
    scanner: StoredValue<crate::core::tables::Scanner>,
    /// Start the scan once the listing's sources exist.
    scan_wanted: StoredValue<bool>,
    /// The wall time the broker's own timer is set for (NaN: none).
    broker_wake: StoredValue<f64>,
    /// DescribeBackup's own pace, per account and region (10 calls per 1.1 s).
    describe_gates: StoredValue<HashMap<(String, String), crate::core::rate::RateGate>>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    pub fn new() -> Self {
        Runner {
            engine: StoredValue::new(Engine::new(EngineConfig::default())),
            tick: RwSignal::new(0),
            controllers: StoredValue::new_local(HashMap::new()),
            wake_at: StoredValue::new(f64::INFINITY),
            on_event: StoredValue::new_local(None),
            broker: StoredValue::new(Broker::default()),
            sts: StoredValue::new(None),
            waiting: StoredValue::new(None),
            describe_gates: StoredValue::new(HashMap::new()),
            scanner: StoredValue::new(crate::core::tables::Scanner::default()),
            scan_wanted: StoredValue::new(false),
            broker_wake: StoredValue::new(f64::NAN),
        }
    }

    /// Reads the table scan, tracking every change.
    pub fn read_scanner<T>(&self, f: impl FnOnce(&crate::core::tables::Scanner) -> T) -> T {
        self.tick.track();
        self.scanner.with_value(f)
    }

    /// Reads the table scan without tracking (pair with a tracked revision).
    pub fn scanner_untracked<T>(&self, f: impl FnOnce(&crate::core::tables::Scanner) -> T) -> T {
        self.scanner.with_value(f)
    }

    /// Scans the tables of the listing's sources (now, or once they exist).
    pub fn scan_tables(&self) {
        self.scan_wanted.set_value(true);
        self.pump();
    }

    /// Starts the scan over the active listing's sources that have credentials.
    fn start_scan(&self) {
        let sources = self.engine.with_value(|e| {
            e.sources()
                .filter_map(|(id, st)| {
                    let spec = e.spec(id)?;
                    if spec.blocked.is_some() {
                        return None;
                    }
                    let account = st.account.clone().or_else(|| spec.account.clone())?;
                    Some((account, st.region.clone(), spec.target.clone()))
                })
                .collect::<Vec<_>>()
        });
        if sources.is_empty() {
            return;
        }
        self.scan_wanted.set_value(false);
        self.scanner.update_value(|s| s.start(sources));
    }

    /// Performs what the scanner asks until it waits; returns its wake time (monotonic).
    fn pump_scanner(&self) -> Option<f64> {
        use crate::core::tables::ScanAction;
        loop {
            let action = self.scanner.try_update_value(|s| s.poll(monotonic_ms()))?;
            match action {
                ScanAction::Send(send) => self.send_scan(send),
                ScanAction::Abort(id) => {
                    if let Some(c) = self
                        .controllers
                        .try_update_value(|m| m.remove(&(SCAN_IDS | id)))
                        .flatten()
                    {
                        c.abort();
                    }
                }
                ScanAction::WakeAt(t) => return Some(t),
                ScanAction::Idle => return None,
            }
        }
    }

    fn send_scan(&self, send: crate::core::tables::ScanSend) {
        let Some(target) = self.scanner.with_value(|s| s.target(send.source).cloned()) else {
            return;
        };
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        if let Some(c) = controller {
            self.controllers.update_value(|m| {
                m.insert(SCAN_IDS | send.id, c);
            });
        }
        // Signed with the clock the listing learnt for this account and region.
        let offset = self.offset_for(&target.principal, &target.region);
        let runner = *self;
        spawn_local(async move {
            let answer = crate::net::scan_call(
                &target,
                send.api,
                send.body,
                now_ms() + offset,
                signal.as_ref(),
            )
            .await;
            runner
                .controllers
                .try_update_value(|m| m.remove(&(SCAN_IDS | send.id)));
            let handled = runner.scanner.try_update_value(|s| {
                s.handle(send.id, answer, monotonic_ms(), js_sys::Math::random())
            });
            if handled.is_some() {
                runner.pump();
            }
        });
    }

    /// DescribeBackup for a backup of source `source` (signed like its
    /// ListBackups, paced per account and region under 10 calls per second);
    /// `done` gets the drawer's lines or the error.
    pub fn describe(
        &self,
        source: crate::core::engine::SourceId,
        backup_arn: String,
        done: impl FnOnce(Result<Vec<(String, String)>, crate::core::error::ApiError>) + 'static,
    ) {
        let found = self.engine.with_value(|e| {
            e.target(source)
                .cloned()
                .zip(e.source(source).map(|s| s.clock_offset_ms))
        });
        let Some((target, offset)) = found else {
            done(Err(crate::core::error::ApiError::new(
                ErrorKind::Identity,
                0,
                None,
                "The listing this backup came from was replaced: list again to see its details.",
            )));
            return;
        };
        let key = (target.principal.clone(), target.region.clone());
        let now = monotonic_ms();
        let wait = self.describe_gates.try_update_value(|g| {
            let gate = g
                .entry(key)
                .or_insert_with(crate::core::details::describe_gate);
            let wait = gate.wait_ms(now);
            gate.record(now + wait);
            wait
        });
        let wait = wait.unwrap_or(0.0);
        spawn_local(async move {
            if wait > 0.0 {
                gloo_timers::future::TimeoutFuture::new(wait.ceil() as u32).await;
            }
            let result = crate::net::describe_backup(&target, &backup_arn, now_ms() + offset).await;
            done(result);
        });
    }

    /// Reads the identities, tracking every change.
    pub fn read_broker<T>(&self, f: impl FnOnce(&Broker) -> T) -> T {
        self.tick.track();
        self.broker.with_value(f)
    }

    /// An org-wide List / Load more / Load all: `configure` sets who signs
    /// (the broker keeps identities that did not change); the listing starts
    /// once each role is assumed or has failed.
    pub fn request_org(
        &self,
        sts: StsPlace,
        configure: impl FnOnce(&mut Broker),
        request: OrgRequest,
    ) {
        self.sts.set_value(Some(sts));
        self.broker.update_value(configure);
        self.waiting.set_value(Some(request));
        self.pump();
    }

    /// Retries one source: its role is assumed again if that is what failed.
    pub fn retry_source(&self, id: crate::core::engine::SourceId) {
        let principal = self
            .engine
            .with_value(|e| e.spec(id).map(|s| s.target.principal.clone()));
        let Some(principal) = principal else { return };
        let retried_role = self
            .broker
            .try_update_value(|b| b.retry(&principal))
            .unwrap_or(false);
        if !retried_role {
            self.engine.update_value(|e| {
                e.retry_source(id);
            });
        }
        self.pump();
    }

    /// Forget: the broker drops every credential too.
    pub fn forget_credentials(&self) {
        self.waiting.set_value(None);
        self.scan_wanted.set_value(false);
        self.scanner
            .update_value(crate::core::tables::Scanner::forget);
        self.broker.update_value(Broker::forget);
        self.engine.update_value(Engine::forget_credentials);
        self.pump();
    }

    /// Sets what happens with the engine's events (one handler; the page's banner and notice).
    pub fn on_event(&self, f: impl Fn(Event) + 'static) {
        self.on_event.set_value(Some(Box::new(f)));
    }

    /// Reads the engine, tracking every change to it.
    pub fn read<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        self.tick.track();
        self.engine.with_value(f)
    }

    /// The shown rows, untracked (track [`Runner::rows_key`] for changes).
    pub fn with_rows<T>(&self, f: impl FnOnce(&[Row]) -> T) -> T {
        self.engine.with_value(|e| f(e.rows()))
    }

    /// The identity of the shown rows (tracked).
    pub fn rows_key(&self) -> RowsKey {
        self.read(|e| RowsKey {
            generation: e.generation(),
            revision: e.revision(),
            len: e.rows().len(),
        })
    }

    /// Changes the engine directly, without running the loop (nothing is sent):
    /// for callers that answer the engine themselves, such as the tests and the
    /// benchmark feeding pages.
    pub fn update<T>(&self, f: impl FnOnce(&mut Engine) -> T) -> Option<T> {
        let out = self.engine.try_update_value(f);
        self.changed();
        out
    }

    /// List, Load more or Load all for these sources (see `Engine::request`).
    pub fn request(&self, sources: Vec<SourceSpec>, goal: Goal, fresh: bool) {
        self.engine
            .update_value(|e| e.request(sources, goal, fresh));
        self.pump();
    }

    /// Stops every source at once; no late page lands.
    pub fn stop(&self) {
        self.waiting.set_value(None);
        self.scan_wanted.set_value(false);
        self.engine.update_value(Engine::stop);
        self.scanner
            .update_value(crate::core::tables::Scanner::stop);
        self.pump();
    }

    /// True while a listing waits for its roles to be assumed.
    pub fn assuming(&self) -> bool {
        self.tick.track();
        self.waiting.with_value(Option::is_some)
    }

    /// Polls the broker and the engine until neither has anything more to do
    /// now, performing each action.
    pub fn pump(&self) {
        let mut broker_wake = None;
        loop {
            let Some(action) = self.broker.try_update_value(|b| b.poll(now_ms())) else {
                return;
            };
            match action {
                BrokerAction::Send(send) => self.send_sts(send),
                BrokerAction::WakeAt(t) => {
                    broker_wake = Some(t);
                    break;
                }
                BrokerAction::Idle => break,
            }
        }
        self.apply_broker_events();
        let ready = self.broker.with_value(Broker::settled);
        if ready {
            if let Some(r) = self.waiting.try_update_value(Option::take).flatten() {
                let sources = self.broker.with_value(|b| b.sources(&r.regions, &r.query));
                self.engine
                    .update_value(|e| e.request(sources, r.goal, r.fresh));
            }
        }
        if let Some(t) = broker_wake {
            self.schedule_broker(t);
        }
        if self.scan_wanted.get_value() && self.waiting.with_value(Option::is_none) {
            self.start_scan();
        }
        if let Some(t) = self.pump_scanner() {
            self.schedule(t);
        }
        loop {
            let Some(action) = self
                .engine
                .try_update_value(|e| e.poll(monotonic_ms(), now_ms()))
            else {
                return; // the page is gone
            };
            match action {
                Action::Send(send) => self.send(send),
                Action::Abort(id) => {
                    if let Some(c) = self
                        .controllers
                        .try_update_value(|m| m.remove(&id.0))
                        .flatten()
                    {
                        c.abort();
                    }
                }
                Action::WakeAt(t) => {
                    self.schedule(t);
                    break;
                }
                Action::Idle => break,
            }
        }
        self.changed();
    }

    /// Tells readers the engine changed and hands its events to the page.
    /// An assumed role's expired token is not the user's to fix: the role is
    /// renewed and its sources retried, without a banner.
    fn changed(&self) {
        let mut events = self
            .engine
            .try_update_value(Engine::take_events)
            .unwrap_or_default();
        let mut renewing = false;
        events.retain(|event| {
            let Event::SourceFailed { source, error, .. } = event else {
                return true;
            };
            if error.kind != ErrorKind::ExpiredToken {
                return true;
            }
            let principal = self
                .engine
                .with_value(|e| e.spec(*source).map(|s| s.target.principal.clone()));
            match principal.filter(|p| p != HOME) {
                Some(p) => {
                    renewing |= self
                        .broker
                        .try_update_value(|b| b.renew_now(&p))
                        .unwrap_or(false);
                    false
                }
                None => true,
            }
        });
        if renewing {
            // The broker sends the renewal on the next pump.
            let runner = *self;
            gloo_timers::callback::Timeout::new(0, move || runner.pump()).forget();
        }
        self.tick.try_update(|t| *t += 1);
        if !events.is_empty() {
            self.on_event.with_value(|f| {
                if let Some(f) = f {
                    events.into_iter().for_each(f);
                }
            });
        }
    }

    /// Wakes the loop at wall time `t` for the broker (a renewal or an STS
    /// retry), on a timer of its own: set only when that time changes, so the
    /// engine's frequent wake-ups never multiply it.
    fn schedule_broker(&self, t: f64) {
        if self.broker_wake.get_value() == t {
            return;
        }
        self.broker_wake.set_value(t);
        let delay = (t - now_ms()).clamp(0.0, 2_147_483_000.0).ceil() as u32;
        let runner = *self;
        gloo_timers::callback::Timeout::new(delay, move || {
            if runner.broker_wake.try_get_value() == Some(t) {
                runner.broker_wake.set_value(f64::NAN);
                runner.pump();
            }
        })
        .forget();
    }

    /// Wakes the loop at monotonic time `t` (the earliest asked for wins).
    fn schedule(&self, t: f64) {
        if t >= self.wake_at.get_value() && self.wake_at.get_value() > monotonic_ms() {
            return; // an earlier (still future) wake-up will poll anyway
        }
        self.wake_at.set_value(t);
        let delay = (t - monotonic_ms()).clamp(0.0, 2_147_483_000.0).ceil() as u32;
        let runner = *self;
        gloo_timers::callback::Timeout::new(delay, move || {
            if runner.wake_at.try_get_value() == Some(t) {
                runner.wake_at.set_value(f64::INFINITY);
            }
            runner.pump();
        })
        .forget();
    }

    /// Hands what the broker learnt to the engine: new credentials replace
    /// old ones in place (and retry sources stopped by an expired token), a
    /// failed role blocks its sources, the home account labels its sources.
    fn apply_broker_events(&self) {
        let events = self
            .broker
            .try_update_value(Broker::take_events)
            .unwrap_or_default();
        for event in events {
            self.engine.update_value(|e| match &event {
                BrokerEvent::Ready {
                    principal,
                    credentials,
                } => {
                    e.set_credentials(principal, credentials);
                    for id in e.expired_sources(principal) {
                        e.retry_source(id);
                    }
                    self.scanner
                        .update_value(|s| s.set_credentials(principal, credentials));
                }
                BrokerEvent::Failed { principal, error } => e.block(principal, error),
                BrokerEvent::HomeAccount(account) => e.set_account(HOME, account),
            });
        }
    }

    /// The clock correction the engine learnt for `principal` in `region`
    /// (any source's, when both are empty): 0 until one is learnt.
    fn offset_for(&self, principal: &str, region: &str) -> f64 {
        self.engine.with_value(|e| {
            e.sources()
                .filter_map(|(id, st)| {
                    let t = e.target(id)?;
                    ((principal.is_empty() || t.principal == principal)
                        && (region.is_empty() || t.region == region)
                        && st.clock_offset_ms != 0.0)
                        .then_some(st.clock_offset_ms)
                })
                .next()
                .unwrap_or(0.0)
        })
    }

    /// Signs and sends one STS call with the home credentials; its answer goes back to the broker.
    fn send_sts(&self, send: StsSend) {
        let Some(place) = self.sts.get_value() else {
            return;
        };
        let creds = self.broker.with_value(|b| b.home_credentials().clone());
        // A clock the listing found off is off for STS too.
        let offset = self.offset_for("", "");
        let runner = *self;
        // An STS call without an answer in 10 s is aborted (a network error to the broker).
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        if let Some(c) = controller {
            gloo_timers::callback::Timeout::new(STS_TIMEOUT_MS, move || c.abort()).forget();
        }
        spawn_local(async move {
            let answer = sts_call(
                &place.endpoint,
                &place.region,
                &creds,
                send.body,
                now_ms() + offset,
                signal.as_ref(),
            )
            .await;
            let handled = runner
                .broker
                .try_update_value(|b| b.handle(send.id, answer, now_ms(), js_sys::Math::random()));
            if handled.is_some() {
                runner.pump();
            }
        });
    }

    /// Signs and sends one request; its answer goes back to the engine.
    fn send(&self, send: Send) {
        let Some(target) = self.engine.with_value(|e| e.target(send.source).cloned()) else {
            return;
        };
        let controller = web_sys::AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        if let Some(c) = controller {
            self.controllers.update_value(|m| {
                m.insert(send.id.0, c);
            });
        }
        let runner = *self;
        spawn_local(async move {
            let result = list_backups(&target, send.body, send.sign_at_ms, signal.as_ref()).await;
            runner
                .controllers
                .try_update_value(|m| m.remove(&send.id.0));
            let outcome = match result {
                Ok(page) => Outcome::Page(page),
                Err(e) => Outcome::Failed(e),
            };
            let handled = runner.engine.try_update_value(|e| {
                e.handle(
                    send.id,
                    outcome,
                    monotonic_ms(),
                    now_ms(),
                    js_sys::Math::random(),
                )
            });
            if handled.is_some() {
                runner.pump();
            }
        });
    }
}
