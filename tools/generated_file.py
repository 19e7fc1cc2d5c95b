"""The command line of the tools that write a file the repository commits (the OCPP
message models, the fleet API's OpenAPI description): write the file, or with
``--check`` exit 1 when the committed copy differs from what the tool renders now. The
tests run the check, so a change that leaves a copy behind fails the suite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def write_or_check(
    argv: list[str] | None,
    render: Callable[[], str],
    output: Path,
    regenerate: str,
    doc: str | None,
) -> int:
    """Parse ``argv`` (``--check``, ``--output``, default ``output``), then write
    ``render()`` to the output or compare it with the file there. ``regenerate`` is the
    command a stale copy names; the first line of the tool's ``doc`` describes it."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the file is out of date"
    )
    parser.add_argument("--output", type=Path, default=output, help="default: %(default)s")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; run `{regenerate}`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")
    return 0
