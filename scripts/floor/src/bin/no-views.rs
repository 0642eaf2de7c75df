//! The app without its views: the page's state, the listing engine and its
//! runner, signing, STS, parsing, the URL state and the view model (visible
//! rows, facets), driven by one button per action. What no drawing of the
//! features can go under (scripts/bundle-floor.sh).

#[cfg(target_arch = "wasm32")]
fn main() {
    use backup_lens::state::{AppState, Mode};
    use leptos::prelude::*;
    leptos::mount::mount_to_body(|| {
        let state = AppState::for_page();
        view! {
            <button on:click=move |_| state.start(Mode::First)>"List"</button>
            <button on:click=move |_| state.start(Mode::More)>"More"</button>
            <button on:click=move |_| state.start(Mode::All)>"All"</button>
            <button on:click=move |_| state.stop()>"Stop"</button>
            <button on:click=move |_| state.use_demo()>"Demo"</button>
            <button on:click=move |_| state.open_tables()>"Tables"</button>
            <button on:click=move |_| state.forget_credentials()>"Forget"</button>
            <input on:input=move |ev| state.paste_credentials(&event_target_value(&ev)) />
            <p>{move || state.view.visible.with(|v| v.indices.len()).to_string()}</p>
            <p>{move || state.view.facets.with(|f| f[0].len()).to_string()}</p>
            <p>{move || state.view.distinct.get().0.to_string()}</p>
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
