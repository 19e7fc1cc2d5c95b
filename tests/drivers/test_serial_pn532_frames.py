"""PN532 frames without a port: the bytes the driver sends and how it splits replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.serial.pn532_frames import (
    Ack,
    ErrorFrame,
    FrameDecoder,
    FrameError,
    Nack,
    Response,
    encode_command,
)


@pytest.mark.parametrize(
    ("code", "params", "wire"),
    [
        (0x14, "01", "00 00 FF 03 FD D4 14 01 17 00"),  # SAMConfiguration, normal mode
        (0x02, "", "00 00 FF 02 FE D4 02 2A 00"),  # GetFirmwareVersion
        (0x32, "05 FF 01 02", "00 00 FF 06 FA D4 32 05 FF 01 02 F3 00"),  # MaxRetries
        (0x4A, "01 00", "00 00 FF 04 FC D4 4A 01 00 E1 00"),  # InListPassiveTarget 106A
    ],
)
def test_commands_are_encoded_byte_exact(code, params, wire):
    assert encode_command(code, bytes.fromhex(params)) == bytes.fromhex(wire)


def decode_all(data: bytes) -> list:
    decoder = FrameDecoder()
    decoder.feed(data)
    frames = []
    while (frame := decoder.next_frame()) is not None:
        frames.append(frame)
    return frames


def test_ack_then_a_target_fed_one_byte_at_a_time():
    wire = bytes.fromhex(
        "00 00 FF 00 FF 00 00 00 FF 0C F4 D5 4B 01 01 00 04 08 04 DE AD BE EF 96 00"
    )
    decoder = FrameDecoder()
    frames = []
    for byte in wire:
        decoder.feed(bytes([byte]))
        while (frame := decoder.next_frame()) is not None:
            frames.append(frame)
    assert frames == [Ack(), Response(0x4B, bytes.fromhex("01 01 00 04 08 04 DE AD BE EF"))]
    assert decoder.garbage == 0


def test_nack_and_error_frames():
    assert decode_all(bytes.fromhex("00 00 FF FF 00 00 00 00 FF 01 FF 7F 81 00")) == [
        Nack(),
        ErrorFrame(),
    ]


def test_extended_frame():
    body = bytes([0xD5, 0x41]) + bytes(range(256)) * 2
    length = len(body)
    wire = (
        bytes([0x00, 0x00, 0xFF, 0xFF, 0xFF, length >> 8, length & 0xFF])
        + bytes([-(length >> 8) - (length & 0xFF) & 0xFF])
        + body
        + bytes([-sum(body) & 0xFF, 0x00])
    )
    assert decode_all(wire) == [Response(0x41, body[2:])]


def test_bytes_before_a_start_code_count_as_garbage():
    decoder = FrameDecoder()
    decoder.feed(bytes.fromhex("13 37 00 00 00 FF 00 FF 00"))
    assert decoder.next_frame() == Ack()
    assert decoder.garbage == 2


@pytest.mark.parametrize(
    ("wire", "problem"),
    [
        ("00 00 FF 03 FC D5 03 32 F6 00", "length checksum wrong"),
        ("00 00 FF 02 FE D5 15 17 00", "data checksum wrong"),
        ("00 00 FF 02 FE D4 15 17 00", "not a PN532-to-host frame"),
    ],
)
def test_broken_frames_raise(wire, problem):
    decoder = FrameDecoder()
    decoder.feed(bytes.fromhex(wire))
    with pytest.raises(FrameError, match=problem):
        decoder.next_frame()


def reply(code: int, data: bytes) -> bytes:
    body = bytes([0xD5, code]) + data
    return bytes([0, 0, 0xFF, len(body), -len(body) & 0xFF]) + body + bytes([-sum(body) & 0xFF, 0])


@given(
    st.lists(st.tuples(st.integers(0, 0xFF), st.binary(max_size=60)), max_size=5),
    st.data(),
)
def test_any_replies_survive_any_chunking(replies, data):
    wire = b"".join(reply(code, payload) for code, payload in replies)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=10)))
    decoder = FrameDecoder()
    frames = []
    for start, end in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        decoder.feed(wire[start:end])
        while (frame := decoder.next_frame()) is not None:
            frames.append(frame)
    assert frames == [Response(code, payload) for code, payload in replies]
    assert decoder.garbage == 0
