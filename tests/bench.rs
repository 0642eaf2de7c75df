//! Benchmark, not a test: `scripts/bench-table.sh` runs it in release mode in
//! headless Chromium and prints the figures. At 100, 1,600, 20,000 and
//! 100,000 realistic backups (generated in the browser and fed through the
//! listing engine as pages), it mounts the filter bar, charts and table and
//! times what users do, each until the update is laid out: the first screen,
//! filter keystrokes, clearing the search, sorts, a chart-bar click and
//! un-click; then wasm memory. And Load all past 20,000 loaded: 100 pages of 10, a
//! sort active: each page from answer to laid out. Nothing here asserts a time.
#![cfg(target_arch = "wasm32")]

use backup_lens::charts::Charts;
use backup_lens::core::engine::Goal;
use backup_lens::core::response::{BackupSummary, Page};
use backup_lens::state::AppState;
use backup_lens::table::{BackupTable, FilterBar};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[path = "support/feed.rs"]
mod feed;
use feed::{answer_at, ask};

wasm_bindgen_test_configure!(run_in_browser);

const TABLES: [&str; 12] = [
    "orders",
    "customers",
    "payments",
    "inventory",
    "sessions",
    "audit-log",
    "catalog.products",
    "analytics_events",
    "user-profiles",
    "feature-flags",
    "notifications",
    "search-index",
];

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Summaries `from..to` of a deterministic set (the same rows whatever the paging).
fn generate_range(from: usize, to: usize, now: f64) -> Vec<BackupSummary> {
    (from..to)
        .map(|i| {
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            rng.next();
            let t = i % TABLES.len();
            let table = TABLES[t];
            let created = now - rng.unit() * 120.0 * 86_400.0;
            let system = created > now - 35.0 * 86_400.0 && rng.unit() < 0.3;
            let base = 10f64.powf(3.0 + t as f64 * 0.9);
            let id = rng.next();
            BackupSummary {
                table_name: Some(table.to_owned()),
                table_id: Some(format!("{:08x}-0000-4000-8000-{:012x}", t, t)),
                table_arn: Some(format!(
                    "arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
                )),
                backup_arn: Some(format!(
                    "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/backup/{:014}-{:08x}",
                    (created * 1000.0) as u64,
                    id as u32
                )),
                backup_name: Some(if system {
                    format!("{table}$SystemBackup-{i}")
                } else {
                    format!("nightly-{table}-{i}")
                }),
                backup_creation_date_time: Some(created),
                backup_expiry_date_time: system.then_some(created + 35.0 * 86_400.0),
                backup_status: Some(
                    if rng.unit() < 0.02 {
                        "DELETED"
                    } else {
                        "AVAILABLE"
                    }
                    .to_owned()
                    .into(),
                ),
                backup_type: Some(if system { "SYSTEM" } else { "USER" }.to_owned().into()),
                backup_size_bytes: Some((base * (0.5 + rng.unit())) as u64),
            }
        })
        .collect()
}

fn generate(n: usize, now: f64) -> Vec<BackupSummary> {
    generate_range(0, n, now)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

/// Clicks an element (an HTML button or an SVG bar, which has no `click()`).
fn click(root: &web_sys::HtmlElement, selector: &str) {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dispatch_event(&web_sys::Event::new("click").unwrap())
        .unwrap();
}

/// Waits for the reactive update, then forces style and layout (what a paint needs).
async fn settle(root: &web_sys::HtmlElement) {
    leptos::task::tick().await;
    let _ = root.offset_height();
}

fn stats(v: &mut [f64]) -> String {
    format!("median={:.2} p95={:.2} (n={})", median(v), p95(v), v.len())
}

/// The filter bar, charts and table over one new state, mounted in `root`.
async fn mount(root: &web_sys::HtmlElement) -> (AppState, impl Drop) {
    let slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = slot.clone();
    let mounted = leptos::mount::mount_to(root.clone(), move || {
        let state = AppState::new();
        out.set(Some(state));
        view! {
            <FilterBar view=state.view />
            <Charts view=state.view />
            <BackupTable view=state.view />
        }
    });
    let state: AppState = slot.take().unwrap();
    leptos::task::tick().await;
    (state, mounted)
}

/// Mounts the filter bar, charts and table, loads `n` backups and times what users do.
async fn bench_size(n: usize) {
    let doc = document();
    let root: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    root.set_attribute("style", "width:1280px").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let now_s = js_sys::Date::now() / 1000.0;

    let (state, mounted) = mount(&root).await;

    // Load: pages of 1,000 through the engine, generated one at a time (so the
    // memory figure is the app's, not a copy of the whole set), then the screen.
    let t = now_ms();
    ask(&state, Goal::All, true);
    let mut from = 0;
    while from < n {
        let to = (from + 1_000).min(n);
        let page = generate_range(from, to, now_s);
        let next_start = if to < n {
            page.last().and_then(|s| s.backup_arn.clone())
        } else {
            None
        };
        answer_at(
            &state,
            Page {
                backup_summaries: page,
                next_start,
            },
            from as f64 * 1_000.0,
        );
        from = to;
    }
    settle(&root).await;
    let first_screen_ms = now_ms() - t;
    let rows_in_dom = root
        .query_selector_all("[data-testid=backup-row]")
        .unwrap()
        .length();

    // Typing a search one keystroke at a time, then clearing it at once.
    let input: web_sys::HtmlInputElement = root
        .query_selector("[data-testid=filter]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let mut typing = Vec::new();
    let mut clearing = Vec::new();
    for _ in 0..3 {
        let word = "nightly-orders-1";
        for k in 1..=word.len() {
            input.set_value(&word[..k]);
            let t = now_ms();
            input
                .dispatch_event(&web_sys::Event::new("input").unwrap())
                .unwrap();
            settle(&root).await;
            typing.push(now_ms() - t);
        }
        input.set_value("");
        let t = now_ms();
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
        settle(&root).await;
        clearing.push(now_ms() - t);
    }

    // Sorting every row: by size, then by creation time (each click re-sorts).
    let mut sorting = Vec::new();
    for _ in 0..5 {
        for column in ["size", "created"] {
            let t = now_ms();
            click(&root, &format!("[data-testid=sort-{column}]"));
            settle(&root).await;
            sorting.push(now_ms() - t);
        }
    }

    // A chart bar clicked (filter to one table) and clicked again (filter off).
    let mut bar_on = Vec::new();
    let mut bar_off = Vec::new();
    for _ in 0..5 {
        let t = now_ms();
        click(&root, "[data-testid=chart-size] [data-testid=bar]");
        settle(&root).await;
        bar_on.push(now_ms() - t);
        let t = now_ms();
        click(
            &root,
            "[data-testid=chart-size] [data-testid=bar][aria-pressed=true]",
        );
        settle(&root).await;
        bar_off.push(now_ms() - t);
    }

    let wasm_mb = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
        / 1_048_576.0;
    let js_heap_mb = js_sys::Reflect::get(
        &web_sys::window().unwrap().performance().unwrap(),
        &"memory".into(),
    )
    .ok()
    .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()).ok())
    .and_then(|v| v.as_f64())
    .map_or(f64::NAN, |b| b / 1_048_576.0);

    console_log!("BENCH n={n} rows_in_dom={rows_in_dom} load_in_pages_of_1000_and_first_screen_ms={first_screen_ms:.1}");
    console_log!("BENCH n={n} filter_keystroke_ms {}", stats(&mut typing));
    console_log!("BENCH n={n} clear_search_ms {}", stats(&mut clearing));
    console_log!("BENCH n={n} sort_ms {}", stats(&mut sorting));
    console_log!("BENCH n={n} chart_bar_click_ms {}", stats(&mut bar_on));
    console_log!("BENCH n={n} chart_bar_unclick_ms {}", stats(&mut bar_off));
    console_log!("BENCH n={n} wasm_memory_mb={wasm_mb:.1} js_heap_mb={js_heap_mb:.1}");
    drop(mounted);
    root.remove();
}

#[wasm_bindgen_test]
async fn bench_interactions_at_every_size() {
    let doc = document();
    let style = doc.create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../style/main.css")));
    doc.head().unwrap().append_child(&style).unwrap();
    for n in [100, 1_600, 20_000, 100_000] {
        bench_size(n).await;
    }
}

/// Load all past 20,000 rows loaded: 100 pages of 10 (20,000 to 21,000), a sort active: answer to laid out, per page.
#[wasm_bindgen_test]
async fn bench_load_all_pages_at_20k() {
    let doc = document();
    let root: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    let all = generate(21_000, js_sys::Date::now() / 1000.0);
    let (state, _mounted) = mount(&root).await;
    let cursor = |s: &BackupSummary| s.backup_arn.clone();
    ask(&state, Goal::All, true);
    answer_at(
        &state,
        Page {
            next_start: cursor(&all[19_999]),
            backup_summaries: all[..20_000].to_vec(),
        },
        0.0,
    );
    settle(&root).await;
    click(&root, "[data-testid=sort-size]");
    settle(&root).await;
    let mut per_page = Vec::new();
    for (k, chunk) in all[20_000..].chunks(10).enumerate() {
        let last = k == 99;
        let page = Page {
            next_start: if last { None } else { cursor(&chunk[9]) },
            backup_summaries: chunk.to_vec(),
        };
        // The engine paces 5 calls per 1.1 s: its clock moves on as time would.
        let t = now_ms();
        answer_at(&state, page, 1e9 + k as f64 * 1_000.0);
        settle(&root).await;
        per_page.push(now_ms() - t);
    }
    let loaded = state.view.rows_key.get_untracked().len;
    console_log!(
        "BENCH load_all_page_at_20k_sorted_ms {} rows={loaded}",
        stats(&mut per_page)
    );
}
