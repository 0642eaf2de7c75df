//! Any form input through validation: either field errors, or a query whose
//! body is valid JSON within the documented bounds. Also endpoints,
//! credentials, dates and the URL view state.
#![no_main]

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::query::QueryInput;
use backup_lens::core::sign::Credentials;
use backup_lens::core::time::parse_utc;
use backup_lens::core::urlstate::ViewState;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let f: Vec<&str> = text.split('\u{0}').collect();
    let field = |i: usize| f.get(i).copied().unwrap_or("").to_owned();
    let input = QueryInput {
        table: field(0),
        backup_type: field(1),
        from: field(2),
        to: field(3),
        page_size: field(4),
    };
    match input.validate() {
        Ok(q) => {
            let v: serde_json::Value = serde_json::from_str(&q.body(None)).expect("body is JSON");
            if let Some(limit) = v.get("Limit") {
                let l = limit.as_u64().expect("Limit is an integer");
                assert!((1..=100).contains(&l));
            }
            if let (Some(a), Some(b)) = (q.from, q.to) {
                assert!(a < b);
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
    if let Ok(e) = Endpoint::resolve(&field(5), &field(6)) {
        assert!(e.scheme == "https" || e.is_loopback());
        assert_eq!(e.authority, e.authority.to_ascii_lowercase());
    }
    let _ = Credentials::new(&field(7), &field(8), &field(9));
    let _ = parse_utc(&field(2));
    let view = ViewState::from_query(&text);
    assert_eq!(ViewState::from_query(&view.to_query()), view, "the URL round-trips");
});
