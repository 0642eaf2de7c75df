#!/usr/bin/env bash
# Benchmark (a report, not a test): Load all of 20,000 backups through the
# rate-enforcing backend, against the bound of pages / 5 per second, next to
# the AWS CLI (from PyPI, installed into tools/awscli) on the same backend.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_all
cd "$ROOT"
if ! PYTHONPATH="$ROOT/tools/awscli" python3 -c "import awscli" 2>/dev/null; then
  step "installing the AWS CLI (awscli from PyPI) into tools/awscli"
  python3 -m pip install --quiet --disable-pip-version-check --target "$ROOT/tools/awscli" awscli
fi
[ -f dist/index.html ] || build_release
node scripts/bench-load.mjs
