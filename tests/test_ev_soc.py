"""The EV's state of charge: set through the control socket, sent as the SoC measurand
where it is configured and known, left out where it is not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import trio
import trio.testing

from drivers import build_hardware
from station.control.service import ControlService, ControlSettings
from tests.conftest import booted, make_config, running_station

CARD = "04A1B2C3"
MEASURANDS = "Energy.Active.Import.Register,SoC"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def command(env, name: str, args: dict) -> dict:
    """One control-socket request, as `station sim` sends it."""
    line = json.dumps({"command": name, "args": args}).encode()
    return await env.station.control_socket.handle(line)


def tes(env) -> list[dict]:
    return [r.payload for r in env.csms.of("TransactionEvent")]


def soc_values(events: list[dict]) -> list[dict]:
    return [
        value
        for event in events
        for meter_value in event.get("meterValue", ())
        for value in meter_value["sampledValue"]
        if value.get("measurand") == "SoC"
    ]


async def charge(env, evse: int) -> None:
    """Plug in, tap, ask for power; wait until the EVSE reports Charging."""
    for name, args in (
        ("sim.plug", {"evse": evse}),
        ("sim.tap", {"uid": CARD}),
        ("sim.ev_state", {"evse": evse, "state": "C"}),
    ):
        assert (await command(env, name, args))["ok"]
        await trio.sleep(0.5)
    await env.csms.wait(
        lambda: any(
            e["transactionInfo"].get("chargingState") == "Charging"
            and e.get("evse", {}).get("id", evse) == evse
            for e in tes(env)
        ),
        timeout=60,
    )


async def test_sim_ev_and_sim_soc_through_the_control_socket(config, autojump_clock):
    async with running_station(config) as env:
        await booted(env)
        answer = await command(
            env, "sim.ev", {"evse": 1, "capacity_kwh": 60, "soc": 20, "max_current": 16}
        )
        assert answer == {"ok": True, "result": "60 kWh at 20.0 %, max 16 A, 3 phases"}
        assert (await command(env, "sim.soc", {"evse": 1, "percent": 75}))["ok"]
        status = (await command(env, "status", {}))["result"]
        ev = status["hardware"]["evses"]["1"]["ev"]
        assert (ev["soc"], ev["capacity_kwh"], ev["max_current"]) == (75.0, 60.0, 16.0)
        # Bad values get a precise answer and change nothing.
        for name, args, error in [
            ("sim.soc", {"evse": 1, "percent": 101}, "soc must be between 0 and 100 %, got 101"),
            ("sim.soc", {"evse": 1, "percent": "full"}, "percent must be a number, got 'full'"),
            ("sim.soc", {"evse": 1}, "missing argument 'percent'"),
            ("sim.soc", {"evse": 2, "percent": 50}, "EVSE 2's EV has no battery model"),
            ("sim.ev", {"evse": 1, "phases": 2}, "phases must be 1 or 3, got 2"),
            ("sim.ev", {"evse": 1, "phases": 1.5}, "phases must be a whole number, got 1.5"),
            ("sim.ev", {"evse": 1, "capacity_kwh": True}, "capacity_kwh must be a number"),
            ("sim.ev", {"evse": 1, "wheels": 4}, "unknown setting 'wheels'"),
            ("sim.ev", {"evse": 9, "soc": 10}, "unknown EVSE 9"),
        ]:
            answer = await command(env, name, args)
            assert answer["ok"] is False and error in answer["error"], (name, args, answer)
        status = (await command(env, "status", {}))["result"]
        assert status["hardware"]["evses"]["1"]["ev"] == ev


async def test_soc_is_sent_where_configured_and_known(config, autojump_clock):
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 60,
        "SampledDataCtrlr.TxUpdatedMeasurands": MEASURANDS,
        "SampledDataCtrlr.TxStartedMeasurands": MEASURANDS,
    }
    async with running_station(config, variables=variables) as env:
        await booted(env)
        sim = env.station.hardware.sim
        sim.configure_ev(1, capacity_kwh=40, soc=30)
        await charge(env, 1)
        await trio.sleep(10 * 60 + 1)
        values = soc_values([e for e in tes(env) if e.get("evse", {}).get("id", 1) == 1])
    assert len(values) >= 10
    for value in values:
        assert value["unitOfMeasure"]["unit"] == "Percent"
        assert value["location"] == "EV"
    levels = [value["value"] for value in values]
    assert levels == sorted(levels) and 30 <= levels[0] < levels[-1] < 100
    # 10 minutes at 32 A on one phase: about 3.6 % of 40 kWh.
    assert levels[-1] - levels[0] == pytest.approx(
        100 * 230 * 32 * 0.99 * 0.9 * (10 / 60) / 40_000, rel=0.15
    )


async def test_without_a_known_soc_the_measurand_is_left_out(config, autojump_clock):
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 60,
        "SampledDataCtrlr.TxUpdatedMeasurands": MEASURANDS,
    }
    async with running_station(config, variables=variables) as env:
        await booted(env)
        await charge(env, 1)  # an EV with no battery model
        await trio.sleep(5 * 60 + 1)
    periodic = [e for e in tes(env) if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) >= 4
    assert soc_values(periodic) == []
    assert all(
        v.get("measurand", "Energy.Active.Import.Register") == "Energy.Active.Import.Register"
        for e in periodic
        for mv in e["meterValue"]
        for v in mv["sampledValue"]
    )


async def test_a_full_ev_is_suspended_ev_to_the_csms(config, autojump_clock):
    async with running_station(config) as env:
        await booted(env)
        env.station.hardware.sim.configure_ev(1, capacity_kwh=20, soc=99.5, max_current=32)
        await charge(env, 1)
        # After Charging: an EV in B under PWM before it asked for power is SuspendedEV too.
        charging = len(tes(env))
        await env.csms.wait(
            lambda: any(
                e["transactionInfo"].get("chargingState") == "SuspendedEV"
                for e in tes(env)[charging:]
            ),
            timeout=3 * 3600,
        )
        ev = env.station.hardware.sim.status()["evses"]["1"]["ev"]
        assert (ev["state"], ev["soc"], ev["full"]) == ("B", 100.0, True)


async def test_sim_ev_and_soc_reach_a_control_process_of_their_own(config, autojump_clock):
    # Under `station run` the simulated hardware lives in the control process: the OCPP
    # side's control socket forwards sim.ev and sim.soc over the control link.
    hardware = build_hardware(
        config.hardware, now=trio.current_time, wall_clock=lambda: datetime(2026, 1, 5, tzinfo=UTC)
    )
    service = ControlService(
        config.hardware,
        hardware,
        ControlSettings(period=0.05, meter_interval=1.0, card_interval=0.3),
    )
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(service.run)
            await service.wait_first_iterations()

            async def connect() -> trio.abc.Stream:
                ocpp_end, control_end = trio.testing.memory_stream_pair()
                nursery.start_soon(service.serve, control_end)
                return ocpp_end

            async with running_station(config, control_connect=connect) as env:
                assert env.station.control is None  # the split variant
                await booted(env)
                answer = await command(
                    env, "sim.ev", {"evse": 2, "capacity_kwh": 77, "soc": 35.5, "phases": 1}
                )
                assert answer == {"ok": True, "result": "77 kWh at 35.5 %, max 32 A, 1 phase"}
                assert (await command(env, "sim.soc", {"evse": 2, "percent": 64}))["ok"]
                answer = await command(env, "sim.soc", {"evse": 2, "percent": -1})
                assert answer == {"ok": False, "error": "soc must be between 0 and 100 %, got -1"}
                answer = await command(env, "sim.ev", {"evse": 2, "phases": "three"})
                assert answer == {"ok": False, "error": "phases must be a number, got 'three'"}
                # The readings the OCPP side gets carry the state of charge.
                await env.csms.wait(
                    lambda: (r := env.station.meters[2].latest) is not None and r.sample.soc == 64
                )
            nursery.cancel_scope.cancel()
    finally:
        service.close()
    assert hardware.sim is not None
    ev = hardware.sim.status()["evses"]["2"]["ev"]
    assert (ev["capacity_kwh"], ev["soc"], ev["phases"]) == (77.0, 64.0, 1)
