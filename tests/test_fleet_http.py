"""The fleet's HTTP API over real HTTP (Hypercorn on trio, a free port of 127.0.0.1),
against a real fleet (`station.fleet.core.Fleet`) on the in-memory CSMS."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import httpx
import pytest
import trio

from station.fleet import http as fleet_http
from station.fleet.api_models import StationList, StationSummary
from station.fleet.http import serve
from tests.fleetapi import HandFleet, fleet_api, stopped
from tools.fleet_api_doc import OUTPUT, REGENERATE, render

CARD = "04A1B2C3"
A, B = "FLEET-0001", "FLEET-0002"


@pytest.fixture
def data_dir(tmp_path_factory):
    """A short directory: the stations' control sockets must fit a Unix socket path."""
    return tmp_path_factory.mktemp("fleet")


@pytest.fixture
async def api(data_dir):
    """Two stations, booted, with the API over them; an httpx client on it."""
    async with fleet_api(data_dir, 2) as fleet:
        async with httpx.AsyncClient(base_url=fleet.url) as client:
            yield client, fleet


def hardware(fleet, identity: str) -> dict:
    """What the station's simulated hardware is doing."""
    return fleet.station(identity).station.hardware.sim.status()


async def test_list_names_every_station_with_its_evses_and_totals(api):
    client, _ = api
    answer = await client.get("/stations")
    assert answer.status_code == 200
    body = answer.json()
    assert [s["identity"] for s in body["stations"]] == [A, B]
    for station in body["stations"]:
        assert station["state"] == "accepted"
        assert station["connected"] is True
        assert station["evses"] == [
            {"id": 1, "status": "Available", "transaction_id": None},
            {"id": 2, "status": "Available", "transaction_id": None},
        ]
    assert body["totals"] == {
        "stations": 2,
        "connected": 2,
        "states": {"accepted": 2},
        "evses": {"Available": 4},
        "transactions": 0,
        "outages": 0,
    }


async def test_the_fleets_summaries_have_the_documented_shape(api):
    client, fleet = api
    await client.post(f"/stations/{A}/evses/1/plug")
    fleet.fleet.stop()
    await stopped(fleet.station(B))
    for station in fleet.fleet.stations.values():
        # The list route sends them as they are (no validation per request).
        StationSummary.model_validate(station.summary(), strict=True)
    listed = (await client.get("/stations")).json()
    StationList.model_validate(listed, strict=True)


async def test_plug_and_tap_start_a_transaction_seen_in_the_station_state(api):
    client, fleet = api
    plugged = await client.post(f"/stations/{B}/evses/2/plug")
    assert plugged.status_code == 200
    assert plugged.json() == {"identity": B, "command": "sim.plug", "result": None}
    tapped = await client.post(f"/stations/{B}/tap", json={"uid": CARD})
    assert tapped.status_code == 200
    await fleet.until(lambda: fleet.calls(B, "TransactionEvent"))
    started = fleet.calls(B, "TransactionEvent")[0]
    assert started.payload["eventType"] == "Started"
    assert started.payload["evse"] == {"id": 2, "connectorId": 1}
    transaction_id = started.payload["transactionInfo"]["transactionId"]
    # The Started event may go out before the control loop has reported the EV.
    station = fleet.station(B).station
    await fleet.until(lambda: station.availability.status(2).value == "Occupied")

    state = (await client.get(f"/stations/{B}")).json()
    assert state["evses"][1] == {"id": 2, "status": "Occupied", "transaction_id": transaction_id}
    assert state["status"]["evses"]["2"]["transaction_id"] == transaction_id
    assert state["status"]["hardware"]["evses"]["2"]["ev"]["plugged"] is True
    listed = (await client.get("/stations")).json()
    assert listed["totals"]["transactions"] == 1
    assert listed["totals"]["evses"] == {"Available": 3, "Occupied": 1}
    # The other station saw none of it.
    assert fleet.calls(A, "TransactionEvent") == []
    assert not any(e["ev"]["plugged"] for e in hardware(fleet, A)["evses"].values())


async def test_ev_state_and_fault_reach_the_simulated_hardware(api):
    client, fleet = api
    await client.post(f"/stations/{A}/evses/1/plug")
    answer = await client.post(f"/stations/{A}/evses/1/ev-state", json={"state": "C"})
    assert answer.status_code == 200
    assert hardware(fleet, A)["evses"]["1"]["ev"]["state"] == "C"
    answer = await client.post(f"/stations/{A}/evses/1/fault", json={"kind": "rcd"})
    assert answer.status_code == 200
    station = fleet.station(A).station
    await fleet.until(lambda: station.availability.status(1).value == "Faulted")
    assert (await client.get(f"/stations/{A}")).json()["evses"][0]["status"] == "Faulted"


async def test_any_control_command_runs_through_the_commands_route(api):
    client, fleet = api
    answer = await client.post(
        f"/stations/{A}/commands/sim.ev_ignore_pwm", json={"evse": 1, "on": True}
    )
    assert answer.status_code == 200
    assert hardware(fleet, A)["evses"]["1"]["ev"]["ignores_pwm"] is True
    status = await client.post(f"/stations/{A}/commands/status")
    assert status.json()["result"]["identity"] == A


async def test_unknown_station_is_404_naming_it(api):
    client, _ = api
    for answer in (
        await client.get("/stations/CS-Z"),
        await client.post("/stations/CS-Z/evses/1/plug"),
        await client.post("/stations/CS-Z/tap", json={"uid": CARD}),
    ):
        assert answer.status_code == 404
        assert answer.json() == {"detail": "no station 'CS-Z' in this fleet"}


async def test_unknown_evse_is_404_naming_the_evses_there_are(api):
    client, fleet = api
    answer = await client.post(f"/stations/{A}/evses/3/plug")
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"station '{A}' has no EVSE 3 (it has 1, 2)"}
    assert not any(e["ev"]["plugged"] for e in hardware(fleet, A)["evses"].values())


async def test_unknown_command_is_400_naming_the_commands_there_are(api):
    client, _ = api
    answer = await client.post(f"/stations/{A}/commands/sim.teleport", json={"evse": 1})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert detail.startswith(f"station '{A}' has no command 'sim.teleport'; it offers: ")
    assert "sim.plug" in detail.split("it offers: ")[1].split(", ")


async def test_stopped_stations_are_409_and_their_summaries_still_read(api):
    client, fleet = api
    fleet.fleet.stop()
    for station in fleet.fleet.stations.values():
        await stopped(station)
    answer = await client.post(f"/stations/{A}/evses/1/plug")
    assert answer.status_code == 409
    assert answer.json() == {"detail": f"station '{A}' is not running: station {A} is stopped"}
    state = await client.get(f"/stations/{A}")
    assert state.status_code == 200
    assert state.json()["state"] == "stopped"
    assert state.json()["connected"] is False
    assert state.json()["status"] is None
    listed = (await client.get("/stations")).json()
    assert listed["totals"] == {
        "stations": 2,
        "connected": 0,
        "states": {"stopped": 2},
        "evses": {},
        "transactions": 0,
        "outages": 0,
    }
    health = (await client.get("/health")).json()
    assert (health["states"], health["connected"]) == ({"stopped": 2}, 0)


@pytest.mark.parametrize(
    ("route", "body", "detail"),
    [
        (
            "evses/1/soc",
            {"percent": 120},
            "body.percent: Input should be less than or equal to 100 (got 120)",
        ),
        (
            "evses/1/ev",
            {"wheels": 4},
            "body.wheels: Extra inputs are not permitted (got 4)",
        ),
        (
            "evses/1/ev",
            {"phases": 2},
            "body.phases: Input should be 1 or 3 (got 2)",
        ),
        (
            "evses/1/ev-state",
            {"state": "X"},
            "body.state: Input should be 'A', 'B', 'C', 'D', 'E' or 'F' (got 'X')",
        ),
        (
            "tap",
            {"uid": "not hex"},
            "body.uid: String should match pattern '^[0-9A-Fa-f]{2,40}$' (got 'not hex')",
        ),
        ("tap", {}, "body.uid: Field required"),
        (
            "evses/1/fault",
            {"kind": "rcd", "evse": 2},
            "body.evse: Extra inputs are not permitted (got 2)",
        ),
        (
            "evses/one/plug",
            None,
            "path.evse_id: Input should be a valid integer, unable to parse string as an "
            "integer (got 'one')",
        ),
        (
            "evses/0/plug",
            None,
            "path.evse_id: Input should be greater than or equal to 1 (got '0')",
        ),
    ],
)
async def test_bad_arguments_are_422_with_the_reason(api, route, body, detail):
    client, fleet = api
    answer = await client.post(f"/stations/{A}/{route}", json=body)
    assert answer.status_code == 422
    assert answer.json() == {"detail": detail}
    assert not any(e["ev"]["plugged"] for e in hardware(fleet, A)["evses"].values())


async def test_arguments_the_station_refuses_are_422_with_its_reason(api):
    client, _ = api
    answer = await client.post(f"/stations/{A}/commands/sim.plug", json={"evse": 7})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith("sim.plug: ")
    assert "7" in detail
    answer = await client.post(f"/stations/{A}/commands/sim.plug", json={})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "sim.plug: missing argument 'evse'"}
    answer = await client.post(f"/stations/{A}/commands/limit.set", json={"evse": 1})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "limit.set: amps None is not a number"}


async def test_a_body_that_is_not_json_is_422(api):
    client, _ = api
    answer = await client.post(
        f"/stations/{A}/tap", content=b"{uid", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("body.")


async def test_a_form_encoded_body_is_415_saying_to_send_json(api):
    client, fleet = api
    answer = await client.post(
        f"/stations/{A}/tap",
        content=b'{"uid": "04A1B2C3"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 415
    assert answer.json() == {
        "detail": "the body must be JSON (Content-Type: application/json), not "
        "application/x-www-form-urlencoded; with curl, use --json"
    }
    assert fleet.calls(A, "Authorize") == []


async def test_the_ev_gets_a_battery_and_a_state_of_charge(api):
    client, fleet = api
    answer = await client.post(f"/stations/{A}/evses/1/soc", json={"percent": 50})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "sim.soc: EVSE 1's EV has no battery model; give it a capacity to set its SoC"
    }
    answer = await client.post(
        f"/stations/{A}/evses/1/ev", json={"capacity_kwh": 60, "soc": 30, "phases": 1}
    )
    assert answer.status_code == 200
    answer = await client.post(f"/stations/{A}/evses/1/soc", json={"percent": 80})
    assert answer.status_code == 200
    ev = hardware(fleet, A)["evses"]["1"]["ev"]
    assert ev["soc"] == pytest.approx(80)
    state = (await client.get(f"/stations/{A}")).json()
    assert state["status"]["hardware"]["evses"]["1"]["ev"]["soc"] == pytest.approx(80)


async def test_ev_values_the_station_refuses_are_422_and_change_nothing(api):
    client, fleet = api
    before = hardware(fleet, A)["evses"]["2"]["ev"]
    answer = await client.post(
        f"/stations/{A}/evses/2/ev", json={"max_current": 16, "capacity_kwh": 0.5}
    )
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "sim.ev: capacity must be between 1 and 1000 kWh (0: no battery model), got 0.5"
    }
    assert hardware(fleet, A)["evses"]["2"]["ev"] == before


async def test_the_session_generator_starts_reports_and_stops(api):
    client, fleet = api
    idle = (await client.get("/traffic")).json()
    assert (idle["running"], idle["settings"]) == (False, None)
    started = await client.post("/traffic/start", json={"seed": 7, "arrivals_per_hour": 30})
    assert started.status_code == 200
    body = started.json()
    assert body["running"] is True
    assert (body["settings"]["seed"], body["settings"]["arrivals_per_hour"]) == (7, 30)
    assert body["stations"] == 2
    assert fleet.traffic.running
    again = await client.post("/traffic/start", json={"arrivals_per_hour": 60})
    assert again.status_code == 409
    assert again.json() == {"detail": "the session generator is running already; stop it first"}
    stopped = await client.post("/traffic/stop")
    assert stopped.status_code == 200
    assert stopped.json()["running"] is False
    assert stopped.json()["settings"]["seed"] == 7
    assert not fleet.traffic.running


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        ({"arrivals_per_hour": 0}, "arrivals_per_hour must be above 0 and at most 3600, got 0"),
        ({"arrival_rate": 2}, "unknown setting 'arrival_rate'"),
    ],
)
async def test_bad_generator_settings_are_422_and_start_nothing(api, settings, detail):
    client, fleet = api
    answer = await client.post("/traffic/start", json=settings)
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(detail)
    assert (await client.get("/traffic")).json()["running"] is False
    assert not fleet.traffic.running


async def test_health_counts_the_stations(api):
    client, _ = api
    answer = await client.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert (body["stations"], body["connected"], body["states"]) == (2, 2, {"accepted": 2})


class Still:
    """A station that answers no command (wedged) or has no session generator to show."""

    identity = "CS-W"
    evse_ids: Sequence[int] = (1,)

    async def command(self, name: str, args: Mapping[str, Any]) -> Any:
        await trio.sleep_forever()

    def summary(self) -> dict[str, Any]:
        return {"identity": "CS-W", "state": "accepted", "connected": True, "evses": []}


@pytest.fixture
async def still_api():
    """The API over one `Still` station, without a session generator."""
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(serve, HandFleet(Still()), port=0))
        async with httpx.AsyncClient(base_url=url) as client:
            yield client
        nursery.cancel_scope.cancel()


async def test_a_station_that_does_not_answer_is_504(still_api, monkeypatch):
    monkeypatch.setattr(fleet_http, "COMMAND_TIMEOUT", 0.05)
    answer = await still_api.post("/stations/CS-W/evses/1/plug")
    assert answer.status_code == 504
    assert answer.json() == {"detail": "station 'CS-W' did not answer sim.plug within 0.05 s"}


async def test_without_a_generator_its_routes_are_404(still_api):
    for answer in (await still_api.get("/traffic"), await still_api.post("/traffic/start")):
        assert answer.status_code == 404
        assert answer.json() == {"detail": "this fleet runs no session generator"}


async def test_the_api_binds_to_loopback_by_default():
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(serve, HandFleet(), port=0))
        nursery.cancel_scope.cancel()
    assert url.startswith("http://127.0.0.1:")


async def test_a_port_in_use_is_an_oserror_before_serving():
    async with trio.open_nursery() as nursery:
        url = await nursery.start(partial(serve, HandFleet(), port=0))
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError, match="in use"):
            await nursery.start(partial(serve, HandFleet(), port=port))
        nursery.cancel_scope.cancel()


async def test_the_served_openapi_description_is_the_committed_copy(still_api):
    served = (await still_api.get("/openapi.json")).json()
    committed = OUTPUT.read_text(encoding="utf-8")
    assert render() == committed, f"{OUTPUT.name} is out of date: run `{REGENERATE}`"
    assert served == json.loads(committed)


async def test_an_outage_cuts_one_station_off_until_it_is_ended(api):
    client, fleet = api
    answer = await client.post(f"/stations/{A}/outage", json={"duration_s": 600})
    assert answer.status_code == 200
    body = answer.json()
    assert body["command"] == "network.outage"
    assert body["result"]["outage"]["cause"] == "network"
    station = fleet.station(A)
    with trio.fail_after(20):
        while station.summary()["connected"]:
            await station.station.client.wait_until(lambda: not station.summary()["connected"])
    listed = (await client.get("/stations")).json()
    summaries = {s["identity"]: s for s in listed["stations"]}
    assert summaries[A]["outage"]["cause"] == "network"
    assert summaries[B]["outage"] is None and summaries[B]["connected"] is True
    assert listed["totals"]["outages"] == 1
    ended = await client.delete(f"/stations/{A}/outage")
    assert ended.status_code == 200 and ended.json()["result"] == {"outage": None}
    with trio.fail_after(30):
        await station.station.client.wait_until(lambda: station.summary()["connected"])


async def test_a_fleet_wide_outage_cuts_every_station_and_ends_for_all(api):
    client, fleet = api
    answer = await client.post("/outage", json={"duration_s": 90})
    assert answer.status_code == 200
    assert answer.json()["stations"] == 2
    assert answer.json()["outage"]["cause"] == "csms"
    assert all(s.summary()["outage"]["cause"] == "csms" for s in fleet.fleet.stations.values())
    ended = await client.delete("/outage")
    assert ended.json() == {"stations": 2, "outage": None}
    assert all(s.summary()["outage"] is None for s in fleet.fleet.stations.values())


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        (
            f"/stations/{A}/outage",
            {"duration_s": -5},
            422,
            "body.duration_s: Input should be greater than 0 (got -5)",
        ),
        (
            f"/stations/{A}/outage",
            {"duration_s": 10, "cause": "flood"},
            422,
            "body.cause: Input should be 'network' or 'csms' (got 'flood')",
        ),
        (f"/stations/{A}/outage", {}, 422, "body.duration_s: Field required"),
        ("/stations/NOPE/outage", {"duration_s": 10}, 404, "no station 'NOPE' in this fleet"),
        ("/outage", {"duration_s": 1e9}, 422, "body.duration_s: Input should be less than or"),
    ],
)
async def test_a_bad_outage_gets_a_precise_error_and_cuts_nothing(api, path, body, status, detail):
    client, fleet = api
    answer = await client.post(path, json=body)
    assert answer.status_code == status
    assert answer.json()["detail"].startswith(detail)
    assert all(s.summary()["outage"] is None for s in fleet.fleet.stations.values())
    assert all(s.summary()["connected"] for s in fleet.fleet.stations.values())


async def test_the_command_route_passes_network_commands_through_with_their_errors(api):
    client, _ = api
    answer = await client.post(f"/stations/{A}/commands/network.outage", json={"duration_s": 0})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "network.outage: duration_s must be above 0 and at most 604800 s, got 0"
    )
    answer = await client.delete("/stations/NOPE/outage")
    assert answer.status_code == 404
