#!/usr/bin/env bash
# Reports the size of the release bundle in dist/: raw and gzip -9, per file and
# in total. With --check, also holds the total to the budget in
# scripts/bundle-budget for the kind of build in dist/ (target/bundle-kind:
# "min", the -Zbuild-std build, or "plain", its fallback) and fails above it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/dist"
if [ "${1:-}" = --dir ]; then dir="$(cd "$2" && pwd)"; shift 2; fi
cd "$dir"
total_raw=0
total_gz=0
for f in *.wasm *.js *.css; do
  [ -e "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9nc "$f" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-48s %9d B raw %9d B gzip\n' "$f" "$raw" "$gz"
done
printf '%-48s %9d B raw %9d B gzip (%.1f KiB)\n' "total (wasm + js + css)" "$total_raw" "$total_gz" "$(awk "BEGIN { print $total_gz / 1024 }")"

if [ "${1:-}" = --check ]; then
  kind="$(cat "$root/target/bundle-kind" 2>/dev/null || echo plain)"
  budget="$(awk -v k="$kind" '$1 == k { print $2 }' "$root/scripts/bundle-budget")"
  if [ -z "$budget" ]; then
    echo "size budget: no figure for a \"$kind\" build in scripts/bundle-budget" >&2
    exit 1
  fi
  if [ "$total_gz" -gt "$budget" ]; then
    echo "size budget exceeded: $total_gz B gzip > $budget B for the $kind build (scripts/bundle-budget)" >&2
    exit 1
  fi
  echo "size budget: $total_gz B gzip <= $budget B for the $kind build"
fi
