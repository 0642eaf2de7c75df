#!/usr/bin/env bash
# Runs every test: formatting and lints, host tests of the core (including the
# AWS SigV4 suite), component tests in headless Chromium, the backend's own
# tests, and end-to-end tests of the release build against the backend.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_all
cd "$ROOT"
start=$(date +%s)

step "rustfmt and clippy (host and wasm32, warnings are errors)"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings

step "host tests: the core, the SigV4 suite, recorded responses"
cargo test

step "browser tests: components in headless Chromium (wasm-bindgen-test)"
cargo test --target wasm32-unknown-unknown --test browser

step "backend tests: signatures, dates, regions, errors, CORS"
python3 -m unittest discover -s tests/backend

build_release
build_production dist-prod
scripts/bundle-size.sh --check

step "end-to-end tests: the release build in headless Chromium against the backend"
node --test --test-concurrency=1 tests/e2e/

step "all tests passed in $(( $(date +%s) - start ))s"
