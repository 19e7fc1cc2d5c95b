"""The simulated world survives a restart of the station, as real hardware would."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from drivers import HardwareConfig, build_hardware
from drivers.sim import SimulatedStation
from drivers.sim.world import SimWorldError

START = datetime(2025, 1, 1, tzinfo=UTC)


class Clock:
    """A hand-driven monotonic clock; each process (station) has its own offset."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def charging(clock: Clock, path, *, evse_ids=(1, 2)) -> SimulatedStation:
    """A simulated station keeping its world in ``path``."""
    return SimulatedStation(now=clock, wall_clock=lambda: START, evse_ids=evse_ids, world_file=path)


def test_ev_meter_and_card_survive_a_restart(tmp_path):
    path = tmp_path / "sim-world"
    clock = Clock()
    first = charging(clock, path)
    first.plug(1)
    first.set_ev_state(1, "C")
    first.set_ev_max_current(1, 16)
    first.set_ev_ignores_pwm(2, True)
    first.evse(1).pilot.set_duty(50.0)
    first.evse(1).relay.set_closed(True)
    clock.t += 3600
    energy = first.evse(1).meter.sample().energy_import_wh
    assert energy > 3000  # 16 A for an hour
    first.tap("04A1B2C3")
    clock.t += 0.4
    energy = first.status()["evses"]["1"]["meter"]["energy_import_wh"]
    first.close()

    # A new station (another clock offset, as in a new process) finds the world as it was.
    second = charging(Clock(5.0), path)
    status = second.status()["evses"]
    assert status["1"]["ev"] == {
        "state": "C",
        "plugged": True,
        "max_current": 16.0,
        "diode_fault": False,
        "ignores_pwm": False,
        "phases": 3,
        "capacity_kwh": None,
        "soc": None,
        "full": False,
    }
    assert status["2"]["ev"]["ignores_pwm"] and not status["2"]["ev"]["plugged"]
    assert status["1"]["meter"]["energy_import_wh"] == pytest.approx(energy)
    # What a restart resets on real hardware too: the contactor starts open, no PWM.
    assert status["1"]["relay"] == {"commanded": False, "feedback": False, "welded": False}
    assert status["1"]["meter"]["current"] == 0.0
    # The card is still in the field for what was left of its window (0.6 s of 1 s).
    assert second.card_reader.poll() == "04A1B2C3"
    second.close()


def test_a_fresh_file_or_no_file_is_a_fresh_world(tmp_path):
    station = charging(Clock(), tmp_path / "sim-world")
    status = station.status()["evses"]["1"]
    assert not status["ev"]["plugged"] and status["meter"]["energy_import_wh"] == 0.0
    station.plug(1)
    station.close()
    assert not SimulatedStation(now=Clock()).status()["evses"]["1"]["ev"]["plugged"]


def test_a_second_live_station_on_the_same_world_is_refused(tmp_path):
    path = tmp_path / "sim-world"
    first = charging(Clock(), path)
    with pytest.raises(SimWorldError, match="in use"):
        charging(Clock(), path)
    first.close()
    charging(Clock(), path).close()  # released at close (an in-process Reset)


def test_the_world_is_kept_per_evse_count(tmp_path):
    path = tmp_path / "sim-world"
    first = charging(Clock(), path, evse_ids=(1, 2))
    first.plug(2)
    first.close()
    one = charging(Clock(), path, evse_ids=(1,))
    assert not one.status()["evses"]["1"]["ev"]["plugged"]
    one.close()
    both = charging(Clock(), path, evse_ids=(1, 2))
    assert not both.status()["evses"]["2"]["ev"]["plugged"]  # EVSE 2 left the world
    both.close()


def test_a_write_cut_short_leaves_the_previous_state(tmp_path):
    path = tmp_path / "sim-world"
    station = charging(Clock(), path, evse_ids=(1,))
    station.plug(1)
    station.set_ev_state(1, "C")
    world = station.world
    assert world is not None
    # Corrupt the newest EVSE record the way a SIGKILL in the middle of a write would:
    # its sequence left odd, its fields half new.
    data = bytearray(path.read_bytes())
    base, size = 16, 64
    first, second = (
        int.from_bytes(data[base + i * size : base + i * size + 8], "little") for i in (0, 1)
    )
    newest = base if first > second else base + size
    data[newest : newest + 8] = (max(first, second) + 1).to_bytes(8, "little")
    data[newest + 8 : newest + 9] = b"Z"
    station.close()
    path.write_bytes(bytes(data))
    again = charging(Clock(), path, evse_ids=(1,))
    # The older whole record: the EV was plugged in (state B) before it went to C.
    assert again.status()["evses"]["1"]["ev"]["state"] == "B"
    again.close()


def test_build_hardware_keeps_the_world_in_the_data_dir_unless_turned_off(tmp_path):
    config = HardwareConfig.model_validate({"driver": "sim"})
    hardware = build_hardware(config, now=Clock(), wall_clock=lambda: START, data_dir=tmp_path)
    assert hardware.sim is not None
    hardware.sim.plug(1)
    hardware.close()
    assert (tmp_path / "sim-world").exists()
    hardware = build_hardware(config, now=Clock(), wall_clock=lambda: START, data_dir=tmp_path)
    assert hardware.sim is not None and hardware.sim.status()["evses"]["1"]["ev"]["plugged"]
    hardware.close()
    off = HardwareConfig.model_validate({"driver": "sim", "sim": {"persist_world": False}})
    hardware = build_hardware(off, now=Clock(), wall_clock=lambda: START, data_dir=tmp_path)
    assert hardware.sim is not None and not hardware.sim.status()["evses"]["1"]["ev"]["plugged"]
    hardware.close()


def test_the_register_survives_sigkill_at_its_last_sample(tmp_path):
    path = tmp_path / "sim-world"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from datetime import datetime, UTC
        from drivers.sim import SimulatedStation
        t = [0.0]
        station = SimulatedStation(
            now=lambda: t[0], wall_clock=lambda: datetime.now(UTC), evse_ids=[1],
            world_file=__import__("pathlib").Path({str(path)!r}),
        )
        station.plug(1)
        station.set_ev_state(1, "C")
        station.evse(1).pilot.set_duty(53.33)
        station.evse(1).relay.set_closed(True)
        t[0] = 1800.0
        print(station.evse(1).meter.sample().energy_import_wh, flush=True)
        t[0] = 3600.0  # energy counted after the last sample is not recorded yet
        station.status()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=os.getcwd()
    )
    assert result.returncode == -signal.SIGKILL
    sampled = float(result.stdout.strip())
    assert sampled > 3000
    station = charging(Clock(), path, evse_ids=(1,))
    status = station.status()["evses"]["1"]
    assert status["meter"]["energy_import_wh"] == pytest.approx(sampled)
    assert status["ev"]["state"] == "C"
    station.close()


def test_the_battery_and_its_state_of_charge_survive_a_restart(tmp_path):
    path = tmp_path / "sim-world"
    clock = Clock()
    first = charging(clock, path, evse_ids=(1,))
    first.configure_ev(1, capacity_kwh=40, soc=30, max_current=16, phases=1)
    first.set_ev_state(1, "C")
    first.evse(1).pilot.set_duty(50.0)
    first.evse(1).relay.set_closed(True)
    clock.t += 3600
    sample = first.evse(1).meter.sample()  # the state of charge is recorded with the register
    first.close()

    second = charging(Clock(7.0), path, evse_ids=(1,))
    ev = second.status()["evses"]["1"]["ev"]
    assert ev["capacity_kwh"] == 40.0 and ev["phases"] == 1 and ev["max_current"] == 16.0
    assert sample.soc is not None and ev["soc"] == pytest.approx(sample.soc, abs=0.01)
    assert second.evse(1).meter.sample().energy_import_wh == pytest.approx(sample.energy_import_wh)
    second.close()


def test_an_ev_that_stopped_full_is_still_full_after_a_restart(tmp_path):
    path = tmp_path / "sim-world"
    first = charging(Clock(), path, evse_ids=(1,))
    first.configure_ev(1, capacity_kwh=40, soc=100)
    first.set_ev_state(1, "C")
    first.close()
    second = charging(Clock(), path, evse_ids=(1,))
    ev = second.status()["evses"]["1"]["ev"]
    assert (ev["state"], ev["full"], ev["soc"]) == ("B", True, 100.0)
    second.set_ev_soc(1, 60)  # it asks for power again
    assert second.status()["evses"]["1"]["ev"]["state"] == "C"
    second.close()


def test_a_version_1_world_is_migrated_keeping_its_evs_and_registers(tmp_path):
    path = tmp_path / "sim-world"
    header = struct.Struct("<8sII")
    v1_evse = struct.Struct("<Q1sB6xddd8x")
    card = struct.Struct("<QB10sB4xd")
    data = bytearray(header.size + 2 * 2 * v1_evse.size + 2 * card.size)
    header.pack_into(data, 0, b"SIMWORLD", 1, 2)
    v1_evse.pack_into(data, header.size, 2, b"C", 1, 16.0, 12345.5, 0.0)  # EVSE 1
    path.write_bytes(bytes(data))

    station = charging(Clock(), path)
    one = station.status()["evses"]["1"]
    assert one["ev"]["state"] == "C" and one["ev"]["ignores_pwm"] is True
    assert one["ev"]["max_current"] == 16.0
    assert one["ev"]["capacity_kwh"] is None and one["ev"]["phases"] == 3
    assert one["meter"]["energy_import_wh"] == pytest.approx(12345.5)
    assert not station.status()["evses"]["2"]["ev"]["plugged"]
    station.close()
    # Rewritten as version 2, and read as such on the next start.
    assert header.unpack_from(path.read_bytes())[1] == 2
    again = charging(Clock(), path)
    assert again.status()["evses"]["1"]["meter"]["energy_import_wh"] == pytest.approx(12345.5)
    again.close()


def test_a_world_file_of_an_unknown_version_starts_a_fresh_world(tmp_path):
    path = tmp_path / "sim-world"
    header = struct.Struct("<8sII")
    data = bytearray(4096)
    header.pack_into(data, 0, b"SIMWORLD", 99, 2)
    path.write_bytes(bytes(data))
    station = charging(Clock(), path)
    assert not station.status()["evses"]["1"]["ev"]["plugged"]
    assert station.status()["evses"]["1"]["meter"]["energy_import_wh"] == 0.0
    station.close()
