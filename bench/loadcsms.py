"""A load-generating CSMS, run as its own process so that its work does not share the
station's interpreter: ``python -m bench.loadcsms SCENARIO [--cert C --key K]``.

It prints its port on the first line of stdout, answers every CALL of the station, and
according to SCENARIO:

* ``quiet``: nothing more;
* ``flood``: GetBaseReport(FullInventory) and GetVariables with 100 items back to back,
  each sent as soon as the previous one was answered (OCPP-J allows one CALL in flight);
* ``storm``: closes the connection 0.3 s after every BootNotification (with --cert/--key
  the server speaks TLS, so every reconnection is a full TLS handshake).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import ssl
import sys
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, serve


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


ANSWERS = {
    "BootNotification": lambda: {"currentTime": now_iso(), "interval": 3600, "status": "Accepted"},
    "Heartbeat": lambda: {"currentTime": now_iso()},
    "Authorize": lambda: {"idTokenInfo": {"status": "Accepted"}},
}


def _hundred() -> list[dict]:
    names = (
        "HeartbeatInterval",
        "WebSocketPingInterval",
        "MessageTimeout",
        "RetryBackOffWaitMinimum",
    )
    return [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": names[i % len(names)]}}
        for i in range(100)
    ]


async def handle(ws: ServerConnection, scenario: str) -> None:
    ids = itertools.count()
    booted = asyncio.Event()

    answered = asyncio.Event()

    async def flood() -> None:
        await booted.wait()
        requests = (
            lambda: ("GetBaseReport", {"requestId": next(ids), "reportBase": "FullInventory"}),
            lambda: ("GetVariables", {"getVariableData": _hundred()}),
        )
        for make in itertools.cycle(requests):
            action, payload = make()
            answered.clear()
            await ws.send(json.dumps([2, f"c{next(ids)}", action, payload]))
            await answered.wait()

    async def storm() -> None:
        await booted.wait()
        await asyncio.sleep(0.3)
        await ws.close()

    task = None
    if scenario == "flood":
        task = asyncio.create_task(flood())
    elif scenario == "storm":
        task = asyncio.create_task(storm())
    try:
        async for raw in ws:
            frame = json.loads(raw)
            if frame[0] != 2:
                answered.set()
                continue
            action = frame[2]
            answer = ANSWERS.get(action, dict)()
            await ws.send(json.dumps([3, frame[1], answer]))
            if action == "BootNotification":
                booted.set()
    except Exception:
        pass
    finally:
        if task is not None:
            task.cancel()


async def main_async(scenario: str, cert: str | None, key: str | None) -> None:
    context = None
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    server = await serve(
        lambda ws: handle(ws, scenario),
        "127.0.0.1",
        0,
        subprotocols=["ocpp2.0.1"],
        ssl=context,
        ping_interval=None,
        max_size=None,
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadcsms")
    parser.add_argument("scenario", choices=("quiet", "flood", "storm"))
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args.scenario, args.cert, args.key))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
