"""The energy manager's interface: local limits over Modbus TCP (Part 2 K11–K13).

A home energy manager or a solar inverter's EMS writes a limit per EVSE or for the
station into holding registers (`station.ems.registers`) and reads what the station does
from input registers. A write goes through the same code as ``station limit set`` /
``clear``: the limit becomes the EVSE's ChargingStationExternalConstraints profile,
stored and applied before the Modbus answer leaves, and the CSMS gets NotifyChargingLimit
or ClearedChargingLimit (sent apart, so that a slow CSMS never delays an answer to the
EMS; only the latest notification per EVSE waits, they describe a state).

**Failsafe**, as wallboxes with an EMS interface have it: an EMS that stops writing (any
accepted write counts, the heartbeat register exists for one that has nothing else to
write) for the failsafe timeout is taken to be gone, and every block's local limit
becomes its failsafe limit (or is released where that is "no limit"). The timer runs
from the start too: after a restart the EMS has the timeout to show up, or the stored
limits give way to the failsafe ones. The failsafe limits stay until the EMS writes
limits again.

Runs as one task in the OCPP side's supervision tree (never in the control process):
the Modbus server, the failsafe timer and the notifications. Nothing here waits on the
control loops; a write waits for the store's write of the profile only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol

import trio
from pymodbus.constants import ExcCodes

from station.control.reading import Reading
from station.ems.registers import (
    NO_LIMIT,
    EvseFacts,
    Facts,
    Holding,
    LimitChange,
    ModbusRefusal,
    RegisterMap,
    Settings,
    limit_register,
)
from station.ems.server import READ_HOLDING, READ_INPUT, ModbusTcpServer, Request
from station.evse import EvseSnapshot
from station.ocpp.messages import Message

log = logging.getLogger(__name__)

#: Seconds between two attempts to listen when the port cannot be had.
BIND_RETRY = 30


class LocalLimits(Protocol):
    """What the EMS needs of smart charging (`SmartChargingService`)."""

    async def install_external_limit(
        self, evse_id: int, amps: float, source: str = "EMS", *, grid_critical: bool = False
    ) -> Message | None:
        """Store and apply a local limit; the notification due."""

    async def release_external_limit(self, evse_id: int, source: str = "EMS") -> Message | None:
        """Remove a local limit; the notification due."""

    async def notify_limit(self, request: Message) -> bool:
        """Send a notification to the CSMS."""

    def external_limit(self, evse_id: int) -> tuple[float, str] | None:
        """The local limit in force and its source."""


class EmsService:
    """The Modbus TCP server for an energy manager, its failsafe and notifications."""

    def __init__(
        self,
        *,
        limits: LocalLimits,
        evse_facts: Callable[[int], EvseFacts],
        max_currents: Mapping[int, float],
        station_max: float,
        unit_id: int = 1,
        bind: str = "127.0.0.1",
        port: int = 1502,
        failsafe_timeout: int = 60,
        failsafe_current: float | None = None,
    ) -> None:
        self._limits = limits
        self._evse_facts = evse_facts
        self.map = RegisterMap(max_currents, station_max)
        self.bind, self.port = bind, port
        evse_ids = self.map.evse_ids
        self.settings = Settings(
            sources=dict.fromkeys((0, *evse_ids), 0),
            # The station's failsafe limit covers every EVSE; an EVSE's own is none.
            failsafe_limits={0: limit_register(failsafe_current)}
            | dict.fromkeys(evse_ids, NO_LIMIT),
            failsafe_timeout=failsafe_timeout,
        )
        self.server = ModbusTcpServer(self._handle, unit_id=unit_id)
        #: When the EMS last made an accepted write (trio time); the start counts as one.
        self._last_write = 0.0
        self.failsafe_active = False
        self._timer_changed = trio.Event()
        self._writing = trio.Lock()
        #: The latest notification due per EVSE (0: the station), oldest first.
        self._pending: dict[int, Message] = {}
        self._pending_set = trio.Event()
        #: The TCP listeners once serving (tests read the port when it was 0).
        self.listeners: list[trio.SocketListener] = []
        #: Set once the listeners are bound.
        self.serving = trio.Event()

    async def run(self) -> None:
        """Serve until cancelled. A port that cannot be had is logged and tried again
        every ``BIND_RETRY`` seconds, never a crash (the station runs on without the EMS,
        and its failsafe applies as for a silent one)."""
        self._last_write = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._failsafe_timer)
            nursery.start_soon(self._send_notifications)
            while True:
                try:
                    self.listeners = await nursery.start(
                        self.server.serve_tcp, self.bind, self.port
                    )
                    break
                except OSError as exc:
                    log.error(
                        "event=ems_modbus_listen_failed bind=%s port=%d reason=%r retry_s=%d",
                        self.bind,
                        self.port,
                        exc.strerror or str(exc),
                        BIND_RETRY,
                    )
                    await trio.sleep(BIND_RETRY)
            self.serving.set()
            log.info(
                "event=ems_modbus_listening bind=%s port=%d unit_id=%d failsafe_timeout=%d",
                self.bind,
                self.listeners[0].socket.getsockname()[1],
                self.server.unit_id,
                self.settings.failsafe_timeout,
            )

    async def run_on(self, stream: trio.abc.Stream) -> None:
        """Serve one connection on ``stream`` with the timer and notifications running
        (tests on MockClock use a memory stream instead of TCP)."""
        self._last_write = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._failsafe_timer)
            nursery.start_soon(self._send_notifications)
            await self.server.serve_stream(stream)
            nursery.cancel_scope.cancel()

    # -- the register map's facts --------------------------------------------------------

    def facts(self) -> Facts:
        """What the input registers show now."""
        station = self._limits.external_limit(0)
        remaining = None
        if self.settings.failsafe_timeout and not self.failsafe_active:
            deadline = self._last_write + self.settings.failsafe_timeout
            remaining = max(0.0, deadline - trio.current_time())
        return Facts(
            evses={e: self._evse(e) for e in self.map.evse_ids},
            local_limit=station[0] if station is not None else None,
            failsafe_active=self.failsafe_active,
            failsafe_remaining=remaining,
        )

    def _evse(self, evse_id: int) -> EvseFacts:
        facts = self._evse_facts(evse_id)
        local = self._limits.external_limit(evse_id)
        return replace(facts, local_limit=local[0] if local is not None else None)

    # -- requests ------------------------------------------------------------------------

    async def _handle(self, request: Request) -> list[int]:
        if request.function == READ_INPUT:
            return self.map.read_input(request.address, request.count, self.facts())
        if request.function == READ_HOLDING:
            return self.map.read_holding(
                request.address, request.count, self.facts(), self.settings
            )
        # One write at a time: two connections writing the same limit keep their order.
        async with self._writing:
            write = self.map.write(request.address, list(request.values), self.settings)
            for (evse_id, register), value in write.settings.items():
                self._setting(evse_id, register, value)
            self._last_write = trio.current_time()
            if self.failsafe_active:
                self.failsafe_active = False
                log.info("event=ems_failsafe_left")
            self._timer_changed.set()
            for change in write.limits:
                await self._apply(change)
        return list(request.values)

    def _setting(self, evse_id: int, register: Holding, value: int) -> None:
        if register is Holding.SOURCE:
            self.settings.sources[evse_id] = value
        elif register is Holding.FAILSAFE_LIMIT:
            self.settings.failsafe_limits[evse_id] = value
        elif register is Holding.FAILSAFE_TIMEOUT:
            self.settings.failsafe_timeout = value
        elif register is Holding.HEARTBEAT:
            self.settings.heartbeat = value

    async def _apply(self, change: LimitChange) -> None:
        """Carry a limit change out through smart charging; a failure (the store) is
        exception 04 for the EMS (the blocks before it in the same write keep theirs)."""
        try:
            if change.amps is None:
                current = self._limits.external_limit(change.evse_id)
                source = current[1] if current is not None else change.source
                notification = await self._limits.release_external_limit(change.evse_id, source)
            else:
                notification = await self._limits.install_external_limit(
                    change.evse_id, change.amps, change.source
                )
        except (OSError, ValueError) as exc:
            log.error(
                "event=ems_limit_failed evse=%d amps=%s reason=%r",
                change.evse_id,
                change.amps,
                str(exc),
            )
            raise ModbusRefusal(ExcCodes.DEVICE_FAILURE, str(exc)) from exc
        log.info(
            "event=ems_limit evse=%d amps=%s source=%s",
            change.evse_id,
            "none" if change.amps is None else f"{change.amps:g}",
            change.source,
        )
        if notification is not None:
            self._pending.pop(change.evse_id, None)
            self._pending[change.evse_id] = notification
            self._pending_set.set()

    # -- failsafe ------------------------------------------------------------------------

    async def _failsafe_timer(self) -> None:
        while True:
            self._timer_changed = trio.Event()
            timeout = self.settings.failsafe_timeout
            if not timeout or self.failsafe_active:
                await self._timer_changed.wait()
                continue
            with trio.move_on_at(self._last_write + timeout):
                await self._timer_changed.wait()
                continue
            await self._enter_failsafe(timeout)

    async def _enter_failsafe(self, timeout: int) -> None:
        async with self._writing:
            if trio.current_time() < self._last_write + timeout:
                return  # a write came in while this waited for the lock
            self.failsafe_active = True
            log.warning("event=ems_failsafe silent_for_s=%d", timeout)
            for change in self.map.failsafe_changes(self.settings):
                if change.amps is None and self._limits.external_limit(change.evse_id) is None:
                    continue
                try:
                    await self._apply(change)
                except ModbusRefusal:
                    pass  # logged; the next timeout or write tries again

    # -- notifications -------------------------------------------------------------------

    async def _send_notifications(self) -> None:
        while True:
            await self._pending_set.wait()
            self._pending_set = trio.Event()
            while self._pending:
                evse_id = next(iter(self._pending))
                await self._limits.notify_limit(self._pending.pop(evse_id))


def evse_facts_reader(
    snapshot: Callable[[int], EvseSnapshot],
    reading: Callable[[int], Reading | None],
    status: Callable[[int], str],
    applied: Mapping[int, float],
) -> Callable[[int], EvseFacts]:
    """What an EVSE's input registers show, from the OCPP side's view of the control
    process (snapshots, meter readings), availability and smart charging."""

    def facts(evse_id: int) -> EvseFacts:
        shot = snapshot(evse_id)
        sample = reading(evse_id)
        measured = sample.sample if sample is not None else None
        return EvseFacts(
            pilot_state=shot.pilot_state,
            connector_status=status(evse_id),
            offered_current=shot.offered_current,
            effective_limit=applied.get(evse_id),
            current=_finite(measured.current) if measured else None,
            power=_finite(measured.power) if measured else None,
            energy_wh=_finite(measured.energy_import_wh) if measured else None,
            contactor_closed=shot.relay_closed,
            fault=shot.fault is not None,
        )

    return facts


def _finite(value: float) -> float | None:
    # A meter value may be NaN (not measured).
    return value if math.isfinite(value) else None
