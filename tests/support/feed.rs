// Shared by two test crates (browser, bench); each uses part of it.
#![allow(dead_code)]

//! Feeds pages to the app's listing engine as if they had come from the
//! network: the engine asks for a request (`poll`), the page answers it
//! (`handle`). Shared by the browser tests and the benchmark.

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::engine::{Action, Goal, Outcome, SourceSpec, Target, HOME};
use backup_lens::core::query::Query;
use backup_lens::core::response::Page;
use backup_lens::core::sign::Credentials;
use backup_lens::state::AppState;

/// One source; nothing is ever sent to it (the test answers).
pub fn source() -> SourceSpec {
    SourceSpec {
        target: Target {
            endpoint: Endpoint::parse("http://127.0.0.1:9").unwrap(),
            region: "us-east-1".into(),
            principal: HOME.into(),
            credentials: Credentials::new("AKIAIOSFODNN7EXAMPLE", "secret", "").unwrap(),
        },
        query: Query::default(),
        label: "test".into(),
        account: None,
        blocked: None,
    }
}

/// Asks the engine for a listing: `fresh` for List, else Load more / Load all.
pub fn ask(state: &AppState, goal: Goal, fresh: bool) {
    state
        .runner
        .update(|e| e.request(vec![source()], goal, fresh));
}

/// Answers the engine's next request with `page`, at monotonic time `mono` ms.
pub fn answer_at(state: &AppState, page: Page, mono: f64) {
    state.runner.update(move |e| {
        let mut page = Some(page);
        loop {
            match e.poll(mono, 0.0) {
                Action::Send(send) => {
                    let p = page.take().expect("one page per answer");
                    e.handle(send.id, Outcome::Page(p), mono, 0.0, 0.5);
                    return;
                }
                Action::Abort(_) => continue,
                other => panic!("the engine asked for {other:?}, not a request"),
            }
        }
    });
}

/// List, answered with `page`: the shown rows become the page's.
pub fn list(state: &AppState, page: Page) {
    ask(state, Goal::OnePage, true);
    answer_at(state, page, 0.0);
}
