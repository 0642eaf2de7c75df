//! Backup Lens: a browser-only dashboard for Amazon DynamoDB backups.
//!
//! `core` is plain Rust (no browser, no clock, no I/O) and is tested natively;
//! `net` and `app` are the browser edge, built for wasm32 only.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod charts;
#[cfg(target_arch = "wasm32")]
pub mod details;
#[cfg(target_arch = "wasm32")]
pub mod net;
#[cfg(target_arch = "wasm32")]
pub mod protection;
#[cfg(target_arch = "wasm32")]
pub mod runner;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod table;
