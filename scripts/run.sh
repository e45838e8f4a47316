#!/usr/bin/env bash
# Install bmm-match into .venv, seed the synthetic demo data into SQLite (bmm.db) once,
# and serve the API at http://127.0.0.1:8000. Needs nothing but Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
install_into_venv "."
export BMM_DATABASE_URL="${BMM_DATABASE_URL:-sqlite:///bmm.db}"
.venv/bin/bmm demo --if-empty
exec .venv/bin/bmm serve --host 127.0.0.1 --port "${PORT:-8000}"
