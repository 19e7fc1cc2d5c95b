"""The PN532 card reader against a byte-exact fake chip on a pseudo-terminal."""

from __future__ import annotations

import time

import pytest
from fake_pn532 import FakePn532

from drivers.interfaces import CardReader, DeviceTimeout, DeviceUnavailable, ProtocolFault
from drivers.serial import Pn532CardReader


@pytest.fixture
def chip():
    fake = FakePn532()
    yield fake
    fake.stop()


@pytest.fixture
def reader(chip):
    # Healthy answers end the wait at once, so the timeouts can be generous here.
    device = Pn532CardReader(chip.path, ack_timeout=0.5, response_timeout=0.5)
    yield device
    device.close()


@pytest.fixture
def hasty_reader(chip):
    """A reader that gives up quickly, for tests that sit out a timeout."""
    device = Pn532CardReader(chip.path, ack_timeout=0.2, response_timeout=0.1)
    yield device
    device.close()


def test_first_poll_wakes_the_chip_and_limits_retries(chip, reader):
    assert reader.poll() is None

    assert chip.wake_ups == 1
    assert chip.codes() == [0x14, 0x32, 0x4A]
    assert chip.commands[0] == bytes.fromhex("D4 14 01")
    assert chip.commands[1] == bytes.fromhex("D4 32 05 FF 01 02")
    assert chip.commands[2] == bytes.fromhex("D4 4A 01 00")
    assert chip.max_retries == 2


@pytest.mark.parametrize(
    "uid",
    ["DEADBEEF", "04A2B3C4D5E680", "0102030405060708090A"],
    ids=["4-byte", "7-byte", "10-byte"],
)
def test_a_card_in_the_field_is_reported_as_upper_case_hex(chip, reader, uid):
    chip.card = bytes.fromhex(uid)
    assert reader.poll() == uid


def test_a_card_that_stays_is_reported_by_every_poll(chip, reader):
    chip.card = bytes.fromhex("deadbeef")
    assert [reader.poll(), reader.poll(), reader.poll()] == ["DEADBEEF"] * 3
    chip.card = None
    assert reader.poll() is None
    assert chip.codes().count(0x14) == 1, "initialised once"


def test_firmware_version(chip, reader):
    firmware = reader.firmware_version()
    assert (firmware.ic, firmware.version, firmware.revision, firmware.support) == (0x32, 1, 6, 7)
    assert str(firmware) == "PN532 firmware 1.6"


def test_a_silent_chip_times_out_naming_the_port(chip, hasty_reader):
    chip.fault = "silent"
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match=f"PN532 card reader on {chip.path}: no ACK"):
        hasty_reader.poll()
    assert time.monotonic() - started < 1.0


def test_a_missing_answer_is_aborted_with_an_ack(chip, hasty_reader):
    hasty_reader.poll()
    chip.fault, chip.fault_command = "no_answer", 0x4A
    with pytest.raises(DeviceTimeout, match=r"no answer to InListPassiveTarget within 0\.1 s"):
        hasty_reader.poll()
    deadline = time.monotonic() + 1
    while chip.aborts == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert chip.aborts == 1


def test_a_bad_data_checksum_is_a_protocol_fault(chip, reader):
    chip.card = bytes.fromhex("DEADBEEF")
    chip.fault, chip.fault_command = "bad_dcs", 0x4A
    with pytest.raises(ProtocolFault, match="data checksum wrong"):
        reader.poll()


def test_a_bad_length_checksum_is_a_protocol_fault(chip, reader):
    chip.fault = "bad_lcs"
    with pytest.raises(ProtocolFault, match="length checksum wrong"):
        reader.poll()


def test_garbage_is_a_protocol_fault_not_a_timeout(chip, hasty_reader):
    chip.fault = "garbage"
    with pytest.raises(ProtocolFault, match=r"stray byte\(s\) but no valid frame"):
        hasty_reader.poll()


def test_an_error_frame_is_a_protocol_fault(chip, reader):
    chip.fault, chip.fault_command = "error_frame", 0x4A
    with pytest.raises(ProtocolFault, match="syntax error frame in reply to InListPassiveTarget"):
        reader.poll()


def test_a_nack_is_a_protocol_fault(chip, reader):
    chip.fault = "nack"
    with pytest.raises(ProtocolFault, match="NACK"):
        reader.poll()


def test_the_reader_reinitialises_after_an_error(chip, reader):
    chip.fault, chip.fault_command = "bad_dcs", 0x4A
    with pytest.raises(ProtocolFault):
        reader.poll()
    chip.fault = None
    chip.card = bytes.fromhex("CAFEBABE")

    assert reader.poll() == "CAFEBABE"
    assert chip.codes() == [0x14, 0x32, 0x4A, 0x14, 0x32, 0x4A]
    assert chip.wake_ups == 2


def test_a_port_that_does_not_exist_is_unavailable(tmp_path):
    reader = Pn532CardReader(str(tmp_path / "ttyUSB9"))
    with pytest.raises(DeviceUnavailable, match=r"ttyUSB9: cannot open the port"):
        reader.poll()
    with pytest.raises(DeviceUnavailable):
        reader.firmware_version()  # and again on the next call


def test_a_port_that_disappears_is_unavailable(chip, reader):
    assert reader.poll() is None
    chip.unplug()
    with pytest.raises(DeviceUnavailable, match=chip.path):
        reader.poll()
    with pytest.raises(DeviceUnavailable):
        reader.poll()


def test_construction_opens_nothing(tmp_path):
    reader = Pn532CardReader(str(tmp_path / "absent"))
    assert isinstance(reader, CardReader)
    assert reader.blocking is True
    reader.close()
