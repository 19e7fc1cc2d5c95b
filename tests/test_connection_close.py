"""Closing the WebSocket to the CSMS: the closing handshake, then the TCP close at once.

RFC 6455 §5.5.1 and §7 (which OCPP-J, Part 4 §5, builds on): an endpoint that receives a
close frame answers with one of its own, echoing the status code; once both have been
exchanged the TCP connection is closed. A station that keeps its side open leaves the
CSMS waiting out its close timeout, and holds a descriptor per reconnect.

The judge here waits as long as a typical CSMS (websockets' default close timeout) and
records, per connection, both close frames and whether it had to give up waiting for
the station's TCP close. The cyclic garbage collector is off in these tests: the station
must close its sockets itself, and a socket left to the collector stays open and counted.
"""

from __future__ import annotations

import gc
import os
import ssl
from collections.abc import Iterator

import pytest

from tests.conftest import FAST, PASSWORD, live_station, make_config
from tests.judge import Connection, Judge
from tools.testpki import TestPki, make_test_pki

#: How long the judge waits for the station's TCP close after a closing handshake.
CSMS_CLOSE_TIMEOUT = 10.0
#: Generous: only a hung test would reach it.
TIMEOUT = 2 * CSMS_CLOSE_TIMEOUT
RECONNECTS = 20
NEW_PASSWORD = "N3w-Passw0rd_For+Station"


@pytest.fixture(autouse=True)
def no_garbage_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def judge() -> Iterator[Judge]:
    with Judge(password=PASSWORD, close_timeout=CSMS_CLOSE_TIMEOUT) as csms:
        yield csms
        assert not csms.violations, csms.violations


def open_sockets() -> int:
    """Sockets (of any kind) this process holds open: the station's and the judge's."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:  # the descriptor was closed while we listed them
            pass
    return count


def station_sockets_to(port: int) -> int:
    """TCP sockets this process holds whose far end is ``port``: the station's side of
    its connections (and attempts) to a CSMS listening there."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[len("socket:[") : -1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)  # header
            for line in lines:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[9] in inodes:
                    count += 1
    return count


def assert_closed_cleanly(connection: Connection) -> None:
    assert not connection.close_timed_out, (
        f"connection {connection.index}: the station kept its TCP side open after the "
        f"closing handshake until the CSMS gave up ({CSMS_CLOSE_TIMEOUT} s)"
    )


async def test_station_answers_the_csms_close_frame_with_the_same_code(tmp_path, judge):
    codes = (1000, 1001, 1011, 4000)
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        for index, code in enumerate(codes):
            await judge.wait_connections(index + 1, timeout=TIMEOUT)
            await judge.disconnect(code)
            closed = await judge.wait_closed(index, timeout=TIMEOUT)
            assert closed.closed_by_station is False
            assert (closed.close_sent, closed.close_received) == (code, code)
            assert_closed_cleanly(closed)


async def test_many_csms_closes_and_reconnects_leave_no_socket_behind(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("BootNotification", timeout=TIMEOUT)
        connected = open_sockets()  # one connection: the station's side and the judge's
        for index in range(RECONNECTS):
            await judge.disconnect()
            assert_closed_cleanly(await judge.wait_closed(index, timeout=TIMEOUT))
            await judge.wait_connections(index + 2, timeout=TIMEOUT)
        assert open_sockets() == connected
        assert station_sockets_to(judge.port) == 1


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(
        tmp_path_factory.mktemp("pki"), serial_number="SN-0001", organization="OpenCharge"
    )


async def test_csms_closes_over_tls_leave_no_socket_behind(tmp_path, pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server.chain, pki.server.key)
    with Judge(ssl_context=context, password=PASSWORD, close_timeout=CSMS_CLOSE_TIMEOUT) as judge:
        config = make_config(
            tmp_path, judge.url, profile=2, csms={"ca_file": str(pki.csms_root.cert)}
        )
        async with live_station(config, variables=FAST):
            await judge.wait_for("BootNotification", timeout=TIMEOUT)
            for index in range(RECONNECTS // 4):
                await judge.disconnect()
                closed = await judge.wait_closed(index, timeout=TIMEOUT)
                assert closed.close_received == 1000
                assert_closed_cleanly(closed)
                await judge.wait_connections(index + 2, timeout=TIMEOUT)
            assert station_sockets_to(judge.port) == 1


async def test_refused_connection_attempts_leave_no_socket_behind(tmp_path, judge):
    judge.refuse_next = RECONNECTS  # HTTP 503 to the upgrade requests
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_refusals(RECONNECTS, timeout=TIMEOUT)
        await judge.wait_for("BootNotification", timeout=TIMEOUT)
        assert station_sockets_to(judge.port) == 1


async def test_reconnect_sends_a_close_frame_and_closes_the_socket(tmp_path, judge):
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("BootNotification", timeout=TIMEOUT)
        judge.password = NEW_PASSWORD
        # A01: the station drops the connection and reconnects with the new password.
        result = await judge.call(
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": NEW_PASSWORD,
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                    }
                ]
            },
        )
        assert result["setVariableResult"][0]["attributeStatus"] == "Accepted"
        closed = await judge.wait_closed(0, timeout=TIMEOUT)
        await judge.wait_connections(2, timeout=TIMEOUT)
    assert closed.closed_by_station is True
    assert (closed.close_received, closed.close_sent) == (1000, 1000)
    assert_closed_cleanly(closed)


async def test_shutdown_sends_going_away_and_closes_every_socket(tmp_path, judge):
    before = open_sockets()
    async with live_station(make_config(tmp_path, judge.url), variables=FAST):
        await judge.wait_for("BootNotification", timeout=TIMEOUT)
    closed = await judge.wait_closed(0, timeout=TIMEOUT)
    assert closed.closed_by_station is True
    assert closed.close_received == 1001
    assert_closed_cleanly(closed)
    assert open_sockets() == before
