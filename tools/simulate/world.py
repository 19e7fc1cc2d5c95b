"""The world a simulated station lives in: its clocks, its power, its runtime and its
configuration.

trio's time in a life is virtual (`VirtualClock`); the station's wall clock is the
system time of its process, which NTP (or a lost real-time clock) may step
(`SteppedClock`); its store runs inline until the power is cut (`CuttableOffload`).
Periods are coarser than in production so that hours of life stay cheap; the
invariants allow for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import trio

from station.app import Runtime
from station.clock import WallClock
from station.config import StationConfig, parse_config
from station.control.service import ControlSettings

T = TypeVar("T")

START = datetime(2026, 3, 1, 6, 0, 0, tzinfo=UTC)
#: Control period of the simulated station: coarse, so that hours of life stay cheap; the
#: contactor invariant allows for it.
CONTROL_PERIOD = 0.5
METER_INTERVAL = 5.0
CARD_INTERVAL = 0.5
#: The link heartbeats and health reports between the two sides (1 s in production) say
#: nothing in one process; a longer interval saves most of the scheduler's work.
LINK_HEARTBEAT = 30.0
EVSES = (1, 2)


class SimulatedCrash(RuntimeError):
    """A task crash injected by the simulator."""


class PowerLost(RuntimeError):
    """The store's power is gone: no more writes reach the disk."""


class CuttableOffload:
    """Runs store work inline (virtual time), until the power is cut."""

    def __init__(self) -> None:
        self.cut = False

    async def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` now; after a power cut nothing runs any more."""
        if self.cut:
            raise PowerLost("power cut: the store is gone")
        result = fn()
        await trio.lowlevel.checkpoint()
        return result


class VirtualClock(trio.abc.Clock):
    """trio's time in a life: it jumps to the next deadline as soon as every task waits.

    What `trio.testing.MockClock(autojump_threshold=0)` does, for a world with nothing
    outside the loop (no sockets, no threads, no `wait_all_tasks_blocked`): trio asks the
    clock how long to sleep only when no task can run, and the answer is "not at all,
    it is that time already". MockClock finds out it is idle by polling once for
    nothing, then jumps, then polls again: two passes of the run loop per wake-up where
    this takes one.
    """

    def __init__(self) -> None:
        self._now = 0.0

    def start_clock(self) -> None:
        """Nothing to start: the time is where the life left it."""

    def current_time(self) -> float:
        """The virtual time."""
        return self._now

    def deadline_to_sleep_time(self, deadline: float) -> float:
        """Jump to ``deadline`` (no task can run before it); never sleep. With no
        deadline at all every task waits forever: sleep, as MockClock would."""
        if deadline == math.inf:
            return 86400.0
        if deadline > self._now:
            self._now = deadline
        return 0.0


class SteppedClock(WallClock):
    """The station's system time, which an NTP daemon (or a lost RTC) may step."""

    def step(self, seconds: float) -> None:
        """Step the system time by ``seconds`` (either way)."""
        assert self._start is not None
        self._start += timedelta(seconds=seconds)


@dataclass
class SimRuntime(Runtime):
    """`Runtime` of a simulated station: the link's liveness traffic slowed down."""

    def control_settings(self) -> ControlSettings:
        """As the station's, with the longer heartbeat interval (peers never time out
        in one process)."""
        settings = super().control_settings()
        return ControlSettings(
            period=settings.period,
            meter_interval=settings.meter_interval,
            card_interval=settings.card_interval,
            supervisor_window=settings.supervisor_window,
            heartbeat_interval=LINK_HEARTBEAT,
            peer_timeout=settings.peer_timeout,
        )


def make_config(data_dir: Path) -> StationConfig:
    """The simulated station: two single-phase EVSEs, simulated hardware."""
    return parse_config(
        {
            "station": {
                "identity": "CS-SIM-01",
                "serial_number": "SIM-0001",
                "vendor_name": "OpenCharge",
                "model": "AC22-2",
                "data_dir": str(data_dir),
            },
            "csms": {
                "url": "ws://csms.invalid/ocpp",
                "security_profile": 1,
                "basic_auth_password": "0123456789abcdefABCDEF",
                "message_timeout": 30,
            },
            "hardware": {"driver": "sim"},
        }
    )


async def no_control_socket(
    *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Stands in for the operator's control socket (a real Unix socket, bound in a
    worker thread: real time would leak into the virtual one)."""
    task_status.started()
    await trio.sleep_forever()


def seed_scheduler(seed: int) -> None:
    """Make trio's scheduler deterministic for this seed (as hypothesis runs do): the
    order in which ready tasks run is a seeded shuffle of their creation order."""
    from trio._core import _run

    setattr(_run, "_ALLOW_DETERMINISTIC_SCHEDULING", True)  # noqa: B010
    _run._r.seed(f"{seed}/scheduler")
