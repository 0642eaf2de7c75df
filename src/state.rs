//! The page's state, split by what it is for: the connection form, the query
//! form, the listing engine (through its runner) and the view model over its
//! rows. Components receive the part they read and change state only through
//! the methods here and on core types.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::core::endpoint::{is_known_region, Endpoint, LinkEndpoint, REGION_GROUPS};
use crate::core::engine::{Engine, Event, Goal, SourceState};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::format::grouped;
use crate::core::paste::parse_credentials;
use crate::core::query::{Field, FieldError, Query, QueryInput};
use crate::core::retry::describe_offset;
use crate::core::roles::{parse_roles_in_partition, partition_of_region};
use crate::core::sign::Credentials;
use crate::core::sts::sts_url;
use crate::core::time::parse_iso8601;
use crate::core::urlstate::ViewState;
use crate::core::view::{
    shown_columns, Column, Distinct, FacetCounts, Filter, RowsKey, Sort, VisibleCache,
    DEFAULT_COLUMNS,
};
use crate::net::{demo_credentials, now_ms};
use crate::runner::{OrgRequest, Runner, StsPlace};

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

/// Region, endpoint and credentials: where requests go and how they are signed.
#[derive(Clone, Copy)]
pub struct ConnectionForm {
    /// The chosen regions, in the picker's order (one partition only).
    pub regions: RwSignal<Vec<String>>,
    /// Roles to assume: role ARNs or account ids, one per line.
    pub roles: RwSignal<String>,
    /// The role name for lines that are account ids.
    pub role_name: RwSignal<String>,
    /// The external id the roles' trust policies ask for (optional).
    pub external_id: RwSignal<String>,
    /// List the home credentials' own account too.
    pub include_home: RwSignal<bool>,
    /// The paste box: read, copied into the fields, and emptied at once.
    pub paste: RwSignal<String>,
    pub endpoint: RwSignal<String>,
    pub access_key_id: RwSignal<String>,
    pub secret_access_key: RwSignal<String>,
    pub session_token: RwSignal<String>,
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

/// The ListBackups parameters, as typed.
#[derive(Clone, Copy)]
pub struct QueryForm {
    pub table: RwSignal<String>,
    pub backup_type: RwSignal<String>,
    pub time_from: RwSignal<String>,
    pub time_to: RwSignal<String>,
    pub page_size: RwSignal<String>,
}

/// What the table, facets and charts read: the rows (through the runner), the
/// client-side filter and sort, the clock, and what is derived from them.
#[derive(Clone, Copy)]
pub struct ViewModel {
    /// The engine, for its rows (read through `runner.with_rows`).
    pub runner: Runner,
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
    /// Where problems that are not the listing's go (a failed export).
    pub error: RwSignal<Option<Banner>>,
    /// The backup whose details drawer is open: (source, row key).
    pub selected: RwSignal<Option<(u32, String)>>,
    /// What the last listing asked for (table name, regions), for the empty-result message.
    pub listed: RwSignal<Option<(String, Vec<String>)>>,
    /// Faceted counts per facet (`Facet::ALL` order): every value loaded, with
    /// how many rows the other filters keep.
    pub facets: Memo<[Vec<(String, usize)>; 5]>,
    /// Distinct accounts and regions among the loaded rows.
    pub distinct: Memo<(usize, usize)>,
    /// Which dropdown of the filter bar is open (one at a time).
    pub open_dropdown: RwSignal<Option<&'static str>>,
    /// The columns the user chose (the column chooser; kept in the URL).
    pub columns: RwSignal<Vec<Column>>,
    /// The columns drawn: the chosen ones, Account and Region only when they vary.
    pub shown_columns: Memo<Vec<Column>>,
}

impl ViewModel {
    fn new(runner: Runner, error: RwSignal<Option<Banner>>) -> Self {
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
        // Faceted counts cost a pass over every row per filter change: they
        // are computed only while a facet's dropdown is open (the only place
        // they show), so typing in the search box does not pay for them.
        let open_dropdown = RwSignal::new(None::<&'static str>);
        let counts = StoredValue::new(FacetCounts::default());
        let facets = Memo::new(move |_| {
            let facet_open = open_dropdown
                .get()
                .is_some_and(|d| d.starts_with("facet-") && d != "facet-ranges");
            if !facet_open {
                return Default::default();
            }
            let (key, f, t) = (rows_key.get(), filter.get(), now.get());
            runner.with_rows(|rows| {
                counts
                    .try_update_value(|c| c.get(rows, key, &f, t))
                    .unwrap_or_default()
            })
        });
        let distinct_cache = StoredValue::new(Distinct::default());
        let distinct = Memo::new(move |_| {
            let key = rows_key.get();
            runner.with_rows(|rows| {
                distinct_cache
                    .try_update_value(|d| d.get(rows, key))
                    .unwrap_or_default()
            })
        });
        let columns = RwSignal::new(DEFAULT_COLUMNS.to_vec());
        let shown_columns = Memo::new(move |_| {
            let (accounts, regions) = distinct.get();
            columns.with(|c| shown_columns(c, accounts, regions))
        });
        ViewModel {
            runner,
            filter,
            sort,
            now,
            rows_key,
            visible,
            error,
            selected: RwSignal::new(None),
            listed: RwSignal::new(None),
            facets,
            distinct,
            open_dropdown,
            columns,
            shown_columns,
        }
    }
}

/// What a listing was asked for (query, regions and endpoints, home account,
/// role ARNs): Load more / Load all after a change start a new listing.
type RequestKey = (Query, Vec<(String, Endpoint)>, bool, Vec<String>);

/// All state of the page. Every field is a `Copy` handle.
#[derive(Clone, Copy)]
pub struct AppState {
    pub conn: ConnectionForm,
    pub query: QueryForm,
    /// The listing engine and the loop that drives it.
    pub runner: Runner,
    pub view: ViewModel,
    pub field_errors: RwSignal<Vec<FieldError>>,
    /// What the last results button asked for ("Loading" or "Loading all").
    pub mode: RwSignal<Mode>,
    pub error: RwSignal<Option<Banner>>,
    /// Information that is not an error (a corrected clock).
    pub notice: RwSignal<Option<String>>,
    /// How the last run ended, shown in the results bar when idle ("Stopped · 1,200 backups kept").
    pub outcome: RwSignal<String>,
    /// What the last List / Load asked for, to tell when Load more starts a new listing.
    last_request: StoredValue<Option<RequestKey>>,
    /// The connection panel shows only its one-line summary.
    pub connection_collapsed: RwSignal<bool>,
    /// A listing succeeded with this connection: the summary line shows.
    pub connection_listed: RwSignal<bool>,
    /// The protection view ("Tables") is shown instead of the backups.
    pub tables_view: RwSignal<bool>,
    /// The protection view's staleness threshold, days.
    pub stale_days: RwSignal<u32>,
}

impl Default for AppState {
    fn default() -> Self {
        AppState::new()
    }
}

impl AppState {
    /// The page's state, set up as the page starts: in the context, the view
    /// from the URL (and kept there), remembered credentials, the clock.
    pub fn for_page() -> Self {
        let state = AppState::new();
        provide_context(state);
        state.restore_from_url();
        state.keep_url_in_step();
        state.restore_remembered();
        state.keep_remembered();
        state.tick_clock();
        state
    }

    pub fn new() -> Self {
        let runner = Runner::new();
        let error = RwSignal::new(None);
        let state = AppState {
            conn: ConnectionForm {
                regions: RwSignal::new(vec!["us-east-1".into()]),
                roles: RwSignal::new(String::new()),
                role_name: RwSignal::new(String::new()),
                external_id: RwSignal::new(String::new()),
                include_home: RwSignal::new(true),
                paste: RwSignal::new(String::new()),
                endpoint: RwSignal::new(String::new()),
                access_key_id: RwSignal::new(String::new()),
                secret_access_key: RwSignal::new(String::new()),
                session_token: RwSignal::new(String::new()),
                remember: RwSignal::new(false),
                suggested_endpoint: RwSignal::new(None),
                expiration: RwSignal::new(None),
                expired_key: StoredValue::new(None),
            },
            query: QueryForm {
                table: RwSignal::new(String::new()),
                backup_type: RwSignal::new(crate::core::query::DEFAULT_BACKUP_TYPE.into()),
                time_from: RwSignal::new(String::new()),
                time_to: RwSignal::new(String::new()),
                page_size: RwSignal::new("100".into()),
            },
            runner,
            view: ViewModel::new(runner, error),
            field_errors: RwSignal::new(Vec::new()),
            mode: RwSignal::new(Mode::First),
            error,
            notice: RwSignal::new(None),
            outcome: RwSignal::new(String::new()),
            last_request: StoredValue::new(None),
            connection_collapsed: RwSignal::new(false),
            connection_listed: RwSignal::new(false),
            tables_view: RwSignal::new(false),
            stale_days: RwSignal::new(crate::core::urlstate::DEFAULT_STALE_DAYS),
        };
        runner.on_event(move |e| state.on_engine_event(e));
        state
    }

    fn query_input(&self) -> QueryInput {
        QueryInput {
            table: self.query.table.get_untracked(),
            backup_type: self.query.backup_type.get_untracked(),
            from: self.query.time_from.get_untracked(),
            to: self.query.time_to.get_untracked(),
            page_size: self.query.page_size.get_untracked(),
        }
    }

    /// Who signs, where requests go, and where STS calls go, from the form.
    fn connection(&self) -> Result<Connection, Vec<FieldError>> {
        let mut errors = Vec::new();
        let c = &self.conn;
        let regions = c.regions.get_untracked();
        if regions.is_empty() {
            errors.push(FieldError::new(Field::Region, "Pick at least one region"));
        }
        let first = regions.first().map(|r| partition_of_region(r));
        if regions
            .iter()
            .any(|r| Some(partition_of_region(r)) != first)
        {
            errors.push(FieldError::new(
                Field::Region,
                "China and GovCloud regions need credentials of their own partition: pick regions of one partition",
            ));
        }
        let custom = c.endpoint.get_untracked();
        let mut places = Vec::new();
        for region in &regions {
            match Endpoint::resolve(region, &custom) {
                Ok(e) => places.push((region.clone(), e)),
                Err(e) => {
                    if !errors.contains(&e) {
                        errors.push(e);
                    }
                }
            }
        }
        let credentials = Credentials::new(
            &c.access_key_id.get_untracked(),
            &c.secret_access_key.get_untracked(),
            &c.session_token.get_untracked(),
        )
        .map_err(|e| errors.extend(e));
        let partition = regions.first().map_or("aws", |r| partition_of_region(r));
        let roles = parse_roles_in_partition(
            &c.roles.get_untracked(),
            &c.role_name.get_untracked(),
            &c.external_id.get_untracked(),
            partition,
        )
        .map_err(|es| {
            for e in es {
                let field = match e.line {
                    0 if e.message.starts_with("The external id") => Field::ExternalId,
                    0 => Field::RoleName,
                    _ => Field::Roles,
                };
                errors.push(FieldError::new(field, e.message));
            }
        });
        let include_home = c.include_home.get_untracked();
        if let Ok(roles) = &roles {
            if roles.is_empty() && !include_home {
                errors.push(FieldError::new(
                    Field::Roles,
                    "Nothing to list: add a role, or list the home account too",
                ));
            }
        }
        // STS: the regional endpoint of the first chosen region that every
        // account has (opt-in regions may be off for the home account); a
        // custom endpoint that is not an AWS host (a local backend) answers STS
        // itself, while an AWS one (a FIPS or VPC endpoint of DynamoDB) does not.
        let home_region = regions
            .iter()
            .find(|r| !OPT_IN_REGIONS.contains(&r.as_str()))
            .or(regions.first())
            .cloned()
            .unwrap_or_default();
        let custom_endpoint = Endpoint::parse(&custom).ok();
        let sts = match custom_endpoint {
            Some(e) if !custom.trim().is_empty() && !is_aws_host(e.host()) => Ok(e),
            _ => Endpoint::parse(&sts_url(&home_region)),
        };
        match (credentials, roles, sts) {
            (Ok(credentials), Ok(roles), Ok(sts)) if errors.is_empty() => Ok(Connection {
                credentials,
                include_home,
                roles,
                places,
                sts: StsPlace {
                    endpoint: sts,
                    region: home_region,
                },
            }),
            _ => Err(errors),
        }
    }

    /// Reads the paste box: recognised credentials fill the three fields (and
    /// the expiry when given); the box is emptied either way, so the pasted
    /// text stays nowhere else on the page.
    pub fn paste_credentials(&self, text: &str) {
        let c = &self.conn;
        c.paste.set(String::new());
        self.field_errors
            .update(|es| es.retain(|e| e.field != Field::CredentialsPaste));
        if text.trim().is_empty() {
            return;
        }
        match parse_credentials(text) {
            Ok(p) => {
                c.access_key_id.set(p.access_key_id.clone());
                c.secret_access_key.set(p.secret_access_key.clone());
                c.session_token
                    .set(p.session_token.clone().unwrap_or_default());
                c.expiration.set(
                    p.expiration
                        .as_deref()
                        .and_then(parse_iso8601)
                        .map(|t| (p.access_key_id.clone(), t)),
                );
                self.field_errors.update(|es| {
                    es.retain(|e| {
                        !matches!(
                            e.field,
                            Field::AccessKeyId | Field::SecretAccessKey | Field::SessionToken
                        )
                    })
                });
                self.notice.set(Some(format!(
                    "Credentials read from the pasted {} (access key id …{}).",
                    p.format.label(),
                    last4(&p.access_key_id)
                )));
            }
            Err(e) => self.field_errors.update(|es| {
                es.push(FieldError::new(Field::CredentialsPaste, e.message()));
            }),
        }
    }

    /// Ticks or unticks a region; a region of another partition replaces the
    /// choice (partitions never mix). Kept in the picker's order.
    pub fn toggle_region(&self, region: &str, on: bool) {
        self.conn.regions.update(|rs| {
            if on {
                let p = partition_of_region(region);
                rs.retain(|r| partition_of_region(r) == p);
                if !rs.iter().any(|r| r == region) {
                    rs.push(region.to_owned());
                }
            } else {
                rs.retain(|r| r != region);
            }
            sort_regions(rs);
        });
        self.field_errors
            .update(|es| es.retain(|e| e.field != Field::Region));
    }

    /// Every region of one partition group (the picker's "all" button), or none.
    pub fn set_group(&self, group: &str, on: bool) {
        let Some((_, regions)) = REGION_GROUPS.iter().find(|(g, _)| *g == group) else {
            return;
        };
        self.conn.regions.update(|rs| {
            if on {
                *rs = regions.iter().map(|r| (*r).to_owned()).collect();
            } else {
                rs.retain(|r| !regions.contains(&r.as_str()));
            }
        });
        self.field_errors
            .update(|es| es.retain(|e| e.field != Field::Region));
    }

    /// True while any request is queued, in flight or waiting.
    pub fn busy(&self) -> bool {
        self.runner.read(Engine::busy)
            || self.runner.assuming()
            || self.runner.read_scanner(crate::core::tables::Scanner::busy)
    }

    /// Opens the protection view: lists every table of the chosen sources and
    /// asks its point-in-time recovery, and loads all their backups (type ALL,
    /// no table or time range) unless they are loaded already.
    pub fn open_tables(&self) {
        self.tables_view.set(true);
        let q = self.query;
        let wide = q.backup_type.get_untracked() == "ALL"
            && q.table.with_untracked(|t| t.trim().is_empty())
            && q.time_from.with_untracked(|t| t.trim().is_empty())
            && q.time_to.with_untracked(|t| t.trim().is_empty());
        if !wide {
            q.backup_type.set("ALL".into());
            q.table.set(String::new());
            q.time_from.set(String::new());
            q.time_to.set(String::new());
        }
        let complete = wide
            && self.view.rows_key.get_untracked().len > 0
            && !self.runner.read(Engine::has_more)
            && !self.busy();
        if !complete && !self.busy() {
            self.start(Mode::All);
        }
        if self.error.with_untracked(Option::is_none) {
            self.runner.scan_tables();
        }
    }

    /// Back to the backups, filtered to one table of the protection view.
    pub fn show_table_backups(&self, account: &str, region: &str, table: &str) {
        self.view.filter.set(Filter {
            tables: [table.to_owned()].into(),
            accounts: [account.to_owned()].into(),
            regions: [region.to_owned()].into(),
            ..Filter::default()
        });
        self.tables_view.set(false);
    }

    /// Ends any run at once: answers still on their way are ignored.
    pub fn stop(&self) {
        self.runner.stop();
        let n = self.view.rows_key.get_untracked().len;
        self.outcome.set(format!(
            "Stopped · {} {} kept",
            grouped(n as u64),
            if n == 1 { "backup" } else { "backups" }
        ));
    }

    /// Validates the form and starts a run; refuses with field messages before any request.
    pub fn start(&self, mode: Mode) {
        if let Some(e) = self.conn.suggested_endpoint.get_untracked() {
            self.error.set(Some(Banner {
                title: format!(
                    "This link suggests sending requests to {}: confirm or dismiss it first. Nothing was sent.",
                    e.authority
                ),
                detail: Some(
                    "A shared link cannot choose where your signed requests go; only you can.".into(),
                ),
            }));
            // Focus the question, not its confirm button: a repeated Enter must not confirm it.
            // (After the banner's own focus, which runs first.)
            gloo_timers::callback::Timeout::new(0, || focus_testid("endpoint-suggestion")).forget();
            return;
        }
        let query = self.query_input().validate();
        let connection = self.connection();
        let mut errors = Vec::new();
        if let Err(e) = &connection {
            errors.extend(e.iter().cloned());
        }
        if let Err(e) = &query {
            errors.extend(e.iter().cloned());
        }
        let (Ok(connection), Ok(query)) = (connection, query) else {
            let summary: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            self.field_errors.set(errors);
            self.connection_collapsed.set(false);
            self.error.set(Some(Banner {
                title: "Check the highlighted fields; nothing was sent.".into(),
                detail: Some(summary.join(" · ")),
            }));
            return;
        };
        self.field_errors.set(Vec::new());
        self.error.set(None);
        self.outcome.set(String::new());
        self.mode.set(mode);
        // Load more / Load all after the query or sources changed start a new listing: say so.
        // Compared by value, not through `Debug` text: release builds carry no
        // `Debug` output (-Zfmt-debug=none, see README "Bundle size").
        let asked: RequestKey = (
            query.clone(),
            connection.places.clone(),
            connection.include_home,
            connection.roles.iter().map(|r| r.arn.clone()).collect(),
        );
        let before = self.last_request.get_value();
        self.last_request.set_value(Some(asked.clone()));
        let has_rows = self.view.rows_key.get_untracked().len > 0;
        if mode != Mode::First && has_rows && before.is_some_and(|b| b != asked) {
            self.notice.set(Some(
                "The query or connection changed since the last listing, so this starts a new listing: \
                 the rows shown are replaced when its first page arrives."
                    .into(),
            ));
        }
        self.view.listed.set(Some((
            query.table.clone().unwrap_or_default(),
            connection.places.iter().map(|(r, _)| r.clone()).collect(),
        )));
        let goal = if mode == Mode::All {
            Goal::All
        } else {
            Goal::OnePage
        };
        // List always starts a new listing (shown once its first page is in, so a
        // failing new query does not wipe what is on screen); Load more / Load all
        // continue the shown one only if it is for this query and these sources.
        let Connection {
            credentials,
            include_home,
            roles,
            places,
            sts,
        } = connection;
        let place = format!(
            "{} {} {}",
            sts.endpoint.url(),
            sts.region,
            places
                .iter()
                .map(|(_, e)| e.url())
                .collect::<Vec<_>>()
                .join(",")
        );
        if self.tables_view.get_untracked() {
            self.runner.scan_tables();
        }
        self.runner.request_org(
            sts,
            move |b| b.configure(&place, credentials, include_home, roles),
            OrgRequest {
                regions: places,
                query,
                goal,
                fresh: mode == Mode::First,
            },
        );
    }

    /// Shows what the engine reports: errors in the banner, a corrected clock as a notice.
    fn on_engine_event(&self, event: Event) {
        match event {
            // Where the form sits above the results (phones, narrow windows) it
            // folds to one line after a listing; beside the results it stays
            // open (its summary line says the same) and folds on request.
            Event::Replaced => {
                if narrow_layout() {
                    self.connection_collapsed.set(true);
                }
                self.connection_listed.set(true);
            }
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
                access_key_id,
                ..
            } => {
                if error.kind == ErrorKind::ExpiredToken {
                    self.forget_expired(&access_key_id);
                }
                // With several sources, each failure is told on its own status
                // line (with Retry); the banner counts them and stays calm.
                let (sources, failed) = self.runner.read(|e| {
                    (
                        e.sources().count(),
                        e.sources()
                            .filter(|(_, s)| matches!(s.state, SourceState::Error(_)))
                            .count(),
                    )
                });
                if sources > 1 {
                    self.error.set(Some(Banner {
                        title: format!(
                            "{} of {} sources could not be listed; the others are not affected.",
                            grouped(failed as u64),
                            grouped(sources as u64)
                        ),
                        detail: Some(
                            "Each one says why in the sources list, with its own Retry.".into(),
                        ),
                    }));
                    return;
                }
                if needs_credentials(&error) {
                    self.connection_collapsed.set(false);
                }
                let mut banner = Banner::from(&error);
                if resumable {
                    let what = match error.kind {
                        ErrorKind::ExpiredToken => "paste fresh credentials, then",
                        ErrorKind::InvalidSignature => "correct the secret access key, then",
                        ErrorKind::UnrecognizedClient => {
                            "check the access key id and session token, then"
                        }
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
            Event::PendingFailed {
                error,
                access_key_id,
                errors,
            } => {
                if error.kind == ErrorKind::ExpiredToken {
                    self.forget_expired(&access_key_id);
                }
                if needs_credentials(&error) {
                    self.connection_collapsed.set(false);
                }
                // Nothing of the new query was shown: no word about resuming.
                let mut banner = Banner::from(&error);
                if errors.len() > 1 {
                    banner.title = format!(
                        "None of the {} sources could be listed. {}",
                        grouped(errors.len() as u64),
                        banner.title
                    );
                    banner.detail = Some(
                        errors
                            .iter()
                            .map(|(label, e)| format!("{label}: {}", e.user_message()))
                            .collect::<Vec<_>>()
                            .join(" · "),
                    );
                }
                self.error.set(Some(banner));
            }
        }
    }

    /// The shareable part of the state (never a credential).
    pub fn view_state(&self) -> ViewState {
        ViewState {
            region: self.conn.regions.get().join(","),
            roles: self.conn.roles.get(),
            role_name: self.conn.role_name.get(),
            skip_home: !self.conn.include_home.get(),
            columns: self.view.columns.get(),
            tables_view: self.tables_view.get(),
            stale_days: self.stale_days.get(),
            // A pending suggestion stays in the link, so sharing it again keeps it a suggestion.
            endpoint: self
                .conn
                .suggested_endpoint
                .with(|s| s.as_ref().map(Endpoint::url))
                .unwrap_or_else(|| self.conn.endpoint.get()),
            query: QueryInput {
                table: self.query.table.get(),
                backup_type: self.query.backup_type.get(),
                from: self.query.time_from.get(),
                to: self.query.time_to.get(),
                page_size: self.query.page_size.get(),
            },
            filter: self.view.filter.get(),
            sort: self.view.sort.get(),
        }
    }

    /// Restores a bookmarked view. `link_endpoint` is the link's `endpoint=`
    /// as written (the view state keeps only valid values; an invalid one
    /// gets a notice here rather than vanishing).
    pub fn restore(&self, v: ViewState, link_endpoint: &str) {
        let mut regions: Vec<String> = v
            .region
            .split(',')
            .filter(|r| is_known_region(r))
            .map(str::to_owned)
            .collect();
        if let Some(first) = regions.first().map(|r| partition_of_region(r)) {
            regions.retain(|r| partition_of_region(r) == first);
            sort_regions(&mut regions);
            self.conn.regions.set(regions);
        }
        if !v.roles.trim().is_empty() {
            let n = v.roles.lines().filter(|l| !l.trim().is_empty()).count();
            self.notice.set(Some(format!(
                "This link lists {n} {} to assume (under Other accounts): check {} before you list; \
                 nothing is sent until you press List, Load more or Load all.",
                if n == 1 { "role" } else { "roles" },
                if n == 1 { "it" } else { "them" }
            )));
        }
        self.conn.roles.set(v.roles);
        self.conn.role_name.set(v.role_name);
        self.conn.include_home.set(!v.skip_home);
        if !v.columns.is_empty() {
            let mut columns = v.columns;
            // The name column is always there (its box cannot be unticked).
            if !columns.contains(&Column::Name) {
                columns.insert(0, Column::Name);
            }
            self.view.columns.set(columns);
        }
        if v.stale_days != 0 {
            self.stale_days.set(v.stale_days);
        }
        if v.tables_view {
            self.tables_view.set(true);
        }
        // A link only suggests a custom endpoint: the user confirms its host first.
        match LinkEndpoint::from_link(link_endpoint) {
            LinkEndpoint::None => self.conn.endpoint.set(v.endpoint),
            LinkEndpoint::Suggested(e) => self.conn.suggested_endpoint.set(Some(e)),
            LinkEndpoint::Invalid(why) => self.notice.set(Some(format!(
                "The link's endpoint was ignored ({why}); requests go to the region's AWS endpoint."
            ))),
        }
        self.query.table.set(v.query.table);
        self.query.backup_type.set(v.query.backup_type);
        self.query.time_from.set(v.query.from);
        self.query.time_to.set(v.query.to);
        if !v.query.page_size.is_empty() {
            self.query.page_size.set(v.query.page_size);
        }
        self.view.filter.set(v.filter);
        self.view.sort.set(v.sort);
    }

    /// The user confirmed the suggested endpoint: it becomes the endpoint field.
    pub fn confirm_endpoint(&self) {
        if let Some(e) = self.conn.suggested_endpoint.get_untracked() {
            self.conn
                .endpoint
                .set(e.url().trim_end_matches('/').to_owned());
            self.conn.suggested_endpoint.set(None);
            self.error.set(None);
        }
    }

    /// The user dismissed the suggestion: requests go to the region's AWS
    /// endpoint (or to one the user typed into the field, which stays).
    pub fn dismiss_endpoint(&self) {
        self.conn.suggested_endpoint.set(None);
        self.error.set(None);
    }

    /// Clears the credentials from memory and from this tab's storage, and
    /// stops any run: the engine drops its copies too, so nothing more is
    /// signed with them (rows stay; fresh credentials resume).
    pub fn forget_credentials(&self) {
        self.runner.forget_credentials();
        self.conn.remember.set(false);
        self.conn.access_key_id.set(String::new());
        self.conn.secret_access_key.set(String::new());
        self.conn.session_token.set(String::new());
        self.conn.expiration.set(None);
        save_session_credentials(None);
        self.notice.set(Some(
            "Credentials forgotten: cleared from this tab's memory and storage.".into(),
        ));
    }

    /// The session token of `access_key_id` expired: if those are the
    /// remembered credentials, they are dropped from storage and never stored
    /// again (the form keeps them, so the message can be read and fresh ones pasted).
    fn forget_expired(&self, access_key_id: &str) {
        self.conn
            .expired_key
            .set_value(Some(access_key_id.trim().to_owned()));
        if stored_credentials().is_some_and(|c| c.access_key_id == access_key_id.trim()) {
            save_session_credentials(None);
        }
    }

    /// Fills the connection from the local demo backend.
    pub fn use_demo(&self) {
        let typed = self.conn.endpoint.get_untracked();
        let endpoint = Endpoint::parse(&typed)
            .ok()
            .filter(Endpoint::is_loopback)
            .or_else(|| Endpoint::parse(DEMO_ENDPOINT).ok());
        let Some(endpoint) = endpoint else { return };
        self.conn.suggested_endpoint.set(None);
        self.conn
            .endpoint
            .set(endpoint.url().trim_end_matches('/').to_owned());
        let state = *self;
        spawn_local(async move {
            match demo_credentials(&endpoint).await {
                Ok(c) => {
                    state.conn.regions.set(vec![c.region]);
                    state.conn.access_key_id.set(c.access_key_id);
                    state.conn.secret_access_key.set(c.secret_access_key);
                    state.conn.session_token.set(c.session_token);
                    state.conn.expiration.set(
                        c.expiration
                            .as_deref()
                            .and_then(parse_iso8601)
                            .map(|t| (state.conn.access_key_id.get_untracked(), t)),
                    );
                    state.field_errors.set(Vec::new());
                    state.error.set(None);
                }
                Err(message) => state.error.set(Some(Banner::plain(message))),
            }
        });
    }
}

/// True where the form is stacked above the results (the page's one-column layout).
fn narrow_layout() -> bool {
    window()
        .match_media("(max-width: 900px)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// Regions an account must enable before use: never where STS calls go if another is chosen.
const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// An AWS service host (`*.amazonaws.com`, `*.amazonaws.com.cn`).
fn is_aws_host(host: &str) -> bool {
    host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
}

/// Errors the user fixes in the connection panel (which then opens).
fn needs_credentials(e: &ApiError) -> bool {
    matches!(
        e.kind,
        ErrorKind::ExpiredToken
            | ErrorKind::UnrecognizedClient
            | ErrorKind::InvalidSignature
            | ErrorKind::AccessDenied
            | ErrorKind::ClockSkew { .. }
    )
}

/// Who signs and where requests go, validated.
struct Connection {
    credentials: Credentials,
    include_home: bool,
    roles: Vec<crate::core::roles::RoleSpec>,
    places: Vec<(String, Endpoint)>,
    sts: StsPlace,
}

/// The last four characters of an access key id (the rest is never shown twice).
pub fn last4(access_key_id: &str) -> &str {
    let n = access_key_id.len();
    access_key_id.get(n.saturating_sub(4)..).unwrap_or("")
}

/// Puts regions in the picker's order.
fn sort_regions(regions: &mut [String]) {
    let order = |r: &String| {
        REGION_GROUPS
            .iter()
            .flat_map(|(_, rs)| rs.iter())
            .position(|x| x == r)
            .unwrap_or(usize::MAX)
    };
    crate::core::sort::by_key(regions, order);
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

/// What this tab's sessionStorage holds, expired or not.
fn stored_credentials() -> Option<Remembered> {
    let storage = window().session_storage().ok()??;
    let text = storage.get_item(SESSION_KEY).ok()??;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let get = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    Some(Remembered {
        access_key_id: get("AccessKeyId"),
        secret_access_key: get("SecretAccessKey"),
        session_token: get("SessionToken"),
        expiration: v.get("Expiration").and_then(serde_json::Value::as_i64),
    })
}

/// Credentials the user chose to keep in this tab, if any and not expired at
/// `now`; expired ones are removed.
fn session_credentials(now: i64) -> Option<Remembered> {
    let remembered = stored_credentials()?;
    if remembered.expiration.is_some_and(|t| t <= now) {
        save_session_credentials(None);
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
            let text = crate::core::format::json_text(&serde_json::json!({
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "SessionToken": c.session_token,
                "Expiration": c.expiration,
            }));
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

impl AppState {
    /// The view lives in the URL: restores a bookmarked or shared one.
    pub fn restore_from_url(&self) {
        if let Ok(search) = window().location().search() {
            self.restore(
                ViewState::from_query(&search),
                &ViewState::raw_param(&search, "endpoint").unwrap_or_default(),
            );
        }
    }

    /// Keeps the URL in step with the view (replaceState, no history entries).
    pub fn keep_url_in_step(&self) {
        let state = *self;
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
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        });
    }

    /// Brings back credentials the user chose to remember in this tab (unless expired).
    pub fn restore_remembered(&self) {
        let c = &self.conn;
        if let Some(saved) = session_credentials((now_ms() / 1000.0) as i64) {
            c.expiration
                .set(saved.expiration.map(|t| (saved.access_key_id.clone(), t)));
            c.access_key_id.set(saved.access_key_id);
            c.secret_access_key.set(saved.secret_access_key);
            c.session_token.set(saved.session_token);
            c.remember.set(true);
        }
    }

    /// Opt-in only: credentials go to this tab's sessionStorage while "Remember" is ticked,
    /// until Forget, the token's expiry (when known) or an ExpiredTokenException.
    pub fn keep_remembered(&self) {
        let c = self.conn;
        Effect::new(move |_| {
            let remember = c.remember.get();
            let access_key_id = c.access_key_id.get();
            let expiration = c.expiration.with(|e| {
                e.as_ref()
                    .filter(|(k, _)| *k == access_key_id)
                    .map(|(_, t)| *t)
            });
            let expired = c
                .expired_key
                .with_value(|k| k.as_deref() == Some(access_key_id.trim()));
            let now = (now_ms() / 1000.0) as i64;
            let past = expiration.is_some_and(|t| t <= now);
            let creds = Remembered {
                access_key_id,
                secret_access_key: c.secret_access_key.get(),
                session_token: c.session_token.get(),
                expiration,
            };
            save_session_credentials((remember && !expired && !past).then_some(&creds));
            // Dropped when the session ends, also while the tab stays open.
            if let Some(t) = expiration.filter(|_| remember && !past) {
                let ms = ((t - now) as f64 * 1000.0).clamp(0.0, 2_147_483_000.0) as u32;
                gloo_timers::callback::Timeout::new(ms.saturating_add(1000), move || {
                    // Removes the stored entry if it has expired by now.
                    let _ = session_credentials((now_ms() / 1000.0) as i64);
                })
                .forget();
            }
        });
    }

    /// Moves the view's clock on each minute ("expires within", the expiry chart).
    pub fn tick_clock(&self) {
        let now = self.view.now;
        // Lives as long as the page; after an unmount the signal is gone and try_set does nothing.
        gloo_timers::callback::Interval::new(60_000, move || {
            now.try_set((now_ms() / 1000.0) as i64);
        })
        .forget();
    }
}
