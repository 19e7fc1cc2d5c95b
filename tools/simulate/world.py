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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import trio

from station.clock import WallClock
from station.config import StationConfig, parse_config
from station.security.resources import Usage

T = TypeVar("T")

START = datetime(2026, 3, 1, 6, 0, 0, tzinfo=UTC)
#: Control period of the simulated station: coarse, so that hours of life stay cheap; the
#: contactor invariant allows for it.
CONTROL_PERIOD = 0.5
METER_INTERVAL = 5.0
#: The meter's interval while its contactor is open (`Runtime.idle_meter_interval`).
IDLE_METER_INTERVAL = 60.0
CARD_INTERVAL = 0.5
#: An idle control loop and the card poller sleep until the simulated hardware reports
#: a change (a plug-in, an EV state, a fault, a tap, a failing reader) or a command
#: arrives, at most this long (`Runtime.sim_idle_wait`, the fleet's mechanism): every
#: change the simulator makes is reported, so the bound only limits a bug's damage.
SIM_IDLE_WAIT = 60.0
EVSES = (1, 2)
#: The station's flash as `ResourceWatch` sees it in a life: 8 GiB, a quarter used. The
#: host's disk and memory are no input a replayed life may depend on (and a life has no
#: memory limit: its RAM probe finds none).
SIM_FLASH = Usage(used=2 * 1024**3, total=8 * 1024**3)
#: How often `ResourceWatch` looks in a life: the flash is `SIM_FLASH` all along and
#: the RAM has no limit, so a look finds what the first one did (every minute, as in
#: production, it was 3 % of a life's task steps).
RESOURCE_PERIOD = 900.0


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


class VirtualClock(trio.abc.Clock, trio.abc.Instrument):
    """trio's time in a life: it jumps to the next deadline as soon as every task waits,
    and calls ``after_step`` after every batch of task steps, at the batch's time.

    What `trio.testing.MockClock(autojump_threshold=0)` does, for a world with nothing
    outside the loop (no sockets, no threads, no `wait_all_tasks_blocked`): trio asks the
    clock how long to sleep only when no task can run, and the answer is "not at all,
    it is that time already". MockClock finds out it is idle by polling once for
    nothing, then jumps, then polls again: two passes of the run loop per wake-up where
    this takes one.

    Run it as an instrument of the same run too (``trio.run(..., clock=c,
    instruments=[c])``): trio calls ``before_io_wait`` once per pass of its run loop,
    after the batch of tasks that ran in the pass before, which is where ``after_step``
    runs (the simulator's invariant checks), before the jump to the next deadline, so
    that a check sees the time of the steps it follows. Without the instrument the jump
    is made one pass later (correct, slower).
    """

    def __init__(self, after_step: Callable[[], None] | None = None) -> None:
        self._now = 0.0
        self._jump_to: float | None = None
        #: Called after every batch of task steps (every step of a life).
        self.after_step = after_step

    def start_clock(self) -> None:
        """Nothing to start: the time is where the life left it."""

    def current_time(self) -> float:
        """The virtual time."""
        return self._now

    def deadline_to_sleep_time(self, deadline: float) -> float:
        """Jump to ``deadline`` (no task can run before it); never sleep. With no
        deadline at all every task waits forever: sleep, as MockClock would."""
        self._jump()  # not run as an instrument: the jump asked for a pass ago
        if deadline == math.inf:
            return 86400.0
        if deadline > self._now:
            self._jump_to = deadline
        return 0.0

    def before_io_wait(self, timeout: float) -> None:
        """The batch of task steps of the last pass is done: ``after_step``, then the
        jump to the deadline that `deadline_to_sleep_time` found (trio expires the
        deadlines after its I/O wait, which takes no time here)."""
        if self.after_step is not None:
            self.after_step()
        self._jump()

    def _jump(self) -> None:
        if self._jump_to is not None:
            self._now = self._jump_to
            self._jump_to = None


class SteppedClock(WallClock):
    """The station's system time, which an NTP daemon (or a lost RTC) may step."""

    def step(self, seconds: float) -> None:
        """Step the system time by ``seconds`` (either way)."""
        assert self._start is not None
        self._start += timedelta(seconds=seconds)


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
