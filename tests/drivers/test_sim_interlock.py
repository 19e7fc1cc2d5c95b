"""The simulated interlock seen from outside the process that drives it: the shared region
the simulated relay and heartbeat publish to, and the model any process runs on it."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from drivers.config import HardwareConfig
from drivers.sim import SimulatedStation
from drivers.sim.interlock import (
    InterlockModel,
    InterlockRegion,
    InterlockRegionError,
    contactor_state,
)

WINDOW = 0.05


class Clock:
    """A hand-driven monotonic clock."""

    def __init__(self) -> None:
        self.t = 1.0  # before any real monotonic reading a test can take

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def region(tmp_path, clock):
    return InterlockRegion.create(tmp_path / "interlock", 2, WINDOW, clock=clock)


@pytest.fixture
def model(tmp_path, region):
    return InterlockModel(InterlockRegion.open(tmp_path / "interlock"))


def beat_for(region, clock, evse_id: int, seconds: float, period: float = 0.01) -> None:
    for _ in range(round(seconds / period)):
        clock.t += period
        region.publish_edge(evse_id)


def test_a_reader_sees_what_the_writer_published(tmp_path, region, clock):
    region.publish_coil(1, True)
    clock.t += 0.01
    region.publish_edge(1)
    snapshot = InterlockRegion.open(tmp_path / "interlock").snapshot()
    assert snapshot.window == WINDOW
    one, two = snapshot.slots
    assert (one.coil_commanded, one.coil_changed, one.edges) == (True, 1.0, 1)
    assert one.last_edge == one.last_rising == 1.01
    assert (two.coil_commanded, two.coil_changed, two.edges) == (False, None, 0)
    assert two.last_edge is None and two.last_rising is None


def test_the_coil_is_energized_only_while_commanded_and_beating(region, model, clock):
    region.publish_coil(1, True)
    assert model.observe(clock.t) == []
    assert model.states[1].reason == "no heartbeat"
    region.publish_edge(1)
    (closed,) = model.observe(clock.t)
    assert closed.energized and model.energized(1)
    beat_for(region, clock, 1, 1.0)
    assert model.observe(clock.t) == []
    region.publish_coil(1, False)
    (opened,) = model.observe(clock.t)
    assert (opened.energized, opened.at, opened.state.reason) == (False, clock.t, "commanded open")
    assert not model.energized(2), "EVSE 2 was never commanded"


def test_the_coil_drops_one_window_after_the_last_rising_edge(region, model, clock):
    region.publish_coil(1, True)
    beat_for(region, clock, 1, 1.0)  # 100 edges: the last one falls
    rising = region.snapshot().slots[0].last_rising
    assert rising == pytest.approx(clock.t - 0.01)
    model.observe(clock.t)
    # Just inside the window the monostable still holds; just after it, it has dropped.
    assert model.observe(rising + WINDOW * 0.999) == []
    (dropped,) = model.observe(rising + WINDOW + 0.001)
    assert dropped.energized is False
    assert dropped.state.reason == "heartbeat stopped"
    assert dropped.at == rising + WINDOW, "from the recorded times, not the observation"
    assert dropped.observed_at == rising + WINDOW + 0.001
    # A rising edge coming back re-energizes the coil, which is still commanded.
    clock.t = rising + 1.0
    region.publish_edge(1)
    (back,) = model.observe(clock.t)
    assert back.energized


def test_a_falling_edge_does_not_retrigger_the_monostable(region, model, clock):
    region.publish_coil(1, True)
    region.publish_edge(1)  # rises
    rising = clock.t
    model.observe(clock.t)
    clock.t += WINDOW * 0.9
    region.publish_edge(1)  # falls: a line stuck at either level is no heartbeat
    (dropped,) = model.observe(rising + WINDOW + 0.001)
    assert dropped.at == rising + WINDOW


def test_two_readers_agree_on_the_drop_instant_however_late_they_look(tmp_path, region, clock):
    region.publish_coil(1, True)
    beat_for(region, clock, 1, 0.5)
    rising = region.snapshot().slots[0].last_rising
    early, late = (InterlockModel(InterlockRegion.open(tmp_path / "interlock")) for _ in "ab")
    early.observe(clock.t)
    late.observe(clock.t)
    (seen_early,) = early.observe(rising + WINDOW + 0.002)
    (seen_late,) = late.observe(rising + 30.0)
    assert seen_early.at == seen_late.at == rising + WINDOW


@pytest.mark.parametrize(
    ("coil_at", "coil", "expected"),
    [
        (0.03, False, (0.03, "commanded open")),  # opened before the heartbeat stopped
        (0.5, False, (0.05, "heartbeat stopped")),  # heartbeat stopped first
        (0.5, True, (None, "heartbeat stopped")),  # closed after it stopped: never energized
    ],
)
def test_whichever_cuts_the_coil_first_is_the_drop(region, clock, coil_at, coil, expected):
    start = clock.t
    region.publish_coil(1, True)
    region.publish_edge(1)
    clock.t = start + coil_at
    region.publish_coil(1, coil)
    state = contactor_state(region.snapshot().slots[0], WINDOW, start + 1.0)
    dropped = None if state.dropped_at is None else round(state.dropped_at - start, 9)
    assert state.energized is False
    assert (dropped, state.reason) == expected


def test_a_half_written_slot_is_read_again(tmp_path, region):
    region.publish_coil(1, True)
    reader = InterlockRegion.open(tmp_path / "interlock")
    with open(tmp_path / "interlock", "r+b") as file:
        file.seek(32)
        file.write(struct.pack("<Q", 3))  # the writer is mid-update (odd sequence)
    with pytest.raises(InterlockRegionError, match="never read whole"):
        reader.snapshot()


def test_a_file_that_is_not_a_region_is_refused(tmp_path, region):
    path = tmp_path / "other"
    path.write_bytes(b"x" * 200)
    with pytest.raises(InterlockRegionError, match="not an interlock region"):
        InterlockRegion.open(path)
    data = bytearray((tmp_path / "interlock").read_bytes())
    data[8] = 2
    path.write_bytes(bytes(data))
    with pytest.raises(InterlockRegionError, match="version 2, this reader knows 1"):
        InterlockRegion.open(path)


def test_a_second_writer_is_refused_while_the_first_holds_the_region(tmp_path, region, clock):
    region.publish_coil(1, True)
    with pytest.raises(InterlockRegionError, match="in use by another simulated station"):
        InterlockRegion.create(tmp_path / "interlock", 2, WINDOW, clock=clock)
    assert region.snapshot().slots[0].coil_commanded, "the live region was left alone"
    region.close()
    again = InterlockRegion.create(tmp_path / "interlock", 2, WINDOW, clock=clock)
    assert again.snapshot().slots[0].coil_commanded is False


def test_a_reader_cannot_write(model):
    with pytest.raises(InterlockRegionError, match="read-only"):
        model.region.publish_edge(1)


def test_the_simulated_relay_and_heartbeat_publish_to_the_region(tmp_path):
    path = tmp_path / "interlock"
    station = SimulatedStation(
        now=lambda: 0.0, interlock_window=WINDOW, interlock_file=path, evse_ids=(1, 2)
    )
    evse = station.evse(2)
    evse.relay.set_closed(True)
    evse.heartbeat.toggle()
    evse.heartbeat.toggle()
    slots = InterlockRegion.open(path).snapshot().slots
    assert (slots[1].coil_commanded, slots[1].edges) == (True, 2)
    assert (slots[0].coil_commanded, slots[0].edges) == (False, 0)
    evse.relay.close()
    assert InterlockRegion.open(path).snapshot().slots[1].coil_commanded is False
    station.close()
    # Released: the next simulated station of this process takes the region over.
    SimulatedStation(now=lambda: 0.0, interlock_window=WINDOW, interlock_file=path).close()


def test_closing_the_hardware_releases_the_region(tmp_path):
    from drivers import build_hardware

    path = tmp_path / "interlock"
    config = HardwareConfig.model_validate(
        {"sim": {"interlock_window": WINDOW, "interlock_file": str(path)}}
    )
    hardware = build_hardware(config, now=lambda: 0.0, wall_clock=lambda: datetime.now(UTC))
    hardware.evse(1).relay.set_closed(True)
    hardware.close()
    assert InterlockRegion.open(path).snapshot().slots[0].coil_commanded is False
    build_hardware(config, now=lambda: 0.0, wall_clock=lambda: datetime.now(UTC)).close()


def test_the_region_is_configured_with_its_window(tmp_path):
    path = str(tmp_path / "interlock")
    config = HardwareConfig.model_validate(
        {"sim": {"interlock_window": 0.05, "interlock_file": path}}
    )
    assert str(config.sim.interlock_file) == path
    with pytest.raises(ValueError, match="interlock_file needs interlock_window"):
        HardwareConfig.model_validate({"sim": {"interlock_file": path}})


def test_the_command_line_prints_every_evse(tmp_path, region, clock):
    region.publish_coil(1, True)
    region.publish_edge(1)
    result = subprocess.run(
        [sys.executable, "-m", "drivers.sim.interlock", str(tmp_path / "interlock")],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # The fake clock's edge is far in the past of the real monotonic clock: dropped.
    assert [(s["evse"], s["contactor"], s["reason"]) for s in lines] == [
        (1, "open", "heartbeat stopped"),
        (2, "open", "no heartbeat"),
    ]
    missing = subprocess.run(
        [sys.executable, "-m", "drivers.sim.interlock", str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "error:" in missing.stderr
