//! The page: connection and query panels, the results table, the error banner.
//! Components hold core types in signals and change them only through core methods.

use leptos::prelude::*;

use crate::charts::Charts;
use crate::core::endpoint::{Endpoint, REGION_GROUPS};
use crate::core::engine::{Engine, SourceId, SourceState, SourceStatus, HOME, PACING};
use crate::core::format::{grouped, human_size};
use crate::core::org::source_sentence;
use crate::core::query::{BackupTypeFilter, Field, FieldError};
use crate::details::DetailsDrawer;
use crate::net::monotonic_ms;
use crate::protection::TablesView;
use crate::state::{AppState, Banner, Mode};
use crate::table::{BackupTable, FilterBar};

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
    let state = AppState::for_page();
    view! {
        <a class="skip-link" href="#results">"Skip to the results"</a>
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
            <ResultsToolbar state=state />
            <aside class="sidebar">
                <ConnectionPanel state=state />
                <QueryPanel state=state />
            </aside>
            <section class="results" id="results" tabindex="-1" aria-label="Results">
                <div class="view-switch" role="group" aria-label="View">
                    <button
                        class="tab"
                        data-testid="view-backups"
                        aria-pressed=move || if state.tables_view.get() { "false" } else { "true" }
                        on:click=move |_| state.tables_view.set(false)
                    >
                        "Backups"
                    </button>
                    <button
                        class="tab"
                        data-testid="view-tables"
                        aria-pressed=move || if state.tables_view.get() { "true" } else { "false" }
                        on:click=move |_| state.open_tables()
                    >
                        "Tables"
                    </button>
                </div>
                <SourcesPanel state=state />
                <div hidden=move || state.tables_view.get()>
                    <FilterBar view=state.view />
                    <Charts view=state.view />
                    <BackupTable view=state.view />
                </div>
                <Show when=move || state.tables_view.get()>
                    <TablesView state=state />
                </Show>
            </section>
        </main>
        <DetailsDrawer view=state.view />
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
            || Endpoint::parse(&state.conn.endpoint.get())
                .map(|e| e.is_loopback())
                .unwrap_or(false)
    };
    let has_credentials = move || {
        !(state.conn.access_key_id.with(String::is_empty)
            && state.conn.secret_access_key.with(String::is_empty)
            && state.conn.session_token.with(String::is_empty))
    };
    let collapsed = state.connection_collapsed;
    let summary = move || {
        let c = state.conn;
        let regions = c.regions.with(|rs| match rs.len() {
            0 => "no region".to_owned(),
            1..=2 => rs.join(", "),
            n => format!("{n} regions"),
        });
        let key = c.access_key_id.with(|k| crate::state::last4(k).to_owned());
        let roles = c
            .roles
            .with(|r| r.lines().filter(|l| !l.trim().is_empty()).count());
        let now = (crate::net::now_ms() / 1000.0) as i64;
        let left = c.expiration.with(|e| {
            e.as_ref()
                .filter(|(k, _)| c.access_key_id.with(|a| a == k))
                .map(|(_, t)| t - now)
        });
        let mut parts = vec![regions, format!("key …{key}")];
        if let Some(secs) = left {
            parts.push(if secs <= 0 {
                "expired".to_owned()
            } else if secs < 3600 {
                format!("{} min left", secs / 60)
            } else {
                format!("{} h {} min left", secs / 3600, secs % 3600 / 60)
            });
        }
        if roles > 0 {
            parts.push(format!(
                "{roles} {}",
                if roles == 1 { "role" } else { "roles" }
            ));
        }
        parts.join(" · ")
    };
    view! {
        <section class="panel" aria-labelledby="connection-title">
            <h2 id="connection-title">"Connection"</h2>
            <EndpointSuggestion state=state />
            <Show when=move || collapsed.get() || state.connection_listed.get()>
                <button
                    class="conn-summary"
                    data-testid="connection-summary"
                    aria-expanded=move || if collapsed.get() { "false" } else { "true" }
                    aria-controls="connection-fields"
                    title=move || if collapsed.get() { "Show the connection fields" } else { "Fold the connection fields" }
                    on:click=move |_| collapsed.update(|c| *c = !*c)
                >
                    <span class="mono">{summary}</span>
                    <span class="edit">{move || if collapsed.get() { "Edit" } else { "Fold" }}</span>
                </button>
            </Show>
            <div class="conn-fields" id="connection-fields" hidden=move || collapsed.get()>
            <RegionPicker state=state />
            <TextField
                label="Custom endpoint (optional)"
                field=Field::Endpoint
                value=state.conn.endpoint
                errors=state.field_errors
                placeholder="https://dynamodb.<region>.amazonaws.com"
                hint="Leave empty for the region's public AWS endpoint. A custom endpoint you type here is used as typed; one that comes from a link must be confirmed first."
            />
            <div class="field">
                <label for="credentials-paste">"Paste credentials"</label>
                <textarea
                    id="credentials-paste"
                    data-testid="credentials-paste"
                    rows="2"
                    autocomplete="off"
                    spellcheck="false"
                    placeholder="JSON from aws sts assume-role or aws configure export-credentials, export AWS_… lines, or a [profile] block"
                    aria-describedby="credentials-paste-message"
                    prop:value=move || state.conn.paste.get()
                    on:input=move |ev| state.paste_credentials(&event_target_value(&ev))
                ></textarea>
                <p class="hint">"Read at once into the fields below, then cleared. Or fill the fields yourself."</p>
                <FieldMessage field=Field::CredentialsPaste errors=state.field_errors />
            </div>
            <TextField
                label="Access key id"
                field=Field::AccessKeyId
                value=state.conn.access_key_id
                errors=state.field_errors
                placeholder="ASIA…"
            />
            <TextField
                label="Secret access key"
                field=Field::SecretAccessKey
                value=state.conn.secret_access_key
                errors=state.field_errors
                secret=true
            />
            <TextField
                label="Session token"
                field=Field::SessionToken
                value=state.conn.session_token
                errors=state.field_errors
                secret=true
                hint="Temporary credentials from STS or IAM Identity Center."
            />
            <RolesFields state=state />
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="remember"
                    prop:checked=move || state.conn.remember.get()
                    on:change=move |ev| state.conn.remember.set(event_target_checked(&ev))
                />
                "Remember for this tab"
            </label>
            <p class="hint" data-testid="remember-hint">
                "Keeps the access key id, secret key and session token in this tab's sessionStorage until you press Forget, \
                 the session token expires, or the browser ends the tab's session. The browser may bring them back with a \
                 reopened or restored tab and copies them into a duplicated tab; any script running on this site's origin can read them."
            </p>
            </div>
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

/// The regions to list, grouped by partition; a region of another
/// partition replaces the choice (credentials belong to one partition).
#[component]
pub fn RegionPicker(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let chosen = state.conn.regions;
    let summary = move || {
        chosen.with(|rs| match rs.len() {
            0 => "No region chosen".to_owned(),
            1 => rs[0].clone(),
            n if n <= 3 => rs.join(", "),
            n => format!("{n} regions: {}, …", rs[..2].join(", ")),
        })
    };
    view! {
        <fieldset class="field regions" data-testid="regions" aria-describedby="regions-message">
            <legend>"Regions"</legend>
            <p class="regions-summary" data-testid="regions-summary">{summary}</p>
            <div class="regions-list">
                {REGION_GROUPS
                    .iter()
                    .map(|(group, regions)| {
                        let group = *group;
                        let all_on = move || chosen.with(|rs| regions.iter().all(|r| rs.iter().any(|x| x == r)));
                        view! {
                            <div class="region-group" role="group" aria-label=group>
                                <div class="region-group-head">
                                    <span>{group}</span>
                                    <button
                                        type="button"
                                        class="link small"
                                        data-testid="regions-all"
                                        data-group=group
                                        on:click=move |_| state.set_group(group, !all_on())
                                    >
                                        {move || if all_on() { "none" } else { "all" }}
                                    </button>
                                </div>
                                {regions
                                    .iter()
                                    .map(|r| {
                                        let r = *r;
                                        view! {
                                            <label class="region-option">
                                                <input
                                                    type="checkbox"
                                                    data-testid="region-option"
                                                    value=r
                                                    prop:checked=move || chosen.with(|rs| rs.iter().any(|x| x == r))
                                                    on:change=move |ev| state.toggle_region(r, event_target_checked(&ev))
                                                />
                                                {r}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
            <FieldMessage field=Field::Region errors=state.field_errors />
        </fieldset>
    }
}

/// Roles to assume in other accounts, and whether the home account is listed too.
#[component]
pub fn RolesFields(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let c = state.conn;
    view! {
        <div class="roles" role="group" aria-labelledby="roles-title">
            <h3 class="subhead" id="roles-title">"Other accounts (optional)"</h3>
            <div class="field">
                <label for="role-arns">"Roles to assume, one per line"</label>
                <textarea
                    id="role-arns"
                    data-testid="role-arns"
                    rows="3"
                    spellcheck="false"
                    placeholder="arn:aws:iam::111122223333:role/BackupLensViewer or 111122223333"
                    aria-describedby="role-arns-message"
                    prop:value=move || c.roles.get()
                    on:input=move |ev| {
                        c.roles.set(event_target_value(&ev));
                        state.field_errors.update(|es| es.retain(|e| e.field != Field::Roles));
                    }
                ></textarea>
                <p class="hint">"A role ARN, or an account id used with the role name below. Assumed from the browser with STS (session backup-lens, up to 1 hour, renewed before it ends)."</p>
                <FieldMessage field=Field::Roles errors=state.field_errors />
            </div>
            <TextField label="Role name (for account ids)" field=Field::RoleName value=c.role_name errors=state.field_errors placeholder="BackupLensViewer" />
            <TextField label="External id (optional)" field=Field::ExternalId value=c.external_id errors=state.field_errors />
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="home-account"
                    prop:checked=move || c.include_home.get()
                    on:change=move |ev| c.include_home.set(event_target_checked(&ev))
                />
                "Also list the account of the pasted credentials"
            </label>
        </div>
    }
}

/// A custom endpoint from a shared link, waiting for the user to confirm or dismiss it.
#[component]
pub fn EndpointSuggestion(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    move || {
        state.conn.suggested_endpoint.get().map(|e| {
            let host = e.authority.clone();
            view! {
                <div class="suggestion" role="alert" tabindex="-1" data-testid="endpoint-suggestion">
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
    view! {
        <section class="panel" aria-labelledby="query-title">
            <h2 id="query-title">"Query"</h2>
            <TextField
                label="Table name or ARN"
                field=Field::Table
                value=state.query.table
                errors=state.field_errors
                placeholder="All tables"
            />
            <div class="field">
                <label for="backup-type">"Backup type"</label>
                <select
                    id="backup-type"
                    data-testid="backup-type"
                    on:change=move |ev| state.query.backup_type.set(event_target_value(&ev))
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
                                <option value=v selected=move || state.query.backup_type.get() == v>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="hint">
                    "ALL lists USER and SYSTEM backups. AWS_BACKUP lists backups made through AWS Backup; their recovery points, \
                     plans and vaults are in the AWS Backup console and API (which a browser page cannot call)."
                </p>
                <FieldMessage field=Field::BackupType errors=state.field_errors />
            </div>
            <div class="row2">
                <TextField
                    label="Created from (UTC)"
                    field=Field::TimeFrom
                    value=state.query.time_from
                    errors=state.field_errors
                    placeholder="YYYY-MM-DD HH:MM"
                />
                <TextField
                    label="Created before (UTC)"
                    field=Field::TimeTo
                    value=state.query.time_to
                    errors=state.field_errors
                    placeholder="YYYY-MM-DD HH:MM"
                />
            </div>
            <TextField
                label="Page size (1–100)"
                field=Field::PageSize
                value=state.query.page_size
                errors=state.field_errors
                kind="number"
            />
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
    // A new error takes focus (and is announced): it is in view, in the results bar.
    Effect::new(move |_| {
        if error.with(Option::is_some) {
            if let Some(el) = document()
                .query_selector("[data-testid=error]")
                .ok()
                .flatten()
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            {
                let _ = el.focus();
            }
        }
    });
    move || {
        error.get().map(|b| {
            view! {
                <div class="banner" role="alert" tabindex="-1" data-testid="error">
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
    let count = move || state.view.rows_key.with(|k| k.len);
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
    // A clock for the countdown: read only while a source waits, so it
    // redraws nothing otherwise. Ends with the page (try_set on a gone signal).
    let clock = RwSignal::new(monotonic_ms());
    gloo_timers::callback::Interval::new(250, move || {
        clock.try_set(monotonic_ms());
    })
    .forget();
    // Why the run waits, if it does (retry or pacing), with the time left.
    let waiting = move || {
        runner.read(|e| {
            e.sources().find_map(|(_, s)| match &s.state {
                SourceState::Waiting { why, until } => {
                    let secs = ((until - clock.get()) / 1000.0).max(0.0);
                    Some(if why == PACING {
                        "Pacing requests under DynamoDB's 5 calls per second…".to_owned()
                    } else {
                        format!("Waiting {} s: {why}.", crate::core::format::fixed(secs, 1))
                    })
                }
                _ => None,
            })
        })
    };
    let outcome = state.outcome;
    view! {
        <div class="toolbar resultsbar" data-testid="results-bar">
            <div class="bar-main">
                <div class="actions">
                    <button class="primary" data-testid="list" disabled=busy on:click=move |_| state.start(Mode::First)>
                        "List backups"
                    </button>
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
                <div class="counts">
                    <span class="count" data-testid="row-count" data-count=move || count().to_string()>
                        {move || {
                            let n = count();
                            format!("{} {} loaded", grouped(n as u64), if n == 1 { "backup" } else { "backups" })
                        }}
                    </span>
                    <span class="muted" data-testid="more-status">
                        {move || {
                            let p = pages();
                            let pages = format!("{} {}", grouped(u64::from(p)), if p == 1 { "page" } else { "pages" });
                            if !loaded() {
                                "Nothing listed yet".to_owned()
                            } else if has_more() {
                                format!("{pages} · more available")
                            } else {
                                format!("{pages} · all loaded · {}", human_size(total_size()))
                            }
                        }}
                    </span>
                </div>
            </div>
            <div class="bar-status" aria-live="polite">
                <Show
                    when=busy
                    fallback=move || view! { <span class="muted" data-testid="outcome">{move || outcome.get()}</span> }
                >
                    <span class="progress" data-testid="progress">
                        <span class="spinner" aria-hidden="true"></span>
                        {move || {
                            let verb = if loading_all() { "Loading all" } else { "Loading" };
                            let p = pages();
                            let done = format!(
                                "{verb}: {} {}, {} {}",
                                grouped(u64::from(p)),
                                if p == 1 { "page" } else { "pages" },
                                grouped(count() as u64),
                                if count() == 1 { "backup" } else { "backups" }
                            );
                            if runner.assuming() {
                                return "Assuming roles…".to_owned();
                            }
                            match waiting() {
                                Some(w) => format!("{done}. {w}"),
                                None => done,
                            }
                        }}
                    </span>
                </Show>
            </div>
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
        </div>
    }
}

/// What a source's `data-state` says.
fn state_name(state: &SourceState) -> &'static str {
    match state {
        SourceState::Queued => "queued",
        SourceState::Loading => "loading",
        SourceState::Waiting { .. } => "waiting",
        SourceState::Idle => "paused",
        SourceState::Done => "done",
        SourceState::Error(_) => "error",
        SourceState::Stopped => "stopped",
    }
}

/// One line per source (account × region): its state, pages and rows, and
/// for a failed one its sentence and a Retry button.
#[component]
pub fn SourcesPanel(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let runner = state.runner;
    let sources = move || {
        runner.read(|e| {
            let many_regions = {
                let mut rs: Vec<&str> = e.sources().map(|(_, s)| s.region.as_str()).collect();
                crate::core::sort::by(&mut rs, |a, b| a.cmp(b));
                rs.dedup();
                rs.len() > 1
            };
            e.sources()
                .map(|(id, s)| {
                    let role = e.spec(id).is_some_and(|x| x.target.principal != HOME);
                    let sentence = match &s.state {
                        SourceState::Error(err) => Some(source_sentence(
                            err,
                            s.account.as_deref(),
                            &s.region,
                            many_regions,
                            role,
                        )),
                        _ => None,
                    };
                    (id, s.clone(), sentence)
                })
                .collect::<Vec<(SourceId, SourceStatus, Option<String>)>>()
        })
    };
    let summary = move || {
        let all = sources();
        let n = all.len();
        let done = all
            .iter()
            .filter(|(_, s, _)| s.state == SourceState::Done)
            .count();
        let failed = all.iter().filter(|(_, _, e)| e.is_some()).count();
        let mut text = format!(
            "{} of {} {} complete",
            grouped(done as u64),
            grouped(n as u64),
            if n == 1 { "source" } else { "sources" }
        );
        if failed > 0 {
            text.push_str(&format!(" · {failed} failed"));
        }
        text
    };
    view! {
        <Show when=move || !sources().is_empty()>
            <details class="sources" open=move || sources().len() <= 12 || sources().iter().any(|(_, _, e)| e.is_some())>
                <summary data-testid="sources-summary">{summary}</summary>
                <ul class="source-list">
                    <For
                        each=sources
                        key=|(id, s, e)| (id.0, state_name(&s.state), s.rows, s.pages, s.account.clone(), e.clone())
                        children=move |(id, s, sentence)| {
                            let key = crate::core::org::source_key(s.account.as_deref(), &s.region);
                            let name = state_name(&s.state);
                            let detail = match &s.state {
                                SourceState::Waiting { why, .. } if why == PACING => "pacing".to_owned(),
                                SourceState::Waiting { why, .. } => why.clone(),
                                _ => String::new(),
                            };
                            let failed = sentence.is_some();
                            let shown_key = key.clone();
                            view! {
                                <li class=format!("source source-{name}") data-testid="source-status" data-source=key data-state=name data-rows=s.rows.to_string()>
                                    <span class="source-key mono">{shown_key}</span>
                                    <span class="source-state">{name}</span>
                                    <span class="muted">{format!("{} {} · {} {}", grouped(u64::from(s.pages)), if s.pages == 1 { "page" } else { "pages" }, grouped(s.rows as u64), if s.rows == 1 { "backup" } else { "backups" })}</span>
                                    {(!detail.is_empty()).then(|| view! { <span class="muted">{detail}</span> })}
                                    {sentence.map(|t| view! { <p class="source-error">{t}</p> })}
                                    {failed.then(|| view! {
                                        <button class="secondary small" data-testid="source-retry" on:click=move |_| runner.retry_source(id)>
                                            "Retry"
                                        </button>
                                    })}
                                </li>
                            }
                        }
                    />
                </ul>
            </details>
        </Show>
    }
}
