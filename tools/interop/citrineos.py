"""The station against CitrineOS: a real, OCA-certified CSMS, end to end.

    python -m tools.interop.citrineos [--keep] [--tarball FILE]

Builds CitrineOS from its source tarball into a cache (once per tarball), starts private
PostgreSQL + PostGIS and RabbitMQ processes on 127.0.0.1, starts CitrineOS with station
endpoints for security profiles 1, 2 and 3, registers the station and its cards in its
database, then runs the station (`station run`, simulated hardware) through boot, device
model, two sessions, remote commands, certificates, an outage and the TLS profiles. Every
check reads what CitrineOS stored (its REST API answers asynchronously; the database and
the station's message log are polled with deadlines). The run fails on a failed check, on
any CALLERROR in either direction and on any validation error CitrineOS logs.

Exit status: 0 all passed, 1 a check failed, 2 the environment could not be set up.
``docs/interop.md`` lists the checks and the CitrineOS quirks worked around.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tools.interop.citrineos_checks import (
    CARD,
    CHARGING_CARD,
    PASSWORD,
    REMOTE_CARD,
    STATION,
    Suite,
    UploadServer,
)
from tools.interop.citrineos_server import (
    CitrineOs,
    StationServer,
    build,
    default_tarball,
)
from tools.interop.report import Report
from tools.interop.services import (
    Postgres,
    RabbitMq,
    ServiceError,
    ensure_debian_packages,
    free_port,
)
from tools.testpki import make_test_pki


def main(argv: list[str] | None = None) -> int:
    """Entry point: set up, run every check, print the summary."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.interop.citrineos", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--tarball", type=Path, default=None, help="CitrineOS source tarball")
    parser.add_argument("--keep", action="store_true", help="keep the run directory")
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = Report()
    directory = Path(tempfile.mkdtemp(prefix="station-interop-"))
    os.chmod(directory, 0o755)  # PostgreSQL runs as 'postgres' when we are root

    def log(line: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {line}", flush=True)

    log(f"run directory {directory}")
    postgres = Postgres(directory / "postgres")
    rabbitmq = RabbitMq(directory / "rabbitmq")
    citrine: CitrineOs | None = None
    suite: Suite | None = None
    ok = False
    try:
        try:
            ensure_debian_packages(log)
            built = build(args.tarball or default_tarball(), log)
            postgres.start(log)
            rabbitmq.start(log)
            pki = make_test_pki(directory / "pki", serial_number="SN-INTEROP-TLS")
            servers = [
                StationServer("sp1", 1, free_port()),
                StationServer(
                    "sp2",
                    2,
                    free_port(),
                    tls_key=pki.server.key,
                    tls_chain=pki.server.chain,
                ),
                StationServer(
                    "sp3",
                    3,
                    free_port(),
                    tls_key=pki.server.key,
                    tls_chain=pki.server.chain,
                    ca_key=pki.csms_root.key,
                    root_ca=pki.csms_root.cert,
                ),
            ]
            (directory / "citrineos").mkdir()
            citrine = CitrineOs(built, directory / "citrineos", postgres, rabbitmq, servers)
            citrine.migrate(log)
            citrine.register_station(STATION)
            for card in (CARD, REMOTE_CARD, CHARGING_CARD):
                citrine.register_card(card)
            citrine.start(log)
            citrine.set_password(STATION, PASSWORD)
        except (ServiceError, TimeoutError, OSError) as exc:
            log(f"SETUP FAILED: {exc}")
            return 2
        log("running the checks")
        suite = Suite(citrine, directory, pki, report)
        with UploadServer() as uploads:
            suite.run(uploads)
        ok = not report.failed
    finally:
        if suite is not None:
            for station in suite.stations:
                station.stop()
        if citrine is not None:
            citrine.close()
        rabbitmq.stop()
        postgres.stop()
        print(report.summary("CitrineOS interop", time.monotonic() - started), flush=True)
        if ok and not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"logs and data kept in {directory}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
