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

# The release bundle for development, the demo and the tests: its
# Content-Security-Policy also allows loopback endpoints (BACKUP_LENS_LOOPBACK=1).
build_release() {
  step "building the release bundle into dist/ (loopback allowed: demo and tests)"
  (cd "$ROOT" && BACKUP_LENS_LOOPBACK=1 trunk build --release --offline)
}

# The bundle as deployed: no loopback in connect-src. Into dist-prod/ unless told otherwise.
build_production() {
  local out="${1:-dist-prod}"
  step "building the production bundle into $out/ (no loopback in its policy)"
  (cd "$ROOT" && env -u BACKUP_LENS_LOOPBACK trunk build --release --offline --dist "$out")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  ensure_all
  step "set-up complete"
fi
