//! Storage and expiry charts in hand-written SVG. All numbers come from
//! `core::chart`; this module only draws them and turns clicks into filters.

use leptos::prelude::*;

use crate::core::chart::{
    axis, bar_label, day_label, short_size, ChartTotals, ExpiryTimeline, Frame, Measure, Scale,
    SizeBin, StorageGroup, TableStorage,
};
use crate::core::format::{compact_num, grouped, human_size};
use crate::core::view::Filter;
use crate::state::ViewModel;

/// Tables shown as bars; the rest are summed in a line under the chart.
const MAX_TABLE_BARS: usize = 12;
/// Days on the expiry timeline (SYSTEM backups live 35 days).
pub const EXPIRY_DAYS: usize = 35;
const WIDTH: f64 = 520.0;

/// Runs `f` on Enter or Space, so bars work from the keyboard; the arrow
/// keys (and Home/End) move between the bars of one chart, which is a single
/// tab stop (roving tabindex: the focused bar holds `tabindex="0"`).
fn on_activate(f: impl Fn() + 'static) -> impl Fn(web_sys::KeyboardEvent) + 'static {
    move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if key == "Enter" || key == " " {
            ev.prevent_default();
            f();
            return;
        }
        let step: i32 = match key.as_str() {
            "ArrowRight" | "ArrowDown" => 1,
            "ArrowLeft" | "ArrowUp" => -1,
            "Home" => i32::MIN,
            "End" => i32::MAX,
            _ => return,
        };
        ev.prevent_default();
        move_focus(&ev, step);
    }
}

/// Moves focus from the bar an event came from to another bar of its chart.
fn move_focus(ev: &web_sys::KeyboardEvent, step: i32) {
    use wasm_bindgen::JsCast;
    let Some(bar) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Some(svg) = bar.closest("svg").ok().flatten() else {
        return;
    };
    let Ok(list) = svg.query_selector_all("[data-testid=bar]") else {
        return;
    };
    let bars: Vec<web_sys::Element> = (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect();
    let Some(at) = bars.iter().position(|b| *b == bar) else {
        return;
    };
    let last = bars.len().saturating_sub(1);
    let to = match step {
        i32::MIN => 0,
        i32::MAX => last,
        s if s < 0 => at.saturating_sub(1),
        _ => (at + 1).min(last),
    };
    if let Some(next) = bars.get(to) {
        for b in &bars {
            let _ = b.set_attribute("tabindex", "-1");
        }
        let _ = next.set_attribute("tabindex", "0");
        if let Some(el) = next.dyn_ref::<web_sys::SvgElement>() {
            let _ = el.focus();
        }
    }
}

/// Both charts, following the current filters.
#[component]
pub fn Charts(
    /// The rows, filter, sort and what is derived from them.
    view: ViewModel,
) -> impl IntoView {
    // One function of (rows, filter, now): a page that only appends rows adds
    // its own; anything else recounts the visible rows. A re-sort changes none
    // of the inputs, so it costs the charts nothing.
    // The unfiltered totals are kept apart: clearing the search or un-clicking
    // a bar returns to them without a recount.
    let filtered = StoredValue::new(ChartTotals::default());
    let unfiltered = StoredValue::new(ChartTotals::default());
    let group = RwSignal::new(StorageGroup::Table);
    let data = Memo::new(move |_| {
        let (key, filter, now) = (view.rows_key.get(), view.filter.get(), view.now.get());
        let g = group.get();
        filtered.update_value(|t| t.set_group(g));
        unfiltered.update_value(|t| t.set_group(g));
        let totals = if filter.is_empty() {
            unfiltered
        } else {
            filtered
        };
        view.runner.with_rows(|rows| {
            view.visible.with_untracked(|v| {
                totals
                    .try_update_value(|t| {
                        t.update(rows, key, &filter, now, EXPIRY_DAYS, &v.indices)
                    })
                    .unwrap_or_default()
            })
        })
    });
    let storage = Memo::new(move |_| data.with(|d| d.storage.clone()));
    let histogram = Memo::new(move |_| data.with(|d| d.sizes.clone()));
    let expiry = Memo::new(move |_| data.with(|d| d.expiry.clone()));
    view! {
        <div class="charts">
            <section class="card" aria-labelledby="size-title">
                <h3 id="size-title">
                    {move || format!("Storage by {}", group.get().id())}
                    <span class="group-switch" role="group" aria-label="Group storage by" data-testid="storage-group">
                        {StorageGroup::ALL
                            .into_iter()
                            .map(|g| {
                                view! {
                                    <button
                                        type="button"
                                        class="link small"
                                        data-group=g.id()
                                        aria-pressed=move || if group.get() == g { "true" } else { "false" }
                                        on:click=move |_| group.set(g)
                                    >
                                        {g.id()}
                                    </button>
                                }
                            })
                            .collect_view()}
                    </span>
                    <span class="muted total" data-testid="size-total">
                        {move || {
                            let total: u64 = storage.with(|s| s.iter().map(|t| t.bytes).fold(0u64, u64::saturating_add));
                            format!("total {}", human_size(total))
                        }}
                    </span>
                </h3>
                <div data-testid="chart-size">
                    <StorageChart storage=storage filter=view.filter group=group />
                </div>
                <h3 class="sub">"Backup sizes (log scale)"</h3>
                <div data-testid="chart-size-distribution">
                    <SizeHistogram histogram=histogram filter=view.filter />
                </div>
            </section>
            <section class="card" aria-labelledby="expiry-title">
                <ExpiryChart timeline=expiry filter=view.filter />
            </section>
        </div>
    }
}

/// Horizontal bars of bytes per table, largest first; a click filters to the table.
#[component]
fn StorageChart(
    /// Bytes per table over the visible rows.
    storage: Memo<Vec<TableStorage>>,
    /// The filter a click changes.
    filter: RwSignal<Filter>,
    /// What the bars are: tables, accounts or regions.
    group: RwSignal<StorageGroup>,
) -> impl IntoView {
    move || {
        let all = storage.get();
        let g = group.get();
        if all.is_empty() {
            return view! { <p class="chart-empty">"No backups to chart."</p> }.into_any();
        }
        let shown: Vec<TableStorage> = all.iter().take(MAX_TABLE_BARS).cloned().collect();
        let rest: Vec<&TableStorage> = all.iter().skip(MAX_TABLE_BARS).collect();
        let row_h = 22.0;
        let frame = Frame {
            width: WIDTH,
            height: 28.0 + row_h * shown.len() as f64,
            left: 130.0,
            right: 70.0,
            top: 4.0,
            bottom: 24.0,
        };
        let axis = axis(shown.first().map_or(0, |t| t.bytes), Measure::Bytes);
        let axis_max = axis.max;
        let bars = frame.rows(
            &shown.iter().map(|t| t.bytes as f64).collect::<Vec<_>>(),
            axis_max,
            row_h,
        );
        let x = Scale::new(
            (0.0, axis_max),
            (frame.left, frame.left + frame.plot_width()),
        );
        let base = frame.height - frame.bottom;
        let label = format!(
            "Storage by {}: {}",
            g.id(),
            shown
                .iter()
                .map(|t| format!("{} {}", t.table, human_size(t.bytes)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        view! {
            <svg class="chart" viewBox=format!("0 0 {} {}", compact_num(frame.width), compact_num(frame.height)) role="group" aria-label=label>
                {axis
                    .ticks
                    .into_iter()
                    .map(|(t, text)| {
                        let px = x.map(t);
                        view! {
                            <line class="grid" x1=compact_num(px) x2=compact_num(px) y1=compact_num(frame.top) y2=compact_num(base)></line>
                            <text class="tick" x=compact_num(px) y=compact_num(base + 16.0) text-anchor="middle">{text}</text>
                        }
                    })
                    .collect_view()}
                {shown
                    .into_iter()
                    .zip(bars)
                    .enumerate()
                    .map(|(i, (t, r))| {
                        let stop = if i == 0 { "0" } else { "-1" };
                        let table = t.table.clone();
                        let pressed = {
                            let table = table.clone();
                            move || filter.with(|f| g.is_only(f, &table))
                        };
                        let pick = {
                            let table = table.clone();
                            move || filter.update(|f| g.toggle(f, &table))
                        };
                        let pick2 = pick.clone();
                        let tip = format!("{}: {} ({} bytes) in {} backups", t.table, human_size(t.bytes), grouped(t.bytes), grouped(t.count as u64));
                        let name = bar_label(&t.table, 18);
                        view! {
                            <text class="label" x=compact_num(frame.left - 6.0) y=compact_num(r.y + r.h * 0.75) text-anchor="end">{name}</text>
                            <rect
                                data-testid="bar"
                                data-table=(g == StorageGroup::Table).then(|| table.clone())
                                data-group=g.id()
                                data-key=table.clone()
                                data-value=t.bytes.to_string()
                                class="bar"
                                class:selected=pressed.clone()
                                x=compact_num(r.x)
                                y=compact_num(r.y)
                                width=compact_num(r.w.max(1.0))
                                height=compact_num(r.h)
                                tabindex=stop
                                role="button"
                                aria-pressed=move || if pressed() { "true" } else { "false" }
                                aria-label=tip.clone()
                                on:click=move |_| pick()
                                on:keydown=on_activate(pick2)
                            >
                                <title>{tip.clone()}</title>
                            </rect>
                            <text class="value" x=compact_num(r.x + r.w.max(1.0) + 4.0) y=compact_num(r.y + r.h * 0.75)>{short_size(t.bytes)}</text>
                        }
                    })
                    .collect_view()}
            </svg>
            {(!rest.is_empty())
                .then(|| {
                    let bytes: u64 = rest.iter().map(|t| t.bytes).fold(0, u64::saturating_add);
                    view! { <p class="chart-note">{format!("+ {} more {}s: {}", rest.len(), g.id(), human_size(bytes))}</p> }
                })}
        }
            .into_any()
    }
}

/// Columns of backups per size bin; a click filters to the bin's range.
#[component]
fn SizeHistogram(
    /// Bins and the number of rows without a size.
    histogram: Memo<(Vec<SizeBin>, usize)>,
    /// The filter a click changes.
    filter: RwSignal<Filter>,
) -> impl IntoView {
    move || {
        let (bins, missing) = histogram.get();
        if bins.is_empty() {
            return view! { <p class="chart-empty">"No sizes to chart."</p> }.into_any();
        }
        let frame = Frame {
            width: WIDTH,
            height: 150.0,
            left: 40.0,
            right: 8.0,
            top: 8.0,
            bottom: 34.0,
        };
        let axis = axis(
            bins.iter().map(|b| b.count as u64).max().unwrap_or(0),
            Measure::Count,
        );
        let axis_max = axis.max;
        let first_bin = bins.iter().position(|b| b.count > 0).unwrap_or(0);
        let rects = frame.columns(
            &bins.iter().map(|b| b.count as f64).collect::<Vec<_>>(),
            axis_max,
        );
        let y = Scale::new((0.0, axis_max), (frame.height - frame.bottom, frame.top));
        let label = format!(
            "Backup sizes: {}",
            bins.iter()
                .map(|b| format!("{} {}", b.label(), b.count))
                .collect::<Vec<_>>()
                .join(", ")
        );
        view! {
            <svg class="chart" viewBox=format!("0 0 {} {}", compact_num(frame.width), compact_num(frame.height)) role="group" aria-label=label>
                {axis
                    .ticks
                    .into_iter()
                    .map(|(t, text)| {
                        let py = y.map(t);
                        view! {
                            <line class="grid" x1=compact_num(frame.left) x2=compact_num(frame.width - frame.right) y1=compact_num(py) y2=compact_num(py)></line>
                            <text class="tick" x=compact_num(frame.left - 4.0) y=compact_num(py + 4.0) text-anchor="end">{text}</text>
                        }
                    })
                    .collect_view()}
                {bins
                    .into_iter()
                    .zip(rects)
                    .enumerate()
                    .map(|(i, (b, r))| {
                        let stop = if i == first_bin { "0" } else { "-1" };
                        let (lo, hi) = (b.lo, b.hi);
                        let pressed = move || filter.with(|f| f.is_size_bin(lo, hi));
                        let pick = move || filter.update(|f| f.toggle_size_bin(lo, hi));
                        let tip = format!("{}: {} backups", b.label(), grouped(b.count as u64));
                        let cx = r.x + r.w / 2.0;
                        let bar = (b.count > 0)
                            .then(|| {
                                view! {
                                    <rect
                                        data-testid="bar"
                                        data-key=lo.to_string()
                                        data-value=b.count.to_string()
                                        class="bar"
                                        class:selected=pressed
                                        x=compact_num(r.x)
                                        y=compact_num(r.y)
                                        width=compact_num(r.w)
                                        height=compact_num(r.h)
                                        tabindex=stop
                                        role="button"
                                        aria-pressed=move || if pressed() { "true" } else { "false" }
                                        aria-label=tip.clone()
                                        on:click=move |_| pick()
                                        on:keydown=on_activate(pick)
                                    >
                                        <title>{tip.clone()}</title>
                                    </rect>
                                }
                            });
                        view! {
                            {bar}
                            <text class="tick" x=compact_num(cx) y=compact_num(frame.height - frame.bottom + 14.0) text-anchor="middle">
                                {if hi == 1 { "0".to_owned() } else { short_size(lo) }}
                            </text>
                        }
                    })
                    .collect_view()}
            </svg>
            {(missing > 0).then(|| view! { <p class="chart-note">{format!("{} backups report no size", grouped(missing as u64))}</p> })}
        }
            .into_any()
    }
}

/// What the expiry chart's bars measure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Metric {
    Count,
    Bytes,
}

/// Backups (or bytes) expiring on each of the next 35 days; a click filters to the day.
#[component]
fn ExpiryChart(
    /// The timeline over the visible rows.
    timeline: Memo<ExpiryTimeline>,
    /// The filter a click changes.
    filter: RwSignal<Filter>,
) -> impl IntoView {
    let metric = RwSignal::new(Metric::Count);
    let chart = move || {
        let t = timeline.get();
        let m = metric.get();
        let frame = Frame {
            width: WIDTH,
            height: 190.0,
            left: 56.0,
            right: 8.0,
            top: 8.0,
            bottom: 30.0,
        };
        let value = |d: &crate::core::chart::ExpiryDay| match m {
            Metric::Count => d.count as f64,
            Metric::Bytes => d.bytes as f64,
        };
        let axis = match m {
            Metric::Count => axis(
                t.days.iter().map(|d| d.count as u64).max().unwrap_or(0),
                Measure::Count,
            ),
            Metric::Bytes => axis(
                t.days.iter().map(|d| d.bytes).max().unwrap_or(0),
                Measure::Bytes,
            ),
        };
        let axis_max = axis.max;
        let rects = frame.columns(&t.days.iter().map(value).collect::<Vec<_>>(), axis_max);
        // The chart's one tab stop: its first bar.
        let first_day = t.days.iter().position(|d| d.count > 0).unwrap_or(0);
        let y = Scale::new((0.0, axis_max), (frame.height - frame.bottom, frame.top));
        let upcoming = t.days.iter().map(|d| d.count).sum::<usize>();
        let label = format!(
            "Expiries over the next {EXPIRY_DAYS} days: {upcoming} backups, {}",
            human_size(t.days.iter().map(|d| d.bytes).fold(0, u64::saturating_add))
        );
        // An empty grid alone reads as "still loading": say what it means.
        let none_upcoming = (upcoming == 0).then(|| {
            view! {
                <text class="chart-empty-label" x=compact_num((frame.left + frame.width - frame.right) / 2.0) y=compact_num((frame.top + frame.height - frame.bottom) / 2.0) text-anchor="middle">
                    {format!("No visible backup expires in the next {EXPIRY_DAYS} days")}
                </text>
            }
        });
        view! {
            <svg class="chart" viewBox=format!("0 0 {} {}", compact_num(frame.width), compact_num(frame.height)) role="group" aria-label=label>
                {axis
                    .ticks
                    .into_iter()
                    .map(|(v, text)| {
                        let py = y.map(v);
                        view! {
                            <line class="grid" x1=compact_num(frame.left) x2=compact_num(frame.width - frame.right) y1=compact_num(py) y2=compact_num(py)></line>
                            <text class="tick" x=compact_num(frame.left - 4.0) y=compact_num(py + 4.0) text-anchor="end">{text}</text>
                        }
                    })
                    .collect_view()}
                {t.days
                    .iter()
                    .zip(rects)
                    .enumerate()
                    .map(|(i, (d, r))| {
                        let stop = if i == first_day { "0" } else { "-1" };
                        let day = d.day;
                        let date = day_label(day);
                        let pressed = move || filter.with(|f| f.expiry_day == Some(day));
                        let pick = move || filter.update(|f| f.toggle_expiry_day(day));
                        let tip = format!(
                            "{date}: {} backups expire, {} ({} bytes)",
                            grouped(d.count as u64),
                            human_size(d.bytes),
                            grouped(d.bytes)
                        );
                        let bar = (d.count > 0)
                            .then(|| {
                                view! {
                                    <rect
                                        data-testid="bar"
                                        data-day=date.clone()
                                        data-key=date.clone()
                                        data-value=if m == Metric::Count { d.count.to_string() } else { d.bytes.to_string() }
                                        class="bar expiry"
                                        class:selected=pressed
                                        x=compact_num(r.x)
                                        y=compact_num(r.y)
                                        width=compact_num(r.w)
                                        height=compact_num(r.h)
                                        tabindex=stop
                                        role="button"
                                        aria-pressed=move || if pressed() { "true" } else { "false" }
                                        aria-label=tip.clone()
                                        on:click=move |_| pick()
                                        on:keydown=on_activate(pick)
                                    >
                                        <title>{tip.clone()}</title>
                                    </rect>
                                }
                            });
                        let tick = (i % 7 == 0)
                            .then(|| {
                                view! {
                                    <text class="tick" x=compact_num(r.x + r.w / 2.0) y=compact_num(frame.height - frame.bottom + 14.0) text-anchor="middle">
                                        {date[5..].to_owned()}
                                    </text>
                                }
                            });
                        view! {
                            {bar}
                            {tick}
                        }
                    })
                    .collect_view()}
                {none_upcoming}
            </svg>
            <p class="chart-note" data-testid="expiry-aside">
                {format!(
                    "{} with no expiry (USER backups are kept until deleted) · {} already past · {} later",
                    grouped(t.no_expiry as u64),
                    grouped(t.expired as u64),
                    grouped(t.later as u64)
                )}
            </p>
        }
    };
    view! {
        <h3 id="expiry-title">
            {format!("Expiring in the next {EXPIRY_DAYS} days (UTC)")}
            <span class="toggle" role="group" aria-label="Measure">
                <button
                    class="small"
                    data-testid="expiry-metric-count"
                    aria-pressed=move || if metric.get() == Metric::Count { "true" } else { "false" }
                    on:click=move |_| metric.set(Metric::Count)
                >
                    "Backups"
                </button>
                <button
                    class="small"
                    data-testid="expiry-metric-bytes"
                    aria-pressed=move || if metric.get() == Metric::Bytes { "true" } else { "false" }
                    on:click=move |_| metric.set(Metric::Bytes)
                >
                    "Bytes"
                </button>
            </span>
        </h3>
        <div data-testid="chart-expiry">{chart}</div>
    }
}
