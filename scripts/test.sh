#!/usr/bin/env bash
# Install bmm-match with its development tools into .venv and run the whole test suite:
# ruff (lint and format), mypy (strict) and pytest including slow tests. Needs nothing but Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
install_into_venv ".[dev]"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -m "not benchmark" "$@"
