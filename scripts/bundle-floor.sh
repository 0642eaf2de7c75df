#!/usr/bin/env bash
# What the bundle cannot go under, built with the same switches as the app's
# smallest release build, beside the app's dist/ (gzip -9 and brotli 11):
#   - floor: the crates the design names, alone (scripts/floor/src/main.rs:
#     one input, one button, one signed fetch, one parsed answer);
#   - no-views: the app without its views (scripts/floor/src/bin/no-views.rs:
#     state, engine, runner, signing, parsing, view model; a button per action).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
ensure_rust
ensure_node_tools
ensure_rust_src
for page in floor no-views; do
  (cd scripts/floor && BACKUP_LENS_LOOPBACK=1 RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/floor" \
    RUSTFLAGS="$MIN_RUSTFLAGS" CARGO_UNSTABLE_BUILD_STD="std,panic_abort" \
    trunk build --release --offline --dist "$ROOT/target/$page-dist" "$page.html")
done
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
}' "$ROOT/target/floor-dist" "$ROOT/target/no-views-dist" "$ROOT/dist"
