"""Supervision inside the station: a failing meter faults its own EVSE and nothing else."""

from __future__ import annotations

import pytest
import trio

from drivers.interfaces import DeviceUnavailable
from tests.conftest import make_config, running_station


class BrokenMeter:
    """A meter whose port vanished (the sampler crashes on every read)."""

    blocking = False

    def __init__(self, real):
        self.real = real
        self.broken = True

    def sample(self):
        if self.broken:
            raise DeviceUnavailable("EVSE 1 meter on /dev/ttyUSB0: port disappeared")
        return self.real.sample()

    def close(self):
        self.real.close()


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def statuses(env, evse):
    return [
        r.payload["connectorStatus"]
        for r in env.csms.of("StatusNotification")
        if r.payload["evseId"] == evse
    ]


async def test_failing_meter_faults_evse_1_while_evse_2_charges(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        station = env.station
        meter = BrokenMeter(station.samplers[1]._meter)
        station.samplers[1]._meter = meter
        sim = station.hardware.sim
        sim.plug(2)
        sim.tap("04A1B2C3")
        await env.csms.wait(lambda: station.transactions.transaction_id(2) is not None)
        sim.set_ev_state(2, "C")
        # EVSE 1's meter keeps crashing: after the intensity limit its EVSE is Faulted.
        await env.csms.wait(lambda: "Faulted" in statuses(env, 1), timeout=120)
        assert station.loops[2].snapshot.relay_closed, "EVSE 2 charges on"
        assert statuses(env, 2)[-1] == "Occupied"
        supervision = {c["child"]: c for c in station.status()["supervision"]}
        assert supervision["evse1.meter"]["restarts"] > 5
        assert supervision["evse2.meter"]["restarts"] == 0
        assert supervision["station.ocpp.connection"]["restarts"] == 0
        # Faulted EVSE refuses a remote start.
        frame = await env.csms.call(
            "RequestStartTransaction",
            {"idToken": {"idToken": "R", "type": "Central"}, "remoteStartId": 1, "evseId": 1},
        )
        assert frame.payload["status"] == "Rejected"
        # The meter comes back: after a quiet window the EVSE is Available again.
        meter.broken = False
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Available", timeout=300)


async def test_a_crashing_control_loop_leaves_the_contactor_open_and_restarts(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        station = env.station
        sim = station.hardware.sim
        sim.plug(1)
        sim.tap("04A1B2C3")
        await env.csms.wait(lambda: station.transactions.transaction_id(1) is not None)
        sim.set_ev_state(1, "C")
        await trio.sleep(1)
        assert station.loops[1].snapshot.relay_closed
        pilot = station.loops[1]._pilot
        original = pilot.read
        pilot.read = lambda: (_ for _ in ()).throw(DeviceUnavailable("pilot ADC: SPI gone"))
        await trio.sleep(0.2)
        assert sim.status()["evses"]["1"]["relay"]["commanded"] is False
        pilot.read = original
        await trio.sleep(12)  # restart back-off, then at least 10 s between two closings
        supervision = {c["child"]: c for c in station.status()["supervision"]}
        assert supervision["evse1.control"]["restarts"] >= 1
        assert supervision["evse1.control"]["state"] == "running"
        assert station.loops[1].snapshot.relay_closed, "charging resumes once the loop is back"
