"""Write `docs/fleet-api.json`: the fleet HTTP API's OpenAPI description, as served at
``/openapi.json``, for people who read or generate clients without running a fleet.

Usage (from the repository root):

    python tools/fleet_api_doc.py          # write docs/fleet-api.json
    python tools/fleet_api_doc.py --check  # exit 1 if the committed copy is out of date

A test runs the check, so a change to the API's routes or models that leaves the copy
behind fails the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "fleet-api.json"
REGENERATE = "python tools/fleet_api_doc.py"


def render() -> str:
    """The description as committed: indented JSON, keys in FastAPI's order, one newline."""
    from station.fleet.http import openapi_document

    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: write the copy, or with ``--check`` compare it with the API."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the copy is out of date"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; run `{REGENERATE}`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
