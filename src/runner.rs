//! The browser loop around the core listing engine: it performs what
//! `Engine::poll` asks (sign and fetch, abort, wake up later) and hands every
//! answer back. No paging, pacing, retry or clock logic lives here; that is
//! all in `core::engine`, tested on the host.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::engine::{Action, Engine, EngineConfig, Event, Goal, Outcome, Send, SourceSpec};
use crate::core::rows::Row;
use crate::core::view::RowsKey;
use crate::net::{list_backups, monotonic_ms, now_ms};

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
        }
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
        self.engine.update_value(Engine::stop);
        self.pump();
    }

    /// Polls the engine until it has nothing more to do now, performing each action.
    pub fn pump(&self) {
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
    fn changed(&self) {
        let events = self
            .engine
            .try_update_value(Engine::take_events)
            .unwrap_or_default();
        self.tick.try_update(|t| *t += 1);
        if !events.is_empty() {
            self.on_event.with_value(|f| {
                if let Some(f) = f {
                    events.into_iter().for_each(f);
                }
            });
        }
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
