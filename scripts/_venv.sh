# Sourced by run.sh and test.sh: create .venv with Python 3.11+ and install the package into it.
# Usage: install_into_venv ".[dev]"
install_into_venv() {
    local python="${PYTHON:-python3}"
    "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bmm-match needs Python 3.11 or newer")'
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$1"
}
