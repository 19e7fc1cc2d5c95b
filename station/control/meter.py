"""Meter sampling of one EVSE: a supervised task of its own (the tree in docs/architecture.md).

Reads the energy meter every ``interval`` seconds (1 s by default; an Eastron meter at
2400 baud needs about 0.45 s per sample) while its EVSE's contactor is closed or the EVSE
is faulted, every ``idle_interval`` seconds (10 s by default) otherwise, and hands each
`Reading` to the station. Through an open contactor no energy flows: the register stands
still and the current is nil, so the only reader of every sample, the over-current guard,
has nothing to watch, and the OCPP side reads the meter afresh (`sample_now`) for every
value it sends. The contactor closing wakes the sampler at once.

A failing meter raises out of `MeterSampler.run`, so its supervisor restarts it with
back-off without touching the control loop: a dead meter never stops the contactor logic
of its own or the other EVSE. Restarts sample at once, whatever the rate.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import trio

from drivers.interfaces import EnergyMeter, MeterSample
from station.control.loop import call_driver, grid_after
from station.control.reading import Reading

log = logging.getLogger(__name__)


class MeterSampler:
    """Periodic reads of one meter."""

    def __init__(
        self,
        evse_id: int,
        meter: EnergyMeter,
        *,
        offered_current: Callable[[], float],
        on_reading: Callable[[int, Reading], None],
        interval: float = 1.0,
        idle_interval: float | None = None,
        phases: int = 1,
        timeout: float = 2.0,
    ) -> None:
        self.evse_id = evse_id
        self._meter = meter
        self._offered = offered_current
        self._on_reading = on_reading
        self.interval = interval
        #: The interval while the EVSE is idle (`set_active`); None: always ``interval``.
        self.idle_interval = None if idle_interval is None else max(idle_interval, interval)
        #: A control loop starts with its contactor open: idle until told otherwise.
        self._active = False
        self._activated = trio.Event()
        self._phases = phases
        self._timeout = timeout
        self.latest: Reading | None = None
        self._sampled = trio.Event()
        self._name = f"EVSE {evse_id} meter"  # in DeviceTimeout messages, built once

    async def next_reading(self) -> Reading:
        """Wait for the next reading."""
        await self._sampled.wait()
        assert self.latest is not None
        return self.latest

    def set_active(self, active: bool) -> None:
        """Whether energy may flow through the EVSE (its contactor is closed, or a fault
        such as a welded contactor is latched): then the meter is read every
        ``interval``, else every ``idle_interval``. Becoming active wakes the sampler at
        once: the over-current guard watches the current from the moment of closing."""
        if active == self._active:
            return
        self._active = active
        if active:
            self._activated.set()
            self._activated = trio.Event()

    async def run(self) -> None:
        """Sample until cancelled; a driver error propagates to the supervisor."""
        while True:
            await self._sample(self._timeout)
            # On the grid of the interval, shared by every sampler of the process.
            if self._active or self.idle_interval is None:
                await trio.sleep_until(grid_after(trio.current_time(), self.interval))
                continue
            with trio.move_on_at(grid_after(trio.current_time(), self.idle_interval)):
                await self._activated.wait()

    async def sample_now(self, timeout: float = 0.5) -> None:
        """One extra reading now, for a transaction event that must carry the meter's value
        at that moment (start, stop) rather than one up to ``interval`` old. A meter that
        fails or is slow leaves the latest reading in place; its own task reports it."""
        try:
            await self._sample(timeout)
        except Exception as exc:  # whatever the driver raised: the caller goes on regardless
            log.warning(
                "event=meter_read_now_failed evse=%s error=%s reason=%r",
                self.evse_id,
                type(exc).__name__,
                str(exc),
            )

    async def _sample(self, timeout: float) -> None:
        sample: MeterSample = await call_driver(
            self._meter.sample,
            blocking=self._meter.blocking,
            timeout=timeout,
            name=self._name,
        )
        isfinite = math.isfinite
        if not (
            isfinite(sample.voltage)
            and isfinite(sample.current)
            and isfinite(sample.power)
            and isfinite(sample.energy_import_wh)
        ):
            log.warning("event=meter_sample_not_finite evse=%s sample=%r", self.evse_id, sample)
            return
        self.latest = Reading(sample, self._offered(), self._phases)
        self._on_reading(self.evse_id, self.latest)
        self._sampled.set()
        self._sampled = trio.Event()
