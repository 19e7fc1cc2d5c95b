"""`station run` on simulated hardware, its control process killed mid-charge: the
contactor opens through the interlock, as it does on a board whose software died (black box).

The simulated relay and heartbeat publish to a shared region (``[hardware.sim]
interlock_file``); this test runs the interlock model on it from its own process, so what
it sees does not depend on the killed process doing anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import trio

from drivers.sim.interlock import (
    ContactorState,
    InterlockModel,
    InterlockRegion,
    Transition,
)
from tests.conftest import PASSWORD
from tests.test_process_kill import TOML
from tests.test_process_split import _alive, children, start, start_charging

#: Long enough that a loaded test machine never stalls the control loop past it: the
#: test is about what happens when the heartbeat stops, not about how fast it beats.
WINDOW = 0.5
POLL = 0.01
INTERLOCK = """
[hardware.sim]
interlock_window = {window}
interlock_file = "{file}"
"""


async def observe_until(model: InterlockModel, evse_id: int, energized: bool) -> Transition:
    """Poll the region (no event crosses from a dead process) until EVSE ``evse_id``'s
    modelled coil changes to ``energized``."""
    with trio.fail_after(30):
        while True:
            for change in model.observe(time.monotonic()):
                if change.evse_id == evse_id and change.energized is energized:
                    return change
            await trio.sleep(POLL)


async def observe_energized(model: InterlockModel, evse_id: int) -> ContactorState:
    """Poll the region until EVSE ``evse_id``'s modelled coil is energized."""
    with trio.fail_after(30):
        while not model.energized(evse_id):  # polled: no event crosses processes
            model.observe(time.monotonic())
            await trio.sleep(POLL)
    return model.states[evse_id]


def start_with_interlock(tmp_path: Path, judge) -> tuple[subprocess.Popen, Path, Path]:
    """`station run` on simulated hardware whose relays and heartbeats publish to a shared
    region: the process, its control socket and the region's file."""
    judge.responses["BootNotification"] = lambda p: {
        "currentTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "interval": 300,
        "status": "Accepted",
    }
    socket = tmp_path / "s.sock"
    region_file = tmp_path / "interlock"
    path = tmp_path / "station.toml"
    path.write_text(
        TOML.format(data=tmp_path / "data", socket=socket, url=judge.url, password=PASSWORD)
        + INTERLOCK.format(window=WINDOW, file=region_file)
    )
    return start(path), socket, region_file


async def test_the_control_process_killed_mid_charge_opens_the_contactor_by_the_interlock(
    tmp_path, judge
):
    process, socket, region_file = start_with_interlock(tmp_path, judge)
    ocpp_side = None
    try:
        await start_charging(judge, socket)
        (ocpp_side,) = children(process.pid)
        model = InterlockModel(InterlockRegion.open(region_file))
        closed = await observe_energized(model, 1)
        assert model.region.snapshot().writer_pid == process.pid

        process.send_signal(signal.SIGKILL)
        await trio.to_thread.run_sync(process.wait)
        reaped = time.monotonic()
        opened = await observe_until(model, 1, energized=False)
    finally:
        if process.poll() is None:
            process.kill()
        await trio.to_thread.run_sync(process.communicate)
        if ocpp_side is not None and _alive(ocpp_side):
            os.kill(ocpp_side, signal.SIGKILL)

    assert process.returncode == -signal.SIGKILL
    last = model.region.snapshot().slots[0]
    # The software's last word was "closed": the interlock, not a command, opened it.
    assert last.coil_commanded is True
    assert opened.state.reason == "heartbeat stopped"
    # The heartbeat went on until the process died, and not a beat after.
    assert last.last_rising is not None and last.last_edge is not None
    assert closed.last_rising is not None
    assert closed.last_rising <= last.last_rising <= last.last_edge <= reaped
    assert opened.state.last_rising == last.last_rising and opened.state.edges == last.edges
    # The coil dropped one window after the last rising edge (the model's clock, from the
    # recorded times: the same however late this test looked), never before it.
    assert opened.at == pytest.approx(last.last_rising + WINDOW)
    assert opened.at <= reaped + WINDOW
    assert opened.observed_at >= opened.at
    assert not model.energized(2), "EVSE 2 had no EV"


async def test_the_control_process_killed_while_idle_leaves_nothing_to_drop(tmp_path, judge):
    """No EV: the loops run at the idle rate with the heartbeat still, so the interlock
    already holds the coils off; killing the control process then changes nothing."""
    process, _, region_file = start_with_interlock(tmp_path, judge)
    ocpp_side = None
    try:
        await judge.wait_for("StatusNotification", count=2, timeout=30)
        (ocpp_side,) = children(process.pid)
        model = InterlockModel(InterlockRegion.open(region_file))
        # Idle: each loop armed the interlock at its start, then went still.
        with trio.fail_after(30):
            while True:
                before = model.region.snapshot()
                now = time.monotonic()
                if all(
                    s.last_edge is not None and now - s.last_edge > 2 * WINDOW for s in before.slots
                ):
                    break
                await trio.sleep(POLL)
        assert model.region.snapshot().writer_pid == process.pid
        process.send_signal(signal.SIGKILL)
        await trio.to_thread.run_sync(process.wait)
        changes = model.observe(time.monotonic() + 2 * WINDOW)
    finally:
        if process.poll() is None:
            process.kill()
        await trio.to_thread.run_sync(process.communicate)
        if ocpp_side is not None and _alive(ocpp_side):
            os.kill(ocpp_side, signal.SIGKILL)

    assert process.returncode == -signal.SIGKILL
    after = model.region.snapshot()
    for slot_before, slot_after in zip(before.slots, after.slots, strict=True):
        assert slot_after.coil_commanded is False
        assert slot_after.edges == slot_before.edges  # no heartbeat while idle
    assert not any(change.energized for change in changes)
    assert not model.energized(1) and not model.energized(2)
