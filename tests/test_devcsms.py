"""`station csms`: the dev CSMS over real WebSockets, its card list and its HTTP endpoint."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
import trio
import trio_websocket
from rich.console import Console

from station.cli import main
from station.devcsms.api import serve_api
from station.devcsms.cards import CardList, CardListError, parse_cards
from station.devcsms.printer import TrafficPrinter
from station.devcsms.server import DevCsms, StationEvent, Traffic
from tests.conftest import FAST, PASSWORD, live_station, make_config

CARDS = """\
# idToken    status     group
04A1B2C3     Accepted   FLEET-1
deadbeef     Blocked
11223344                # Accepted when the status is left out
"""


def basic(identity: str, password: str) -> list[tuple[bytes, bytes]]:
    token = base64.b64encode(f"{identity}:{password}".encode())
    return [(b"Authorization", b"Basic " + token)]


async def open_client(csms: DevCsms, identity: str, headers: list[tuple[bytes, bytes]]):
    """A CSMS-side test client: a raw WebSocket as a station would open it."""
    return trio_websocket.open_websocket(
        csms.host,
        csms.port,
        f"/ocpp/{identity}",
        use_ssl=False,
        subprotocols=["ocpp2.0.1"],
        extra_headers=headers,
    )


async def exchange(ws: trio_websocket.WebSocketConnection, action: str, payload: dict) -> list:
    await ws.send_message(json.dumps([2, "m1", action, payload]))
    return json.loads(await ws.get_message())


async def http(port: int, method: str, target: str, body: bytes = b"") -> tuple[int, object]:
    """One HTTP/1.1 request to the endpoint; (status, decoded JSON body)."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        head = (
            f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        await stream.send_all(head.encode() + body)
        data = b""
        while chunk := await stream.receive_some(65536):
            data += chunk
    header, _, content = data.partition(b"\r\n\r\n")
    return int(header.split(b" ", 2)[1]), json.loads(content)


@pytest.fixture
async def csms(nursery, tmp_path):
    path = tmp_path / "cards.txt"
    path.write_text(CARDS, encoding="utf-8")
    server = DevCsms(password=PASSWORD, cards=CardList(path))
    await nursery.start(server.run)
    return server


# -- Basic auth ------------------------------------------------------------------------------


async def test_a_station_with_the_password_connects_boots_and_is_listed(csms, tmp_path):
    events: list = []
    csms.observers.append(events.append)
    async with live_station(make_config(tmp_path, csms.url), variables=FAST) as station:
        await csms.wait_connected("CS-TEST-01")
        await station.client.wait_until(lambda: station.client.boot_state.value == "Accepted")
        (session,) = csms.stations.values()
        assert session.describe()["model"] == "AC22-2"
    assert StationEvent("CS-TEST-01", "connected", events[0].detail) == events[0]
    boot = next(e for e in events if isinstance(e, Traffic) and e.action == "BootNotification")
    assert (boot.direction, boot.kind, boot.payload["reason"]) == ("in", "CALL", "PowerUp")
    answer = next(e for e in events if isinstance(e, Traffic) and e.kind == "RESULT")
    assert (answer.direction, answer.payload["status"]) == ("out", "Accepted")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([], "no Authorization header (Basic auth required)"),
        (basic("CS-1", "not-the-password-000"), "wrong password"),
        (basic("CS-2", PASSWORD), "Basic auth user 'CS-2' is not the identity 'CS-1'"),
        ([(b"Authorization", b"Basic !!!")], "Authorization header is not base64"),
    ],
)
async def test_a_connection_without_the_right_basic_auth_is_refused_with_401(csms, headers, reason):
    events: list = []
    csms.observers.append(events.append)
    with pytest.raises(trio_websocket.ConnectionRejected) as refused:
        async with await open_client(csms, "CS-1", headers):
            pass
    assert refused.value.status_code == 401
    assert refused.value.body.decode().startswith(reason)
    assert events[0].what == "refused" and reason in events[0].detail
    assert csms.stations == {}


async def test_without_a_password_any_station_is_let_in(nursery):
    csms = DevCsms()
    await nursery.start(csms.run)
    async with await open_client(csms, "ANY", []) as ws:
        reply = await exchange(ws, "Heartbeat", {})
        assert reply[0] == 3 and "currentTime" in reply[2]


# -- answers -------------------------------------------------------------------------------


async def test_authorize_is_answered_from_the_card_list(csms):
    async with await open_client(csms, "CS-1", basic("CS-1", PASSWORD)) as ws:

        async def status(id_token: str) -> dict:
            token = {"idToken": id_token, "type": "ISO14443"}
            reply = await exchange(ws, "Authorize", {"idToken": token})
            return reply[2]["idTokenInfo"]

        assert await status("04A1B2C3") == {
            "status": "Accepted",
            "groupIdToken": {"idToken": "FLEET-1", "type": "Central"},
        }
        assert await status("DEADBEEF") == {"status": "Blocked"}  # case-insensitive
        assert await status("11223344") == {"status": "Accepted"}
        assert await status("0BADCAFE") == {"status": "Unknown"}


async def test_a_station_tapping_a_blocked_card_gets_blocked(csms, tmp_path):
    async with live_station(make_config(tmp_path, csms.url), variables=FAST) as station:
        await station.client.wait_until(lambda: station.client.boot_state.value == "Accepted")
        answered = trio.Event()
        replies: list[Traffic] = []

        def watch(event) -> None:
            if (
                isinstance(event, Traffic)
                and event.action == "Authorize"
                and event.kind == "RESULT"
            ):
                replies.append(event)
                answered.set()

        csms.observers.append(watch)
        assert station.hardware is not None and station.hardware.sim is not None
        station.hardware.sim.tap("DEADBEEF")
        await answered.wait()
    assert replies[0].payload == {"idTokenInfo": {"status": "Blocked"}}


async def test_an_invalid_request_gets_the_callerror_a_station_would_give(csms):
    async with await open_client(csms, "CS-1", basic("CS-1", PASSWORD)) as ws:
        assert await exchange(ws, "Authorize", {}) == [
            4,
            "m1",
            "OccurrenceConstraintViolation",
            "idToken: required property missing",
            {},
        ]
        reply = await exchange(ws, "Reset", {"type": "Immediate"})
        assert reply[:3] == [4, "m1", "NotSupported"]
        reply = await exchange(ws, "Frobnicate", {})
        assert reply[:3] == [4, "m1", "NotImplemented"]


def test_every_station_request_has_an_answer_that_validates():
    from station.devcsms.server import STATION_ACTIONS, StationSession
    from station.ocpp.validation import parse_response

    session = StationSession("CS-1", transport=None, remote="-", connected_at="-")  # type: ignore[arg-type]
    for action in sorted(STATION_ACTIONS):
        parse_response(action, DevCsms().answers[action](session, _sample(action)))


def _sample(action: str) -> dict:
    token = {"idToken": "04A1B2C3", "type": "ISO14443"}
    return {
        "Authorize": {"idToken": token},
        "TransactionEvent": {"idToken": token},
        "BootNotification": {
            "reason": "PowerUp",
            "chargingStation": {"model": "m", "vendorName": "v"},
        },
    }.get(action, {})


async def test_a_second_connection_under_one_identity_replaces_the_first(csms):
    events: list = []
    csms.observers.append(events.append)
    async with await open_client(csms, "CS-1", basic("CS-1", PASSWORD)) as first:
        async with await open_client(csms, "CS-1", basic("CS-1", PASSWORD)) as second:
            with pytest.raises(trio_websocket.ConnectionClosed):
                await first.get_message()
            assert (await exchange(second, "Heartbeat", {}))[0] == 3
            assert list(csms.stations) == ["CS-1"]
    assert [e.what for e in events if isinstance(e, StationEvent)][:4] == [
        "connected",
        "replaced",
        "disconnected",  # the first connection, closed by the CSMS
        "connected",
    ]


# -- HTTP endpoint -------------------------------------------------------------------------


async def test_the_http_endpoint_lists_stations_and_sends_a_request(csms, nursery, tmp_path):
    port = await nursery.start(serve_api, csms, 0)
    async with live_station(make_config(tmp_path, csms.url), variables=FAST) as station:
        await station.client.wait_until(lambda: station.client.boot_state.value == "Accepted")
        status, listed = await http(port, "GET", "/stations")
        assert status == 200
        assert [(s["identity"], s["serial_number"]) for s in listed] == [("CS-TEST-01", "SN-0001")]
        body = {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            ]
        }
        status, answer = await http(
            port, "POST", "/stations/CS-TEST-01/GetVariables", json.dumps(body).encode()
        )
    assert status == 200
    (result,) = answer["getVariableResult"]
    assert (result["attributeStatus"], result["attributeValue"]) == ("Accepted", "300")


async def test_the_http_endpoint_returns_the_stations_callerror(csms, nursery, tmp_path):
    port = await nursery.start(serve_api, csms, 0)
    async with live_station(make_config(tmp_path, csms.url), variables=FAST) as station:
        await station.client.wait_until(lambda: station.client.boot_state.value == "Accepted")
        # Valid for the models, but variable monitoring is not a feature of this station.
        monitoring = {"monitoringBase": "All"}
        status, answer = await http(
            port, "POST", "/stations/CS-TEST-01/SetMonitoringBase", json.dumps(monitoring).encode()
        )
    assert status == 502
    assert answer["error"] == "the station answered with an error"
    assert answer["code"] == "NotSupported"


async def test_a_station_that_does_not_answer_gives_504(csms, nursery):
    port = await nursery.start(serve_api, csms, 0)
    async with await open_client(csms, "CS-1", basic("CS-1", PASSWORD)) as ws:
        await csms.wait_connected("CS-1")
        status, answer = await http(
            port, "POST", "/stations/CS-1/Reset?timeout=0.2", b'{"type": "OnIdle"}'
        )
        call = json.loads(await ws.get_message())  # sent, never answered
    assert call[2:] == ["Reset", {"type": "OnIdle"}]
    assert status == 504
    assert answer == {"error": "the station did not answer Reset within 0.2 s"}


async def test_in_memory_stations_pass_the_same_basic_auth_check(csms):
    from station.ocpp.transport import ConnectFailed, Endpoint

    wrong = Endpoint(csms.url, "CS-1", 1, basic_auth_password="not-the-password-000")
    async with trio.open_nursery() as nursery:
        with pytest.raises(ConnectFailed, match="HTTP 401: wrong password"):
            await csms.dial(nursery, wrong)
    right = Endpoint(csms.url, "CS-1", 1, basic_auth_password=PASSWORD)
    async with trio.open_nursery() as nursery:
        transport = await csms.dial(nursery, right)
        await transport.send(json.dumps([2, "m1", "Heartbeat", {}]))
        assert json.loads(await transport.receive())[0] == 3
        await transport.aclose()


@pytest.mark.parametrize(
    ("method", "target", "body", "status", "error"),
    [
        (
            "POST",
            "/stations/CS-9/Reset",
            b'{"type": "Immediate"}',
            404,
            "station 'CS-9' is not connected",
        ),
        ("POST", "/stations/CS-9/Reset", b"{type}", 400, "the body is not JSON"),
        (
            "POST",
            "/stations/CS-9/Reset",
            b"[1]",
            400,
            "the payload must be a JSON object, not list",
        ),
        ("POST", "/stations/CS-9/Reset", b"{}", 400, "Reset: type: required property missing"),
        (
            "POST",
            "/stations/CS-9/Heartbeat",
            b"{}",
            400,
            "Heartbeat: not a request a CSMS sends (a station sends it)",
        ),
        (
            "POST",
            "/stations/CS-9/Reset?timeout=x",
            b"{}",
            400,
            "timeout must be a number of seconds, not 'x'",
        ),
        (
            "GET",
            "/stations/CS-9/Reset",
            b"",
            405,
            "GET /stations/CS-9/Reset: use POST with a JSON payload",
        ),
        ("GET", "/nothing", b"", 404, "no such path '/nothing'"),
    ],
)
async def test_the_http_endpoint_refuses_bad_requests_precisely(
    csms, nursery, method, target, body, status, error
):
    port = await nursery.start(serve_api, csms, 0)
    got_status, answer = await http(port, method, target, body)
    assert got_status == status
    assert isinstance(answer, dict) and answer["error"].startswith(error)


# -- card list -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("AA Acepted\n", "cards:1: unknown status 'Acepted'; one of Accepted, Blocked"),
        ("AA blocked\n", "cards:1: unknown status 'blocked' (did you mean Blocked?)"),
        (
            "# x\nAA Accepted G extra\n",
            "cards:2: expected 'idToken [status] [groupIdToken]', got 4",
        ),
        ("AA\naa Blocked\n", "cards:2: idToken 'aa' is listed twice"),
        ("A" * 37 + "\n", "cards:1: idToken 'AAAA"),
    ],
)
def test_a_card_list_that_does_not_parse_names_the_line_and_the_reason(text, error):
    with pytest.raises(CardListError) as refused:
        parse_cards(text, "cards")
    assert str(refused.value).startswith(error)


def test_an_edited_card_list_applies_and_a_broken_edit_keeps_the_old_list(tmp_path: Path):
    path = tmp_path / "cards.txt"
    path.write_text("AA Accepted\n", encoding="utf-8")
    cards = CardList(path)
    path.write_text("AA Blocked\nBB\n", encoding="utf-8")
    assert cards.lookup("aa") == {"status": "Blocked"}
    assert cards.lookup("BB") == {"status": "Accepted"}
    path.write_text("AA Nope\n", encoding="utf-8")
    assert cards.lookup("AA") == {"status": "Blocked"}


def test_station_csms_with_a_missing_card_list_exits_2(tmp_path, capsys):
    assert main(["csms", "--cards", str(tmp_path / "none.txt")]) == 2
    assert "cannot read card list" in capsys.readouterr().err


def test_station_csms_refuses_a_port_out_of_range(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["csms", "--port", "70000"])
    assert exited.value.code == 2
    assert "port 70000 is outside 0..65535" in capsys.readouterr().err


# -- the printed lines ---------------------------------------------------------------------


def test_each_frame_is_one_line_within_the_terminal_width():
    from datetime import datetime

    console = Console(width=100, record=True, file=io.StringIO())
    printer = TrafficPrinter(console, now=lambda: datetime(2026, 1, 5, 8, 0, 1, 234000))
    event = Traffic(
        "CS-0001",
        "in",
        "CALL",
        "TransactionEvent",
        "m7",
        {
            "eventType": "Updated",
            "timestamp": "2026-01-05T08:00:01Z",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 3,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [
                {
                    "timestamp": "2026-01-05T08:00:01Z",
                    "sampledValue": [
                        {"value": 1234.5, "measurand": "Energy.Active.Import.Register"},
                        {
                            "value": 7360,
                            "measurand": "Power.Active.Import",
                            "unitOfMeasure": {"unit": "W"},
                        },
                    ],
                }
            ],
        },
    )
    printer(event)
    (line,) = console.export_text().splitlines()
    assert len(line) <= 100
    assert line == line.rstrip()  # one line, not wrapped
    assert line.startswith(
        "08:00:01 CS-0001    → CALL TransactionEvent   Updated MeterValuePeriodic #3 Charging "
        "1234.5Wh 7360W"
    )
