//! The page: connection and query panels, the results table, the error banner.
//! Components hold core types in signals and change them only through core methods.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::charts::Charts;
use crate::core::endpoint::{Endpoint, LinkEndpoint, REGION_GROUPS};
use crate::core::engine::{Engine, Event, Goal, SourceSpec, SourceState, Target, PACING};
use crate::core::error::ApiError;
use crate::core::error::ErrorKind;
use crate::core::format::{grouped, human_size};
use crate::core::query::{BackupTypeFilter, Field, FieldError, QueryInput};
use crate::core::retry::describe_offset;
use crate::core::sign::Credentials;
use crate::core::time::parse_iso8601;
use crate::core::urlstate::ViewState;
use crate::core::view::{Filter, RowsKey, Sort, VisibleCache};
use crate::net::{demo_credentials, monotonic_ms, now_ms};
use crate::runner::Runner;
use crate::table::{BackupTable, FilterBar};

/// Where the local demo backend listens unless the endpoint field says otherwise.
pub const DEMO_ENDPOINT: &str = "http://127.0.0.1:8765";

/// What a click on a results button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The first page of the query in the form.
    First,
    /// One more page of the current listing.
    More,
    /// Every remaining page, paced under the rate limit.
    All,
}

/// What the error banner shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub title: String,
    pub detail: Option<String>,
}

impl From<&ApiError> for Banner {
    fn from(e: &ApiError) -> Self {
        Banner {
            title: e.user_message(),
            detail: e.detail(),
        }
    }
}

impl Banner {
    pub fn plain(title: impl Into<String>) -> Self {
        Banner {
            title: title.into(),
            detail: None,
        }
    }
}

/// The visible rows: indices into the shown rows, in display order, and what they were computed from.
#[derive(Clone, Debug, Default)]
pub struct Visible {
    /// The row set the indices point into.
    pub rows: RowsKey,
    /// Changes whenever the visible set may have changed (not on a re-sort).
    pub membership: u64,
    pub indices: Vec<u32>,
}

impl PartialEq for Visible {
    // The cache's key covers every input; comparing it is O(1) where the indices are O(n).
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows
            && self.membership == other.membership
            && self.indices.len() == other.indices.len()
            && self.indices.first() == other.indices.first()
            && self.indices.last() == other.indices.last()
            && self.indices == other.indices
    }
}

/// All state of the page. Every field is a `Copy` handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub region: RwSignal<String>,
    pub endpoint: RwSignal<String>,
    pub access_key_id: RwSignal<String>,
    pub secret_access_key: RwSignal<String>,
    pub session_token: RwSignal<String>,
    pub table: RwSignal<String>,
    pub backup_type: RwSignal<String>,
    pub time_from: RwSignal<String>,
    pub time_to: RwSignal<String>,
    pub page_size: RwSignal<String>,
    pub field_errors: RwSignal<Vec<FieldError>>,
    /// The listing engine and the loop that drives it.
    pub runner: Runner,
    /// What the last results button asked for ("Loading" or "Loading all").
    pub mode: RwSignal<Mode>,
    pub error: RwSignal<Option<Banner>>,
    /// Client-side filters over the loaded rows.
    pub filter: RwSignal<Filter>,
    /// Column sort; `None` keeps arrival order.
    pub sort: RwSignal<Option<Sort>>,
    /// The clock for "expires within" and the expiry chart, epoch seconds (ticks each minute).
    pub now: RwSignal<i64>,
    /// Which rows are shown: changes when they are replaced, updated or grow.
    pub rows_key: Memo<RowsKey>,
    /// The rows that pass the filters, in display order: a function of
    /// (rows, filter, sort, now), never kept in step by hand.
    pub visible: Memo<Visible>,
    /// (rows, membership) of the visible set: what aggregates (charts) depend on.
    pub visible_set: Memo<(RowsKey, u64)>,
    /// Information that is not an error (a corrected clock).
    pub notice: RwSignal<Option<String>>,
    /// Opt-in: keep the credentials in this tab's sessionStorage.
    pub remember: RwSignal<bool>,
    /// A custom endpoint a shared link suggested: nothing is sent until the user confirms it.
    pub suggested_endpoint: RwSignal<Option<Endpoint>>,
    /// When the credentials in the form expire (epoch seconds), with the access key id they belong to.
    /// Known for demo (STS) credentials; remembered credentials are dropped after it.
    pub expiration: RwSignal<Option<(String, i64)>>,
    /// The access key id whose session token was refused as expired: never stored again.
    expired_key: StoredValue<Option<String>>,
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

impl AppState {
    pub fn new() -> Self {
        let runner = Runner::new();
        let filter = RwSignal::new(Filter::default());
        let sort = RwSignal::new(None::<Sort>);
        let now = RwSignal::new((now_ms() / 1000.0) as i64);
        let rows_key = Memo::new(move |_| runner.rows_key());
        let cache = StoredValue::new(VisibleCache::default());
        let visible = Memo::new(move |_| {
            let (key, f, s, t) = (rows_key.get(), filter.get(), sort.get(), now.get());
            runner.with_rows(|rows| {
                cache
                    .try_update_value(|c| {
                        let indices = c.get(rows, key, &f, s, t).to_vec();
                        Visible {
                            rows: key,
                            membership: c.membership(),
                            indices,
                        }
                    })
                    .unwrap_or_default()
            })
        });
        let visible_set = Memo::new(move |_| visible.with(|v| (v.rows, v.membership)));
        let state = AppState {
            region: RwSignal::new("us-east-1".into()),
            endpoint: RwSignal::new(String::new()),
            access_key_id: RwSignal::new(String::new()),
            secret_access_key: RwSignal::new(String::new()),
            session_token: RwSignal::new(String::new()),
            table: RwSignal::new(String::new()),
            backup_type: RwSignal::new("USER".into()),
            time_from: RwSignal::new(String::new()),
            time_to: RwSignal::new(String::new()),
            page_size: RwSignal::new("100".into()),
            field_errors: RwSignal::new(Vec::new()),
            runner,
            mode: RwSignal::new(Mode::First),
            error: RwSignal::new(None),
            filter,
            sort,
            now,
            rows_key,
            visible,
            visible_set,
            notice: RwSignal::new(None),
            remember: RwSignal::new(false),
            suggested_endpoint: RwSignal::new(None),
            expiration: RwSignal::new(None),
            expired_key: StoredValue::new(None),
        };
        runner.on_event(move |e| state.on_engine_event(e));
        state
    }

    fn query_input(&self) -> QueryInput {
        QueryInput {
            table: self.table.get_untracked(),
            backup_type: self.backup_type.get_untracked(),
            from: self.time_from.get_untracked(),
            to: self.time_to.get_untracked(),
            page_size: self.page_size.get_untracked(),
        }
    }

    fn target(&self) -> Result<Target, Vec<FieldError>> {
        let mut errors = Vec::new();
        let region = self.region.get_untracked().trim().to_owned();
        let endpoint =
            Endpoint::resolve(&region, &self.endpoint.get_untracked()).map_err(|e| errors.push(e));
        let credentials = Credentials::new(
            &self.access_key_id.get_untracked(),
            &self.secret_access_key.get_untracked(),
            &self.session_token.get_untracked(),
        )
        .map_err(|e| errors.extend(e));
        match (endpoint, credentials) {
            (Ok(endpoint), Ok(credentials)) => Ok(Target {
                endpoint,
                region,
                credentials,
            }),
            _ => Err(errors),
        }
    }

    /// True while any request is queued, in flight or waiting.
    pub fn busy(&self) -> bool {
        self.runner.read(Engine::busy)
    }

    /// Ends any run at once: answers still on their way are ignored.
    pub fn stop(&self) {
        self.runner.stop();
    }

    /// Validates the form and starts a run; refuses with field messages before any request.
    pub fn start(&self, mode: Mode) {
        if let Some(e) = self.suggested_endpoint.get_untracked() {
            self.error.set(Some(Banner {
                title: format!(
                    "This link suggests sending requests to {}: confirm or dismiss it first. Nothing was sent.",
                    e.authority
                ),
                detail: Some(
                    "A shared link cannot choose where your signed requests go; only you can.".into(),
                ),
            }));
            focus_testid("endpoint-confirm");
            return;
        }
        let query = self.query_input().validate();
        let target = self.target();
        let mut errors = Vec::new();
        if let Err(e) = &target {
            errors.extend(e.iter().cloned());
        }
        if let Err(e) = &query {
            errors.extend(e.iter().cloned());
        }
        let (Ok(target), Ok(query)) = (target, query) else {
            let summary: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            self.field_errors.set(errors);
            self.error.set(Some(Banner {
                title: "Check the highlighted fields; nothing was sent.".into(),
                detail: Some(summary.join(" · ")),
            }));
            return;
        };
        self.field_errors.set(Vec::new());
        self.error.set(None);
        self.mode.set(mode);
        let label = if target.endpoint.is_aws_region_endpoint() {
            target.region.clone()
        } else {
            format!("{} · {}", target.endpoint.authority, target.region)
        };
        let goal = if mode == Mode::All {
            Goal::All
        } else {
            Goal::OnePage
        };
        // List always starts a new listing (shown once its first page is in, so a
        // failing new query does not wipe what is on screen); Load more / Load all
        // continue the shown one only if it is for this query and place.
        self.runner.request(
            vec![SourceSpec {
                target,
                query,
                label,
            }],
            goal,
            mode == Mode::First,
        );
    }

    /// Shows what the engine reports: errors in the banner, a corrected clock as a notice.
    fn on_engine_event(&self, event: Event) {
        match event {
            Event::Replaced => {}
            Event::ClockCorrected {
                offset_ms, clamped, ..
            } => {
                let text = if clamped {
                    "This computer's clock is more than a day off DynamoDB's; correct the system clock.".to_owned()
                } else {
                    format!(
                        "This computer's clock is {} DynamoDB's. Backup Lens now signs with the server's time; \
                         correct the system clock to silence this note.",
                        describe_offset(offset_ms)
                    )
                };
                self.notice.set(Some(text));
            }
            Event::SourceFailed {
                error,
                rows_kept,
                resumable,
                ..
            } => {
                if error.kind == ErrorKind::ExpiredToken {
                    self.forget_expired();
                }
                let mut banner = Banner::from(&error);
                if resumable {
                    let what = match error.kind {
                        ErrorKind::ExpiredToken
                        | ErrorKind::UnrecognizedClient
                        | ErrorKind::InvalidSignature => "paste fresh credentials, then",
                        _ => "when the problem is fixed,",
                    };
                    let resume = format!(
                        "The {} backups already loaded are kept: {what} press Load all to continue from where it stopped.",
                        grouped(rows_kept as u64)
                    );
                    banner.detail = Some(match banner.detail {
                        Some(d) => format!("{resume} ({d})"),
                        None => resume,
                    });
                }
                self.error.set(Some(banner));
            }
            Event::PendingFailed { error, .. } => {
                if error.kind == ErrorKind::ExpiredToken {
                    self.forget_expired();
                }
                // Nothing of the new query was shown: no word about resuming.
                self.error.set(Some(Banner::from(&error)));
            }
        }
    }

    /// The shareable part of the state (never a credential).
    pub fn view_state(&self) -> ViewState {
        ViewState {
            region: self.region.get(),
            // A pending suggestion stays in the link, so sharing it again keeps it a suggestion.
            endpoint: self
                .suggested_endpoint
                .with(|s| s.as_ref().map(Endpoint::url))
                .unwrap_or_else(|| self.endpoint.get()),
            query: QueryInput {
                table: self.table.get(),
                backup_type: self.backup_type.get(),
                from: self.time_from.get(),
                to: self.time_to.get(),
                page_size: self.page_size.get(),
            },
            filter: self.filter.get(),
            sort: self.sort.get(),
        }
    }

    /// Restores a bookmarked view.
    pub fn restore(&self, v: ViewState) {
        if !v.region.is_empty() {
            self.region.set(v.region);
        }
        // A link only suggests a custom endpoint: the user confirms its host first.
        match LinkEndpoint::from_link(&v.endpoint) {
            LinkEndpoint::None => self.endpoint.set(v.endpoint),
            LinkEndpoint::Suggested(e) => self.suggested_endpoint.set(Some(e)),
            LinkEndpoint::Invalid(why) => self.notice.set(Some(format!(
                "The link's endpoint was ignored ({why}); requests go to the region's AWS endpoint."
            ))),
        }
        self.table.set(v.query.table);
        self.backup_type.set(v.query.backup_type);
        self.time_from.set(v.query.from);
        self.time_to.set(v.query.to);
        if !v.query.page_size.is_empty() {
            self.page_size.set(v.query.page_size);
        }
        self.filter.set(v.filter);
        self.sort.set(v.sort);
    }

    /// The user confirmed the suggested endpoint: it becomes the endpoint field.
    pub fn confirm_endpoint(&self) {
        if let Some(e) = self.suggested_endpoint.get_untracked() {
            self.endpoint.set(e.url().trim_end_matches('/').to_owned());
            self.suggested_endpoint.set(None);
            self.error.set(None);
        }
    }

    /// The user dismissed the suggestion: requests go to the region's AWS endpoint.
    pub fn dismiss_endpoint(&self) {
        self.suggested_endpoint.set(None);
        self.endpoint.set(String::new());
        self.error.set(None);
    }

    /// Clears the credentials from memory and from this tab's storage.
    pub fn forget_credentials(&self) {
        self.remember.set(false);
        self.access_key_id.set(String::new());
        self.secret_access_key.set(String::new());
        self.session_token.set(String::new());
        self.expiration.set(None);
        save_session_credentials(None);
        self.notice.set(Some(
            "Credentials forgotten: cleared from this tab's memory and storage.".into(),
        ));
    }

    /// The session token expired: remembered credentials are dropped from storage
    /// (those in the form stay, so the message can be read and fresh ones pasted).
    fn forget_expired(&self) {
        self.expired_key
            .set_value(Some(self.access_key_id.get_untracked().trim().to_owned()));
        save_session_credentials(None);
    }

    /// Fills the connection from the local demo backend.
    pub fn use_demo(&self) {
        let typed = self.endpoint.get_untracked();
        let endpoint = Endpoint::parse(&typed)
            .ok()
            .filter(Endpoint::is_loopback)
            .or_else(|| Endpoint::parse(DEMO_ENDPOINT).ok());
        let Some(endpoint) = endpoint else { return };
        self.suggested_endpoint.set(None);
        self.endpoint
            .set(endpoint.url().trim_end_matches('/').to_owned());
        let state = *self;
        spawn_local(async move {
            match demo_credentials(&endpoint).await {
                Ok(c) => {
                    state.region.set(c.region);
                    state.access_key_id.set(c.access_key_id);
                    state.secret_access_key.set(c.secret_access_key);
                    state.session_token.set(c.session_token);
                    state.expiration.set(
                        c.expiration
                            .as_deref()
                            .and_then(parse_iso8601)
                            .map(|t| (state.access_key_id.get_untracked(), t)),
                    );
                    state.field_errors.set(Vec::new());
                    state.error.set(None);
                }
                Err(message) => state.error.set(Some(Banner::plain(message))),
            }
        });
    }
}

const SESSION_KEY: &str = "backup-lens.credentials";

/// What "Remember for this tab" keeps in sessionStorage.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Remembered {
    access_key_id: String,
    secret_access_key: String,
    session_token: String,
    /// Epoch seconds, when known (demo or STS credentials).
    expiration: Option<i64>,
}

/// Credentials the user chose to keep in this tab, if any (and not expired at `now`).
fn session_credentials(now: i64) -> Option<Remembered> {
    let storage = window().session_storage().ok()??;
    let text = storage.get_item(SESSION_KEY).ok()??;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let get = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let remembered = Remembered {
        access_key_id: get("AccessKeyId"),
        secret_access_key: get("SecretAccessKey"),
        session_token: get("SessionToken"),
        expiration: v.get("Expiration").and_then(serde_json::Value::as_i64),
    };
    if remembered.expiration.is_some_and(|t| t <= now) {
        let _ = storage.remove_item(SESSION_KEY);
        return None;
    }
    Some(remembered)
}

/// Writes the credentials to sessionStorage, or removes them when `None`.
fn save_session_credentials(creds: Option<&Remembered>) {
    let Some(storage) = window().session_storage().ok().flatten() else {
        return;
    };
    match creds {
        Some(c) => {
            let text = serde_json::json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": c.expiration,
            })
            .to_string();
            let _ = storage.set_item(SESSION_KEY, &text);
        }
        None => {
            let _ = storage.remove_item(SESSION_KEY);
        }
    }
}

/// Moves keyboard focus to the element with this `data-testid`, if it is on the page.
fn focus_testid(testid: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .query_selector(&format!("[data-testid=\"{testid}\"]"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// True when the page itself is served from this machine (development, demo).
fn page_is_local() -> bool {
    window()
        .location()
        .hostname()
        .is_ok_and(|h| crate::core::endpoint::is_loopback_host(&h))
}

/// The whole page.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    // The view lives in the URL: restore it, then keep it in step (replaceState, no history spam).
    if let Ok(search) = window().location().search() {
        state.restore(ViewState::from_query(&search));
    }
    Effect::new(move |_| {
        let query = state.view_state().to_query();
        let location = window().location();
        let path = location.pathname().unwrap_or_default();
        let url = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    });
    // Opt-in only: credentials go to this tab's sessionStorage while "Remember" is ticked,
    // until Forget, the token's expiry (when known) or an ExpiredTokenException.
    if let Some(saved) = session_credentials((now_ms() / 1000.0) as i64) {
        state
            .expiration
            .set(saved.expiration.map(|t| (saved.access_key_id.clone(), t)));
        state.access_key_id.set(saved.access_key_id);
        state.secret_access_key.set(saved.secret_access_key);
        state.session_token.set(saved.session_token);
        state.remember.set(true);
    }
    Effect::new(move |_| {
        let remember = state.remember.get();
        let access_key_id = state.access_key_id.get();
        let expiration = state.expiration.with(|e| {
            e.as_ref()
                .filter(|(k, _)| *k == access_key_id)
                .map(|(_, t)| *t)
        });
        let expired = state
            .expired_key
            .with_value(|k| k.as_deref() == Some(access_key_id.trim()));
        let creds = Remembered {
            access_key_id,
            secret_access_key: state.secret_access_key.get(),
            session_token: state.session_token.get(),
            expiration,
        };
        save_session_credentials((remember && !expired).then_some(&creds));
    });
    // Lives as long as the page; after an unmount the signal is gone and try_set does nothing.
    gloo_timers::callback::Interval::new(60_000, move || {
        state.now.try_set((now_ms() / 1000.0) as i64);
    })
    .forget();
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true"></span>
                <div>
                    <h1>"Backup Lens"</h1>
                    <p class="tagline">"Amazon DynamoDB backups, listed and signed in your browser"</p>
                </div>
            </div>
            <p class="privacy">"Credentials stay in this tab's memory and go only to the endpoint you choose and confirm."</p>
        </header>
        <main class="layout">
            <aside class="sidebar">
                <ConnectionPanel state=state />
                <QueryPanel state=state />
            </aside>
            <section class="results" id="results" aria-label="Backups">
                <ErrorBanner error=state.error />
                {move || {
                    state
                        .notice
                        .get()
                        .map(|n| {
                            view! {
                                <div class="notice" role="status" data-testid="notice">
                                    <span>{n}</span>
                                    <button class="close" aria-label="Dismiss" on:click=move |_| state.notice.set(None)>
                                        "×"
                                    </button>
                                </div>
                            }
                        })
                }}
                <ResultsToolbar state=state />
                <FilterBar state=state />
                <Charts state=state />
                <BackupTable state=state />
            </section>
        </main>
    }
}

/// Region, endpoint and credentials.
#[component]
pub fn ConnectionPanel(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let show_demo = move || {
        page_is_local()
            || Endpoint::parse(&state.endpoint.get())
                .map(|e| e.is_loopback())
                .unwrap_or(false)
    };
    let has_credentials = move || {
        !(state.access_key_id.with(String::is_empty)
            && state.secret_access_key.with(String::is_empty)
            && state.session_token.with(String::is_empty))
    };
    view! {
        <section class="panel" aria-labelledby="connection-title">
            <h2 id="connection-title">"Connection"</h2>
            <EndpointSuggestion state=state />
            <div class="field">
                <label for="region">"Region"</label>
                <select
                    id="region"
                    data-testid="region"
                    on:change=move |ev| state.region.set(event_target_value(&ev))
                >
                    {REGION_GROUPS
                        .iter()
                        .map(|(group, regions)| {
                            view! {
                                <optgroup label=*group>
                                    {regions
                                        .iter()
                                        .map(|r| {
                                            let r = *r;
                                            view! {
                                                <option value=r selected=move || state.region.get() == r>
                                                    {r}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </optgroup>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldMessage field=Field::Region errors=state.field_errors />
            </div>
            <TextField
                label="Custom endpoint (optional)"
                field=Field::Endpoint
                value=state.endpoint
                errors=state.field_errors
                placeholder="https://dynamodb.<region>.amazonaws.com"
                hint="Leave empty for the region's public AWS endpoint. A custom endpoint you type here is used as typed; one that comes from a link must be confirmed first."
            />
            <TextField
                label="Access key id"
                field=Field::AccessKeyId
                value=state.access_key_id
                errors=state.field_errors
                placeholder="ASIA…"
            />
            <TextField
                label="Secret access key"
                field=Field::SecretAccessKey
                value=state.secret_access_key
                errors=state.field_errors
                secret=true
            />
            <TextField
                label="Session token"
                field=Field::SessionToken
                value=state.session_token
                errors=state.field_errors
                secret=true
                hint="Temporary credentials from STS or IAM Identity Center."
            />
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="remember"
                    prop:checked=move || state.remember.get()
                    on:change=move |ev| state.remember.set(event_target_checked(&ev))
                />
                "Remember for this tab"
            </label>
            <p class="hint" data-testid="remember-hint">
                "Keeps the access key id, secret key and session token in this tab's sessionStorage until you press Forget, \
                 the session token expires, or the browser ends the tab's session. The browser may bring them back with a \
                 reopened or restored tab and copies them into a duplicated tab; any script running on this site's origin can read them."
            </p>
            <Show when=has_credentials>
                <button class="secondary" data-testid="forget-credentials" on:click=move |_| state.forget_credentials()>
                    "Forget credentials"
                </button>
            </Show>
            <Show when=show_demo>
                <button class="secondary" data-testid="use-demo" on:click=move |_| state.use_demo()>
                    "Use local demo"
                </button>
            </Show>
        </section>
    }
}

/// A custom endpoint from a shared link, waiting for the user to confirm or dismiss it.
#[component]
pub fn EndpointSuggestion(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    move || {
        state.suggested_endpoint.get().map(|e| {
            let host = e.authority.clone();
            view! {
                <div class="suggestion" role="alert" data-testid="endpoint-suggestion">
                    <p>
                        "This link suggests a custom endpoint. Send requests to "
                        <strong data-testid="endpoint-suggestion-host">{host.clone()}</strong>
                        "? Your signed requests, with your access key id and session token, would go there."
                    </p>
                    <p class="hint">{format!("{} — confirm only if you run or trust this host.", e.url())}</p>
                    <div class="suggestion-actions">
                        <button class="primary" data-testid="endpoint-confirm" on:click=move |_| state.confirm_endpoint()>
                            {format!("Send requests to {host}")}
                        </button>
                        <button class="secondary" data-testid="endpoint-dismiss" on:click=move |_| state.dismiss_endpoint()>
                            "Dismiss: use the region's AWS endpoint"
                        </button>
                    </div>
                </div>
            }
        })
    }
}

/// The ListBackups parameters.
#[component]
pub fn QueryPanel(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let busy = move || state.busy();
    view! {
        <section class="panel" aria-labelledby="query-title">
            <h2 id="query-title">"Query"</h2>
            <TextField
                label="Table name or ARN"
                field=Field::Table
                value=state.table
                errors=state.field_errors
                placeholder="All tables"
            />
            <div class="field">
                <label for="backup-type">"Backup type"</label>
                <select
                    id="backup-type"
                    data-testid="backup-type"
                    on:change=move |ev| state.backup_type.set(event_target_value(&ev))
                >
                    {BackupTypeFilter::EVERY
                        .iter()
                        .map(|t| {
                            let v = t.as_str();
                            let label = match t {
                                BackupTypeFilter::User => "USER: on-demand backups",
                                BackupTypeFilter::System => "SYSTEM: made by DynamoDB",
                                BackupTypeFilter::AwsBackup => "AWS_BACKUP: made by AWS Backup",
                                BackupTypeFilter::All => "ALL: user and system",
                            };
                            view! {
                                <option value=v selected=move || state.backup_type.get() == v>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="hint">
                    "Backups made by AWS Backup are listed in the AWS Backup console and API, not by ListBackups."
                </p>
                <FieldMessage field=Field::BackupType errors=state.field_errors />
            </div>
            <div class="row2">
                <TextField
                    label="Created from (UTC)"
                    field=Field::TimeFrom
                    value=state.time_from
                    errors=state.field_errors
                    kind="datetime-local"
                />
                <TextField
                    label="Created before (UTC)"
                    field=Field::TimeTo
                    value=state.time_to
                    errors=state.field_errors
                    kind="datetime-local"
                />
            </div>
            <TextField
                label="Page size (1–100)"
                field=Field::PageSize
                value=state.page_size
                errors=state.field_errors
                kind="number"
            />
            <button class="primary" data-testid="list" disabled=busy on:click=move |_| state.start(Mode::First)>
                "List backups"
            </button>
        </section>
    }
}

/// A labelled input bound to a string signal, with its message.
#[component]
pub fn TextField(
    /// The visible label.
    label: &'static str,
    /// Which field this is: its id, `data-testid` and messages.
    field: Field,
    /// The text in the input.
    value: RwSignal<String>,
    /// Messages for all fields; this one shows those for `field`.
    errors: RwSignal<Vec<FieldError>>,
    /// The input's `type` (text when empty).
    #[prop(optional)]
    kind: &'static str,
    /// Placeholder text.
    #[prop(optional)]
    placeholder: &'static str,
    /// A line of help under the input.
    #[prop(optional)]
    hint: &'static str,
    /// A credential: masked, never autocompleted or spell-checked.
    #[prop(optional)]
    secret: bool,
) -> impl IntoView {
    let id = field.id();
    let invalid = move || {
        errors
            .with(|es| es.iter().any(|e| e.field == field))
            .then_some("true")
    };
    let input_type = if secret {
        "password"
    } else if kind.is_empty() {
        "text"
    } else {
        kind
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                data-testid=id
                type=input_type
                placeholder=placeholder
                autocomplete=if secret { "new-password" } else { "off" }
                spellcheck="false"
                aria-invalid=invalid
                aria-describedby=format!("{id}-message")
                prop:value=move || value.get()
                on:input=move |ev| {
                    value.set(event_target_value(&ev));
                    errors.update(|es| es.retain(|e| e.field != field));
                }
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            <FieldMessage field=field errors=errors />
        </div>
    }
}

/// The message for one field, if there is one.
#[component]
pub fn FieldMessage(
    /// The field.
    field: Field,
    /// Messages for all fields.
    errors: RwSignal<Vec<FieldError>>,
) -> impl IntoView {
    let id = format!("{}-message", field.id());
    let message = move || {
        errors.with(|es| {
            es.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    };
    view! {
        <p class="field-error" id=id data-testid=format!("{}-error", field.id()) role="alert">
            {message}
        </p>
    }
}

/// The error banner; rows already loaded stay on screen under it.
#[component]
pub fn ErrorBanner(
    /// What to show; `None` hides the banner.
    error: RwSignal<Option<Banner>>,
) -> impl IntoView {
    move || {
        error.get().map(|b| {
            view! {
                <div class="banner" role="alert" data-testid="error">
                    <div>
                        <strong>{b.title}</strong>
                        {b.detail.map(|d| view! { <p class="detail">{d}</p> })}
                    </div>
                    <button class="close" aria-label="Dismiss" on:click=move |_| error.set(None)>
                        "×"
                    </button>
                </div>
            }
        })
    }
}

/// Count, status and the paging buttons.
#[component]
pub fn ResultsToolbar(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let runner = state.runner;
    let count = move || state.rows_key.with(|k| k.len);
    let pages = move || runner.read(Engine::pages);
    let has_more = move || runner.read(Engine::has_more);
    let loaded = move || runner.read(|e| e.shown_sources().next().is_some());
    let busy = move || state.busy();
    let loading_all = move || state.mode.get() == Mode::All;
    let total_size = move || {
        runner.read(|e| {
            e.shown_sources()
                .map(|(_, s)| s.bytes)
                .fold(0u64, u64::saturating_add)
        })
    };
    // Why the run waits, if it does (retry or pacing), with the time left.
    let waiting = move || {
        runner.read(|e| {
            e.sources().find_map(|(_, s)| match &s.state {
                SourceState::Waiting { why, until } => {
                    let secs = ((until - monotonic_ms()) / 1000.0).max(0.0);
                    Some(if why == PACING {
                        "Pacing requests under DynamoDB's 5 calls per second…".to_owned()
                    } else {
                        format!("Waiting {secs:.1} s: {why}.")
                    })
                }
                _ => None,
            })
        })
    };
    view! {
        <div class="toolbar">
            <div class="counts">
                <span class="count" data-testid="row-count">
                    {move || {
                        let n = count();
                        format!("{n} {} loaded", if n == 1 { "backup" } else { "backups" })
                    }}
                </span>
                <span class="muted" data-testid="more-status">
                    {move || {
                        if !loaded() {
                            "Nothing listed yet".to_owned()
                        } else if has_more() {
                            format!("{} pages · more available", pages())
                        } else {
                            format!("{} pages · all loaded · {}", pages(), human_size(total_size()))
                        }
                    }}
                </span>
            </div>
            <div class="actions">
                <Show when=busy>
                    <span class="progress" data-testid="progress" aria-live="polite">
                        <span class="spinner" aria-hidden="true"></span>
                        {move || {
                            let verb = if loading_all() { "Loading all" } else { "Loading" };
                            match waiting() {
                                Some(w) => format!("{verb}: {} pages, {} backups. {w}", pages(), grouped(count() as u64)),
                                None => format!("{verb}: {} pages, {} backups", pages(), grouped(count() as u64)),
                            }
                        }}
                    </span>
                </Show>
                <button
                    class="secondary"
                    data-testid="load-more"
                    disabled=move || busy() || !has_more()
                    on:click=move |_| state.start(Mode::More)
                >
                    "Load more"
                </button>
                <button
                    class="secondary"
                    data-testid="load-all"
                    disabled=move || busy() || (loaded() && !has_more())
                    on:click=move |_| state.start(Mode::All)
                >
                    "Load all"
                </button>
                <button class="danger" data-testid="stop" disabled=move || !busy() on:click=move |_| state.stop()>
                    "Stop"
                </button>
            </div>
        </div>
    }
}
