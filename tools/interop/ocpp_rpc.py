"""The same session against a second, independent implementation: a CSMS on the Node.js
library ``ocpp-rpc`` in strict mode (its own schema validator checks every CALL and every
answer in both directions).

    python -m tools.interop.ocpp_rpc

Installs ``ocpp-rpc`` once into the interop cache with npm, starts
``tools/interop/ocpp_rpc_csms.mjs`` on a free port, runs the station-side session
(`tools.interop.session`) against it, and checks the CSMS's own record: the station
connected, every CALL it sent was handled, the CSMS's CALLs to the station (GetVariables,
SetVariables, TriggerMessage, GetBaseReport) got answers that pass strict validation, and
nothing was rejected as malformed. So no single peer's quirks define "interop".

Exit status: 0 passed, 1 a check failed, 2 Node.js/npm or the package are not available.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tools.interop.citrineos_server import cache_root
from tools.interop.report import CheckFailed, Report
from tools.interop.services import Process, ServiceError, free_port, wait_until

PACKAGE = "ocpp-rpc@2.2.1"
SCRIPT = Path(__file__).with_name("ocpp_rpc_csms.mjs")
IDENTITY = "CS-INTEROP-RPC"
PASSWORD = "Interop-Rpc-Passw0rd-0123"
CARD = "04A1B2C3"
#: The CALLs the CSMS script sends the station after its boot.
CSMS_REQUESTS = ("GetVariables", "SetVariables", "TriggerMessage", "GetBaseReport")


def expect(condition: object, message: str) -> None:
    """A check's assertion (kept under ``python -O``)."""
    if not condition:
        raise CheckFailed(message)


def node() -> str:
    """A Node.js ≥ 18 (the machine's, else the one of the CitrineOS build)."""
    candidates = [shutil.which("node")]
    candidates += [str(p) for p in sorted(cache_root().glob("citrineos-*/node/package/bin/node"))]
    for candidate in candidates:
        if not candidate:
            continue
        done = subprocess.run([candidate, "--version"], capture_output=True, text=True)
        if done.returncode == 0 and int(done.stdout.strip().lstrip("v").split(".")[0]) >= 18:
            return candidate
    raise ServiceError("Node.js 18 or later is needed (Debian: apt-get install nodejs npm)")


def install() -> Path:
    """``ocpp-rpc`` installed in the cache (once)."""
    target = cache_root() / PACKAGE.replace("@", "-")
    if (target / "node_modules" / "ocpp-rpc" / "package.json").exists():
        return target
    if shutil.which("npm") is None:
        raise ServiceError("npm is needed to install ocpp-rpc (Debian: apt-get install npm)")
    target.mkdir(parents=True, exist_ok=True)
    (target / "package.json").write_text('{"name": "interop-ocpp-rpc", "private": true}\n')
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", PACKAGE],
        cwd=target,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise ServiceError(f"npm install {PACKAGE} failed:\n{done.stdout}{done.stderr}")
    return target


def refused_malformed_boot(port: int) -> str:
    """Prove the validator is on: a BootNotification without vendorName must get a
    CALLERROR (else a passing session would prove nothing)."""
    auth = base64.b64encode(f"{IDENTITY}:{PASSWORD}".encode()).decode()
    with connect(
        f"ws://127.0.0.1:{port}/{IDENTITY}",
        subprotocols=[Subprotocol("ocpp2.0.1")],
        additional_headers={"Authorization": f"Basic {auth}"},
        open_timeout=10,
    ) as ws:
        bad = {"reason": "PowerUp", "chargingStation": {"model": "AC22-2"}}
        ws.send(json.dumps([2, "control-1", "BootNotification", bad]))
        answer = json.loads(ws.recv(timeout=10))
    expect(
        answer[0] == 4 and answer[1] == "control-1",
        f"a malformed BootNotification was answered with {answer}",
    )
    return f"{answer[2]}: {answer[3]}"


def events(log_path: Path) -> list[dict]:
    """The CSMS's JSON lines so far."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            found.append({"event": "output", "line": line})
    return found


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="station-ocpp-rpc-"))
    report = Report()
    try:
        package = install()
        executable = node()
    except ServiceError as exc:
        print(f"SETUP FAILED: {exc}", flush=True)
        return 2
    port = free_port()
    log_path = directory / "csms.log"
    csms = Process.start(
        "ocpp-rpc csms",
        [executable, SCRIPT],
        log_path=log_path,
        env={
            **os.environ,
            "PORT": str(port),
            "IDENTITY": IDENTITY,
            "PASSWORD": PASSWORD,
            "CARD": CARD,
            "OCPP_RPC_DIR": str(package),
        },
    )
    try:
        try:
            wait_until(
                lambda: (
                    any(e["event"] == "listening" for e in events(log_path)) or not csms.alive()
                ),
                timeout=30,
                what="the ocpp-rpc CSMS",
            )
        except TimeoutError as exc:
            print(f"SETUP FAILED: {exc}\n{csms.log_tail()}", flush=True)
            return 2
        if not csms.alive():
            print(f"SETUP FAILED: the ocpp-rpc CSMS exited:\n{csms.log_tail()}", flush=True)
            return 2
        print(f"ocpp-rpc CSMS (strict mode) on ws://127.0.0.1:{port}", flush=True)
        with report.check("control: the CSMS refuses a malformed BootNotification") as n:
            n.append(refused_malformed_boot(port))
        with report.check("station-side session against ocpp-rpc (strict mode)") as n:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tools.interop.session",
                    "--url",
                    f"ws://127.0.0.1:{port}/",
                    "--identity",
                    IDENTITY,
                    "--password",
                    PASSWORD,
                    "--card",
                    CARD,
                ],
                capture_output=True,
                text=True,
                timeout=600,
            )
            expect(done.returncode == 0, f"exit {done.returncode}:\n{done.stdout[-4000:]}")
            headers = [line for line in done.stdout.splitlines() if line.startswith("== ")]
            n.append(headers[-1].strip("= ") if headers else "")
        with report.check("the CSMS's CALLs answered and valid in strict mode") as n:
            seen = events(log_path)
            asked = {e["method"]: e["reply"] for e in seen if e["event"] == "asked"}
            expect(
                set(asked) == set(CSMS_REQUESTS),
                f"answered: {sorted(asked)}; expected {list(CSMS_REQUESTS)}",
            )
            n.append(", ".join(f"{m} {asked[m].get('status', 'ok')}" for m in CSMS_REQUESTS))
        with report.check("nothing rejected or unhandled by the ocpp-rpc CSMS") as n:
            seen = events(log_path)
            bad = [
                e
                for e in seen
                if e["event"] in ("error", "unexpected_call", "auth_rejected", "output")
            ]
            expect(not bad, "\n        ".join(json.dumps(e) for e in bad[:20]))
            calls = [e["method"] for e in seen if e["event"] == "call"]
            n.append(f"{len(calls)} station CALLs handled ({', '.join(sorted(set(calls)))})")
    finally:
        csms.stop()
        print(report.summary("ocpp-rpc interop", time.monotonic() - started), flush=True)
        if report.failed:
            print(f"CSMS log kept in {directory}", flush=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
