#!/usr/bin/env bash
# The bundle to deploy (no loopback in its policy), smallest build first:
#   scripts/build.sh [DIR]    (default dist-prod/)
# See "Deploy" and "Bundle size" in README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_rust
ensure_node_tools
build_production "${1:-dist-prod}"
(cd "$ROOT" && scripts/bundle-size.sh --dir "${1:-dist-prod}")
