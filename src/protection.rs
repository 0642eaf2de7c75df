//! The protection view ("Tables"): one row per table of every source, with
//! its backups, newest available backup and point-in-time recovery, ordered
//! by risk. Everything shown comes from `core::tables`.

use leptos::prelude::*;

use crate::core::details::relative_time;
use crate::core::engine::{Engine, SourceState};
use crate::core::format::grouped;
use crate::core::tables::{
    bytes_text, pitr_text, protection, scan_sentence, summary, to_csv, to_json, Pitr, Scanner,
    TableRow,
};
use crate::core::time::{format_iso, format_minutes};
use crate::state::AppState;

/// The protection view.
#[component]
pub fn TablesView(
    /// The page state.
    state: AppState,
) -> impl IntoView {
    let runner = state.runner;
    let stale_days = state.stale_days;
    let only_risky = RwSignal::new(false);
    // Which sources' backups are not all known: still loading, or failed (a
    // denied ListBackups). Their tables are not called stale. A memo, so the
    // join below reruns only when this set changes, not on every tick.
    let unknown = Memo::new(move |_| {
        runner.read(|e: &Engine| {
            e.shown_sources()
                .chain(e.sources())
                .filter(|(_, s)| s.state != SourceState::Done)
                .map(|(_, s)| crate::core::org::source_key(s.account.as_deref(), &s.region))
                .collect::<Vec<String>>()
        })
    });
    let scan_revision = Memo::new(move |_| runner.read_scanner(Scanner::revision));
    let rows = Memo::new(move |_| {
        let days = stale_days.get();
        let now = state.view.now.get();
        state.view.rows_key.track();
        scan_revision.track();
        let unknown = unknown.get();
        let known = move |key: &str| !unknown.iter().any(|u| u == key);
        runner.scanner_untracked(|sc| {
            runner.with_rows(|rows| protection(sc.sources(), rows, &known, now, days))
        })
    });
    let counts = Memo::new(move |_| rows.with(|r| summary(r, stale_days.get())));
    let errors = move || {
        runner.read_scanner(|sc: &Scanner| {
            sc.sources()
                .iter()
                .filter_map(|s| {
                    s.error
                        .as_ref()
                        .map(|(api, e)| (s.key.clone(), scan_sentence(*api, e, &s.key)))
                })
                .collect::<Vec<_>>()
        })
    };
    let progress = move || {
        runner.read_scanner(|sc: &Scanner| {
            let n = sc.sources().len();
            let done = sc
                .sources()
                .iter()
                .filter(|s| s.done || s.error.is_some())
                .count();
            (done, n)
        })
    };
    let shown = move || {
        let risky = only_risky.get();
        rows.get()
            .into_iter()
            .filter(|r| !risky || r.stale || r.pitr == Pitr::Disabled)
            .collect::<Vec<TableRow>>()
    };
    let export = move |json: bool| {
        let list = shown();
        let (text, mime, ext) = if json {
            (to_json(&list), "application/json", "json")
        } else {
            (to_csv(&list), "text/csv;charset=utf-8", "csv")
        };
        if let Err(e) = crate::table::download(&format!("dynamodb-tables.{ext}"), mime, &text) {
            state.error.set(Some(crate::state::Banner::plain(format!(
                "The export could not be saved: {e}"
            ))));
        }
    };
    view! {
        <section class="tables-view" data-testid="tables-view" aria-label="Tables and their protection">
            <div class="tables-head">
                <label class="stale">
                    "Stale after"
                    <input
                        type="number"
                        min="1"
                        max="3650"
                        data-testid="stale-days"
                        prop:value=move || stale_days.get().to_string()
                        on:input=move |ev| {
                            if let Ok(d) = event_target_value(&ev).trim().parse::<u32>() {
                                if (1..=3650).contains(&d) {
                                    stale_days.set(d);
                                }
                            }
                        }
                    />
                    "days"
                </label>
                <button
                    class="stale-count"
                    data-testid="stale-count"
                    data-count=move || counts.with(|c| c.0.to_string())
                    aria-pressed=move || if only_risky.get() { "true" } else { "false" }
                    title="Show only these tables (click again for all)"
                    on:click=move |_| only_risky.update(|v| *v = !*v)
                >
                    {move || counts.with(|c| c.2.clone())}
                </button>
                <span class="muted" data-testid="tables-progress">
                    {move || {
                        let (done, n) = progress();
                        if n == 0 {
                            "List a connection first: the view scans its accounts and regions.".to_owned()
                        } else if done < n {
                            format!("Scanning tables: {done} of {n} sources")
                        } else {
                            format!("{} {} scanned", grouped(n as u64), if n == 1 { "source" } else { "sources" })
                        }
                    }}
                </span>
                <span class="spacer"></span>
                <button class="secondary small" data-testid="tables-export-csv" on:click=move |_| export(false)>
                    "Export CSV"
                </button>
                <button class="secondary small" data-testid="tables-export-json" on:click=move |_| export(true)>
                    "Export JSON"
                </button>
            </div>
            <ul class="tables-errors" role="status">
            <For
                each=errors
                key=|(k, t)| (k.clone(), t.clone())
                children=move |(key, text)| {
                    view! { <li class="tables-error" data-testid="tables-error" data-source=key>{text}</li> }
                }
            />
            </ul>
            <div class="table-wrap tables-wrap" tabindex="0" role="region" aria-label="Tables">
                <table class="backups protection">
                    <thead>
                        <tr>
                            <th scope="col">"Table"</th>
                            <th scope="col">"Account"</th>
                            <th scope="col">"Region"</th>
                            <th scope="col" class="num">"Backups"</th>
                            <th scope="col">"Newest available backup"</th>
                            <th scope="col" class="num">"Backup bytes"</th>
                            <th scope="col">"Point-in-time recovery"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=shown
                            key=|r| (r.arn.clone(), r.backups, r.latest.map(f64::to_bits), r.pitr.as_str(), r.stale, r.bytes)
                            children=move |r: TableRow| {
                                let now = state.view.now.get_untracked();
                                let latest_attr = r.latest.map(|t| (t.floor() as i64).to_string()).unwrap_or_default();
                                let backups_attr = r.backups.map_or("unknown".to_owned(), |n| n.to_string());
                                let (account, region, name) = (r.account.clone(), r.region.clone(), r.name.clone());
                                let open = move || state.show_table_backups(&account, &region, &name);
                                let risk = if r.stale && r.pitr == Pitr::Disabled {
                                    "risk-high"
                                } else if r.stale || r.pitr == Pitr::Disabled {
                                    "risk-some"
                                } else {
                                    "risk-ok"
                                };
                                view! {
                                    <tr
                                        class=risk
                                        data-testid="table-row"
                                        data-table-arn=r.arn.clone()
                                        data-latest-backup=latest_attr
                                        data-pitr=r.pitr.as_str()
                                        data-backups=backups_attr
                                        data-stale=r.stale.to_string()
                                    >
                                        <td class="name">
                                            <button class="link" title="Show this table's backups" on:click=move |_| open()>{r.name.clone()}</button>
                                        </td>
                                        <td class="mono">{r.account.clone()}</td>
                                        <td>{r.region.clone()}</td>
                                        <td class="num">
                                            {match r.backups {
                                                Some(n) => grouped(n as u64),
                                                None => "not known (still loading, or ListBackups denied)".to_owned(),
                                            }}
                                        </td>
                                        <td class="time" title=r.latest.map(format_iso)>
                                            {match (r.backups, r.latest) {
                                                (None, _) => "—".to_owned(),
                                                (Some(_), None) => "none".to_owned(),
                                                (Some(_), Some(t)) => format!("{} · {}", relative_time(now, t), format_minutes(t)),
                                            }}
                                        </td>
                                        <td class="num">{bytes_text(r.bytes)}</td>
                                        <td>{pitr_text(&r.pitr)}</td>
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </div>
        </section>
    }
}
