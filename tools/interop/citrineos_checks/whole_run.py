"""The checks over the whole run: the station-side session tool, the wire, CitrineOS's log."""

from __future__ import annotations

import subprocess
import sys

from tools.interop.citrineos_checks.base import (
    ALLOWED_ERRORS,
    CARD,
    PASSWORD,
    STATION,
    SuiteBase,
    expect,
)
from tools.interop.citrineos_log import (
    BUSY_REASON,
    CITRINE_VALIDATION,
    KNOWN_CITRINE_ERRORS,
    busy_answers,
    error_blocks,
    explained_busy_block,
    plain_lines,
)


class WholeRunChecks(SuiteBase):
    """The session tool and what the whole run must not contain."""

    def session_tool(self) -> None:
        """The documented station-side command for other CSMSs, run against CitrineOS."""
        self.stop_station()
        with self.report.check("station-side session tool (tools.interop.session) passes") as n:
            argv = [
                sys.executable,
                "-m",
                "tools.interop.session",
                "--url",
                f"{self.sp[1].url()}/",
                "--identity",
                STATION,
                "--password",
                PASSWORD,
                "--card",
                CARD,
            ]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
            headers = [line for line in done.stdout.splitlines() if line.startswith("== ")]
            expect(
                done.returncode == 0,
                f"exit {done.returncode}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}",
            )
            n.append(headers[-1].strip("= ") if headers else "no summary printed")

    def wire_checks(self) -> None:
        """Over the whole run: no CALLERROR, no CitrineOS validation or unexplained error."""
        with self.report.check("no CALLERROR in either direction (whole run)") as n:
            errors = []
            allowed: list[str] = []
            total = 0
            busy: list[str] = []
            for station in self.stations:
                frames = station.frames()
                total += len(frames)
                by_id = {(f.message_id, f.direction): f for f in frames if f.kind == "CALL"}
                station_busy = set(busy_answers(frames))
                busy += station_busy
                for frame in frames:
                    if frame.kind != "ERROR":
                        continue
                    if frame.direction == "in" and frame.message_id in station_busy:
                        continue
                    other = "in" if frame.direction == "out" else "out"
                    request = by_id.get((frame.message_id, other))
                    # Only the station may answer NotSupported: it does so for an action
                    # it has no handler for (a feature it does not claim, e.g. smart
                    # charging); CitrineOS must support everything the station sends.
                    if frame.payload["code"] in ALLOWED_ERRORS and frame.direction == "out":
                        allowed.append(request.action if request and request.action else "?")
                        continue
                    errors.append(
                        f"{frame.text()}\n          answering: "
                        f"{request.text() if request else '(unknown CALL)'}"
                    )
            expect(not self.unsettled, f"unanswered at a station stop: {self.unsettled}")
            expect(not errors, f"{len(errors)} CALLERROR(s):\n        " + "\n        ".join(errors))
            n.append(f"{total} frames")
            if busy:
                self.report.note(f"CitrineOS answered {len(busy)} CALL(s) busy: {BUSY_REASON}")
            if allowed:
                n.append(f"NotSupported (not claimed by the station) for {sorted(set(allowed))}")
        with self.report.check("no validation error logged by CitrineOS (whole run)") as n:
            text = self.citrine.log_text()
            blocks = error_blocks(text)
            busy_lines = {b.splitlines()[0] for b in blocks if explained_busy_block(b, busy)}
            bad = [
                line
                for line in plain_lines(text)
                if CITRINE_VALIDATION.search(line) and line not in busy_lines
            ]
            expect(not bad, f"{len(bad)} line(s):\n        " + "\n        ".join(bad[:20]))
            n.append(f"{len(text.splitlines())} log lines scanned")
        with self.report.check("no unexplained ERROR/FATAL logged by CitrineOS (run)") as n:
            known: dict[str, int] = {}
            unknown = []
            for block in blocks:
                reason = next((r for pattern, r in KNOWN_CITRINE_ERRORS if pattern in block), None)
                if reason is None and explained_busy_block(block, busy):
                    reason = BUSY_REASON
                if reason is None:
                    unknown.append(block)
                else:
                    known[reason] = known.get(reason, 0) + 1
            for reason, count in known.items():
                self.report.note(f"CitrineOS logged ERROR {count}x: {reason}")
            expect(
                not unknown,
                f"{len(unknown)} unexplained ERROR(s):\n        " + "\n        ".join(unknown[:10]),
            )
            n.append(f"{sum(known.values())} known, 0 unexplained")
