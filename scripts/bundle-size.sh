#!/usr/bin/env bash
# Reports the size of the release bundle in dist/: raw and gzip -9, per file and in total.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../dist"
total_raw=0
total_gz=0
for f in *.wasm *.js *.css; do
  [ -e "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9c "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-48s %9d B raw %9d B gzip\n' "$f" "$raw" "$gz"
done
printf '%-48s %9d B raw %9d B gzip (%.1f KiB)\n' "total (wasm + js + css)" "$total_raw" "$total_gz" "$(awk "BEGIN { print $total_gz / 1024 }")"
