"""The simulator's CSMS: an in-memory OCPP 2.0.1 central system with moods.

It speaks OCPP-J over `station.ocpp.transport.memory_pair`, like the test suite's CSMS,
and answers every CALL the station sends. What it answers, and whether it answers at
all, is drawn from the life's random generator: an accepted answer most of the time, and
now and then a CALLERROR, a slow answer, no answer, a malformed answer (a payload of the
wrong shape, or a frame that is not JSON), or a connection dropped between the CALL and
its answer. `calm` turns all of that off (the end of a life, when every message must get
through). Outages refuse every connection until they end.

It also keeps what the invariants need: every TransactionEvent as it arrived (resends
included), the StatusNotifications per EVSE, and the transactions the CSMS was told of.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import trio

from station.ocpp import rpc
from station.ocpp.datetimes import format_date_time
from station.ocpp.transport import ConnectFailed, Endpoint, MemoryTransport, TransportClosed
from station.ocpp.transport import memory_pair as transport_pair

#: Card UIDs and what the CSMS says of them.
CARDS: dict[str, str] = {
    "04A1B2C3": "Accepted",
    "04A1B2C4": "Accepted",  # same group as the first
    "0DD0FEED": "Accepted",  # another group
    "0BADCAFE": "Invalid",
    "0B10C0ED": "Blocked",
    "0E0E0E0E": "Expired",
}
GROUPS = {"04A1B2C3": "FLEET-1", "04A1B2C4": "FLEET-1", "0DD0FEED": "FLEET-2"}


@dataclass(frozen=True)
class TransactionMessage:
    """One TransactionEvent as the CSMS received it."""

    transaction_id: str
    seq_no: int
    event_type: str
    timestamp: str
    trigger: str
    energy: tuple[float, ...]  # Energy.Active.Import.Register values, in message order
    offline: bool
    at: float  # trio time of arrival
    #: The Energy.Active.Import.Register value with context Transaction.End, if any.
    end_energy: float | None = None
    #: The timestamps of the meter values taken at the event's moment, in message order:
    #: all of a Started's or an Updated's, an Ended's Transaction.End one (its series from
    #: the start of the transaction keeps the times it was read).
    value_times: tuple[str, ...] = ()


@dataclass
class Mood:
    """How often the CSMS misbehaves (probabilities per CALL)."""

    callerror: float = 0.0
    slow: float = 0.0
    no_answer: float = 0.0
    malformed: float = 0.0
    drop: float = 0.0

    @classmethod
    def draw(cls, rng: random.Random) -> Mood:
        """A mood for one life: some lives calm, most a little unreliable, a few hostile."""
        scale = rng.choice((0.0, 0.01, 0.03, 0.03, 0.08))
        return cls(
            callerror=scale * rng.random(),
            slow=scale * rng.random() * 2,
            no_answer=scale * rng.random(),
            malformed=scale * rng.random() / 2,
            drop=scale * rng.random() / 2,
        )


@dataclass
class CsmsStats:
    """What the CSMS did to the station (the life's summary)."""

    calls: int = 0
    callerrors: int = 0
    slow: int = 0
    no_answers: int = 0
    malformed: int = 0
    drops: int = 0
    refused_dials: int = 0
    connections: int = 0
    operations: dict[str, int] = field(default_factory=dict)


class SimCsms:
    """An in-memory CSMS whose answers follow a `Mood`; ``dial`` is the station's dialer."""

    def __init__(
        self,
        nursery: trio.Nursery,
        rng: random.Random,
        now: Callable[[], datetime],
        *,
        mood: Mood,
        boot_mode: str,
    ) -> None:
        self._nursery = nursery
        self._rng = rng
        self._now = now
        self.mood = mood
        #: "Accepted", "Pending" (Pending first, then Accepted) or "Rejected" (then Accepted).
        self.boot_mode = boot_mode
        self.calm = False
        self.down = False
        #: Seconds added to the CSMS's own time (its clock stepped).
        self.clock_offset = 0.0
        self.stats = CsmsStats()
        self.transactions: dict[str, list[TransactionMessage]] = {}
        self.statuses: dict[int, list[str]] = {}
        self.boots = 0
        self._current: MemoryTransport | None = None
        self._waiters: dict[str, trio.MemorySendChannel[rpc.Frame]] = {}
        self._next_id = 0
        self.changed = trio.Event()

    # -- time ----------------------------------------------------------------------------

    def now_text(self) -> str:
        """The CSMS's current time on the wire."""
        return format_date_time(self._now() + timedelta(seconds=self.clock_offset))

    # -- connections ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """A station is connected."""
        return self._current is not None

    async def dial(self, nursery: trio.Nursery, endpoint: Endpoint) -> MemoryTransport:
        """The station's dialer: refused while the CSMS is down."""
        await trio.lowlevel.checkpoint()
        if self.down:
            self.stats.refused_dials += 1
            raise ConnectFailed("the simulated CSMS is down")
        station_side, csms_side = transport_pair()
        self._current = csms_side
        self.stats.connections += 1
        self._nursery.start_soon(self._serve, csms_side)
        self._signal()
        return station_side

    async def wait_connected(self) -> None:
        """Wait until a station is connected."""
        while self._current is None:
            await self.changed.wait()

    async def disconnect(self) -> None:
        """Drop the current connection (a network cut, a CSMS restart)."""
        transport = self._current
        if transport is not None:
            self._current = None
            await transport.aclose(1001, "going away")

    def _signal(self) -> None:
        self.changed.set()
        self.changed = trio.Event()

    async def _serve(self, transport: MemoryTransport) -> None:
        try:
            while True:
                try:
                    text = await transport.receive()
                except TransportClosed:
                    return
                frame = rpc.decode(text)
                if isinstance(frame, rpc.Call):
                    self.stats.calls += 1
                    self._record(frame)
                    self._nursery.start_soon(self._answer, transport, frame)
                else:
                    waiter = self._waiters.pop(frame.message_id, None)
                    if waiter is not None:
                        waiter.send_nowait(frame)
        finally:
            if self._current is transport:
                self._current = None
            self._signal()

    # -- what the station sends ----------------------------------------------------------

    def _record(self, call: rpc.Call) -> None:
        payload = call.payload
        if call.action == "TransactionEvent":
            info = payload.get("transactionInfo", {})
            registers = [
                sampled
                for meter_value in payload.get("meterValue", [])
                for sampled in meter_value.get("sampledValue", [])
                if sampled.get("measurand", "Energy.Active.Import.Register")
                == "Energy.Active.Import.Register"
                and sampled.get("phase") is None
            ]
            energy = tuple(float(sampled["value"]) for sampled in registers)
            ends = [
                float(sampled["value"])
                for sampled in registers
                if sampled.get("context") == "Transaction.End"
            ]
            event_type = payload.get("eventType", "")
            value_times = tuple(
                meter_value.get("timestamp", "")
                for meter_value in payload.get("meterValue", [])
                if event_type != "Ended"
                or any(
                    sampled.get("context") == "Transaction.End"
                    for sampled in meter_value.get("sampledValue", [])
                )
            )
            message = TransactionMessage(
                transaction_id=info.get("transactionId", ""),
                seq_no=payload.get("seqNo", -1),
                event_type=event_type,
                timestamp=payload.get("timestamp", ""),
                trigger=payload.get("triggerReason", ""),
                energy=energy,
                end_energy=ends[-1] if ends else None,
                value_times=value_times,
                offline=bool(payload.get("offline")),
                at=trio.current_time(),
            )
            self.transactions.setdefault(message.transaction_id, []).append(message)
        elif call.action == "StatusNotification":
            self.statuses.setdefault(payload.get("evseId", 0), []).append(
                payload.get("connectorStatus", "")
            )
        self._signal()

    def _verdict(self) -> str:
        if self.calm:
            return "ok"
        mood, draw = self.mood, self._rng.random()
        for name, chance in (
            ("callerror", mood.callerror),
            ("slow", mood.slow),
            ("no_answer", mood.no_answer),
            ("malformed", mood.malformed),
            ("drop", mood.drop),
        ):
            if draw < chance:
                return name
            draw -= chance
        return "ok"

    async def _answer(self, transport: MemoryTransport, call: rpc.Call) -> None:
        verdict = self._verdict()
        text: str
        if verdict == "no_answer":
            self.stats.no_answers += 1
            return
        if verdict == "drop":
            self.stats.drops += 1
            if self._current is transport:
                self._current = None
            await transport.aclose(1011, "dropped between a CALL and its answer")
            return
        if verdict == "slow":
            self.stats.slow += 1
            await trio.sleep(self._rng.uniform(1, 40))
        if verdict == "callerror":
            self.stats.callerrors += 1
            code = self._rng.choice(("InternalError", "GenericError", "NotSupported"))
            text = rpc.encode(rpc.CallError(call.message_id, code, "simulated"))
        elif verdict == "malformed":
            self.stats.malformed += 1
            if self._rng.random() < 0.5:
                text = f'[3,"{call.message_id}",{{"status":'  # not JSON
            else:
                bad = {"status": 17, "currentTime": "yesterday", "idTokenInfo": "x", "interval": -1}
                text = rpc.encode(rpc.CallResult(call.message_id, bad))
        else:
            text = rpc.encode(rpc.CallResult(call.message_id, self._response(call)))
        try:
            await transport.send(text)
        except TransportClosed:
            pass

    def _response(self, call: rpc.Call) -> dict[str, Any]:
        action, payload = call.action, call.payload
        if action == "BootNotification":
            self.boots += 1
            status = "Accepted"
            if self.boot_mode != "Accepted" and self.boots % 3 == 1 and not self.calm:
                status = self.boot_mode
            return {
                "currentTime": self.now_text(),
                "interval": 300 if status == "Accepted" else 20,
                "status": status,
            }
        if action == "Heartbeat":
            return {"currentTime": self.now_text()}
        if action == "Authorize":
            return {"idTokenInfo": self._token_info(payload.get("idToken", {}))}
        if action == "TransactionEvent":
            token = payload.get("idToken")
            return {"idTokenInfo": self._token_info(token)} if token else {}
        if action in ("SignCertificate", "DataTransfer"):
            return {"status": "Rejected"}
        return {}

    @staticmethod
    def _token_info(token: dict) -> dict[str, Any]:
        uid = token.get("idToken", "")
        if token.get("type") == "Central":
            return {"status": "Accepted"}
        info: dict[str, Any] = {"status": CARDS.get(uid, "Invalid")}
        if uid in GROUPS:
            info["groupIdToken"] = {"idToken": GROUPS[uid], "type": "Central"}
        return info

    # -- what the CSMS asks --------------------------------------------------------------

    async def call(self, action: str, payload: dict, timeout: float = 60) -> rpc.Frame | None:
        """Send a CALL to the station; its answer, or None (not connected, no answer)."""
        transport = self._current
        if transport is None:
            return None
        self._next_id += 1
        message_id = f"csms-{self._next_id}"
        send, receive = trio.open_memory_channel[rpc.Frame](1)
        self._waiters[message_id] = send
        self.stats.operations[action] = self.stats.operations.get(action, 0) + 1
        try:
            await transport.send(rpc.encode(rpc.Call(message_id, action, payload)))
            with trio.move_on_after(timeout):
                return await receive.receive()
            return None
        except TransportClosed:
            return None
        finally:
            self._waiters.pop(message_id, None)

    def answer_json(self, frame: rpc.Frame | None) -> dict | None:
        """The payload of a CALLRESULT, else None."""
        if isinstance(frame, rpc.CallResult):
            return json.loads(json.dumps(frame.payload))
        return None
