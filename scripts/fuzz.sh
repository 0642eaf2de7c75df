#!/usr/bin/env bash
# Fuzzes the response parser, the error parser and the query validation with
# cargo fuzz (libFuzzer), SECONDS_PER_TARGET each (default 600), one after the
# other, and prints each target's executions and whether it crashed.
# Usage: scripts/fuzz.sh [TARGET...]   (default: all three)
# cargo fuzz needs nightly flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain use them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
seconds="${SECONDS_PER_TARGET:-600}"
cargo fuzz build -O
mkdir -p logs
status=0
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_response parse_error query_validation)
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  if cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 > "logs/$target.log" 2>&1; then
    result="no crash"
  else
    result="CRASH (see fuzz/logs/$target.log and fuzz/artifacts/$target)"
    status=1
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "logs/$target.log" | grep -Eo '[0-9]+$' || echo '?')
  printf '%-18s %6ss  %12s executions  %s\n' "$target" "$seconds" "$execs" "$result"
done
exit $status
