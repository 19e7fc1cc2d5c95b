"""Part 6 block J meter-value cases on the simulator (in-memory CSMS, MockClock)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import trio

from tests.conftest import make_config, running_station

CARD = "04A1B2C3"
MEASURANDS = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage"]


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def tes(env) -> list[dict]:
    return [r.payload for r in env.csms.of("TransactionEvent")]


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_tc_j_09_periodic_values_in_transaction_events(config, autojump_clock):
    interval = 30
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": interval,
        "SampledDataCtrlr.TxUpdatedMeasurands": ",".join(MEASURANDS),
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await energy_transfer_started(env)
        # <Configured transaction duration>: five intervals.
        await trio.sleep(5 * interval + 1)
    periodic = [e for e in tes(env) if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) >= 4
    for event in periodic:
        assert event["eventType"] == "Updated"
        for meter_value in event["meterValue"]:
            values = meter_value["sampledValue"]
            assert values[0]["context"] == "Sample.Periodic"
            assert {v.get("context") for v in values} == {"Sample.Periodic"}
            measurands = [v.get("measurand", "Energy.Active.Import.Register") for v in values]
            assert set(measurands) == set(MEASURANDS), "an element per configured measurand"
    # Post-scenario: the events are TxUpdatedInterval apart.
    stamps = [instant(e["timestamp"]) for e in periodic]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
    assert all(abs(gap - interval) <= 1 for gap in gaps), gaps


async def energy_transfer_started(env) -> None:
    """EnergyTransferStarted on EVSE 1: plug, card, the EV asks for energy, Charging."""
    sim = env.station.hardware.sim
    sim.plug(1)
    await trio.sleep(0.1)
    sim.tap(CARD)
    await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is not None)
    await trio.sleep(0.1)
    sim.set_ev_state(1, "C")
    await env.csms.wait(
        lambda: any(e["transactionInfo"].get("chargingState") == "Charging" for e in tes(env)),
        timeout=60,
    )


async def energy_transfer_then_parking_bay_unoccupied(env, duration: float) -> dict:
    """EnergyTransferStarted for ``duration`` s, then the driver stops and leaves; the
    transaction's Ended event."""
    sim = env.station.hardware.sim
    await energy_transfer_started(env)
    await trio.sleep(duration)
    sim.tap(CARD)
    await trio.sleep(2)
    sim.unplug(1)
    await env.csms.wait(lambda: any(e["eventType"] == "Ended" for e in tes(env)), timeout=60)
    (ended,) = [e for e in tes(env) if e["eventType"] == "Ended"]
    return ended


def gaps(meter_values: list[dict]) -> list[float]:
    stamps = [instant(m["timestamp"]) for m in meter_values]
    return [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]


async def test_tc_j_03_clock_aligned_values_in_the_ended_event(config, autojump_clock):
    interval = 60
    variables = {
        "AlignedDataCtrlr.TxEndedInterval": interval,
        "AlignedDataCtrlr.TxEndedMeasurands": "Energy.Active.Import.Register,Power.Active.Import",
        "SampledDataCtrlr.TxEndedMeasurands": "",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        ended = await energy_transfer_then_parking_bay_unoccupied(env, 5 * interval)
    meter_values = ended["meterValue"]
    clock = [m for m in meter_values if m["sampledValue"][0].get("context") == "Sample.Clock"]
    assert len(clock) >= 4
    assert clock == meter_values, "only clock-aligned values are configured"
    for meter_value in clock:
        values = meter_value["sampledValue"]
        assert {v.get("context") for v in values} == {"Sample.Clock"}
        measurands = {v.get("measurand", "Energy.Active.Import.Register") for v in values}
        assert measurands == {"Energy.Active.Import.Register", "Power.Active.Import"}
        # Clock-aligned: on the minute.
        assert instant(meter_value["timestamp"]).second == 0
    assert all(gap == interval for gap in gaps(clock)), gaps(clock)


async def test_tc_j_10_sampled_values_in_the_ended_event(config, autojump_clock):
    interval = 60
    variables = {
        "SampledDataCtrlr.TxEndedInterval": interval,
        "SampledDataCtrlr.TxEndedMeasurands": "Energy.Active.Import.Register,Current.Import",
        "AlignedDataCtrlr.TxEndedMeasurands": "",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        ended = await energy_transfer_then_parking_bay_unoccupied(env, 5 * interval)
    meter_values = ended["meterValue"]
    contexts = [m["sampledValue"][0]["context"] for m in meter_values]
    # Every element but one is Sample.Periodic; one (the last) is Transaction.End.
    assert contexts[-1] == "Transaction.End"
    assert contexts[:-1] == ["Sample.Periodic"] * (len(contexts) - 1)
    assert len(contexts) - 1 >= 5
    periodic = meter_values[:-1]
    assert all(gap == interval for gap in gaps(periodic)), gaps(periodic)
    for meter_value in meter_values:
        values = meter_value["sampledValue"]
        measurands = sorted(v.get("measurand", "Energy.Active.Import.Register") for v in values)
        assert measurands == ["Current.Import", "Energy.Active.Import.Register"]


async def test_a_new_tx_updated_interval_is_in_force_at_once(config, autojump_clock):
    """SetVariables of TxUpdatedInterval during a transaction takes effect when written:
    a sample is due at once when the new interval since the last one is over, and the
    next comes one new interval later (not at the end of the old interval)."""
    variables = {
        "SampledDataCtrlr.TxUpdatedInterval": 3600,
        "SampledDataCtrlr.TxUpdatedMeasurands": "Energy.Active.Import.Register",
    }

    def periodic_times() -> list[float]:
        return [t for t, e in sent if e["triggerReason"] == "MeterValuePeriodic"]

    async with running_station(config, variables=variables, control_period=0.05) as env:
        sent: list[tuple[float, dict]] = []
        await env.csms.wait_for("StatusNotification", count=2)
        await energy_transfer_started(env)
        await trio.sleep(60)
        assert not [e for e in tes(env) if e["triggerReason"] == "MeterValuePeriodic"]
        changed_at = trio.current_time()
        (written,) = await env.station.device_model.set_variables(
            [_set_item("SampledDataCtrlr", "TxUpdatedInterval", "20")]
        )
        assert written.status.value == "Accepted"
        for count in (1, 2):
            await env.csms.wait(
                lambda count=count: (
                    len([e for e in tes(env) if e["triggerReason"] == "MeterValuePeriodic"])
                    >= count
                ),
                timeout=120,
            )
            sent.append((trio.current_time(), tes(env)[-1]))
    first, second = periodic_times()
    assert first - changed_at == pytest.approx(0, abs=1)  # 60 s since the start > 20 s
    assert second - first == pytest.approx(20, abs=1)


def _set_item(component: str, variable: str, value: str):
    from station.devicemodel.model import Attribute, Component, SetItem

    return SetItem(Component(component), variable, None, value, Attribute.Actual)
