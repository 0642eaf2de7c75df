//! Any status and body through the ListBackups parser, then the listing
//! engine, answered as a first page and as a failure: no panic, a successful
//! page never carries an empty cursor, and no row appears twice.
#![no_main]

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::engine::{Action, Engine, EngineConfig, Goal, Outcome, SourceSpec, Target};
use backup_lens::core::query::Query;
use backup_lens::core::response::parse_list_backups;
use backup_lens::core::sign::Credentials;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 600, rest),
        _ => (200, data),
    };
    let body = String::from_utf8_lossy(body);
    let header = |_: &str| None;
    let outcome = match parse_list_backups(status, &header, &body) {
        Ok(page) => {
            assert!(page.next_start.as_deref() != Some(""));
            Outcome::Page(page)
        }
        Err(e) => Outcome::Failed(e),
    };
    let mut engine = Engine::new(EngineConfig::default());
    let source = SourceSpec {
        target: Target {
            endpoint: Endpoint::parse("http://127.0.0.1:8765").unwrap(),
            region: "us-east-1".into(),
            credentials: Credentials::new("AKIAIOSFODNN7EXAMPLE", "secret", "").unwrap(),
        },
        query: Query::default(),
        label: "fuzz".into(),
    };
    engine.request(vec![source], Goal::All, true);
    let Action::Send(send) = engine.poll(0.0, 0.0) else {
        panic!("the engine sent nothing")
    };
    let n = match &outcome {
        Outcome::Page(p) => p.backup_summaries.len(),
        Outcome::Failed(_) => 0,
    };
    engine.handle(send.id, outcome, 1.0, 1.0, 0.5);
    assert!(engine.rows().len() <= n);
    let mut keys: Vec<(u32, &str)> = engine.rows().iter().map(|r| (r.source, r.key.as_str())).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), engine.rows().len(), "a row twice");
    // The engine answers whatever comes next without panicking.
    for t in 2..8 {
        let _ = engine.poll(t as f64 * 1000.0, 0.0);
    }
});
