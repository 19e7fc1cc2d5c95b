"""The supervisor: restarts with back-off, escalation, isolation of siblings, cancellation."""

from __future__ import annotations

import pytest
import trio
import trio.lowlevel

from station.supervision import EscalationError, Supervisor


class Flaky:
    """A child that crashes ``failures`` times (at the given instants), then runs for ever."""

    def __init__(self, failures: int, group: bool = False):
        self.failures = failures
        self.starts: list[float] = []
        self.group = group

    async def __call__(self):
        self.starts.append(trio.current_time())
        await trio.lowlevel.checkpoint()
        if len(self.starts) <= self.failures:
            if self.group:
                raise ExceptionGroup("many", [ValueError("a"), KeyError("b")])
            raise OSError("meter on /dev/ttyUSB0: unplugged")
        await trio.sleep_forever()


async def test_restart_back_off_doubles_up_to_the_maximum(autojump_clock):
    child = Flaky(failures=4)
    supervisor = Supervisor("evse1", initial_backoff=1, max_backoff=4, max_restarts=10)
    supervisor.add("meter", child)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(supervisor.run)
        await trio.sleep(100)
        nursery.cancel_scope.cancel()
    gaps = [b - a for a, b in zip(child.starts, child.starts[1:], strict=False)]
    assert gaps == pytest.approx([1, 2, 4, 4])
    (status,) = supervisor.status()
    assert status.restarts == 4 and status.state == "running" and "unplugged" in status.last_error


async def test_escalation_runs_once_then_recovery_after_a_quiet_window(autojump_clock):
    child = Flaky(failures=6)
    escalations, recoveries = [], []
    supervisor = Supervisor("evse1", initial_backoff=1, max_backoff=2, max_restarts=3, window=60)
    supervisor.add(
        "meter",
        child,
        on_escalate=lambda name, exc: escalations.append(name),
        on_recover=recoveries.append,
    )
    async with trio.open_nursery() as nursery:
        nursery.start_soon(supervisor.run)
        await trio.sleep(30)
        assert escalations == ["evse1.meter"]
        assert recoveries == []
        await trio.sleep(100)
        assert recoveries == ["evse1.meter"]
        nursery.cancel_scope.cancel()
    assert supervisor.status()[0].escalated is False


async def test_a_crashing_child_does_not_disturb_its_siblings(autojump_clock):
    ticks = []

    async def steady():
        while True:
            ticks.append(trio.current_time())
            await trio.sleep(1)

    supervisor = Supervisor("station", initial_backoff=0.5)
    supervisor.add("evse1.meter", Flaky(failures=1000))
    supervisor.add("ocpp", steady)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(supervisor.run)
        await trio.sleep(50.5)
        nursery.cancel_scope.cancel()
    assert len(ticks) == 51  # once a second, never interrupted


async def test_exception_groups_are_crashes_and_cancellation_is_not(autojump_clock):
    child = Flaky(failures=2, group=True)
    supervisor = Supervisor("x", initial_backoff=1)
    supervisor.add("child", child)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(supervisor.run)
        await trio.sleep(10)
        nursery.cancel_scope.cancel()
    (status,) = supervisor.status()
    assert status.restarts == 2
    assert "ExceptionGroup" in status.last_error


async def test_top_level_supervisor_escalates_by_raising(autojump_clock):
    supervisor = Supervisor(
        "station", initial_backoff=0.1, max_restarts=2, escalate_by_raising=True
    )
    supervisor.add("ocpp", Flaky(failures=100))
    with pytest.RaisesGroup(EscalationError, flatten_subgroups=True):
        await supervisor.run()
