#!/usr/bin/env bash
# Benchmark (a report, not a test): 100,000 generated backups in headless
# Chromium, release build. Prints the BENCH lines: first screen, filter
# keystrokes, re-sorts, wasm memory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_chromium
cd "$ROOT"
cargo test --release --target wasm32-unknown-unknown --test bench -- --nocapture 2>&1 | grep -E "BENCH|test result|panicked"
