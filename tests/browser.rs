//! Components mounted in headless Chromium (wasm-bindgen-test): mount, act,
//! `tick().await`, assert on the DOM.
#![cfg(target_arch = "wasm32")]

use backup_lens::app::{App, ErrorBanner};
use backup_lens::charts::Charts;
use backup_lens::core::engine::Goal;
use backup_lens::core::response::{parse_list_backups, BackupSummary, Page};
use backup_lens::core::view::{Column, Direction, Sort, ROW_HEIGHT};
use backup_lens::state::{AppState, Banner};
use backup_lens::table::{BackupTable, FilterBar};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

#[path = "support/feed.rs"]
mod feed;
use feed::{answer_at, ask, list};

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = include_str!("fixtures/list-backups-page.json");

fn container() -> web_sys::HtmlElement {
    let doc = document();
    // The app's own stylesheet, so layout (row height) is what users get.
    if doc.get_element_by_id("app-css").is_none() {
        let style = doc.create_element("style").unwrap();
        style.set_id("app-css");
        style.set_text_content(Some(include_str!("../style/main.css")));
        doc.head().unwrap().append_child(&style).unwrap();
    }
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn loaded_page() -> Page {
    parse_list_backups(200, &|_| None, PAGE).unwrap()
}

/// A last page with no backups.
fn empty_page() -> Page {
    Page {
        backup_summaries: Vec::new(),
        next_start: None,
    }
}

fn all(root: &web_sys::HtmlElement, selector: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

fn one(root: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

/// Mounts the filter bar, charts and table over one state; returns the state.
/// With `first`, a List answered with that page.
fn mount_table(root: &web_sys::HtmlElement, first: Option<Page>) -> (AppState, impl Drop) {
    let slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = slot.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let state = AppState::new();
        if let Some(page) = first {
            list(&state, page);
        }
        out.set(Some(state));
        view! {
            <FilterBar view=state.view />
            <Charts view=state.view />
            <BackupTable view=state.view />
        }
    });
    (slot.take().unwrap(), Unmount(Some(handle)))
}

struct Unmount<T>(Option<T>);
impl<T> Drop for Unmount<T> {
    fn drop(&mut self) {
        // Keep the view mounted for the test's duration; dropping the handle unmounts it.
        drop(self.0.take());
    }
}

#[wasm_bindgen_test]
async fn table_shows_every_field_readably() {
    let root = container();
    let (_state, _mounted) = mount_table(&root, Some(loaded_page()));
    leptos::task::tick().await;

    let rows = all(&root, "[data-testid=backup-row]");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0].children().length(),
        12,
        "all ten fields, plus account and region"
    );
    assert_eq!(
        rows[0].get_attribute("data-account").as_deref(),
        Some("123456789012")
    );
    assert_eq!(
        rows[0].get_attribute("data-region").as_deref(),
        Some("eu-west-1")
    );
    assert_eq!(
        rows[0].get_attribute("data-backup-arn").as_deref(),
        Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/backup/01732456800000-8c2b1f4e")
    );
    let text = rows[0].text_content().unwrap();
    assert!(text.contains("48.8 GiB"), "{text}");
    assert!(text.contains("2024-11-24 14:00 UTC"), "{text}");
    // Columns: name, table, account, region, status, type, created, expires, size, …
    let created = rows[0].children().item(6).unwrap();
    assert!(created
        .get_attribute("title")
        .unwrap()
        .contains("2024-11-24T14:00:00.000Z"));
    let size = rows[0].children().item(8).unwrap();
    assert_eq!(
        size.get_attribute("title").as_deref(),
        Some("52,428,800,123 bytes")
    );
    // System backup: expiry shown; unknown size shown as a dash.
    assert!(rows[1].text_content().unwrap().contains("2024-12-29"));
    assert!(rows[2]
        .children()
        .item(8)
        .unwrap()
        .text_content()
        .unwrap()
        .contains('—'));
}

#[wasm_bindgen_test]
async fn hostile_names_render_as_text() {
    let root = container();
    let (_state, _mounted) = mount_table(&root, Some(loaded_page()));
    leptos::task::tick().await;
    assert!(all(&root, "img").is_empty(), "a backup name became markup");
    assert!(root
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));
}

#[wasm_bindgen_test]
async fn new_pages_add_rows_without_duplicates() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(empty_page()));
    leptos::task::tick().await;
    assert!(root.text_content().unwrap().contains("No backups match"));
    let page = parse_list_backups(200, &|_| None, PAGE).unwrap();
    assert!(page.next_start.is_some());
    list(&state, page.clone());
    leptos::task::tick().await;
    assert_eq!(all(&root, "[data-testid=backup-row]").len(), 3);
    let first = all(&root, "[data-testid=backup-row]")[0].clone();
    // The same backups again on the next page: still three rows, and the rows
    // already on screen keep their DOM nodes.
    let mut again = page;
    again.next_start = None;
    ask(&state, Goal::OnePage, false);
    answer_at(&state, again, 0.0);
    leptos::task::tick().await;
    assert_eq!(all(&root, "[data-testid=backup-row]").len(), 3);
    assert!(
        first.is_connected(),
        "a row on screen was rebuilt when a page arrived"
    );
}

#[wasm_bindgen_test]
async fn error_banner_shows_and_dismisses() {
    let root = container();
    let error = RwSignal::new(None::<Banner>);
    let _mounted =
        leptos::mount::mount_to(root.clone(), move || view! { <ErrorBanner error=error /> });
    leptos::task::tick().await;
    assert!(all(&root, "[data-testid=error]").is_empty());
    error.set(Some(Banner {
        title: "Access denied".into(),
        detail: Some("AccessDeniedException: not authorized".into()),
    }));
    leptos::task::tick().await;
    let banner = one(&root, "[data-testid=error]");
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert!(banner
        .text_content()
        .unwrap()
        .contains("AccessDeniedException"));
    one(&root, "[data-testid=error] button")
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    leptos::task::tick().await;
    assert!(all(&root, "[data-testid=error]").is_empty());
}

fn set_input(root: &web_sys::HtmlElement, testid: &str, value: &str) {
    let input: web_sys::HtmlInputElement =
        one(root, &format!("[data-testid={testid}]")).unchecked_into();
    input.set_value(value);
    let event = web_sys::Event::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn invalid_fields_are_refused_at_the_field() {
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), App);
    leptos::task::tick().await;
    set_input(&root, "access-key-id", "ASIAIOSFODNN7EXAMPLE");
    set_input(&root, "secret-access-key", "secret");
    set_input(&root, "session-token", "token");
    set_input(&root, "page-size", "101");
    set_input(&root, "table-name", "x");
    leptos::task::tick().await;
    one(&root, "[data-testid=list]")
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    leptos::task::tick().await;
    let page_size = one(&root, "[data-testid=page-size]");
    assert_eq!(
        page_size.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(one(&root, "[data-testid=page-size-error]")
        .text_content()
        .unwrap()
        .contains("1 to 100"));
    assert!(one(&root, "[data-testid=table-name-error]")
        .text_content()
        .unwrap()
        .contains("3–255"));
    assert!(one(&root, "[data-testid=error]")
        .text_content()
        .unwrap()
        .contains("nothing was sent"));
    assert!(one(&root, "[data-testid=row-count]")
        .text_content()
        .unwrap()
        .contains('0'));
    // Typing in the field clears its message.
    set_input(&root, "page-size", "50");
    leptos::task::tick().await;
    assert_eq!(
        one(&root, "[data-testid=page-size-error]")
            .text_content()
            .unwrap(),
        ""
    );
    assert!(one(&root, "[data-testid=page-size]")
        .get_attribute("aria-invalid")
        .is_none());
}

#[wasm_bindgen_test]
async fn secrets_are_masked_and_not_autocompleted() {
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), App);
    leptos::task::tick().await;
    for id in ["secret-access-key", "session-token"] {
        let input = one(&root, &format!("[data-testid={id}]"));
        assert_eq!(input.get_attribute("type").as_deref(), Some("password"));
        assert_eq!(
            input.get_attribute("autocomplete").as_deref(),
            Some("new-password")
        );
    }
}

/// `n` summaries across 5 tables with sizes and SYSTEM expiries, shaped like the API's.
fn many(n: usize, now: f64) -> Page {
    let summaries = (0..n)
        .map(|i| BackupSummary {
            table_name: Some(format!("table-{}", i % 5)),
            backup_arn: Some(format!(
                "arn:aws:dynamodb:us-east-1:123456789012:table/table-{}/backup/{i:020}",
                i % 5
            )),
            backup_name: Some(format!("backup-{i}")),
            backup_creation_date_time: Some(now - i as f64 * 60.0),
            backup_expiry_date_time: (i % 3 == 0)
                .then_some(now + (i % 30) as f64 * 86_400.0 + 3600.0),
            backup_size_bytes: Some((i as u64 % 7 + 1) << (10 + i % 20)),
            backup_type: Some(if i % 3 == 0 { "SYSTEM" } else { "USER" }.to_owned().into()),
            backup_status: Some("AVAILABLE".to_owned().into()),
            ..Default::default()
        })
        .collect();
    Page {
        backup_summaries: summaries,
        next_start: None,
    }
}

fn text_of(root: &web_sys::HtmlElement, selector: &str) -> String {
    one(root, selector).text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn search_and_sort_update_rows_counts_and_aria_sort() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(many(40, js_sys::Date::now() / 1000.0)));
    leptos::task::tick().await;
    assert!(text_of(&root, "[data-testid=visible-count]").contains("40 of 40"));
    set_input(&root, "filter", "TABLE-3 backup-3");
    leptos::task::tick().await;
    let rows = all(&root, "[data-testid=backup-row]");
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.text_content().unwrap().contains("table-3")));
    assert!(
        text_of(&root, "[data-testid=visible-count]").contains(&format!("{} of 40", rows.len()))
    );

    set_input(&root, "filter", "");
    leptos::task::tick().await;
    let size_header = one(&root, "[data-testid=sort-size]");
    size_header.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(
        state.view.sort.get_untracked(),
        Some(Sort {
            column: Column::Size,
            direction: Direction::Ascending
        })
    );
    let th = size_header.parent_element().unwrap();
    assert_eq!(th.get_attribute("aria-sort").as_deref(), Some("ascending"));
    size_header.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    assert_eq!(th.get_attribute("aria-sort").as_deref(), Some("descending"));
    let sizes: Vec<u64> = state.runner.with_rows(|rows| {
        state
            .view
            .visible
            .get_untracked()
            .indices
            .iter()
            .map(|&i| rows[i as usize].summary.backup_size_bytes.unwrap())
            .collect()
    });
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "descending by size");
    let first_row_arn = all(&root, "[data-testid=backup-row]")[0]
        .get_attribute("data-backup-arn")
        .unwrap();
    let biggest = state.runner.with_rows(|rows| {
        rows[state.view.visible.get_untracked().indices[0] as usize]
            .key
            .clone()
    });
    assert_eq!(first_row_arn, biggest, "the DOM follows the sort");
}

#[wasm_bindgen_test]
async fn chart_bars_filter_the_table_and_clear_on_second_click() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(many(50, js_sys::Date::now() / 1000.0)));
    leptos::task::tick().await;
    let bars = all(&root, "[data-testid=chart-size] [data-testid=bar]");
    assert_eq!(bars.len(), 5, "one bar per table");
    assert!(
        bars.iter()
            .all(|b| b.query_selector("title").unwrap().is_some()),
        "every bar has a tooltip"
    );
    let table = bars[0].get_attribute("data-table").unwrap();
    bars[0]
        .dispatch_event(&web_sys::Event::new("click").unwrap())
        .unwrap();
    leptos::task::tick().await;
    let rows = all(&root, "[data-testid=backup-row]");
    assert_eq!(rows.len(), 10);
    assert!(rows
        .iter()
        .all(|r| r.text_content().unwrap().contains(&table)));
    let bars = all(&root, "[data-testid=chart-size] [data-testid=bar]");
    assert_eq!(bars.len(), 1, "the chart follows the filter");
    assert_eq!(
        bars[0].get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    bars[0]
        .dispatch_event(&web_sys::Event::new("click").unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert_eq!(state.view.visible.get_untracked().indices.len(), 50);
    assert!(text_of(&root, "[data-testid=visible-count]").contains("50 of 50"));

    let expiry = all(&root, "[data-testid=chart-expiry] [data-testid=bar]");
    assert!(!expiry.is_empty());
    expiry[0]
        .dispatch_event(&web_sys::Event::new("click").unwrap())
        .unwrap();
    leptos::task::tick().await;
    let day = state.view.filter.get_untracked().expiry_day.unwrap();
    let visible = state.view.visible.get_untracked().indices;
    assert!(!visible.is_empty());
    state.runner.with_rows(|rows| {
        for &i in &visible {
            let e = rows[i as usize].summary.backup_expiry_date_time.unwrap();
            assert_eq!((e as i64).div_euclid(86_400), day);
        }
    });
}

#[wasm_bindgen_test]
async fn charts_cope_with_zero_and_one_backup() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(empty_page()));
    leptos::task::tick().await;
    assert!(all(&root, "[data-testid=bar]").is_empty());
    assert!(text_of(&root, "[data-testid=chart-size]").contains("No backups"));
    assert!(text_of(&root, "[data-testid=chart-expiry]")
        .contains("No visible backup expires in the next 35 days"));
    list(&state, many(1, js_sys::Date::now() / 1000.0));
    leptos::task::tick().await;
    assert_eq!(
        all(&root, "[data-testid=chart-size] [data-testid=bar]").len(),
        1
    );
    assert_eq!(
        all(
            &root,
            "[data-testid=chart-size-distribution] [data-testid=bar]"
        )
        .len(),
        1
    );
    assert_eq!(
        all(&root, "[data-testid=chart-expiry] [data-testid=bar]").len(),
        1
    );
    assert!(!text_of(&root, "[data-testid=chart-expiry]").contains("No visible backup expires"));
}

#[wasm_bindgen_test]
async fn many_rows_render_only_the_window_at_a_fixed_height() {
    let root = container();
    root.set_attribute("style", "height: 600px").unwrap();
    let (state, _mounted) = mount_table(&root, Some(many(10_000, js_sys::Date::now() / 1000.0)));
    leptos::task::tick().await;
    let rows = all(&root, "[data-testid=backup-row]");
    assert!(rows.len() < 200, "{} rows in the DOM", rows.len());
    let h = rows[0]
        .unchecked_ref::<web_sys::HtmlElement>()
        .offset_height();
    assert_eq!(
        h as f64, ROW_HEIGHT,
        "CSS and the windowing arithmetic agree"
    );
    let scroller: web_sys::HtmlElement = one(&root, "[data-testid=table-scroll]").unchecked_into();
    scroller.set_scroll_top((5_000.0 * ROW_HEIGHT) as i32);
    scroller
        .dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    leptos::task::tick().await;
    let keys: Vec<String> = all(&root, "[data-testid=backup-row]")
        .iter()
        .map(|r| r.get_attribute("data-backup-arn").unwrap())
        .collect();
    let expected = state.runner.with_rows(|rows| rows[5_000].key.clone());
    assert!(
        keys.contains(&expected),
        "row 5000 is rendered after scrolling there"
    );
    assert!(text_of(&root, "[data-testid=visible-count]").contains("10,000 of 10,000"));
}

fn click(root: &web_sys::HtmlElement, selector: &str) {
    one(root, selector)
        .unchecked_ref::<web_sys::HtmlElement>()
        .click();
}

fn is_open(root: &web_sys::HtmlElement, testid: &str) -> bool {
    one(root, &format!("[data-testid={testid}]"))
        .unchecked_ref::<web_sys::HtmlDetailsElement>()
        .open()
}

#[wasm_bindgen_test]
async fn facet_dropdowns_open_one_at_a_time_and_count_with_the_other_filters() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(many(40, js_sys::Date::now() / 1000.0)));
    leptos::task::tick().await;
    click(&root, "[data-testid=facet-table] summary");
    leptos::task::tick().await;
    assert!(is_open(&root, "facet-table"));
    click(&root, "[data-testid=facet-type] summary");
    leptos::task::tick().await;
    assert!(!is_open(&root, "facet-table"), "opening Type closed Tables");
    assert!(is_open(&root, "facet-type"));
    // Escape closes it.
    let escape = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &{
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("Escape");
        init.set_bubbles(true);
        init
    })
    .unwrap();
    one(&root, "[data-testid=facet-type] summary")
        .dispatch_event(&escape)
        .unwrap();
    leptos::task::tick().await;
    assert!(!is_open(&root, "facet-type"));
    // Counts follow the other filters: with only table-0, SYSTEM counts table-0's.
    state
        .view
        .filter
        .update(|f| f.tables = ["table-0".to_owned()].into());
    leptos::task::tick().await;
    // The options are drawn while the dropdown is open.
    click(&root, "[data-testid=facet-type] summary");
    leptos::task::tick().await;
    let system = one(&root, "[data-testid=facet-type] [data-facet-value=SYSTEM]")
        .closest("label")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    // Rows i with i % 5 == 0 and i % 3 == 0 among 0..40: 0, 15, 30.
    assert!(system.ends_with('3'), "{system}");
}

#[wasm_bindgen_test]
async fn the_column_chooser_shows_and_hides_columns() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(loaded_page()));
    leptos::task::tick().await;
    let header = || one(&root, "th:has([data-testid=sort-backup-arn])");
    assert!(header().has_attribute("hidden"), "ARNs are off by default");
    click(
        &root,
        "[data-testid=column-chooser] [data-column=backup-arn]",
    );
    leptos::task::tick().await;
    assert!(!header().has_attribute("hidden"));
    assert!(state
        .view
        .columns
        .get_untracked()
        .contains(&Column::BackupArn));
    // One account and one region loaded: their columns stay out of the way.
    assert!(one(&root, "th:has([data-testid=sort-account])").has_attribute("hidden"));
}

#[wasm_bindgen_test]
async fn a_row_click_opens_the_details_drawer_with_the_restore_command() {
    let root = container();
    let slot = std::rc::Rc::new(std::cell::Cell::new(None));
    let out = slot.clone();
    let _mounted = leptos::mount::mount_to(root.clone(), move || {
        let state = AppState::new();
        list(&state, loaded_page());
        out.set(Some(state));
        view! {
            <BackupTable view=state.view />
            <backup_lens::details::DetailsDrawer view=state.view />
        }
    });
    leptos::task::tick().await;
    let row = all(&root, "[data-testid=backup-row]").remove(0);
    let arn = row.get_attribute("data-backup-arn").unwrap();
    row.unchecked_ref::<web_sys::HtmlElement>().click();
    leptos::task::tick().await;
    let restore = text_of(&root, "[data-testid=restore-command]");
    assert!(
        restore.starts_with("aws dynamodb restore-table-from-backup --region eu-west-1"),
        "{restore}"
    );
    assert!(restore.ends_with(&arn), "{restore}");
    assert!(
        text_of(&root, "[data-testid=details]").contains("ago"),
        "relative times"
    );
    click(&root, "[data-testid=details-close]");
    leptos::task::tick().await;
    assert!(root
        .query_selector("[data-testid=details]")
        .unwrap()
        .is_none());
    drop(slot);
}

#[wasm_bindgen_test]
async fn a_range_applies_when_valid_and_says_why_when_not() {
    let root = container();
    let (state, _mounted) = mount_table(&root, Some(many(40, js_sys::Date::now() / 1000.0)));
    leptos::task::tick().await;
    click(&root, "[data-testid=facet-ranges] summary");
    leptos::task::tick().await;
    let change = |testid: &str, value: &str| {
        let input: web_sys::HtmlInputElement =
            one(&root, &format!("[data-testid={testid}]")).unchecked_into();
        input.set_value(value);
        input
            .dispatch_event(&web_sys::Event::new("change").unwrap())
            .unwrap();
    };
    change("size-min", "1 KiB");
    leptos::task::tick().await;
    assert_eq!(state.view.filter.get_untracked().size_min, Some(1024));
    change("size-min", "lots");
    leptos::task::tick().await;
    assert_eq!(
        state.view.filter.get_untracked().size_min,
        Some(1024),
        "the range in force stays"
    );
    assert!(text_of(&root, "[data-testid=range-error]").contains("\"lots\" is not a size"));
    let input: web_sys::HtmlInputElement =
        one(&root, "[data-testid=created-from]").unchecked_into();
    input.set_value("2026-13");
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert_eq!(state.view.filter.get_untracked().created_from, None);
    assert!(text_of(&root, "[data-testid=range-error]").contains("is not a date yet"));
}

#[wasm_bindgen_test]
fn search_lowers_non_ascii_text_through_the_browser() {
    use backup_lens::core::view::lower;
    // The wasm lowers non-ASCII text with String.prototype.toLowerCase (the
    // host build with the standard library): both must agree with Unicode.
    assert_eq!(lower("Ünïcode-SICHERUNG"), "ünïcode-sicherung");
    // A final capital sigma lowers to the final form (U+03C2).
    assert_eq!(lower("ΟΔΟΣ"), "οδο\u{3c2}");
    assert_eq!(lower("İSTANBUL-Ärzte"), "i̇stanbul-ärzte");
    assert_eq!(lower("Orders-2026"), "orders-2026");
}
