#!/usr/bin/env bash
# Install bmm-match with its development tools into .venv and run the whole test suite:
# ruff (lint and format), mypy (strict) and pytest including slow tests. Needs nothing but Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
install_into_venv ".[dev]"
# openapi-python-client (for tests/service/api/test_generated_client.py) needs typer<0.28, the CLI typer>=0.29:
# the generator gets an environment of its own.
[ -x .venv-openapi/bin/openapi-python-client ] || {
    "${PYTHON:-python3}" -m venv .venv-openapi
    .venv-openapi/bin/python -m pip install --quiet 'openapi-python-client>=0.29,<0.30'
}
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -m "not benchmark" "$@"
