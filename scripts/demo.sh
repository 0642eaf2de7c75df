#!/usr/bin/env bash
# Runs Backup Lens against the local DynamoDB backend with 1,600 demo backups.
# Open the printed address and click "Use local demo". Ctrl-C stops it.
#
#   scripts/demo.sh             release build, served by the backend on :8080
#   scripts/demo.sh --dev       trunk serve (rebuilds on change) on :8080
#
# BACKEND_PORT (default 8765) and APP_PORT (default 8080) move the ports.
#
# The demo session (account 123456789012) may assume
# arn:aws:iam::<account>:role/BackupLensViewer in 111122223333 (external id
# lens-ext-1), 444455556666 (eu-south-2 not enabled) and 777788889999 (may not
# list backups); regions us-east-1, eu-west-1 and eu-south-2 are served.
# http://127.0.0.1:$BACKEND_PORT/_backend/sources lists them all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_all

BACKEND_PORT="${BACKEND_PORT:-8765}"
APP_PORT="${APP_PORT:-8080}"
cd "$ROOT"

if [ "${1:-}" = "--dev" ]; then
  # trunk serve is another origin than the backend's: let it use the control routes.
  python3 backend/server.py --port "$BACKEND_PORT" \
    --app-origin "http://127.0.0.1:$APP_PORT" --app-origin "http://localhost:$APP_PORT" &
  backend=$!
  trap 'kill $backend 2>/dev/null' EXIT
  step "app: http://127.0.0.1:$APP_PORT/  (backend http://127.0.0.1:$BACKEND_PORT, click \"Use local demo\")"
  BACKUP_LENS_LOOPBACK=1 trunk serve --offline --port "$APP_PORT" --address 127.0.0.1
else
  build_release
  step "app: http://127.0.0.1:$APP_PORT/  (backend http://127.0.0.1:$BACKEND_PORT, click \"Use local demo\")"
  exec python3 backend/server.py --port "$BACKEND_PORT" --static dist --static-port "$APP_PORT"
fi
