"""Baseline stations for the benchmarks, each run as its own process.

``python -m bench.peers floor URL IDENTITY [--ping S]``: the transport floor. It parses
each CALL's JSON and writes a pre-built answer (and, for requests that make a station
send something, a pre-built follow-up message). Nothing a real station could do is
faster on this transport.

``python -m bench.peers floor-trio URL IDENTITY``: the same floor on trio and trio-websocket,
the transport the station is built on (the design fixes it), so that ours/floor-trio shows
what the station adds and floor-trio/floor what the transport library costs.

``python -m bench.peers floor-durable URL IDENTITY``: floor-trio that also stores each
SetVariables value durably before it answers, as a station must (B05: Accepted only once
stored), and as the design has our station do it: one row replaced in SQLite (WAL,
``synchronous=FULL``) and committed in a worker thread (docs/architecture.md, rule 3: no
blocking call on the event loop). No station built as the design fixes it (trio,
trio-websocket, the store's commit off the event loop) answers the mix faster on this
machine and this disk.

``python -m bench.peers ocpplib URL IDENTITY [--ping S]``: a station built on the PyPI
`ocpp` library (asyncio, schema validation on), answering the same requests with the
same content: what a Python user would otherwise write.

``--report FILE`` (a JSON list of ReportDataType, wire form): the report items both
baselines send in answer to GetBaseReport, so that they send the report our station sent
(`bench.triggered` passes the one it received from our station in the same run); without
it they send a NotifyReport without items.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import signal
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import websockets
from websockets.typing import Subprotocol

from bench.common import PASSWORD


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _headers(identity: str) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _variables(payload: dict) -> list[dict]:
    return [
        {
            "attributeStatus": "Accepted",
            "component": item["component"],
            "variable": item["variable"],
            "attributeValue": "1",
        }
        for item in payload.get("getVariableData", [])
    ]


BOOT = {
    "chargingStation": {"model": "Floor", "vendorName": "Bench"},
    "reason": "PowerUp",
}
STATUS = {
    "timestamp": "2026-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}
METER = {
    "evseId": 1,
    "meterValue": [
        {
            "timestamp": "2026-01-01T00:00:00Z",
            "sampledValue": [{"value": 1.0, "context": "Trigger"}],
        }
    ],
}
REPORT = {"requestId": 1, "generatedAt": "2026-01-01T00:00:00Z", "seqNo": 0, "tbc": False}
#: The items of the report the baselines send (``--report``); None: no items.
REPORT_DATA: list[dict] | None = None


def _event(kind: str, trigger: str) -> dict:
    return {
        "eventType": kind,
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": trigger,
        "seqNo": 0,
        "transactionInfo": {"transactionId": "floor-1"},
    }


# -- the floor ------------------------------------------------------------------------------

FLOOR_ANSWERS = {
    "SetVariables": lambda p: {
        "setVariableResult": [
            {
                "attributeStatus": "Accepted",
                "component": i["component"],
                "variable": i["variable"],
            }
            for i in p["setVariableData"]
        ]
    },
    "TriggerMessage": {"status": "Accepted"},
    "ChangeAvailability": {"status": "Accepted"},
    "GetTransactionStatus": {"messagesInQueue": False},
    "GetBaseReport": {"status": "Accepted"},
    "RequestStartTransaction": {"status": "Accepted"},
    "RequestStopTransaction": {"status": "Accepted"},
}
#: Pre-built answers: the GetVariables result for the harness's 1- and 100-item requests
#: is built once per distinct payload (a cache keyed by the raw request).
FLOOR_FOLLOW_UPS = {
    "StatusNotification": ("StatusNotification", STATUS),
    "MeterValues": ("MeterValues", METER),
    "GetBaseReport": ("NotifyReport", REPORT),
    "RequestStartTransaction": ("TransactionEvent", _event("Started", "RemoteStart")),
    "RequestStopTransaction": ("TransactionEvent", _event("Ended", "RemoteStop")),
}


class FloorResponder:
    """The floor's whole logic, independent of the WebSocket library: text in, texts out."""

    def __init__(self) -> None:
        self.prebuilt: dict[str, str] = {}
        self.cache: dict[str | bytes, str] = {}
        for action, answer in FLOOR_ANSWERS.items():
            if not callable(answer):
                self.prebuilt[action] = json.dumps(answer)
        follow_ups = dict(FLOOR_FOLLOW_UPS)
        if REPORT_DATA is not None:
            follow_ups["GetBaseReport"] = ("NotifyReport", {**REPORT, "reportData": REPORT_DATA})
        self.follow = {k: json.dumps([2, "f", a, p]) for k, (a, p) in follow_ups.items()}

    def answer(self, raw: str | bytes) -> list[str]:
        frame = json.loads(raw)
        if frame[0] != 2:
            return []
        return self.answer_call(frame, raw)

    def answer_call(self, frame: list, raw: str | bytes) -> list[str]:
        """The texts that answer a parsed CALL (``raw``: its text, the answers' cache key)."""
        _, message_id, action, payload = frame
        body = self.prebuilt.get(action)
        if body is None:
            key = raw
            body = self.cache.get(key)
            if body is None:
                if action == "GetVariables":
                    body = json.dumps({"getVariableResult": _variables(payload)})
                else:
                    answer = FLOOR_ANSWERS.get(action, {})
                    body = json.dumps(answer(payload) if callable(answer) else answer)
                self.cache[key] = body
        out = [f'[3,"{message_id}",{body}]']
        if action == "TriggerMessage":
            extra = self.follow.get(payload["requestedMessage"])
        else:
            extra = self.follow.get(action)
        if extra is not None:
            if action == "GetBaseReport":  # the report names the request it answers
                extra = extra.replace('"requestId": 1,', f'"requestId": {payload["requestId"]},')
            out.append(extra)
        return out


def stored_rows(frame: list) -> list[tuple[str, str]]:
    """What floor-durable stores before it answers the CALL ``frame``: the values of a
    SetVariables, as (key, value) rows."""
    if frame[2] != "SetVariables":
        return []
    return [
        (f"{item['component']['name']}/{item['variable']['name']}", item["attributeValue"])
        for item in frame[3]["setVariableData"]
    ]


def commit_rows(db: sqlite3.Connection, rows: list[tuple[str, str]]) -> None:
    """Store ``rows`` in one transaction, durably (the store's settings: `durable_store`)."""
    db.execute("BEGIN")
    db.executemany("INSERT OR REPLACE INTO variables (key, value) VALUES (?, ?)", rows)
    db.execute("COMMIT")


def durable_store(directory: str) -> sqlite3.Connection:
    """floor-durable's store in ``directory``, set up as our station's is; usable from
    its worker thread."""
    db = sqlite3.connect(
        Path(directory) / "floor.db", isolation_level=None, check_same_thread=False
    )
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE variables (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    return db


BOOT_FRAME = json.dumps([2, "boot", "BootNotification", BOOT])


async def floor(url: str, identity: str, ping: float | None) -> None:
    """The floor on asyncio and the `websockets` library (C-accelerated framing)."""
    responder = FloorResponder()
    async with websockets.connect(
        f"{url}/{identity}",
        subprotocols=[Subprotocol("ocpp2.0.1")],
        additional_headers=_headers(identity),
        ping_interval=ping,
    ) as ws:
        await ws.send(BOOT_FRAME)
        async for raw in ws:
            for text in responder.answer(raw):
                await ws.send(text)


def floor_trio(
    url: str, identity: str, ping: float | None, store: sqlite3.Connection | None = None
) -> None:
    """The same floor on trio and trio-websocket: the transport our station is built on,
    so ours/floor-trio is what the station itself adds. With ``store`` (floor-durable), each
    SetVariables is committed there in a worker thread before it is answered."""
    import trio
    import trio_websocket

    responder = FloorResponder()
    writer = trio.CapacityLimiter(1)  # one connection, one writer, as the station's store

    async def pinger(ws: trio_websocket.WebSocketConnection, interval: float) -> None:
        while True:
            await trio.sleep(interval)
            await ws.ping()

    async def stop_on_sigterm(cancel: trio.CancelScope) -> None:
        # The harness stops a peer with SIGTERM: end the run so that the store's
        # directory is removed.
        with trio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                cancel.cancel()

    async def run() -> None:
        headers = [(k.encode(), v.encode()) for k, v in _headers(identity).items()]
        async with trio_websocket.open_websocket_url(
            f"{url}/{identity}", subprotocols=["ocpp2.0.1"], extra_headers=headers
        ) as ws:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(stop_on_sigterm, nursery.cancel_scope)
                if ping:
                    nursery.start_soon(pinger, ws, ping)
                await ws.send_message(BOOT_FRAME)
                while True:
                    raw = await ws.get_message()
                    frame = json.loads(raw)
                    if frame[0] != 2:
                        continue
                    rows = stored_rows(frame) if store is not None else []
                    if store is not None and rows:
                        await trio.to_thread.run_sync(commit_rows, store, rows, limiter=writer)
                    for text in responder.answer_call(frame, raw):
                        await ws.send_message(text)

    try:
        trio.run(run)
    except trio_websocket.ConnectionClosed:
        pass


# -- the ocpp-library station ---------------------------------------------------------------


async def ocpplib(url: str, identity: str, ping: float | None) -> None:
    from ocpp.routing import after, on
    from ocpp.v201 import ChargePoint, call, call_result

    class Station(ChargePoint):
        @on("GetVariables")
        async def get_variables(self, get_variable_data, **kwargs):
            return call_result.GetVariables(
                get_variable_result=[
                    {
                        "attribute_status": "Accepted",
                        "component": item["component"],
                        "variable": item["variable"],
                        "attribute_value": "1",
                    }
                    for item in get_variable_data
                ]
            )

        @on("SetVariables")
        async def set_variables(self, set_variable_data, **kwargs):
            return call_result.SetVariables(
                set_variable_result=[
                    {
                        "attribute_status": "Accepted",
                        "component": item["component"],
                        "variable": item["variable"],
                    }
                    for item in set_variable_data
                ]
            )

        @on("TriggerMessage")
        async def trigger(self, requested_message, **kwargs):
            return call_result.TriggerMessage(status="Accepted")

        @after("TriggerMessage")
        async def triggered(self, requested_message, **kwargs):
            if requested_message == "StatusNotification":
                await self.call(
                    call.StatusNotification(
                        timestamp=now_iso(), connector_status="Available", evse_id=1, connector_id=1
                    )
                )
            elif requested_message == "MeterValues":
                await self.call(call.MeterValues(evse_id=1, meter_value=METER["meterValue"]))

        @on("ChangeAvailability")
        async def change_availability(self, operational_status, **kwargs):
            return call_result.ChangeAvailability(status="Accepted")

        @on("GetTransactionStatus")
        async def transaction_status(self, **kwargs):
            return call_result.GetTransactionStatus(messages_in_queue=False)

        @on("GetBaseReport")
        async def base_report(self, request_id, report_base, **kwargs):
            return call_result.GetBaseReport(status="Accepted")

        @after("GetBaseReport")
        async def report(self, request_id, report_base, **kwargs):
            await self.call(
                call.NotifyReport(
                    request_id=request_id,
                    generated_at=now_iso(),
                    seq_no=0,
                    report_data=REPORT_DATA,
                )
            )

        @on("RequestStartTransaction")
        async def request_start(self, id_token, remote_start_id, **kwargs):
            return call_result.RequestStartTransaction(status="Accepted")

        @after("RequestStartTransaction")
        async def started(self, id_token, remote_start_id, **kwargs):
            await self.call(
                call.TransactionEvent(
                    event_type="Started",
                    timestamp=now_iso(),
                    trigger_reason="RemoteStart",
                    seq_no=0,
                    transaction_info={
                        "transaction_id": "lib-1",
                        "remote_start_id": remote_start_id,
                    },
                )
            )

        @on("RequestStopTransaction")
        async def request_stop(self, transaction_id, **kwargs):
            return call_result.RequestStopTransaction(status="Accepted")

        @after("RequestStopTransaction")
        async def stopped(self, transaction_id, **kwargs):
            await self.call(
                call.TransactionEvent(
                    event_type="Ended",
                    timestamp=now_iso(),
                    trigger_reason="RemoteStop",
                    seq_no=1,
                    transaction_info={"transaction_id": transaction_id},
                )
            )

    async with websockets.connect(
        f"{url}/{identity}",
        subprotocols=[Subprotocol("ocpp2.0.1")],
        additional_headers=_headers(identity),
        ping_interval=ping,
    ) as ws:
        station = Station(identity, ws)
        runner = asyncio.create_task(station.start())
        await station.call(
            call.BootNotification(
                charging_station={"model": "Lib", "vendor_name": "Bench"}, reason="PowerUp"
            )
        )
        await runner


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers")
    parser.add_argument("kind", choices=("floor", "floor-durable", "floor-trio", "ocpplib"))
    parser.add_argument("url")
    parser.add_argument("identity")
    parser.add_argument("--ping", type=float, default=None, help="WebSocket ping interval (s)")
    parser.add_argument("--report", help="JSON file: the report items to send (see above)")
    args = parser.parse_args()
    if args.report:
        global REPORT_DATA
        with open(args.report, encoding="utf-8") as file:
            REPORT_DATA = json.load(file)
    if args.kind == "floor-trio":
        floor_trio(args.url, args.identity, args.ping)
        return
    if args.kind == "floor-durable":
        # In the temporary directory, where the benchmarked stations keep their stores.
        with tempfile.TemporaryDirectory(prefix="bench-floor-") as directory:
            store = durable_store(directory)
            try:
                floor_trio(args.url, args.identity, args.ping, store)
            finally:
                store.close()
        return
    run = floor if args.kind == "floor" else ocpplib
    try:
        asyncio.run(run(args.url, args.identity, args.ping))
    except (KeyboardInterrupt, websockets.ConnectionClosed):
        pass


if __name__ == "__main__":
    main()
