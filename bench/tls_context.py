"""What a TLS context costs the event loop per file transfer and per connection attempt.

Before, every HTTPS transfer built ``ssl.create_default_context()`` (the system trust
store) plus the CSMS roots on the event loop, and every connection attempt built the
OCPP client context there too. Now the certificate store builds both in its worker
thread when its files change (`station.ocpp.tls.transfer_context`,
`cached_client_context`) and the loop only looks them up (a ``stat`` per file). Printed:
n / min / p50 / p99 / max of each, and the ratio of the lookups to the builds they
replace, measured in the same run.

    python -m bench.tls_context [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import tempfile
import time
from pathlib import Path

from bench.common import STAT_COLUMNS, Stats, ratio, stats_row, table


def _timed(function, rounds: int) -> Stats:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000.0)
    return Stats.of(samples)


def run(rounds: int) -> dict:
    """Measure and return the figures (and a markdown text)."""
    from station.ocpp.tls import cached_client_context, client_context, transfer_context
    from tools.testpki import make_test_pki

    with tempfile.TemporaryDirectory() as directory:
        pki = make_test_pki(Path(directory))
        bundle = pki.csms_root.cert
        cert, key = pki.station.cert, pki.station.key

        def build_client() -> ssl.SSLContext:
            return client_context(ca_files=[bundle], cert_file=cert, key_file=key)

        def lookup_client() -> ssl.SSLContext:
            return cached_client_context(ca_files=[bundle], cert_file=cert, key_file=key)

        def transfer_build() -> None:  # what each transfer did before
            context = ssl.create_default_context()
            context.load_verify_locations(cafile=str(bundle))

        transfer_context(bundle)  # what the store's worker thread does after a change
        lookup_client()
        figures = {
            "transfer, built per transfer": _timed(transfer_build, rounds),
            "transfer, cached lookup": _timed(lambda: transfer_context(bundle), rounds),
            "connection, built per attempt": _timed(build_client, rounds),
            "connection, cached lookup": _timed(lookup_client, rounds),
        }
    rows = [stats_row(name, stats) for name, stats in figures.items()]
    ratios = {
        "transfer lookup / build (p50)": ratio(
            figures["transfer, cached lookup"].p50, figures["transfer, built per transfer"].p50
        ),
        "connection lookup / build (p50)": ratio(
            figures["connection, cached lookup"].p50, figures["connection, built per attempt"].p50
        ),
    }
    text = "## TLS contexts on the event loop\n\n" + table(rows, STAT_COLUMNS)
    text += "\n\n" + "\n".join(f"* {name}: {value:.4f}" for name, value in ratios.items())
    return {
        "name": "tls_context",
        "results": {name: stats.as_dict() for name, stats in figures.items()},
        "ratios": ratios,
        "text": text,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: print the figures (markdown, or JSON with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m bench.tls_context", description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.rounds)
    print(json.dumps(result, indent=1) if args.json else result["text"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
