"""Part 6 block G (ChangeAvailability, G03/G04) test cases on the simulator.

Each test is named after its OCTT test case and asserts the case's tool validations: the
ChangeAvailabilityResponse status and the StatusNotification the station sends (this
station reports connector status with StatusNotification, not NotifyEvent
AvailabilityState, which the cases accept as the alternative). The CSMS side is the
in-memory CSMS; the station side is the real assembly on simulated hardware.
"""

from __future__ import annotations

import pytest
import trio

from tests.conftest import connector_statuses as statuses
from tests.conftest import make_config, running_station
from tests.memcsms import NoReply

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def status_count(env) -> int:
    return len(env.csms.of("StatusNotification"))


async def booted(env) -> None:
    """The Booted reusable state: both connectors reported Available."""
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)
    assert statuses(env, 1) == ["Available"] and statuses(env, 2) == ["Available"]


async def change(env, operational_status: str, evse: dict | None = None) -> dict:
    payload: dict = {"operationalStatus": operational_status}
    if evse is not None:
        payload["evse"] = evse
    frame = await env.csms.call("ChangeAvailability", payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def quiet(env) -> None:
    """Let any status report the last request would cause go out (virtual time)."""
    await trio.sleep(5)


async def charge(env, evse: int = 1) -> None:
    """The EnergyTransferStarted reusable state on one EVSE (plug, tap, EV in C)."""
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.1)
    sim.tap(CARD)
    await env.csms.wait(lambda: env.station.transactions.transaction_id(evse) is not None)
    await trio.sleep(0.1)
    sim.set_ev_state(evse, "C")
    loop = env.station.loops[evse]
    with trio.fail_after(3):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def test_tc_g_06_station_inoperative_to_operative(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        # Reusable state "State is Unavailable".
        assert (await change(env, "Inoperative"))["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == statuses(env, 2)[-1] == "Unavailable")
        before = status_count(env)
        # Step 1-2.
        assert (await change(env, "Operative")) == {"status": "Accepted"}
        # Step 3 and the post-scenario validation: every connector reported Available.
        await env.csms.wait(lambda: status_count(env) >= before + 2, timeout=60)
        after = [r.payload for r in env.csms.of("StatusNotification")[before:]]
        assert sorted((p["evseId"], p["connectorId"]) for p in after) == [(1, 1), (2, 1)]
        assert {p["connectorStatus"] for p in after} == {"Available"}
        assert env.station.availability.state.station


async def test_tc_g_08_connector_inoperative_to_operative(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        # Memory state: connector 1 of EVSE 1 Unavailable.
        connector = {"id": 1, "connectorId": 1}
        assert (await change(env, "Inoperative", connector))["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable")
        before = status_count(env)
        assert (await change(env, "Operative", connector)) == {"status": "Accepted"}
        await env.csms.wait(lambda: status_count(env) > before, timeout=60)
        report = env.csms.of("StatusNotification")[before].payload
        assert (report["evseId"], report["connectorId"]) == (1, 1)
        assert report["connectorStatus"] == "Available"
        await quiet(env)
        # Only the changed connector is reported; the other EVSE never left Available.
        assert statuses(env, 2) == ["Available"]


@pytest.mark.parametrize(
    ("case", "evse"),
    [
        ("TC_G_09", {"id": 1}),
        ("TC_G_12", None),
        ("TC_G_15", {"id": 1, "connectorId": 1}),
    ],
)
async def test_tc_g_09_12_15_operative_to_operative(config, autojump_clock, case, evse):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        before = status_count(env)
        # G03.FR.03 / G04.FR.04: the state it is already in is Accepted.
        assert (await change(env, "Operative", evse)) == {"status": "Accepted"}, case
        await quiet(env)
        # Nothing changed, so nothing more is reported; every connector was reported
        # (post-scenario validation) by the boot, Available.
        assert status_count(env) == before
        assert statuses(env, 1) == ["Available"] and statuses(env, 2) == ["Available"]
        # The EVSEs still take a session.
        env.station.hardware.sim.plug(1)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Occupied", timeout=60)


async def test_tc_g_16_connector_inoperative_to_inoperative(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        connector = {"id": 1, "connectorId": 1}
        assert (await change(env, "Inoperative", connector))["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable")
        before = status_count(env)
        assert (await change(env, "Inoperative", connector)) == {"status": "Accepted"}
        await quiet(env)
        assert status_count(env) == before
        assert statuses(env, 1) == ["Available", "Unavailable"]
        assert statuses(env, 2) == ["Available"]


async def test_tc_g_17_connector_inoperative_during_a_transaction(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        await charge(env, evse=1)
        connector = {"id": 1, "connectorId": 1}
        # Step 2: G03.FR.05.
        assert (await change(env, "Inoperative", connector)) == {"status": "Scheduled"}
        await quiet(env)
        assert env.station.loops[1].snapshot.relay_closed, "the transaction goes on"
        assert statuses(env, 1)[-1] == "Occupied"
        assert statuses(env, 2) == ["Available"], "the other EVSE is not affected"
        # Step 3, StopAuthorized: the same card ends the transaction.
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable", timeout=60)
        ended = env.csms.of("TransactionEvent")[-1].payload
        assert ended["eventType"] == "Ended"
        report = env.csms.of("StatusNotification")[-1].payload
        assert (report["evseId"], report["connectorId"]) == (1, 1)
        # EVDisconnected: the connector stays Unavailable.
        env.station.hardware.sim.unplug(1)
        await quiet(env)
        assert statuses(env, 1)[-1] == "Unavailable"
        assert "Available" not in statuses(env, 1)[statuses(env, 1).index("Unavailable") :]
        assert statuses(env, 2) == ["Available"]


async def test_tc_g_18_evse_inoperative_persists_across_reboot(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await change(env, "Inoperative", {"id": 1}))["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Unavailable")
        await quiet(env)
        # Step 3: no connector of another EVSE is reported other than Available.
        assert statuses(env, 2) == ["Available"]
    # Step 5, Booted: the station comes back with EVSE 1 still Inoperative.
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        await quiet(env)
        reports = [r.payload for r in env.csms.of("StatusNotification")]
        assert all(p["evseId"] != 0 and p["connectorId"] != 0 for p in reports)
        assert statuses(env, 1) == ["Unavailable"]
        assert statuses(env, 2) == ["Available"]


async def test_tc_g_19_connector_inoperative_persists_across_reboot(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        connector = {"id": 2, "connectorId": 1}
        assert (await change(env, "Inoperative", connector))["status"] == "Accepted"
        await env.csms.wait(lambda: statuses(env, 2)[-1] == "Unavailable")
    async with running_station(config, control_period=0.05) as env:
        # Steps 2-5: BootNotification, then every connector's status.
        await env.csms.wait_for("StatusNotification", count=2)
        assert env.csms.actions()[0] == "BootNotification"
        await quiet(env)
        reports = [r.payload for r in env.csms.of("StatusNotification")]
        assert all(p["evseId"] != 0 and p["connectorId"] != 0 for p in reports)
        assert statuses(env, 2) == ["Unavailable"]
        assert statuses(env, 1) == ["Available"]
        # Step 6.
        (event,) = [
            r.payload
            for r in env.csms.of("SecurityEventNotification")
            if r.payload["type"] in ("StartupOfTheDevice", "ResetOrReboot")
        ]
        assert event["type"] in ("StartupOfTheDevice", "ResetOrReboot")


async def test_tc_g_13_station_inoperative_told_again_reports_every_connector(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await change(env, "Inoperative")) == {"status": "Accepted"}
        await env.csms.wait(
            lambda: statuses(env, 1)[-1] == statuses(env, 2)[-1] == "Unavailable", timeout=60
        )
        before = status_count(env)
        # Step 1-3: already Inoperative; Accepted, then the state of all connectors.
        assert (await change(env, "Inoperative")) == {"status": "Accepted"}
        await env.csms.wait(lambda: status_count(env) >= before + 2, timeout=60)
        await quiet(env)
        assert status_count(env) == before + 2
        assert statuses(env, 1)[-2:] == ["Unavailable", "Unavailable"]
        assert statuses(env, 2)[-2:] == ["Unavailable", "Unavailable"]


class _CountingStore:
    """The availability's store, counting the writes that go through it."""

    def __init__(self, store) -> None:
        self._store = store
        self.runs = 0

    async def run(self, fn):
        self.runs += 1
        return await self._store.run(fn)


async def stored_state(env) -> dict:
    import json

    (text,) = await env.station.store.run(
        lambda db: db.execute("SELECT value FROM meta WHERE name = 'availability'").fetchone()
    )
    return json.loads(text)


async def test_a_change_to_the_state_already_stored_answers_without_a_commit(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        availability = env.station.availability
        counting = _CountingStore(availability._store)
        availability._store = counting
        # A change is persisted before the answer (G03.FR.08)...
        assert (await change(env, "Inoperative", {"id": 1}))["status"] == "Accepted"
        assert counting.runs == 1
        assert (await stored_state(env))["evses"] == {"1": False}
        # ...the same state again (G03.FR.03) is what the store holds: no commit to wait for.
        assert (await change(env, "Inoperative", {"id": 1})) == {"status": "Accepted"}
        assert counting.runs == 1
        # Back to Operative is a change again, and so is stored.
        assert (await change(env, "Operative", {"id": 1})) == {"status": "Accepted"}
        assert counting.runs == 2
        assert (await stored_state(env))["evses"] == {"1": True}
        assert (await change(env, "Operative", {"id": 1})) == {"status": "Accepted"}
        assert counting.runs == 2


async def test_a_state_loaded_at_start_is_not_written_again(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await change(env, "Inoperative", {"id": 2}))["status"] == "Accepted"
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        availability = env.station.availability
        counting = _CountingStore(availability._store)
        availability._store = counting
        assert (await change(env, "Inoperative", {"id": 2})) == {"status": "Accepted"}
        assert counting.runs == 0
        assert (await change(env, "Operative", {"id": 2})) == {"status": "Accepted"}
        assert counting.runs == 1
        assert (await stored_state(env))["evses"] == {"2": True}


# -- StatusNotification delivery when the CSMS may have heard a status it did not answer --


async def test_a_status_unanswered_then_undone_is_reported_again(config, autojump_clock):
    """Found by seeds 6323, 7285, 7628 and 8662: an Occupied (an Unavailable in 6323) the
    CSMS did not answer in time, though it may have heard it, then the EV unplugged
    before the message timeout; the connector was Available again, as last answered, so
    nothing went out and the CSMS kept Occupied for good."""
    async with running_station(config) as env:
        await booted(env)
        sim = env.station.hardware.sim
        env.csms.responses["StatusNotification"] = NoReply
        sim.plug(1)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Occupied", timeout=5)
        sim.unplug(1)  # before the message timeout: back to what the CSMS last answered
        await trio.sleep(5)
        del env.csms.responses["StatusNotification"]
        await trio.sleep(config.csms.message_timeout + 90)
        assert statuses(env, 1) == ["Available", "Occupied", "Available"]
        assert statuses(env, 2) == ["Available"]


async def test_a_status_sent_before_the_connection_dropped_is_reported_again(
    config, autojump_clock
):
    """The same with the connection lost between the StatusNotification and its answer:
    after a short outage (B04.FR.02: only the changed connectors) the one whose status the
    CSMS may have heard goes out again, though it is back to its status before."""
    async with running_station(config) as env:
        await booted(env)
        sim = env.station.hardware.sim
        env.csms.responses["StatusNotification"] = NoReply
        sim.plug(1)
        await env.csms.wait(lambda: statuses(env, 1)[-1] == "Occupied", timeout=5)
        del env.csms.responses["StatusNotification"]
        connections = len(env.csms.connections)
        await env.csms.disconnect()
        sim.unplug(1)
        await env.csms.wait(lambda: len(env.csms.connections) > connections, timeout=120)
        await trio.sleep(30)
        assert statuses(env, 1) == ["Available", "Occupied", "Available"]
        assert statuses(env, 2) == ["Available"], "B04.FR.02: the unchanged one is not sent"
