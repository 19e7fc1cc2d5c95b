"""The station side of an interop session against any CSMS, for a charger maker's own CSMS.

    python -m tools.interop.session --url ws://csms.example:9000/ocpp/ --identity CS-0001 \\
        --password 'the-16-to-40-char-password' --card 04A1B2C3

Runs `station run` on simulated hardware with a fresh data directory against ``--url``
and drives one charging session the way a driver would: plug in, present the card,
charge, stop, unplug. Only the station side is automated; the CSMS must know the station
(identity and password, or its certificate) and accept the card. The checks read the
station's own message log: the boot accepted, every CALL answered with a RESULT (a
CALLERROR from either side fails, other than NotSupported for what the station does not
claim), the card accepted, the transaction events in seqNo order with Started, periodic
meter values and Ended, and the energy rising. What the CSMS stored is for its operator
to check; the summary names the transaction id to look for.

Exit status: 0 all passed, 1 a check failed, 2 the station could not be started.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

from tools.interop.report import CheckFailed, Report
from tools.interop.station_process import Frame, StationConfig, StationProcess, WaitFailed, call

#: The meter interval during the session (SampledDataCtrlr.TxUpdatedInterval), seconds.
METER_INTERVAL = 5


def expect(condition: object, message: str) -> None:
    """A check's assertion (kept under ``python -O``)."""
    if not condition:
        raise CheckFailed(message)


def answered(station: StationProcess, frame: Frame) -> Frame:
    """The RESULT that answered ``frame``; CheckFailed on an ERROR or nothing."""
    answer = station.answer_to(frame)
    expect(answer is not None, f"{frame.action} {frame.message_id} was not answered")
    assert answer is not None
    expect(
        answer.kind == "RESULT",
        f"{frame.action} answered with {answer.kind} {answer.payload}",
    )
    return answer


def status_of_evse(evse_id: int, frame: Frame) -> bool:
    """Matches a StatusNotification the station sent for ``evse_id``."""
    return call("StatusNotification", "out")(frame) and frame.payload["evseId"] == evse_id


def run_session(
    station: StationProcess, report: Report, *, card: str, evse: int, timeout: float
) -> None:
    """Boot, one session, and the wire checks, recorded in ``report``."""
    with report.check("BootNotification Accepted", station.frames) as n:
        boot = station.wait_for(
            "an accepted BootNotification",
            lambda f: (
                call("BootNotification", "out")(f)
                and (a := station.answer_to(f)) is not None
                and a.kind == "RESULT"
                and a.payload.get("status") == "Accepted"
            ),
            timeout=timeout,
        )
        n.append(f"interval {answered(station, boot).payload.get('interval')} s")
    with report.check("StatusNotification of every connector answered", station.frames) as n:
        sent = []
        for evse_id in range(1, station.config.evses + 1):
            frame = station.wait_for(
                f"StatusNotification of EVSE {evse_id}",
                partial(status_of_evse, evse_id),
                after=boot.index,
                timeout=timeout,
            )
            answered(station, frame)
            sent.append(f"{evse_id}:{frame.payload['connectorStatus']}")
        n.append(", ".join(sent))
    with report.check(f"session on EVSE {evse} with card {card}", station.frames) as n:
        mark = station.last_index()
        station.plug(evse)
        station.tap(card)
        authorize = station.wait_for("Authorize", call("Authorize", "out"), after=mark)
        status = answered(station, authorize).payload["idTokenInfo"]["status"]
        expect(status == "Accepted", f"the CSMS answered Authorize with {status}")
        station.ev_state(evse, "C")
        charging = station.wait_for(
            "TransactionEvent Charging",
            lambda f: (
                call("TransactionEvent", "out")(f)
                and f.payload["transactionInfo"].get("chargingState") == "Charging"
            ),
            after=mark,
            timeout=timeout,
        )
        transaction_id = charging.payload["transactionInfo"]["transactionId"]
        for _ in range(2):
            periodic = station.wait_for(
                "a periodic meter value",
                lambda f: (
                    call("TransactionEvent", "out")(f)
                    and f.payload.get("triggerReason") == "MeterValuePeriodic"
                ),
                after=charging.index,
                timeout=METER_INTERVAL * 3 + timeout,
            )
            charging = periodic
        station.ev_state(evse, "B")
        station.unplug(evse)
        station.wait_for(
            "TransactionEvent Ended",
            lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
            after=mark,
            timeout=timeout,
        )
        events = [
            f
            for f in station.frames()
            if call("TransactionEvent", "out")(f)
            and f.payload["transactionInfo"]["transactionId"] == transaction_id
        ]
        seq = [e.payload["seqNo"] for e in events]
        expect(seq == list(range(len(seq))), f"seqNo {seq}")
        expect(events[0].payload["eventType"] == "Started", "the first event is not Started")
        for event in events:
            info = answered(station, event).payload.get("idTokenInfo")
            expect(
                info is None or info.get("status") == "Accepted",
                f"TransactionEvent seqNo {event.payload['seqNo']}: idTokenInfo {info}",
            )
        energy = [
            float(v["value"])
            for e in events
            for mv in e.payload.get("meterValue", [])
            for v in mv["sampledValue"]
            if v.get("measurand", "Energy.Active.Import.Register")
            == "Energy.Active.Import.Register"
        ]
        expect(energy and max(energy) > min(energy), f"energy did not rise: {energy}")
        n.append(
            f"transaction {transaction_id}: {len(events)} events, "
            f"{(max(energy) - min(energy)):.1f} Wh, stoppedReason "
            f"{events[-1].payload['transactionInfo'].get('stoppedReason')}"
        )
    with report.check("every CALL answered, no CALLERROR either way", station.frames) as n:
        frames = station.frames()
        calls = [f for f in frames if f.kind == "CALL"]
        errors = [f for f in frames if f.kind == "ERROR" and f.payload["code"] != "NotSupported"]
        unanswered = [f for f in calls if f.direction == "out" and not station.answer_to(f, frames)]
        expect(not errors, "CALLERROR(s):\n        " + "\n        ".join(f.text() for f in errors))
        expect(
            not unanswered[:-1],  # the newest CALL may still be in flight
            "unanswered:\n        " + "\n        ".join(f.text() for f in unanswered),
        )
        n.append(f"{len(frames)} frames")


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.interop.session",
        description="Run the station side of a charging session against a CSMS.",
    )
    parser.add_argument("--url", required=True, help="CSMS URL the identity is appended to")
    parser.add_argument("--identity", required=True, help="charge point identity")
    parser.add_argument("--security-profile", type=int, choices=(1, 2, 3), default=1)
    parser.add_argument("--password", help="Basic-auth password (profiles 1 and 2)")
    parser.add_argument("--ca-file", type=Path, help="CSMS root certificate(s), PEM (2, 3)")
    parser.add_argument("--cert-file", type=Path, help="station certificate, PEM (3)")
    parser.add_argument("--key-file", type=Path, help="its private key (3)")
    parser.add_argument("--serial-number", default="SN-INTEROP-1")
    parser.add_argument("--card", default="04A1B2C3", help="card UID the CSMS accepts (hex)")
    parser.add_argument("--evse", type=int, default=1, choices=(1, 2))
    parser.add_argument("--timeout", type=float, default=60, help="seconds per step")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    if args.security_profile in (1, 2) and not args.password:
        parser.error("--password is needed for security profiles 1 and 2")
    if args.security_profile >= 2 and not args.ca_file:
        parser.error("--ca-file is needed for security profiles 2 and 3")
    if args.security_profile == 3 and not (args.cert_file and args.key_file):
        parser.error("--cert-file and --key-file are needed for security profile 3")

    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="station-session-"))
    config = StationConfig(
        identity=args.identity,
        url=args.url,
        security_profile=args.security_profile,
        password=args.password,
        ca_file=args.ca_file.resolve() if args.ca_file else None,
        cert_file=args.cert_file.resolve() if args.cert_file else None,
        key_file=args.key_file.resolve() if args.key_file else None,
        serial_number=args.serial_number,
    )
    station = StationProcess(directory / "station", config)
    station.write_config()
    # Seed the meter interval in the store of the stopped station (same checks as
    # SetVariables), so the session shows periodic meter values without the CSMS.
    seeded = subprocess.run(
        [
            sys.executable,
            "-m",
            "station",
            "config",
            "--config",
            str(station.config_path),
            "set",
            "SampledDataCtrlr.TxUpdatedInterval",
            str(METER_INTERVAL),
        ],
        capture_output=True,
        text=True,
    )
    if seeded.returncode != 0:
        print(f"cannot prepare the station: {seeded.stderr.strip()}", file=sys.stderr)
        return 2
    report = Report()
    print(f"station {args.identity} -> {args.url} (data in {directory})", flush=True)
    station.start()
    try:
        run_session(station, report, card=args.card, evse=args.evse, timeout=args.timeout)
    finally:
        if station.alive():
            with contextlib.suppress(WaitFailed):
                station.settle()
        station.stop()
        print(report.summary("station-side session", time.monotonic() - started), flush=True)
        if report.failed or args.keep:
            print(f"station log and message log kept in {directory}", flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
