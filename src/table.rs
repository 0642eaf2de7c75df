//! The results table: filter bar, sortable headers, a body that renders only
//! the rows in view once there are many, and exports of the visible rows.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::details::{relative_time, split_tail};
use crate::core::export::{to_csv, to_json};
use crate::core::format::{compact_num, grouped, human_size, parse_size, trimmed};
use crate::core::rows::Row;
use crate::core::time::{format_input, format_iso, format_minutes, parse_utc};
use crate::core::view::{
    row_window_for, window_capacity_for, Cell, Column, Filter, Sort, CARD_HEIGHT, ROW_HEIGHT,
};
use crate::state::ViewModel;

/// Search box, facets, counts and exports.
#[component]
pub fn FilterBar(
    /// The rows, filter, sort and what is derived from them.
    view: ViewModel,
) -> impl IntoView {
    let filter = view.filter;
    let loaded = move || view.rows_key.with(|k| k.len);
    let shown = move || view.visible.with(|v| v.indices.len());
    let counts = view.facets;
    let facet = move |i: usize| Memo::new(move |_| counts.with(|c| c[i].clone()));
    let tables = facet(0);
    let types = facet(1);
    let statuses = facet(2);
    let accounts = facet(3);
    let regions = facet(4);
    // One dropdown open at a time; Escape or a click elsewhere closes it.
    let open = view.open_dropdown;
    let close_outside = window_event_listener(leptos::ev::click, move |ev| {
        use wasm_bindgen::JsCast;
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest(".facet").ok().flatten())
            .is_some();
        if !inside && open.get_untracked().is_some() {
            open.set(None);
        }
    });
    on_cleanup(move || close_outside.remove());
    // Account and Region only matter once more than one is loaded (or one is picked).
    let several = move |which: fn((usize, usize)) -> usize, picked: fn(&Filter) -> bool| {
        move || view.distinct.with(|d| which(*d) > 1) || filter.with(picked)
    };
    view! {
        <div class="filterbar">
            <div class="search-row">
                <input
                    class="search"
                    type="search"
                    data-testid="filter"
                    aria-label="Search backups by name, table or ARN"
                    placeholder="Search name, table or ARN (all words must match)"
                    prop:value=move || filter.with(|f| f.text.clone())
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        filter.update(|f| f.text = text);
                    }
                />
                <span class="visible-count" data-testid="visible-count" data-count=move || shown().to_string() aria-live="polite">
                    {move || format!("Showing {} of {} loaded", grouped(shown() as u64), grouped(loaded() as u64))}
                </span>
            </div>
            <div class="facets">
                <FacetPicker
                    title="Tables"
                    testid="facet-table"
                    options=tables
                    selected=Signal::derive(move || filter.with(|f| f.tables.clone()))
                    toggle=Callback::new(move |v: String| filter.update(|f| toggle(&mut f.tables, v)))
                    open=open
                />
                <FacetPicker
                    title="Type"
                    testid="facet-type"
                    options=types
                    selected=Signal::derive(move || filter.with(|f| f.types.clone()))
                    toggle=Callback::new(move |v: String| filter.update(|f| toggle(&mut f.types, v)))
                    open=open
                />
                <FacetPicker
                    title="Status"
                    testid="facet-status"
                    options=statuses
                    selected=Signal::derive(move || filter.with(|f| f.statuses.clone()))
                    toggle=Callback::new(move |v: String| filter.update(|f| toggle(&mut f.statuses, v)))
                    open=open
                />
                <Show when=several(|d| d.0, |f| !f.accounts.is_empty())>
                    <FacetPicker
                        title="Account"
                        testid="facet-account"
                        options=accounts
                        selected=Signal::derive(move || filter.with(|f| f.accounts.clone()))
                        toggle=Callback::new(move |v: String| filter.update(|f| toggle(&mut f.accounts, v)))
                        open=open
                    />
                </Show>
                <Show when=several(|d| d.1, |f| !f.regions.is_empty())>
                    <FacetPicker
                        title="Region"
                        testid="facet-region"
                        options=regions
                        selected=Signal::derive(move || filter.with(|f| f.regions.clone()))
                        toggle=Callback::new(move |v: String| filter.update(|f| toggle(&mut f.regions, v)))
                        open=open
                    />
                </Show>
                <RangeFilters filter=filter open=open />
                <ColumnChooser columns=view.columns open=open />
                <button
                    class="secondary small"
                    data-testid="clear-filters"
                    disabled=move || filter.with(Filter::is_empty)
                    on:click=move |_| filter.set(Filter::default())
                >
                    "Clear filters"
                </button>
                <span class="spacer"></span>
                <button
                    class="secondary small"
                    data-testid="export-csv"
                    disabled=move || shown() == 0
                    on:click=move |_| export(view, Format::Csv)
                >
                    "Export CSV"
                </button>
                <button
                    class="secondary small"
                    data-testid="export-json"
                    disabled=move || shown() == 0
                    on:click=move |_| export(view, Format::Json)
                >
                    "Export JSON"
                </button>
            </div>
        </div>
    }
}

fn toggle(set: &mut std::collections::BTreeSet<String>, value: String) {
    if !set.remove(&value) {
        set.insert(value);
    }
}

/// A multi-select of facet values with their counts.
#[component]
fn FacetPicker(
    /// The button text.
    title: &'static str,
    /// `data-testid` of the picker.
    testid: &'static str,
    /// Values and how many loaded rows have each.
    options: Memo<Vec<(String, usize)>>,
    /// Values selected now (empty: all).
    #[prop(into)]
    selected: Signal<std::collections::BTreeSet<String>>,
    /// Selects or unselects a value.
    toggle: Callback<String>,
    /// Which dropdown of the bar is open (one at a time).
    open: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let is_open = move || open.get() == Some(testid);
    let summary = move || {
        let n = selected.with(|s| s.len());
        if n == 0 {
            format!("{title}: all")
        } else {
            format!("{title}: {n} selected")
        }
    };
    view! {
        <details
            class="facet"
            data-testid=testid
            prop:open=is_open
            on:keydown=close_on_escape(open, testid)
        >
            <summary aria-expanded=move || if is_open() { "true" } else { "false" } on:click=toggle_open(open, testid)>
                {summary}
            </summary>
            <Show when=is_open>
            <div class="facet-list" role="group" aria-label=title>
                <For
                    each=move || options.get()
                    key=|(v, _)| v.clone()
                    children=move |(value, _)| {
                        let v = value.clone();
                        let checked = move || selected.with(|s| s.contains(&v));
                        let v2 = value.clone();
                        // The count follows the rows: a page changes this text, not the option.
                        let v3 = value.clone();
                        let count = move || {
                            options.with(|o| {
                                o.iter().find(|(x, _)| *x == v3).map_or(0, |(_, c)| *c)
                            })
                        };
                        view! {
                            <label class="facet-option">
                                <input
                                    type="checkbox"
                                    data-facet-value=value.clone()
                                    prop:checked=checked
                                    on:change=move |_| toggle.run(v2.clone())
                                />
                                <span class="facet-name">{value.clone()}</span>
                                <span class="muted">{move || grouped(count() as u64)}</span>
                            </label>
                        }
                    }
                />
            </div>
            </Show>
        </details>
    }
}

/// Which columns the table shows (kept in the URL).
#[component]
fn ColumnChooser(
    /// The chosen columns.
    columns: RwSignal<Vec<Column>>,
    /// Which dropdown of the bar is open (one at a time).
    open: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    const ME: &str = "column-chooser";
    let is_open = move || open.get() == Some(ME);
    view! {
        <details
            class="facet"
            data-testid=ME
            prop:open=is_open
            on:keydown=close_on_escape(open, ME)
        >
            <summary aria-expanded=move || if is_open() { "true" } else { "false" } on:click=toggle_open(open, ME)>
                "Columns"
            </summary>
            <div class="facet-list" role="group" aria-label="Columns">
                {Column::ALL
                    .into_iter()
                    .map(|c| {
                        let note = match c {
                            Column::Account | Column::Region => " (when several)",
                            _ => "",
                        };
                        view! {
                            <label class="facet-option">
                                <input
                                    type="checkbox"
                                    data-column=c.id()
                                    prop:checked=move || columns.with(|cs| cs.contains(&c))
                                    disabled=c == Column::Name
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        columns.update(|cs| {
                                            cs.retain(|x| *x != c);
                                            if on {
                                                cs.push(c);
                                            }
                                            crate::core::sort::by_key(cs, |x| Column::ALL.iter().position(|y| y == x));
                                        });
                                    }
                                />
                                <span class="facet-name">{c.label()}{note}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
        </details>
    }
}

/// The keydown handler of a filter-bar dropdown: Escape closes it and puts focus on its summary.
fn close_on_escape(
    open: RwSignal<Option<&'static str>>,
    me: &'static str,
) -> impl Fn(web_sys::KeyboardEvent) + 'static {
    move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() == Some(me) {
            ev.prevent_default();
            open.set(None);
            focus_summary(&ev);
        }
    }
}

/// The summary's click handler: the signal, not the browser, says which dropdown is open.
fn toggle_open(
    open: RwSignal<Option<&'static str>>,
    me: &'static str,
) -> impl Fn(web_sys::MouseEvent) + 'static {
    move |ev: web_sys::MouseEvent| {
        ev.prevent_default();
        open.update(|o| *o = if *o == Some(me) { None } else { Some(me) });
    }
}

/// Applies a range field's text: empty clears the bound, a valid value sets
/// it, anything else is said in `error` (`invalid` words it) and not applied:
/// the range in force stays.
fn apply_typed<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    invalid: fn(&str) -> String,
    error: RwSignal<Option<String>>,
    apply: impl FnOnce(Option<T>),
) {
    let text = text.trim();
    let value = if text.is_empty() {
        Some(None)
    } else {
        parse(text).map(Some)
    };
    match value {
        Some(v) => {
            error.set(None);
            apply(v);
        }
        None => error.set(Some(invalid(text))),
    }
}

/// Puts focus back on the summary of the dropdown an event came from.
fn focus_summary(ev: &web_sys::KeyboardEvent) {
    use wasm_bindgen::JsCast;
    if let Some(summary) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|d| d.query_selector("summary").ok().flatten())
        .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = summary.focus();
    }
}

/// Created-date, size and expiry ranges.
#[component]
fn RangeFilters(
    /// The filter they change.
    filter: RwSignal<Filter>,
    /// Which dropdown of the bar is open (one at a time).
    open: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    const ME: &str = "facet-ranges";
    let is_open = move || open.get() == Some(ME);
    // Ranges apply as you type, once typing pauses (300 ms), and at once on Enter or leaving the field.
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let later = move |f: Box<dyn FnOnce()>| {
        pending.set_value(Some(gloo_timers::callback::Timeout::new(300, f)));
    };
    let size_text = |v: Option<u64>| v.map(crate::core::chart::short_size).unwrap_or_default();
    let size_error = RwSignal::new(None::<String>);
    let set_size = move |text: String, max: bool| {
        let invalid = |t: &str| format!("\"{t}\" is not a size; try 500 MB or 2 GiB");
        apply_typed(&text, parse_size, invalid, size_error, |v| {
            filter.update(|f| if max { f.size_max = v } else { f.size_min = v })
        });
    };
    // A date applies once it is a whole valid date; until then the range in force stays and the field says why.
    let date_error = RwSignal::new(None::<String>);
    let set_date = move |text: String, to: bool| {
        let invalid = |t: &str| format!("\"{t}\" is not a date yet: write YYYY-MM-DD (UTC)");
        apply_typed(&text, parse_utc, invalid, date_error, |v| {
            filter.update(|f| {
                if to {
                    f.set_created_to_date(v)
                } else {
                    f.created_from = v
                }
            })
        });
    };
    let date_of = |v: Option<i64>| {
        v.and_then(|t| format_input(t).get(..10).map(str::to_owned))
            .unwrap_or_default()
    };
    let chips = move || filter.with(Filter::range_chips);
    view! {
        <details
            class="facet"
            data-testid=ME
            prop:open=is_open
            on:keydown=close_on_escape(open, ME)
        >
            <summary aria-expanded=move || if is_open() { "true" } else { "false" } on:click=toggle_open(open, ME)>
                {move || {
                    let c = chips();
                    if c.is_empty() { "Ranges: none".to_owned() } else { format!("Ranges: {}", c.join(" · ")) }
                }}
            </summary>
            <div class="facet-list ranges">
                <label>
                    "Created on or after (UTC)"
                    <input
                        type="text"
                        inputmode="numeric"
                        placeholder="YYYY-MM-DD"
                        data-testid="created-from"
                        prop:value=move || filter.with(|f| date_of(f.created_from))
                        on:input=move |ev| set_date(event_target_value(&ev), false)
                    />
                </label>
                <label>
                    "Created on or before (UTC)"
                    <input
                        type="text"
                        inputmode="numeric"
                        placeholder="YYYY-MM-DD"
                        data-testid="created-to"
                        prop:value=move || filter.with(|f| date_of(f.created_to_date()))
                        on:input=move |ev| set_date(event_target_value(&ev), true)
                    />
                </label>
                <label>
                    "Size at least"
                    <input
                        type="text"
                        data-testid="size-min"
                        placeholder="e.g. 1 GiB"
                        prop:value=move || filter.with(|f| size_text(f.size_min))
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            later(Box::new(move || set_size(v, false)));
                        }
                        on:change=move |ev| {
                            pending.set_value(None);
                            set_size(event_target_value(&ev), false)
                        }
                    />
                </label>
                <label>
                    "Size below"
                    <input
                        type="text"
                        data-testid="size-max"
                        placeholder="e.g. 100 GiB"
                        prop:value=move || filter.with(|f| size_text(f.size_max))
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            later(Box::new(move || set_size(v, true)));
                        }
                        on:change=move |ev| {
                            pending.set_value(None);
                            set_size(event_target_value(&ev), true)
                        }
                    />
                </label>
                <label>
                    "Expires within (days)"
                    <input
                        type="number"
                        min="0"
                        data-testid="expires-within"
                        prop:value=move || filter.with(|f| f.expires_within_days.map(|d| d.to_string()).unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev).trim().parse::<u32>().ok();
                            filter.update(|f| f.expires_within_days = v);
                        }
                    />
                </label>
                <p class="field-error" data-testid="range-error" role="alert">{move || date_error.get().or_else(|| size_error.get())}</p>
            </div>
        </details>
    }
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

/// Downloads the visible rows as a file made in the page (no request leaves it).
fn export(view: ViewModel, format: Format) {
    let (text, mime, ext) = view.runner.with_rows(|rows| {
        view.visible.with_untracked(|v| match format {
            Format::Csv => (to_csv(rows, &v.indices), "text/csv;charset=utf-8", "csv"),
            Format::Json => (to_json(rows, &v.indices), "application/json", "json"),
        })
    });
    if let Err(e) = download(&format!("dynamodb-backups.{ext}"), mime, &text) {
        view.error.set(Some(crate::state::Banner::plain(format!(
            "The export could not be saved: {e}"
        ))));
    }
}

pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    // The browser's own message (not `Debug` text: release builds carry none).
    let err = |e: wasm_bindgen::JsValue| {
        use wasm_bindgen::JsCast;
        match e.dyn_into::<js_sys::Error>() {
            Ok(e) => String::from(e.message()),
            Err(e) => e
                .as_string()
                .unwrap_or_else(|| "the browser refused it".to_owned()),
        }
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let anchor: web_sys::HtmlAnchorElement = document()
        .create_element("a")
        .map_err(err)?
        .dyn_into()
        .map_err(|_| "no anchor element".to_owned())?;
    anchor.set_href(&url);
    anchor.set_download(filename);
    anchor.click();
    web_sys::Url::revoke_object_url(&url).map_err(err)?;
    Ok(())
}

/// The table of the visible backups, all ten fields, sortable by every column.
#[component]
pub fn BackupTable(
    /// The rows, filter, sort and what is derived from them.
    view: ViewModel,
) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(800.0);
    // Narrow screens show rows as cards (taller): the window math follows.
    let narrow = window().match_media("(max-width: 640px)").ok().flatten();
    let row_h = RwSignal::new(if narrow.as_ref().is_some_and(|m| m.matches()) {
        CARD_HEIGHT
    } else {
        ROW_HEIGHT
    });
    if let Some(m) = narrow {
        let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            let phone = window()
                .match_media("(max-width: 640px)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches());
            row_h.try_set(if phone { CARD_HEIGHT } else { ROW_HEIGHT });
        });
        let _ = m.add_event_listener_with_callback("change", listener.as_ref().unchecked_ref());
        listener.forget();
    }
    let total = Memo::new(move |_| view.visible.with(|v| v.indices.len()));
    let window = Memo::new(move |_| {
        row_window_for(total.get(), scroll_top.get(), viewport.get(), row_h.get())
    });
    // Only the rows in view are in the DOM, at every size: one row element per
    // slot of the window, which keeps its node while its content follows the
    // data (a sort, a filter or a page changes text, not the row elements).
    // As many slots as a full window holds, whatever is visible: filtering
    // down to a few rows and back creates no elements; empty slots are hidden.
    let slots = Memo::new(move |_| window_capacity_for(viewport.get(), row_h.get()));
    // Values for `style:height`: a length, not a declaration.
    let top_pad = move || format!("{}px", compact_num(window.get().0 as f64 * row_h.get()));
    let bottom_pad = move || {
        format!(
            "{}px",
            compact_num((total.get() - window.get().1) as f64 * row_h.get())
        )
    };
    let loaded = move || view.rows_key.with(|k| k.len);
    let listed = move || view.runner.read(|e| e.shown_sources().next().is_some());
    let on_scroll = move |ev: web_sys::Event| {
        if let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            scroll_top.set(el.scroll_top() as f64);
            viewport.set(el.client_height() as f64);
        }
    };
    view! {
        <div
            class="table-wrap"
            data-testid="table-scroll"
            tabindex="0"
            role="region"
            aria-label="Backups table (scrolls with the arrow keys)"
            on:scroll=on_scroll
        >
            <table class="backups" aria-rowcount=move || total.get() + 1>
                <thead>
                    <tr>
                        {Column::ALL
                            .into_iter()
                            .map(|c| view! { <SortHeader column=c sort=view.sort shown=view.shown_columns /> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>
                    <tr class="pad" aria-hidden="true" style:height=top_pad></tr>
                    <For
                        each=move || 0..slots.get()
                        key=|k: &usize| *k
                        children=move |k: usize| {
                            // The backup in slot `k` of the window, if any.
                            let row = Memo::new(move |_| {
                                let i = window.get().0 + k;
                                let index = view.visible.with(|v| v.indices.get(i).copied());
                                index.and_then(|i| view.runner.with_rows(|rows| rows.get(i as usize).cloned()))
                            });
                            view! { <BackupRow row=row selected=view.selected shown=view.shown_columns now=view.now /> }
                        }
                    />
                    <tr class="pad" aria-hidden="true" style:height=bottom_pad></tr>
                </tbody>
            </table>
            <Show when=move || total.get() == 0>
                <div class="empty">
                    {move || {
                        if loaded() > 0 {
                            "No loaded backup matches these filters.".to_owned()
                        } else if listed() {
                            match view.listed.get() {
                                Some((table, regions)) if !table.is_empty() => format!(
                                    "No backups of table {table} in {}: check the table name (or ARN) and the region{}.",
                                    regions.join(", "),
                                    if regions.len() == 1 { "" } else { "s" }
                                ),
                                _ => "No backups match this query.".to_owned(),
                            }
                        } else {
                            "Paste credentials (or use the local demo), then List backups.".to_owned()
                        }
                    }}
                </div>
            </Show>
        </div>
    }
}

/// A column header that sorts on click and announces the sort (`aria-sort`).
#[component]
fn SortHeader(
    /// The column.
    column: Column,
    /// The current sort.
    sort: RwSignal<Option<Sort>>,
    /// The columns drawn; this header is hidden when its column is not.
    shown: Memo<Vec<Column>>,
) -> impl IntoView {
    let hidden = move || shown.with(|c| !c.contains(&column));
    let aria = move || Sort::aria(sort.get(), column);
    let arrow = move || match aria() {
        "ascending" => " ▲",
        "descending" => " ▼",
        _ => "",
    };
    let class = match column {
        Column::Size => "num",
        Column::Name => "name",
        _ => "",
    };
    view! {
        <th scope="col" class=class aria-sort=aria hidden=hidden>
            <button
                class="sort"
                data-testid=format!("sort-{}", column.id())
                title=format!("Sort by {}", column.label().to_ascii_lowercase())
                on:click=move |_| sort.update(|s| *s = Sort::next(*s, column))
            >
                {column.label()}
                <span class="arrow" aria-hidden="true">{arrow}</span>
            </button>
        </th>
    }
}

/// How a column's cells look (the column list itself is `Column::ALL`).
fn cell_class(column: Column) -> &'static str {
    match column {
        Column::Name => "name",
        Column::Created | Column::Expiry => "time",
        Column::Size => "num",
        Column::TableId | Column::Account => "mono",
        Column::TableArn | Column::BackupArn => "mono arn",
        Column::Table | Column::Status | Column::Type | Column::Region => "",
    }
}

/// The end of a backup name that always shows (a date stamp and time: what tells them apart).
const NAME_TAIL: usize = 15;

/// What one cell shows: its text, tooltip and class.
fn cell_view(column: Column, row: Option<&Row>) -> (String, Option<String>, String) {
    let class = cell_class(column);
    match row.and_then(|r| column.cell(&r.summary)) {
        Some(Cell::Text(t)) => {
            let long = matches!(column, Column::Name | Column::TableArn | Column::BackupArn);
            (t.to_owned(), long.then(|| t.to_owned()), class.to_owned())
        }
        Some(Cell::Time(t)) => (
            format_minutes(t),
            Some(format!("{} (epoch {})", format_iso(t), trimmed(t, 3))),
            class.to_owned(),
        ),
        Some(Cell::Bytes(b)) => (
            human_size(b),
            Some(format!("{} bytes", grouped(b))),
            class.to_owned(),
        ),
        None if column == Column::Size => (
            "—".to_owned(),
            Some("size not reported".to_owned()),
            class.to_owned(),
        ),
        None => ("—".to_owned(), None, format!("{class} muted")),
    }
}

/// One row of the table: a cell per column of `Column::ALL`, each drawn from
/// `Column::cell` of the backup in `row` (which changes as the view does).
#[component]
pub fn BackupRow(
    /// The backup this row shows (`None`: an empty slot, hidden).
    row: Memo<Option<Row>>,
    /// Which backup's details are open; a click or Enter on the row opens this one's.
    selected: RwSignal<Option<(u32, String)>>,
    /// The columns drawn (the others' cells are hidden).
    shown: Memo<Vec<Column>>,
    /// The clock for relative times (epoch seconds).
    now: RwSignal<i64>,
) -> impl IntoView {
    let open = move || {
        if let Some(r) = row.get_untracked() {
            selected.set(Some((r.source, r.key)));
        }
    };
    let empty = move || row.with(Option::is_none);
    // Only a row that shows a backup is a `backup-row`.
    let testid = move || (!empty()).then_some("backup-row");
    let arn = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| r.summary.backup_arn.clone())
                .unwrap_or_default()
        })
    };
    let account = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| crate::core::view::account_of(&r.summary).map(str::to_owned))
                .unwrap_or_default()
        })
    };
    let region = move || {
        row.with(|r| {
            r.as_ref()
                .and_then(|r| crate::core::view::region_of(&r.summary).map(str::to_owned))
                .unwrap_or_default()
        })
    };
    let cells = Column::ALL
        .into_iter()
        .map(|c| {
            let cell = Memo::new(move |_| row.with(|r| cell_view(c, r.as_ref())));
            let text = move || cell.with(|v| v.0.clone());
            let hidden = move || shown.with(|cols| !cols.contains(&c));
            let label = c.label();
            // Each binding is a DOM call per change: columns without a tooltip
            // bind none, and the class is bound only where it can change.
            let titled = matches!(
                c,
                Column::Name
                    | Column::Created
                    | Column::Expiry
                    | Column::Size
                    | Column::TableArn
                    | Column::BackupArn
            );
            if c == Column::Name {
                // Cut in the middle by CSS: the head ellipsises, the tail stays; the whole name is in the page.
                let title = move || cell.with(|v| v.1.clone());
                let class = move || cell.with(|v| v.2.clone());
                let head = move || cell.with(|v| split_tail(&v.0, NAME_TAIL).0.to_owned());
                let tail = move || cell.with(|v| split_tail(&v.0, NAME_TAIL).1.to_owned());
                view! {
                    <td class=class title=title hidden=hidden data-label=label>
                        <span class="cut"><span class="head">{head}</span><span class="tail">{tail}</span></span>
                    </td>
                }
                    .into_any()
            } else if c == Column::Status {
                let badge = move || {
                    cell.with(|v| {
                        let status = if v.0 == "—" { "none" } else { v.0.as_str() };
                        format!("badge status-{}", status.to_ascii_lowercase())
                    })
                };
                view! { <td hidden=hidden data-label=label><span class=badge>{text}</span></td> }
                    .into_any()
            } else if matches!(c, Column::Created | Column::Expiry) {
                // The exact time, and beside it how long ago (or until).
                let title = move || cell.with(|v| v.1.clone());
                let class = move || cell.with(|v| v.2.clone());
                let rel = move || {
                    let t = now.get();
                    row.with(|r| match r.as_ref().and_then(|r| c.cell(&r.summary)) {
                        Some(Cell::Time(x)) => relative_time(t, x),
                        _ => String::new(),
                    })
                };
                view! {
                    <td class=class title=title hidden=hidden data-label=label>
                        {text}
                        <span class="rel">{rel}</span>
                    </td>
                }
                .into_any()
            } else if titled {
                let title = move || cell.with(|v| v.1.clone());
                let class = move || cell.with(|v| v.2.clone());
                view! { <td class=class title=title hidden=hidden data-label=label>{text}</td> }
                    .into_any()
            } else {
                let class = move || cell.with(|v| v.2.clone());
                view! { <td class=class hidden=hidden data-label=label>{text}</td> }.into_any()
            }
        })
        .collect_view();
    view! {
        <tr
            data-testid=testid
            data-backup-arn=arn
            data-account=account
            data-region=region
            hidden=empty
            tabindex="0"
            aria-label=move || row.with(|r| r.as_ref().map(|r| format!("Details of {}", r.summary.backup_name.as_deref().unwrap_or("this backup"))))
            on:click=move |_| open()
            on:keydown=move |ev: web_sys::KeyboardEvent| {
                if ev.key() == "Enter" {
                    ev.prevent_default();
                    open();
                }
            }
        >
            {cells}
        </tr>
    }
}
