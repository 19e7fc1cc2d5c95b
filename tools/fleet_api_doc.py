"""Write `docs/fleet-api.json`: the fleet HTTP API's OpenAPI description, as served at
``/openapi.json``, for people who read or generate clients without running a fleet.

Usage (from the repository root):

    python tools/fleet_api_doc.py          # write docs/fleet-api.json
    python tools/fleet_api_doc.py --check  # exit 1 if the committed copy is out of date

A test runs the check, so a change to the API's routes or models that leaves the copy
behind fails the suite.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as `python tools/NAME.py`: the path starts at tools/, not at the root.
    _ROOT = str(Path(__file__).resolve().parent.parent)
    if _ROOT not in sys.path:
        sys.path.insert(0, _ROOT)

from tools.generated_file import write_or_check

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "fleet-api.json"
REGENERATE = "python tools/fleet_api_doc.py"


def render() -> str:
    """The description as committed: indented JSON, keys in FastAPI's order, one newline."""
    from station.fleet.http import openapi_document

    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: write the copy, or with ``--check`` compare it with the API."""
    return write_or_check(argv, render, OUTPUT, REGENERATE, __doc__)


if __name__ == "__main__":
    sys.exit(main())
