"""The meter sampler's extra reading for transaction events (`MeterSampler.sample_now`)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import ClassVar

import pytest
import trio

from drivers.interfaces import DeviceUnavailable, MeterSample
from station.control.meter import MeterSampler


def sample(energy: float) -> MeterSample:
    return MeterSample(datetime.now(UTC), 230.0, 16.0, 3680.0, 1.0, 50.0, energy, 0.0)


class CountingMeter:
    blocking: ClassVar[bool] = False

    def __init__(self) -> None:
        self.energy = 100.0
        self.fail: Exception | None = None

    def sample(self) -> MeterSample:
        if self.fail is not None:
            raise self.fail
        self.energy += 1.0
        return sample(self.energy)


class HangingMeter:
    blocking: ClassVar[bool] = True

    def __init__(self) -> None:
        self.release = threading.Event()

    def sample(self) -> MeterSample:
        self.release.wait(5)
        return sample(1.0)


def sampler(meter, readings: list) -> MeterSampler:
    return MeterSampler(
        1, meter, offered_current=lambda: 16.0, on_reading=lambda e, r: readings.append(r)
    )


async def test_a_reading_now_reaches_the_station_like_a_periodic_one():
    readings: list = []
    meter = CountingMeter()
    s = sampler(meter, readings)
    await s.sample_now()
    assert [r.sample.energy_import_wh for r in readings] == [101.0]
    assert s.latest is readings[-1]


@pytest.mark.parametrize(
    "error", [DeviceUnavailable("port gone"), OSError(5, "I/O error"), ValueError("bad frame")]
)
async def test_a_failing_meter_leaves_the_latest_reading_and_raises_nothing(error, caplog):
    readings: list = []
    meter = CountingMeter()
    s = sampler(meter, readings)
    await s.sample_now()
    meter.fail = error
    await s.sample_now()
    assert len(readings) == 1 and s.latest is readings[0]
    assert "meter_read_now_failed" in caplog.text and type(error).__name__ in caplog.text


async def test_a_hanging_meter_is_given_up_after_the_timeout():
    readings: list = []
    meter = HangingMeter()
    s = sampler(meter, readings)
    with trio.fail_after(3):
        await s.sample_now(timeout=0.05)
    meter.release.set()
    assert readings == []
