"""The meter sampler: its extra reading for transaction events (`MeterSampler.sample_now`),
and its two rates, often while energy can flow, seldom while it cannot (`set_active`)."""

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


def two_rate_sampler(meter, times: list[float]) -> MeterSampler:
    return MeterSampler(
        1,
        meter,
        offered_current=lambda: 16.0,
        on_reading=lambda e, r: times.append(trio.current_time()),
        interval=1.0,
        idle_interval=10.0,
    )


async def test_an_idle_meter_is_read_at_the_idle_interval_and_an_active_one_at_the_interval(
    autojump_clock,
):
    times: list[float] = []
    s = two_rate_sampler(CountingMeter(), times)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(s.run)
        await trio.sleep(35.5)  # idle: a reading at start, then on the 10 s grid
        assert times == [0.0, 10.0, 20.0, 30.0]
        times.clear()
        s.set_active(True)  # the contactor closed: read at once, then every second
        await trio.sleep(3.2)
        assert times == [35.5, 36.0, 37.0, 38.0]
        times.clear()
        s.set_active(False)  # opened: one more reading on the 1 s grid, then the 10 s one
        await trio.sleep(15.0)
        assert times == [39.0, 40.0, 50.0]
        nursery.cancel_scope.cancel()


async def test_becoming_active_twice_and_idle_twice_changes_nothing_more(autojump_clock):
    times: list[float] = []
    s = two_rate_sampler(CountingMeter(), times)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(s.run)
        await trio.sleep(2.5)
        s.set_active(True)
        s.set_active(True)
        await trio.sleep(1.0)
        s.set_active(False)
        s.set_active(False)
        await trio.sleep(10.0)
        assert times == [0.0, 2.5, 3.0, 4.0, 10.0]
        nursery.cancel_scope.cancel()


def test_an_idle_interval_shorter_than_the_interval_is_the_interval():
    s = MeterSampler(
        1,
        CountingMeter(),
        offered_current=lambda: 16.0,
        on_reading=lambda e, r: None,
        interval=5.0,
        idle_interval=1.0,
    )
    assert s.idle_interval == 5.0
