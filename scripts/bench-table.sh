#!/usr/bin/env bash
# Benchmark (a report, not a test): the mounted filter bar, charts and table in
# headless Chromium, release build, at 100, 1,600, 20,000 and 100,000
# generated backups fed through the listing engine. Prints the BENCH lines:
# first screen, filter keystroke, clearing the search, sort, chart-bar click
# and un-click (median and p95, each until laid out), wasm memory; and Load all
# at 20,000 loaded with pages of 10 and a sort active (answer to laid out, per page).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_chromium
cd "$ROOT"
cargo test --release --target wasm32-unknown-unknown --test bench -- --nocapture 2>&1 | grep -E "BENCH|test result|panicked"
