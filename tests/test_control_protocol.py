"""The control protocol between the OCPP side and the control process (sans-IO core and
its trio channel): every message round-trips, and every kind of bad input ends in one
`ProtocolError` naming what is wrong, never another exception."""

from __future__ import annotations

import json
import struct

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from station.control.channel import ChannelClosed, ControlChannel
from station.control.protocol import (
    MAX_FRAME,
    MESSAGES,
    VERSION,
    AllowCharging,
    CardPresented,
    Commands,
    ConnectionClosed,
    Heartbeat,
    Hello,
    MeterReading,
    ProtocolConnection,
    ProtocolError,
    Role,
    SetCurrentLimit,
    SetExternalFault,
    Snapshot,
    StopAll,
)


def frame(obj) -> bytes:
    body = json.dumps(obj).encode()
    return struct.pack(">I", len(body)) + body


def pair() -> tuple[ProtocolConnection, ProtocolConnection]:
    """Two handshaken ends: (ocpp, control)."""
    ocpp, control = ProtocolConnection(Role.OCPP), ProtocolConnection(Role.CONTROL)
    control.receive_data(ocpp.send(Hello(VERSION, "ocpp")))
    ocpp.receive_data(control.send(Hello(VERSION, "control", evses=(1, 2))))
    assert control.next_event() == Hello(VERSION, "ocpp")
    assert ocpp.next_event() == Hello(VERSION, "control", (1, 2))
    return ocpp, control


def control_after_hello() -> ProtocolConnection:
    control = ProtocolConnection(Role.CONTROL)
    control.receive_data(frame({"type": "hello", "version": VERSION, "role": "ocpp"}))
    assert isinstance(control.next_event(), Hello)
    return control


SAMPLES = [
    Heartbeat(7),
    AllowCharging(1, True),
    SetCurrentLimit(2, 16.5),
    SetExternalFault(1, None),
    SetExternalFault(1, "supervisor"),
    StopAll(),
]
REPORTS = [
    Snapshot(1, True, True, True, 16.0, None, "C", 26.7),
    Commands(2, False, True, 32.0, "meter"),
    MeterReading(1, "2026-01-05T08:00:00+00:00", 230.0, 16.0, 3680.0, 1.0, 50.0, 12.5, 0.0, 16, 1),
    CardPresented("04A1B2C3"),
]


def test_requests_and_reports_round_trip_in_order():
    ocpp, control = pair()
    control.receive_data(b"".join(ocpp.send(m) for m in SAMPLES))
    assert [control.next_event() for _ in SAMPLES] == SAMPLES
    assert control.next_event() is None
    ocpp.receive_data(b"".join(control.send(m) for m in REPORTS))
    assert [ocpp.next_event() for _ in REPORTS] == REPORTS


def test_a_frame_fed_one_byte_at_a_time_arrives_once_whole():
    ocpp, control = pair()
    data = ocpp.send(AllowCharging(2, False))
    for byte in data[:-1]:
        control.receive_data(bytes([byte]))
        assert control.next_event() is None
    control.receive_data(data[-1:])
    assert control.next_event() == AllowCharging(2, False)


def test_clean_end_of_stream_is_connection_closed():
    _, control = pair()
    control.receive_data(b"")
    assert control.next_event() == ConnectionClosed()
    assert control.closed


@pytest.mark.parametrize(
    ("obj", "error"),
    [
        ({"type": "open_contactor", "evse": 1}, "unknown message type 'open_contactor'"),
        ({"evse": 1}, "unknown message type None"),
        ([1, 2], "must hold a JSON object"),
        ({"type": "allow_charging", "evse": 1, "allowed": 1}, "allow_charging.allowed"),
        ({"type": "allow_charging", "evse": "1", "allowed": True}, "allow_charging.evse"),
        ({"type": "allow_charging", "evse": True, "allowed": True}, "allow_charging.evse"),
        ({"type": "allow_charging", "evse": 1}, "allow_charging.allowed: missing"),
        ({"type": "allow_charging", "evse": 1, "allowed": True, "x": 1}, "unknown field 'x'"),
        ({"type": "set_current_limit", "evse": 1, "amps": "16"}, "set_current_limit.amps"),
        ({"type": "set_external_fault", "evse": 1, "reason": "x" * 201}, "longer than"),
        ({"type": "allow_charging", "evse": -1, "allowed": True}, "out of range"),
        ({"type": "snapshot", "evse": 1}, "snapshot.ev_connected: missing"),
        ({"type": "hello", "version": VERSION, "role": "ocpp"}, "hello received twice"),
    ],
)
def test_a_malformed_message_is_a_precise_protocol_error_and_closes(obj, error):
    control = control_after_hello()
    control.receive_data(frame(obj))
    with pytest.raises(ProtocolError, match=error.replace("(", r"\(")):
        control.next_event()
    assert control.closed
    with pytest.raises(ProtocolError, match="closed"):
        control.next_event()


@pytest.mark.parametrize("number", [b"Infinity", b"-Infinity", b"NaN"])
def test_non_finite_numbers_are_refused(number):
    control = control_after_hello()
    body = b'{"type":"set_current_limit","evse":1,"amps":' + number + b"}"
    control.receive_data(struct.pack(">I", len(body)) + body)
    with pytest.raises(ProtocolError, match=r"set_current_limit\.amps: .* is not a finite number"):
        control.next_event()


def test_the_ocpp_side_cannot_send_a_report():
    control = control_after_hello()
    control.receive_data(frame({"type": "card_presented", "uid": "04"}))
    with pytest.raises(ProtocolError, match="the ocpp side may not send card_presented"):
        control.next_event()


def test_this_side_cannot_send_the_peers_messages():
    ocpp, _ = pair()
    with pytest.raises(ProtocolError, match="may not send snapshot"):
        ocpp.send(REPORTS[0])


def test_an_oversize_frame_is_refused_from_its_header_before_its_body_arrives():
    control = control_after_hello()
    with pytest.raises(ProtocolError, match=f"exceeds the limit of {MAX_FRAME}"):
        control.receive_data(struct.pack(">I", MAX_FRAME + 1) + b"{")
    assert control.closed


def test_bytes_that_are_not_json_are_refused():
    control = control_after_hello()
    control.receive_data(struct.pack(">I", 3) + b"\xff\xfe{")
    with pytest.raises(ProtocolError, match="not UTF-8 JSON"):
        control.next_event()


def test_an_empty_frame_is_refused():
    control = control_after_hello()
    with pytest.raises(ProtocolError, match="empty frame"):
        control.receive_data(struct.pack(">I", 0))


def test_the_stream_ending_inside_a_frame_is_an_error():
    control = control_after_hello()
    control.receive_data(frame({"type": "heartbeat", "seq": 1})[:-2])
    control.receive_data(b"")
    with pytest.raises(ProtocolError, match="stream ended inside a frame"):
        control.next_event()


def test_a_message_before_hello_is_refused():
    control = ProtocolConnection(Role.CONTROL)
    control.receive_data(frame({"type": "allow_charging", "evse": 1, "allowed": True}))
    with pytest.raises(ProtocolError, match="allow_charging before hello"):
        control.next_event()
    with pytest.raises(ProtocolError, match="before hello"):
        ProtocolConnection(Role.OCPP).send(AllowCharging(1, True))


def test_another_protocol_version_is_refused():
    control = ProtocolConnection(Role.CONTROL)
    control.receive_data(frame({"type": "hello", "version": VERSION + 1, "role": "ocpp"}))
    with pytest.raises(ProtocolError, match=f"version {VERSION + 1}, this side {VERSION}"):
        control.next_event()


def test_a_peer_claiming_the_wrong_role_is_refused():
    control = ProtocolConnection(Role.CONTROL)
    control.receive_data(frame({"type": "hello", "version": VERSION, "role": "control"}))
    with pytest.raises(ProtocolError, match="expected 'ocpp'"):
        control.next_event()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=8))
def test_arbitrary_bytes_give_messages_or_a_protocol_error_never_another_exception(chunks):
    control = control_after_hello()
    try:
        for chunk in chunks:
            control.receive_data(chunk or b"\x00")
            while (event := control.next_event()) is not None:
                assert type(event) in MESSAGES.values()
    except ProtocolError:
        assert control.closed


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(MESSAGES)),
    st.dictionaries(
        st.sampled_from(["evse", "allowed", "amps", "reason", "uid", "seq", "request", "x"]), _json
    ),
)
def test_arbitrary_fields_under_a_known_type_validate_or_fail_precisely(kind, fields):
    control = control_after_hello()
    control.receive_data(frame({"type": kind, **fields}))
    try:
        event = control.next_event()
    except ProtocolError as exc:
        assert str(exc)
        return
    assert event.TYPE == kind


async def test_channels_over_a_memory_stream_pair_handshake_and_exchange():
    left, right = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        opened: list[ControlChannel] = []

        async def open_control() -> None:
            opened.append(await ControlChannel.open(right, Role.CONTROL, evses=(1, 2)))

        nursery.start_soon(open_control)
        ocpp = await ControlChannel.open(left, Role.OCPP)
    control = opened[0]
    assert ocpp.peer.evses == (1, 2)
    await ocpp.send(AllowCharging(1, True))
    assert await control.receive() == AllowCharging(1, True)
    await control.aclose()
    with pytest.raises(ChannelClosed):
        await ocpp.receive()


async def test_a_peer_that_never_says_hello_times_out(autojump_clock):
    left, _right = trio.testing.memory_stream_pair()
    with pytest.raises(ProtocolError, match="no hello from the peer within 5 s"):
        await ControlChannel.open(left, Role.OCPP)


async def test_sending_on_a_link_the_peer_closed_is_channel_closed_not_a_crash():
    left, right = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        opened: list[ControlChannel] = []

        async def open_control() -> None:
            opened.append(await ControlChannel.open(right, Role.CONTROL))

        nursery.start_soon(open_control)
        ocpp = await ControlChannel.open(left, Role.OCPP)
    await ocpp.aclose()
    with pytest.raises(ChannelClosed):
        await opened[0].receive()
    with pytest.raises(ChannelClosed):
        await opened[0].send(CardPresented("04"))
