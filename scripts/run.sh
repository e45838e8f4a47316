#!/usr/bin/env bash
# Install bmm-match into .venv, seed the synthetic demo data into SQLite (bmm.db) once,
# and serve the API at http://127.0.0.1:8000. Needs nothing but Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bmm-match needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export BMM_DATABASE_URL="${BMM_DATABASE_URL:-sqlite:///bmm.db}"
.venv/bin/bmm demo --if-empty
exec .venv/bin/bmm serve --host 127.0.0.1 --port "${PORT:-8000}"
