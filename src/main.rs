#[cfg(target_arch = "wasm32")]
fn main() {
    // Panic messages in the console for debug builds only: release builds
    // abort at once and carry no panic text (see "Bundle size" in README.md).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(backup_lens::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "Backup Lens runs in the browser: build it with `trunk build --release` (see README.md)."
    );
}
