"""An in-memory, scriptable CSMS for tests on trio's MockClock.

Timer logic (back-off, retries, pings, heartbeats, hour-long intervals) is tested against
this peer so that hours of station life pass in milliseconds. It speaks OCPP-J frames over
`station.ocpp.transport.memory_pair`; schema-level independence is the job of the judge
(tests/judge.py), which runs over real sockets.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import trio

from station.ocpp import rpc
from station.ocpp.transport import (
    ConnectFailed,
    Endpoint,
    MemoryTransport,
    TransportClosed,
    memory_pair,
)


class NoReply:
    """Script value: never answer."""


@dataclass(frozen=True)
class Reject:
    """Script value: answer with a CALLERROR."""

    code: str = "InternalError"
    description: str = ""


@dataclass(frozen=True)
class Received:
    """One CALL from the station."""

    action: str
    payload: dict
    message_id: str
    at: float  # trio time
    connection: int


def _defaults(clock_now: Callable[[], str]) -> dict[str, Any]:
    return {
        "BootNotification": lambda p: {
            "currentTime": clock_now(),
            "interval": 300,
            "status": "Accepted",
        },
        "Heartbeat": lambda p: {"currentTime": clock_now()},
        "Authorize": {"idTokenInfo": {"status": "Accepted"}},
        "SignCertificate": {"status": "Accepted"},
        "DataTransfer": {"status": "UnknownVendorId"},
    }


class MemoryCsms:
    """Scriptable CSMS; `dial` is the station's `Dialer`."""

    def __init__(self, nursery: trio.Nursery, *, now: Callable[[], str] | None = None) -> None:
        self._nursery = nursery
        self._now = now or (lambda: datetime.now(UTC).isoformat().replace("+00:00", "Z"))
        self.responses: dict[str, Any] = _defaults(self._now)
        self.received: list[Received] = []
        self.connections: list[dict] = []  # {"endpoint", "opened", "closed"}
        self.refuse_next = 0
        #: CSMS URLs that refuse every connection (a "down" CSMS among several).
        self.refuse_urls: set[str] = set()
        self.attempts: list[float] = []
        self.attempted_urls: list[str] = []
        self._changed = trio.Event()
        self._current: MemoryTransport | None = None
        self._waiters: dict[str, trio.MemorySendChannel] = {}
        self._calls_sent = 0
        #: Every CALLRESULT and CALLERROR the station sent, in order.
        self.answers: list[rpc.Frame] = []
        self.answer_pings = True

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    async def dial(self, nursery: trio.Nursery, endpoint: Endpoint) -> MemoryTransport:
        """The station's dialer: refuse or accept a connection."""
        self.attempts.append(trio.current_time())
        self.attempted_urls.append(endpoint.url)
        self._notify()
        await trio.lowlevel.checkpoint()
        if endpoint.url in self.refuse_urls:
            raise ConnectFailed(f"{endpoint.url} is down")
        if self.refuse_next > 0:
            self.refuse_next -= 1
            raise ConnectFailed("refused by the test CSMS")
        station_side, csms_side = memory_pair()
        csms_side.answer_pings(self.answer_pings)
        record = {
            "endpoint": endpoint,
            "opened": trio.current_time(),
            "closed": None,
            "transport": csms_side,
        }
        self.connections.append(record)
        self._current = csms_side
        self._nursery.start_soon(self._serve, csms_side, record, len(self.connections) - 1)
        self._notify()
        return station_side

    async def _serve(self, transport: MemoryTransport, record: dict, index: int) -> None:
        try:
            while True:
                try:
                    text = await transport.receive()
                except TransportClosed:
                    return
                frame = rpc.decode(text)
                if isinstance(frame, rpc.Call):
                    self.received.append(
                        Received(
                            frame.action,
                            frame.payload,
                            frame.message_id,
                            trio.current_time(),
                            index,
                        )
                    )
                    self._notify()
                    self._nursery.start_soon(self._answer, transport, frame)
                else:
                    self.answers.append(frame)
                    waiter = self._waiters.pop(frame.message_id, None)
                    if waiter is not None:
                        waiter.send_nowait(frame)
        finally:
            record["closed"] = trio.current_time()
            if self._current is transport:
                self._current = None
            self._notify()

    async def _answer(self, transport: MemoryTransport, call: rpc.Call) -> None:
        script = self.responses.get(call.action, {})
        if callable(script) and not isinstance(script, type):
            script = script(call.payload)
        if script is NoReply or isinstance(script, NoReply):
            return
        if isinstance(script, Reject):
            frame: rpc.Frame = rpc.CallError(call.message_id, script.code, script.description)
        else:
            frame = rpc.CallResult(call.message_id, json.loads(json.dumps(script)))
        try:
            await transport.send(rpc.encode(frame))
        except TransportClosed:
            pass

    async def call(self, action: str, payload: dict, timeout: float = 30) -> rpc.Frame:
        """Send a CALL to the station and return its response frame."""
        transport = self._current
        assert transport is not None, "station not connected"
        # Unique on the connection (OCPP-J 4.1.3): the station refuses a repeated id.
        self._calls_sent += 1
        message_id = f"csms-{self._calls_sent}-{trio.current_time()}"
        send, receive = trio.open_memory_channel[rpc.Frame](1)
        self._waiters[message_id] = send
        await transport.send(rpc.encode(rpc.Call(message_id, action, payload)))
        with trio.fail_after(timeout):
            return await receive.receive()

    async def call_text(self, message_id: str, text: str, timeout: float = 30) -> rpc.Frame:
        """Send a frame written by hand whose answer carries ``message_id``; return it."""
        assert self._current is not None, "station not connected"
        send, receive = trio.open_memory_channel[rpc.Frame](1)
        self._waiters[message_id] = send
        await self._current.send(text)
        with trio.fail_after(timeout):
            return await receive.receive()

    async def send_text(self, text: str) -> None:
        """Send raw text to the station."""
        assert self._current is not None
        await self._current.send(text)

    async def disconnect(self) -> None:
        """Drop the current connection."""
        if self._current is not None:
            await self._current.aclose(1000, "closed by test")

    async def wait(self, predicate: Callable[[], bool], timeout: float = math.inf) -> None:
        """Wait (in trio time) until ``predicate()`` holds."""
        with trio.fail_after(timeout):
            while not predicate():
                await self._changed.wait()

    async def wait_for(
        self, action: str, count: int = 1, timeout: float = math.inf
    ) -> list[Received]:
        """Wait until ``count`` CALLs of ``action`` arrived."""
        await self.wait(lambda: len(self.of(action)) >= count, timeout)
        return self.of(action)

    def of(self, action: str) -> list[Received]:
        """CALLs of ``action`` received so far."""
        return [r for r in self.received if r.action == action]

    def actions(self) -> list[str]:
        """All actions received, in order."""
        return [r.action for r in self.received]
