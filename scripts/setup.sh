#!/usr/bin/env bash
# Installs what Backup Lens needs and skips what is present. Sourced by
# scripts/demo.sh and scripts/test.sh; run it alone to only set up.
#
# Needs: the stock Rust toolchain (rustup), Node.js with npm, Python 3 with pip.
# Installs: the wasm32 target, rustfmt/clippy, trunk, wasm-bindgen-cli at the
# version locked in Cargo.lock, wasm-opt and playwright-core (npm, in tools/),
# Debian's chromium and chromium-driver, moto[server] (into tools/python).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
MOTO_VERSION="5.2.5"
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PYTHONPATH="$ROOT/tools/python${PYTHONPATH:+:$PYTHONPATH}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2; return 1; fi
}

# The wasm-bindgen version Cargo.lock resolved (Cargo.toml pins it with "=").
locked_wasm_bindgen() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  for c in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$c"; then
      step "adding $c"
      rustup component add "$c"
    fi
  done
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    step "installing trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  local wbg
  wbg="$(locked_wasm_bindgen)"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
    step "installing wasm-bindgen-cli $wbg (the version in Cargo.lock)"
    # Not --locked: its lock file pins a yanked crate.
    cargo install wasm-bindgen-cli --version "$wbg"
  fi
  ensure_rust_src
}

ensure_node_tools() {
  if [ ! -x "$ROOT/tools/node_modules/.bin/wasm-opt" ] || [ ! -d "$ROOT/tools/node_modules/playwright-core" ]; then
    step "installing wasm-opt (binaryen) and playwright-core from npm into tools/"
    npm ci --prefix "$ROOT/tools" --no-audit --no-fund
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    step "installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  fi
}

ensure_python() {
  if ! python3 -c "import moto, werkzeug, boto3, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    step "installing moto[server] $MOTO_VERSION into tools/python"
    if ! python3 -m pip --version >/dev/null 2>&1; then
      as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip
    fi
    # --target keeps the system's Python untouched (and works where PEP 668 forbids plain installs).
    python3 -m pip install --quiet --disable-pip-version-check --upgrade --target "$ROOT/tools/python" "moto[server]==$MOTO_VERSION"
  fi
}

ensure_all() {
  ensure_rust
  ensure_node_tools
  ensure_chromium
  ensure_python
}

# The smallest bundle rebuilds the standard library (-Zbuild-std, rust-src) with
# panics that abort at once and no panic locations or Debug formatting in the
# wasm: what a user downloads is about a tenth smaller. These are nightly
# switches; RUSTC_BOOTSTRAP=1 allows them on the stable toolchain. If that build
# fails (no rust-src, or a toolchain that changed the switches), the plain
# release build is made instead and target/bundle-kind says "plain".
MIN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none --cfg erase_components"

has_rust_src() {
  [ -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]
}

ensure_rust_src() {
  if ! has_rust_src; then
    step "adding rust-src (for the smallest release bundle)"
    rustup component add rust-src || echo "rust-src could not be added: release builds fall back to the plain build" >&2
  fi
}

# trunk build --release with the given extra arguments, smallest build first.
trunk_release() {
  mkdir -p "$ROOT/target"
  if has_rust_src && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/min" RUSTFLAGS="$MIN_RUSTFLAGS" \
      CARGO_UNSTABLE_BUILD_STD="std,panic_abort" trunk build --release --offline "$@"; then
    echo min >"$ROOT/target/bundle-kind"
    return
  fi
  step "the smallest build (-Zbuild-std) is not available here: making the plain release build"
  trunk build --release --offline "$@"
  echo plain >"$ROOT/target/bundle-kind"
}

# The release bundle for development, the demo and the tests: its
# Content-Security-Policy also allows loopback endpoints (BACKUP_LENS_LOOPBACK=1).
build_release() {
  step "building the release bundle into dist/ (loopback allowed: demo and tests)"
  (cd "$ROOT" && BACKUP_LENS_LOOPBACK=1 trunk_release)
}

# The bundle as deployed: no loopback in connect-src. Into dist-prod/ unless told otherwise.
build_production() {
  local out="${1:-dist-prod}"
  step "building the production bundle into $out/ (no loopback in its policy)"
  (cd "$ROOT" && unset BACKUP_LENS_LOOPBACK && trunk_release --dist "$out")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_all
  step "set-up complete"
fi
