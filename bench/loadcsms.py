"""A load-generating CSMS, run as its own process so that its work does not share the
station's interpreter: ``python -m bench.loadcsms SCENARIO [--cert C --key K]``.

It prints its port on the first line of stdout, answers every CALL of the station, and
according to SCENARIO:

* ``quiet``: nothing more;
* ``flood``: GetBaseReport(FullInventory) and GetVariables with 100 items back to back,
  each sent as soon as the previous one was answered (OCPP-J allows one CALL in flight);
* ``storm``: closes the connection 0.3 s after every BootNotification (with --cert/--key
  the server speaks TLS, so every reconnection is a full TLS handshake);
* ``hostile``: once told to start (SIGUSR1), sends 2000 GetBaseReport(FullInventory)
  every 0.2 s without waiting for any answer (OCPP-J 4.1.1 broken on purpose);
* ``bigframes``: once told to start (SIGUSR1), sends DataTransfer CALLs of about 1 MB
  (``--frame-bytes``) back to back, without waiting for the answers.

Answers to its own CALLs are counted by kind; it prints the counts as one JSON line on
stdout when it is terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import signal
import ssl
from datetime import UTC, datetime

from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol


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


#: Answers the station gave to this CSMS's CALLs, by status or CALLERROR code.
ANSWERED: collections.Counter[str] = collections.Counter()
#: Set by SIGUSR1: the scenarios that wait for it start their load.
GO = asyncio.Event()
FRAME_BYTES = 1_000_000


def _count(frame: list) -> None:
    if frame[0] == 3:
        ANSWERED[str(frame[2].get("status", "result")) if isinstance(frame[2], dict) else "?"] += 1
    elif frame[0] == 4:
        ANSWERED[str(frame[2])] += 1


async def handle(ws: ServerConnection, scenario: str, frame_bytes: int = FRAME_BYTES) -> None:
    ids = itertools.count()
    booted = asyncio.Event()

    answered = asyncio.Event()

    async def hostile() -> None:
        await booted.wait()
        await GO.wait()
        while True:
            for _ in range(2000):
                n = next(ids)
                payload = {"requestId": n, "reportBase": "FullInventory"}
                await ws.send(json.dumps([2, f"h{n}", "GetBaseReport", payload]))
            await asyncio.sleep(0.2)

    async def bigframes() -> None:
        await booted.wait()
        await GO.wait()
        data = "x" * frame_bytes
        while True:
            n = next(ids)
            payload = {"vendorId": "bench", "messageId": "big", "data": data}
            await ws.send(json.dumps([2, f"b{n}", "DataTransfer", payload]))

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
    elif scenario == "hostile":
        task = asyncio.create_task(hostile())
    elif scenario == "bigframes":
        task = asyncio.create_task(bigframes())
    try:
        async for raw in ws:
            frame = json.loads(raw)
            if frame[0] != 2:
                _count(frame)
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


async def main_async(
    scenario: str, cert: str | None, key: str | None, frame_bytes: int = FRAME_BYTES
) -> None:
    context = None
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
    server = await serve(
        lambda ws: handle(ws, scenario, frame_bytes),
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp2.0.1")],
        ssl=context,
        ping_interval=None,
        max_size=None,
    )
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, GO.set)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    print(json.dumps(dict(ANSWERED)), flush=True)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadcsms")
    parser.add_argument("scenario", choices=("quiet", "flood", "storm", "hostile", "bigframes"))
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--frame-bytes", type=int, default=FRAME_BYTES)
    args = parser.parse_args()
    try:
        asyncio.run(main_async(args.scenario, args.cert, args.key, args.frame_bytes))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
