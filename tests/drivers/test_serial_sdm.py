"""The Eastron meter driver against byte-exact fake SDM230s on a pseudo-terminal."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from fake_sdm import FakeSdmBus, request

from drivers.interfaces import DeviceTimeout, DeviceUnavailable, EnergyMeter, ProtocolFault
from drivers.serial import ModbusRtuBus, SdmMeter

MOMENT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def line(tmp_path):
    fake = FakeSdmBus(units=(1, 2))
    yield fake
    fake.stop()


@pytest.fixture
def port(line, tmp_path):
    """A stable name for the fake's pty, like a udev symlink for a USB adapter."""
    link = tmp_path / "ttyRS485"
    link.symlink_to(line.path)
    return str(link)


def make_meter(port, unit=1, **bus_settings):
    # A healthy answer ends the wait as soon as it is complete, so the default timeout
    # is generous; tests that must sit out the timeout pass a short one.
    settings = {"timeout": 1.0, "retries": 0}
    settings.update(bus_settings)
    bus = ModbusRtuBus(port, **settings)
    return SdmMeter(bus, unit, wall_clock=lambda: MOMENT)


def test_a_sample_reads_two_blocks_and_converts_kwh_to_wh(line, port):
    meter = make_meter(port)

    sample = meter.sample()

    assert line.requests == [request(1, 0x0000, 32), request(1, 0x0046, 6)]
    assert sample.timestamp == MOMENT
    assert sample.voltage == pytest.approx(231.5)
    assert sample.current == pytest.approx(15.25)
    assert sample.power == pytest.approx(3500.0)
    assert sample.power_factor == pytest.approx(0.995, abs=1e-6)
    assert sample.frequency == pytest.approx(49.98, abs=1e-4)
    assert sample.energy_import_wh == pytest.approx(1_234_500.0, abs=0.1)
    assert sample.energy_export_wh == pytest.approx(250.0)
    assert isinstance(meter, EnergyMeter)
    assert meter.blocking is True
    meter.close()


def test_two_meters_share_one_bus(line, port):
    bus = ModbusRtuBus(port, timeout=1.0, retries=0)
    first = SdmMeter(bus, 1)
    second = SdmMeter(bus, 2)
    line.meters[2]["current"] = 7.5

    assert first.sample().current == pytest.approx(15.25)
    assert second.sample().current == pytest.approx(7.5)
    assert [r[0] for r in line.requests] == [1, 1, 2, 2]
    first.close()
    second.close()


def test_a_silent_meter_times_out_naming_unit_and_port(line, port):
    meter = make_meter(port, timeout=0.1)
    line.fault = "silent"
    with pytest.raises(DeviceTimeout, match=f"SDM230 unit 1 on {port}: no answer"):
        meter.sample()


def test_a_bad_crc_is_a_protocol_fault(line, port):
    meter = make_meter(port, timeout=0.2)
    line.fault = "bad_crc"
    with pytest.raises(ProtocolFault, match="bad CRC"):
        meter.sample()


def test_garbage_is_a_protocol_fault(line, port):
    meter = make_meter(port, timeout=0.2)
    line.fault = "garbage"
    with pytest.raises(ProtocolFault, match="ff 00 13 37 42"):
        meter.sample()


def test_an_exception_response_is_a_protocol_fault(line, port):
    meter = make_meter(port)
    line.fault = "exception"
    with pytest.raises(ProtocolFault, match="illegal data address"):
        meter.sample()


def test_an_answer_from_another_unit_is_a_protocol_fault(line, port):
    meter = make_meter(port, timeout=0.2)
    line.fault = "wrong_unit"
    with pytest.raises(ProtocolFault, match="unexpected answer"):
        meter.sample()


def test_a_short_answer_is_a_protocol_fault(line, port):
    meter = make_meter(port)
    line.fault = "short"
    with pytest.raises(ProtocolFault, match="asked for 32 registers at 0x0000, got 30"):
        meter.sample()


def test_a_nan_reading_is_a_protocol_fault(line, port):
    meter = make_meter(port)
    line.meters[1]["voltage"] = math.nan
    with pytest.raises(ProtocolFault, match="voltage is nan"):
        meter.sample()


def test_the_meter_recovers_after_an_error(line, port):
    meter = make_meter(port, timeout=0.2)
    line.fault = "bad_crc"
    with pytest.raises(ProtocolFault):
        meter.sample()
    line.fault = None
    assert meter.sample().voltage == pytest.approx(231.5)


def test_a_port_that_does_not_exist_is_unavailable(tmp_path):
    meter = make_meter(str(tmp_path / "ttyUSB7"))
    with pytest.raises(DeviceUnavailable, match=r"SDM230 unit 1 on .*ttyUSB7: cannot open"):
        meter.sample()


def test_a_port_that_disappears_and_comes_back(line, port, tmp_path):
    meter = make_meter(port)
    meter.sample()

    line.unplug()
    with pytest.raises(DeviceUnavailable, match="the port failed during the request"):
        meter.sample()
    with pytest.raises(DeviceUnavailable):
        meter.sample()

    replacement = FakeSdmBus(units=(1,))
    try:
        (tmp_path / "ttyRS485").unlink()
        (tmp_path / "ttyRS485").symlink_to(replacement.path)
        assert meter.sample().current == pytest.approx(15.25)
    finally:
        replacement.stop()


def test_a_closed_meter_refuses_to_sample(line, port):
    meter = make_meter(port)
    meter.close()
    with pytest.raises(DeviceUnavailable, match="closed"):
        meter.sample()
