"""Write the service's OpenAPI schema to openapi.json at the repository root.

Run after changing the API:  .venv/bin/python scripts/export_openapi.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.api.openapi import OPENAPI_FILE, export_openapi  # noqa: E402


def main() -> None:
    target = ROOT / OPENAPI_FILE
    export_openapi(target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
