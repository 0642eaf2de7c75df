#!/usr/bin/env bash
# Benchmark (a report, not a test): Load all over an organisation of 10 member
# accounts x 4 regions (roles assumed from the browser), 20,000 backups spread
# evenly and skewed, through the rate-enforcing backend, against the parallel
# bound (the slowest source's pages / 5 per second), next to the AWS CLI loop
# a user would write (from PyPI, installed into tools/awscli) on the same backend.
# BENCH_BACKUPS=N, BENCH_MODES=even,skewed and BENCH_SKIP_CLI=1 adjust it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_all
cd "$ROOT"
if ! PYTHONPATH="$ROOT/tools/awscli" python3 -c "import awscli" 2>/dev/null; then
  step "installing the AWS CLI (awscli from PyPI) into tools/awscli"
  python3 -m pip install --quiet --disable-pip-version-check --target "$ROOT/tools/awscli" awscli
fi
[ -f dist/index.html ] || build_release
node scripts/bench-org.mjs
