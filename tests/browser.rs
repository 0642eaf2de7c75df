//! Components mounted in headless Chromium (wasm-bindgen-test): mount, act,
//! `tick().await`, assert on the DOM.
#![cfg(target_arch = "wasm32")]

use backup_lens::app::{App, BackupTable, Banner, ErrorBanner};
use backup_lens::core::pager::Pager;
use backup_lens::core::query::Query;
use backup_lens::core::response::parse_list_backups;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = include_str!("fixtures/list-backups-page.json");

fn container() -> web_sys::HtmlElement {
    let doc = document();
    let div = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&div).unwrap();
    div.unchecked_into()
}

fn loaded_pager() -> Pager {
    let mut pager = Pager::new(Query::default());
    let page = parse_list_backups(200, &|_| None, PAGE).unwrap();
    pager.apply(None, page).unwrap();
    pager
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

#[wasm_bindgen_test]
async fn table_shows_every_field_readably() {
    let root = container();
    let pager = RwSignal::new(Some(loaded_pager()));
    let _mounted =
        leptos::mount::mount_to(root.clone(), move || view! { <BackupTable pager=pager /> });
    leptos::task::tick().await;

    let rows = all(&root, "[data-testid=backup-row]");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].children().length(), 10, "all ten fields");
    assert_eq!(
        rows[0].get_attribute("data-backup-arn").as_deref(),
        Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/backup/01732456800000-8c2b1f4e")
    );
    let text = rows[0].text_content().unwrap();
    assert!(text.contains("48.8 GiB"), "{text}");
    assert!(text.contains("2024-11-24 14:00 UTC"), "{text}");
    let created = rows[0].children().item(4).unwrap();
    assert!(created
        .get_attribute("title")
        .unwrap()
        .contains("2024-11-24T14:00:00.000Z"));
    let size = rows[0].children().item(6).unwrap();
    assert_eq!(
        size.get_attribute("title").as_deref(),
        Some("52,428,800,123 bytes")
    );
    // System backup: expiry shown; unknown size shown as a dash.
    assert!(rows[1].text_content().unwrap().contains("2024-12-29"));
    assert!(rows[2]
        .children()
        .item(6)
        .unwrap()
        .text_content()
        .unwrap()
        .contains('—'));
}

#[wasm_bindgen_test]
async fn hostile_names_render_as_text() {
    let root = container();
    let pager = RwSignal::new(Some(loaded_pager()));
    let _mounted =
        leptos::mount::mount_to(root.clone(), move || view! { <BackupTable pager=pager /> });
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
    let pager = RwSignal::new(Some(Pager::new(Query::default())));
    let _mounted =
        leptos::mount::mount_to(root.clone(), move || view! { <BackupTable pager=pager /> });
    leptos::task::tick().await;
    assert!(root.text_content().unwrap().contains("No backups match"));
    let page = parse_list_backups(200, &|_| None, PAGE).unwrap();
    let next = page.next_start.clone();
    pager.update(|p| {
        p.as_mut().unwrap().apply(None, page.clone()).unwrap();
    });
    leptos::task::tick().await;
    assert_eq!(all(&root, "[data-testid=backup-row]").len(), 3);
    // The same backups again on the next page: still three rows.
    let mut again = page;
    again.next_start = None;
    pager.update(|p| {
        p.as_mut().unwrap().apply(next.as_deref(), again).unwrap();
    });
    leptos::task::tick().await;
    assert_eq!(all(&root, "[data-testid=backup-row]").len(), 3);
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
