//! Any status and body through the ListBackups parser, then the pager: no panic,
//! and a successful page never carries an empty cursor.
#![no_main]

use backup_lens::core::pager::Pager;
use backup_lens::core::query::Query;
use backup_lens::core::response::parse_list_backups;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 600, rest),
        _ => (200, data),
    };
    let body = String::from_utf8_lossy(body);
    let header = |_: &str| None;
    if let Ok(page) = parse_list_backups(status, &header, &body) {
        assert!(page.next_start.as_deref() != Some(""));
        let mut pager = Pager::new(Query::default());
        let n = page.backup_summaries.len();
        if let Ok(added) = pager.apply(None, page) {
            assert!(added <= n);
            assert_eq!(pager.rows().len(), added);
        }
    }
});
