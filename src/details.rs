//! The details drawer: every field of one backup in full, relative times,
//! copy buttons, the restore command, and DescribeBackup fetched when the
//! drawer opens. The words come from `core::details`; this only lays them out.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::details::{relative_time, restore_command};
use crate::core::engine::SourceId;
use crate::core::format::{grouped, human_size};
use crate::core::rows::Row;
use crate::core::time::{format_iso, format_minutes};
use crate::core::view::{region_of, Cell, Column};
use crate::state::ViewModel;

/// What DescribeBackup brought, for the drawer's section.
#[derive(Clone, Debug, PartialEq)]
enum Described {
    Loading,
    Lines(Vec<(String, String)>),
    Failed(String),
}

/// The row the drawer shows, found by its source and key.
fn selected_row(view: ViewModel) -> Option<Row> {
    let (source, key) = view.selected.get()?;
    view.runner.with_rows(|rows| {
        rows.iter()
            .find(|r| r.source == source && r.key == key)
            .cloned()
    })
}

/// Writes `text` to the clipboard; `said` gets what happened.
fn copy(text: String, what: &'static str, said: RwSignal<String>) {
    let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
        said.set("Copying is not available here: select the text and copy it.".into());
        return;
    };
    let promise = clipboard.write_text(&text);
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(_) => said.set(format!("{what} copied")),
            Err(_) => said.set("The browser refused to copy: select the text and copy it.".into()),
        }
    });
}

/// The drawer; hidden while no backup is selected.
#[component]
pub fn DetailsDrawer(
    /// The rows and which one is selected.
    view: ViewModel,
) -> impl IntoView {
    let row = Memo::new(move |_| selected_row(view));
    let described = RwSignal::new(Described::Loading);
    let said = RwSignal::new(String::new());
    // Fetch DescribeBackup each time another backup is opened.
    Effect::new(move |_| {
        let Some(r) = row.get() else { return };
        said.set(String::new());
        let Some(arn) = r.summary.backup_arn.clone() else {
            described.set(Described::Failed(
                "This backup has no ARN to describe.".into(),
            ));
            return;
        };
        described.set(Described::Loading);
        let wanted = (r.source, r.key.clone());
        view.runner
            .describe(SourceId(r.source), arn, move |result| {
                // A late answer for a backup no longer shown is dropped.
                if view.selected.get_untracked().as_ref() != Some(&wanted) {
                    return;
                }
                described.set(match result {
                    Ok(lines) => Described::Lines(lines),
                    Err(e) => Described::Failed(match e.detail() {
                        Some(d) => format!("{} ({d})", e.user_message()),
                        None => e.user_message(),
                    }),
                });
            });
    });
    // Focus the drawer when it opens; Escape closes it.
    Effect::new(move |_| {
        if row.with(Option::is_some) {
            if let Some(el) = document()
                .query_selector("[data-testid=details]")
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    });
    let close = move || view.selected.set(None);
    move || {
        let r = row.get()?;
        // The drawer is drawn once per backup: a clock tick must not rebuild it (and move focus).
        let now = view.now.get_untracked();
        let s = &r.summary;
        let name = s.backup_name.clone().unwrap_or_else(|| "(no name)".into());
        let arn = s.backup_arn.clone().unwrap_or_default();
        let table = s.table_name.clone().unwrap_or_default();
        let table_arn = s.table_arn.clone().unwrap_or_default();
        let region = region_of(s).unwrap_or("us-east-1").to_owned();
        let restore = restore_command(&arn, &table, &region);
        let fields = Column::ALL
            .into_iter()
            .map(|c| {
                let value = match c.cell(s) {
                    Some(Cell::Text(t)) => (t.to_owned(), None),
                    Some(Cell::Time(t)) => (
                        format!("{} · {}", format_minutes(t), relative_time(now, t)),
                        Some(format_iso(t)),
                    ),
                    Some(Cell::Bytes(b)) => (format!("{} ({} bytes)", human_size(b), grouped(b)), None),
                    None if c == Column::Expiry => ("never (kept until deleted)".to_owned(), None),
                    None => ("—".to_owned(), None),
                };
                view! {
                    <dt>{c.label()}</dt>
                    <dd class=if matches!(c, Column::BackupArn | Column::TableArn | Column::TableId) { "mono" } else { "" } title=value.1>
                        {value.0}
                    </dd>
                }
            })
            .collect_view();
        let (a1, a2, a3) = (arn.clone(), name.clone(), table_arn.clone());
        Some(view! {
            <div class="drawer-backdrop" on:click=move |_| close()></div>
            <aside
                class="drawer"
                role="dialog"
                aria-modal="true"
                aria-labelledby="details-title"
                tabindex="-1"
                data-testid="details"
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
            >
                <header class="drawer-head">
                    <h2 id="details-title" class="drawer-title">{name.clone()}</h2>
                    <button class="close" data-testid="details-close" aria-label="Close details" on:click=move |_| close()>
                        "×"
                    </button>
                </header>
                <div class="drawer-actions">
                    <button class="secondary small" data-testid="copy-arn" on:click=move |_| copy(a1.clone(), "Backup ARN", said)>
                        "Copy backup ARN"
                    </button>
                    <button class="secondary small" data-testid="copy-name" on:click=move |_| copy(a2.clone(), "Name", said)>
                        "Copy name"
                    </button>
                    <button class="secondary small" data-testid="copy-table-arn" on:click=move |_| copy(a3.clone(), "Table ARN", said)>
                        "Copy table ARN"
                    </button>
                    <span class="muted" role="status" data-testid="copy-status">{move || said.get()}</span>
                </div>
                <dl class="details-fields">{fields}</dl>
                <h3>"Restore into a new table"</h3>
                <pre class="restore" data-testid="restore-command">{restore}</pre>
                <section class="describe" data-testid="describe-backup" aria-live="polite">
                    <h3>"Source table (DescribeBackup)"</h3>
                    {move || match described.get() {
                        Described::Loading => view! { <p class="muted" data-state="loading">"Asking DynamoDB…"</p> }.into_any(),
                        Described::Failed(why) => view! { <p class="field-error" data-state="error">{why}</p> }.into_any(),
                        Described::Lines(lines) => view! {
                            <dl class="details-fields" data-state="done">
                                {lines
                                    .into_iter()
                                    .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                                    .collect_view()}
                            </dl>
                        }
                            .into_any(),
                    }}
                </section>
            </aside>
        })
    }
}
