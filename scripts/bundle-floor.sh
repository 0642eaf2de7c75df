#!/usr/bin/env bash
# What the named stack weighs before any feature: builds scripts/floor (one
# input, one button, one signed fetch, one parsed answer, with the same crates
# and the same switches as the app's smallest release build) and prints its
# gzip -9 and brotli 11 sizes beside the app's dist/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
ensure_rust
ensure_node_tools
ensure_rust_src
out="$ROOT/target/floor-dist"
(cd scripts/floor && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/floor" RUSTFLAGS="$MIN_RUSTFLAGS" \
  CARGO_UNSTABLE_BUILD_STD="std,panic_abort" trunk build --release --offline --dist "$out")
node -e '
const z = require("zlib"), fs = require("fs"), path = require("path"), cp = require("child_process");
for (const dir of process.argv.slice(1)) {
  let gz = 0, br = 0, raw = 0;
  for (const f of fs.readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f))) {
    const b = fs.readFileSync(path.join(dir, f));
    raw += b.length;
    gz += cp.execFileSync("gzip", ["-9nc"], { input: b, maxBuffer: 1 << 28 }).length;
    br += z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  console.log(`${dir}: ${raw} B raw, ${gz} B gzip (${(gz / 1024).toFixed(1)} KiB), ${br} B brotli (${(br / 1024).toFixed(1)} KiB)`);
}' "$out" "$ROOT/dist"
