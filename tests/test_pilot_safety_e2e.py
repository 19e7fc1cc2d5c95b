"""Pilot fail-safety of a whole station on MockClock, driven through its control socket
(the commands `station sim` and `station clear-fault` send) and seen by a CSMS."""

from __future__ import annotations

import json

import pytest
import trio

from tests.conftest import make_config, running_station

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def command(env, name: str, **args) -> dict:
    """One request on the station's control socket, as the CLI sends it."""
    line = json.dumps({"command": name, "args": args}).encode()
    return await env.station.control_socket.handle(line)


def statuses(env, evse=1):
    return [
        r.payload["connectorStatus"]
        for r in env.csms.of("StatusNotification")
        if r.payload["evseId"] == evse
    ]


async def wait_status(env, status: str, evse=1, timeout=60.0):
    await env.csms.wait(lambda: statuses(env, evse)[-1:] == [status], timeout=timeout)


async def charging(env, evse=1):
    """Plug, tap, EV in C: wait for the contactor (IEC 61851-1: within 3 s of C)."""
    await env.csms.wait_for("StatusNotification", count=2)
    assert (await command(env, "sim.plug", evse=evse))["ok"]
    await trio.sleep(0.2)
    assert (await command(env, "sim.tap", uid=CARD))["ok"]
    await env.csms.wait(lambda: env.station.transactions.transaction_id(evse) is not None)
    assert (await command(env, "sim.ev_state", evse=evse, state="C"))["ok"]
    loop = env.station.loops[evse]
    with trio.fail_after(3):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def test_an_injected_pilot_voltage_in_no_band_faults_the_evse(config, autojump_clock):
    async with running_station(config, control_period=0.01) as env:
        await charging(env)
        answer = await command(env, "sim.pilot_voltage", evse=1, high=-5.0, low=-12.0)
        assert answer["ok"], answer
        await wait_status(env, "Faulted", timeout=1)
        status = (await command(env, "status"))["result"]
        assert status["evses"]["1"]["relay"] == "open"
        assert status["evses"]["1"]["fault"] == "pilot_out_of_range"
        assert status["hardware"]["evses"]["1"]["pilot"]["injected"] is True
        assert status["hardware"]["evses"]["1"]["relay"]["feedback"] is False

        assert (await command(env, "sim.pilot_voltage", evse=1))["ok"]
        await wait_status(env, "Occupied", timeout=5)
        status = (await command(env, "status"))["result"]
        assert status["hardware"]["evses"]["1"]["pilot"]["injected"] is False


async def test_an_out_of_range_injection_is_refused_with_a_reason(config, autojump_clock):
    async with running_station(config) as env:
        answer = await command(env, "sim.pilot_voltage", evse=1, high=40.0, low=-12.0)
        assert not answer["ok"]
        assert "between -15 and 15 V" in answer["error"]


async def test_an_ev_that_ignores_the_pwm_is_cut_off_and_the_evse_faults(config, autojump_clock):
    config = config.model_copy(
        update={
            "hardware": config.hardware.model_copy(
                update={
                    "evse": [
                        e.model_copy(update={"max_current": 16.0}) for e in config.hardware.evse
                    ]
                }
            )
        }
    )
    async with running_station(config, control_period=0.05, meter_interval=1.0) as env:
        await charging(env)
        loop = env.station.loops[1]
        offered = loop.snapshot.duty
        assert (await command(env, "sim.ev_ignore_pwm", evse=1, on=True))["ok"]
        began = trio.current_time()
        await wait_status(env, "Faulted", timeout=30)
        assert 14.0 <= trio.current_time() - began <= 17.0  # 7 s, lower, 7 s, open
        status = (await command(env, "status"))["result"]
        assert status["evses"]["1"]["fault"] == "overcurrent"
        assert status["evses"]["1"]["relay"] == "open"
        assert status["hardware"]["evses"]["1"]["meter"]["current"] == 0.0
        assert loop.snapshot.duty != offered


async def test_a_welded_contactor_stays_faulted_across_a_reset_until_the_operator_clears_it(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await charging(env)
        assert (await command(env, "sim.fault", evse=1, kind="welded"))["ok"]
        assert (await command(env, "sim.ev_state", evse=1, state="B"))["ok"]
        await wait_status(env, "Faulted", timeout=5)

        # A whole-station Reset restarts the station: the latch comes back from disk.
        frame = await env.csms.call("Reset", {"type": "Immediate"})
        assert frame.payload["status"] == "Accepted"
        await env.csms.wait_for("BootNotification", count=2, timeout=60)
        assert env.restarts == ["RemoteReset"]
        await trio.sleep(1)
        assert env.station.loops[1].snapshot.fault == "welded"
        assert (await command(env, "sim.fault", evse=1, kind="clear"))["ok"]
        await trio.sleep(5)
        assert env.station.loops[1].snapshot.fault == "welded", "never cleared by itself"

        answer = await command(env, "evse.clear_fault", evse=1)
        assert answer == {"ok": True, "result": "EVSE 1: cleared welded"}
        await trio.sleep(1)
        assert env.station.loops[1].snapshot.fault is None


async def test_clearing_a_contactor_that_is_still_welded_latches_again(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await charging(env)
        assert (await command(env, "sim.fault", evse=1, kind="welded"))["ok"]
        assert (await command(env, "sim.ev_state", evse=1, state="B"))["ok"]
        await wait_status(env, "Faulted", timeout=5)
        assert (await command(env, "evse.clear_fault", evse=1))["ok"]
        await trio.sleep(1)
        assert env.station.loops[1].snapshot.fault == "welded"


async def test_clear_fault_names_an_unknown_evse(config, autojump_clock):
    async with running_station(config) as env:
        answer = await command(env, "evse.clear_fault", evse=7)
        assert not answer["ok"] and "unknown EVSE 7" in answer["error"]
        answer = await command(env, "evse.clear_fault", evse=1)
        assert answer == {"ok": True, "result": "EVSE 1 has no latched fault"}


async def test_with_the_interlock_modelled_a_healthy_loop_keeps_it_closed(
    config, autojump_clock, caplog
):
    hardware = config.hardware.model_copy(
        update={"sim": config.hardware.sim.model_copy(update={"interlock_window": 0.05})}
    )
    config = config.model_copy(update={"hardware": hardware})
    async with running_station(config, control_period=0.01) as env:
        await charging(env)
        await trio.sleep(60)
        status = (await command(env, "status"))["result"]
        interlock = status["hardware"]["evses"]["1"]["interlock"]
        assert interlock["open"] is False
        assert status["hardware"]["evses"]["1"]["relay"]["feedback"] is True
        assert status["hardware"]["evses"]["1"]["meter"]["current"] > 0
    assert "interlock_window_too_short" not in caplog.text


async def test_a_control_period_longer_than_the_interlock_window_is_warned_about(
    config, autojump_clock, caplog
):
    hardware = config.hardware.model_copy(
        update={"sim": config.hardware.sim.model_copy(update={"interlock_window": 0.05})}
    )
    config = config.model_copy(update={"hardware": hardware})
    async with running_station(config, control_period=0.5) as env:
        await env.csms.wait_for("StatusNotification", count=2)
    assert "event=interlock_window_too_short window_s=0.05 control_period_s=0.5" in caplog.text
