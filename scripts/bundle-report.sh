#!/usr/bin/env bash
# Where the release bundle's bytes go: builds the release bundle (dist/, the
# same build as the tests and the demo), then a copy of its wasm with names
# kept (wasm-bindgen --keep-debug, wasm-opt -Oz -g) for twiggy, and prints
#   - gzip -9 and brotli 11 sizes of the wasm, js and css in dist/,
#   - the wasm's bytes grouped by crate, by this crate's module, and core's parts,
#   - the 25 largest single items.
# Installs twiggy (cargo install) when it is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
ensure_rust
ensure_node_tools
TWIGGY_VERSION="0.8.0"
if [ "$(twiggy --version 2>/dev/null)" != "twiggy-opt $TWIGGY_VERSION" ]; then
  step "installing twiggy $TWIGGY_VERSION (once)"
  cargo install twiggy --version "$TWIGGY_VERSION" --locked
fi

build_release
kind="$(cat target/bundle-kind)"
if [ "$kind" = min ]; then wasm=target/min/wasm32-unknown-unknown/release/backup-lens.wasm
else wasm=target/wasm32-unknown-unknown/release/backup-lens.wasm; fi

out=target/bundle-report
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --keep-debug --out-dir "$out" "$wasm"
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals "$out/backup-lens_bg.wasm" -o "$out/named.wasm"
twiggy top -n 1000000 -f json "$out/named.wasm" >"$out/top.json"

echo
echo "## Bundle report ($kind build, $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo
node -e '
const z = require("zlib"), fs = require("fs"), path = require("path");
const dir = "dist";
let raw = 0, gz = 0, br = 0;
console.log("| file | raw | gzip -9 | brotli 11 |\n|---|---:|---:|---:|");
for (const f of fs.readdirSync(dir).filter((f) => /\.(wasm|js|css)$/.test(f)).sort()) {
  const b = fs.readFileSync(path.join(dir, f));
  // GNU gzip -9, as scripts/bundle-size.sh and the budget measure it.
  const g = require("child_process").execFileSync("gzip", ["-9nc"], { input: b, maxBuffer: 1 << 28 }).length;
  const r = z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += b.length; gz += g; br += r;
  console.log(`| ${f.replace(/-[0-9a-f]{8,}/, "")} | ${b.length} | ${g} | ${r} |`);
}
const k = (n) => (n / 1024).toFixed(1) + " KiB";
console.log(`| **total** | ${raw} | **${gz} (${k(gz)})** | **${br} (${k(br)})** |`);
'
echo
python3 scripts/bundle_group.py "$out/top.json"
