#!/usr/bin/env bash
# Benchmark (a report, not a test): cold start of the release bundle (dist/, or
# the directories given) in headless Chromium. See scripts/bench-start.mjs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_node_tools
ensure_chromium
cd "$ROOT"
[ $# -gt 0 ] || { [ -f dist/index.html ] || build_release; }
node scripts/bench-start.mjs "$@"
