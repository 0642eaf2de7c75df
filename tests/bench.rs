//! Benchmark, not a test: `scripts/bench-table.sh` runs it in release mode in
//! headless Chromium and prints the figures. It generates 100,000 realistic
//! backup summaries in the browser, mounts the filter bar, charts and table,
//! and times: the first screen, filter keystrokes, re-sorts by size and by
//! creation time; then reports wasm memory. Nothing here asserts a time.
#![cfg(target_arch = "wasm32")]

use backup_lens::app::AppState;
use backup_lens::charts::Charts;
use backup_lens::core::pager::Pager;
use backup_lens::core::query::Query;
use backup_lens::core::response::{BackupSummary, Page};
use backup_lens::table::{BackupTable, FilterBar};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const N: usize = 100_000;
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

fn generate(n: usize, now: f64) -> Pager {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let summaries = (0..n)
        .map(|i| {
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
        .collect();
    let mut pager = Pager::new(Query::default());
    // Deduplication and search strings are built as they would be for real pages.
    let _ = pager.apply(
        None,
        Page {
            backup_summaries: summaries,
            next_start: None,
        },
    );
    pager
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn p95(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

fn click(root: &web_sys::HtmlElement, testid: &str) {
    root.query_selector(&format!("[data-testid={testid}]"))
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

#[wasm_bindgen_test]
async fn bench_100k_backups() {
    let doc = document();
    let style = doc.create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../style/main.css")));
    doc.head().unwrap().append_child(&style).unwrap();
    let root: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();

    let t = now_ms();
    let pager = generate(N, js_sys::Date::now() / 1000.0);
    let generate_ms = now_ms() - t;

    let slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = slot.clone();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        let state = AppState::new();
        out.set(Some(state));
        view! {
            <FilterBar state=state />
            <Charts state=state />
            <BackupTable state=state />
        }
    });
    let state: AppState = slot.take().unwrap();
    leptos::task::tick().await;

    // First screen: rows arrive, the table, facets and charts render.
    let t = now_ms();
    state.pager.set(Some(pager));
    leptos::task::tick().await;
    let first_screen_ms = now_ms() - t;
    let rows_in_dom = root
        .query_selector_all("[data-testid=backup-row]")
        .unwrap()
        .length();

    // Typing a search, one keystroke at a time, then deleting it.
    let input: web_sys::HtmlInputElement = root
        .query_selector("[data-testid=filter]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let mut typing = Vec::new();
    let mut deleting = Vec::new();
    for _ in 0..3 {
        let word = "nightly-orders-1";
        for k in 1..=word.len() {
            input.set_value(&word[..k]);
            let t = now_ms();
            input
                .dispatch_event(&web_sys::Event::new("input").unwrap())
                .unwrap();
            leptos::task::tick().await;
            typing.push(now_ms() - t);
        }
        for k in (0..word.len()).rev() {
            input.set_value(&word[..k]);
            let t = now_ms();
            input
                .dispatch_event(&web_sys::Event::new("input").unwrap())
                .unwrap();
            leptos::task::tick().await;
            deleting.push(now_ms() - t);
        }
    }
    let visible_after = state.visible.with_untracked(Vec::len);

    // Re-sorts of all 100,000 rows.
    let mut sort_size = Vec::new();
    let mut sort_created = Vec::new();
    for _ in 0..5 {
        let t = now_ms();
        click(&root, "sort-size");
        leptos::task::tick().await;
        sort_size.push(now_ms() - t);
        let t = now_ms();
        click(&root, "sort-created");
        leptos::task::tick().await;
        sort_created.push(now_ms() - t);
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

    console_log!("BENCH rows={N} visible_after_typing={visible_after} rows_in_dom={rows_in_dom}");
    console_log!("BENCH generate_100k_ms={generate_ms:.1}");
    console_log!("BENCH first_screen_ms={first_screen_ms:.1}");
    console_log!(
        "BENCH filter_keystroke_ms median={:.2} p95={:.2} (n={})",
        median(&mut typing),
        p95(&mut typing),
        typing.len()
    );
    console_log!(
        "BENCH filter_delete_keystroke_ms median={:.2} p95={:.2} (n={})",
        median(&mut deleting),
        p95(&mut deleting),
        deleting.len()
    );
    console_log!(
        "BENCH sort_by_size_ms median={:.1} max={:.1}",
        median(&mut sort_size),
        sort_size.iter().cloned().fold(0.0, f64::max)
    );
    console_log!(
        "BENCH sort_by_created_ms median={:.1} max={:.1}",
        median(&mut sort_created),
        sort_created.iter().cloned().fold(0.0, f64::max)
    );
    console_log!("BENCH wasm_memory_mb={wasm_mb:.1} js_heap_mb={js_heap_mb:.1}");
}
