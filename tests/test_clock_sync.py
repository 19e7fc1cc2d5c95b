"""Time before the clock is synchronised (no real-time clock on the Pi).

The station persists the offset the CSMS's time gave and starts from it; what it stamps
before the CSMS answers is marked, and corrected before it is sent once the CSMS's time
is known. Part 2 B.1.1 (transactions before being accepted) names the risk.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
import trio

from station.app import Runtime, Station
from station.clock import CUSTOM_DATA_VENDOR, UNSYNCHRONISED_MARK, WallClock, correct_timestamps
from station.ocpp.datetimes import format_date_time
from station.offload import InlineOffload
from tests.conftest import START, make_config
from tests.memcsms import MemoryCsms
from tests.test_transactions_e2e import CARD

DAY = timedelta(days=1)


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


async def run_once(config, *, system_time: datetime, true_clock: WallClock, refuse: int, body):
    """One process: the station's system clock shows ``system_time`` now, the CSMS's
    clock is ``true_clock``; ``body(station, csms)`` runs, then the process "dies"."""
    station_clock = WallClock(start=system_time)
    async with trio.open_nursery() as nursery:
        csms = MemoryCsms(nursery, now=lambda: format_date_time(true_clock.now()))
        csms.refuse_next = refuse
        runtime = Runtime(
            clock=station_clock,
            rng=random.Random(1),
            offload=InlineOffload(),
            dial=csms.dial,
            control_period=0.05,
        )
        station = await Station.create(config, runtime)
        try:
            nursery.start_soon(station.run)
            await body(station, csms)
        finally:
            nursery.cancel_scope.cancel()
    station.close()


def transaction_events(csms: MemoryCsms) -> list[dict]:
    return [r.payload for r in csms.of("TransactionEvent")]


async def charge_then_die(config, true_clock: WallClock) -> None:
    """Run 1: the system clock is a day behind; the CSMS's time corrects it; a charge is
    under way when the power goes."""

    async def body(station: Station, csms: MemoryCsms) -> None:
        await csms.wait_for("StatusNotification", count=2)
        assert abs((station.clock.now() - true_clock.now()).total_seconds()) < 1
        sim = station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.2)
        sim.tap(CARD)
        await csms.wait(lambda: len(transaction_events(csms)) >= 1)
        await trio.sleep(30)
        await station.queue.drained()

    await run_once(
        config, system_time=true_clock.now() - DAY, true_clock=true_clock, refuse=0, body=body
    )


async def test_the_offset_is_persisted_and_early_events_are_corrected(config, autojump_clock):
    """Run 2 after a power cut: the Pi's clock is now 10 days behind. The station starts
    from the persisted offset (+1 day) and, offline, ends the interrupted transaction at
    once; when the CSMS's time arrives the Ended event and its Transaction.End value are
    sent with the true time of their making, without a mark."""
    true_clock = WallClock(start=START)
    await charge_then_die(config, true_clock)

    async def body(station: Station, csms: MemoryCsms) -> None:
        started_at = true_clock.now()
        # The persisted offset of run 1 applies before any answer from the CSMS.
        assert station.clock.offset_seconds == pytest.approx(DAY.total_seconds(), abs=1)
        assert not station.clock.synchronised
        await station.transactions.wait_changed()  # the interrupted transaction ended
        ended_at = true_clock.now()
        await csms.wait(lambda: transaction_events(csms), timeout=600)
        await station.queue.drained()
        (ended,) = transaction_events(csms)
        assert ended["eventType"] == "Ended"
        assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
        assert "customData" not in ended
        assert abs((parse(ended["timestamp"]) - ended_at).total_seconds()) < 2
        end_value = ended["meterValue"][-1]
        assert end_value["sampledValue"][0]["context"] == "Transaction.End"
        assert "customData" not in end_value
        assert abs((parse(end_value["timestamp"]) - ended_at).total_seconds()) < 12
        # The Transaction.Begin value was stamped after run 1 was synchronised: unchanged.
        begin_value = ended["meterValue"][0]
        assert abs((parse(begin_value["timestamp"]) - START).total_seconds()) < 5
        # The security log's StartupOfTheDevice, recorded at start-up, is corrected too.
        events = await csms.wait_for("SecurityEventNotification")
        startup = next(e.payload for e in events if e.payload["type"] == "StartupOfTheDevice")
        assert abs((parse(startup["timestamp"]) - started_at).total_seconds()) < 2

    await run_once(
        config,
        system_time=true_clock.now() - 10 * DAY,
        true_clock=true_clock,
        refuse=3,  # offline at first: the Ended event is made before the time is known
        body=body,
    )


async def test_an_event_from_a_run_that_never_synchronised_keeps_its_mark(config, autojump_clock):
    """Run 2 never reaches the CSMS before it dies too: its Ended event cannot be
    corrected (that run's clock error died with it), so run 3 sends it with the mark."""
    true_clock = WallClock(start=START)
    await charge_then_die(config, true_clock)

    async def offline(station: Station, csms: MemoryCsms) -> None:
        while station.queue.count() == 0:
            await station.transactions.wait_changed()

    await run_once(
        config,
        system_time=true_clock.now() - 10 * DAY,
        true_clock=true_clock,
        refuse=10**6,
        body=offline,
    )

    async def online(station: Station, csms: MemoryCsms) -> None:
        await csms.wait(lambda: transaction_events(csms), timeout=600)
        (ended,) = transaction_events(csms)
        assert ended["eventType"] == "Ended"
        mark = ended["customData"]
        assert mark["vendorId"] == CUSTOM_DATA_VENDOR and UNSYNCHRONISED_MARK in mark
        assert ended["meterValue"][-1]["customData"] == mark

    await run_once(
        config,
        system_time=true_clock.now() - 20 * DAY,
        true_clock=true_clock,
        refuse=0,
        body=online,
    )


def test_correction_applies_to_this_epoch_only(autojump_clock):
    async def scenario() -> None:
        clock = WallClock(start=START)
        mark = {"vendorId": CUSTOM_DATA_VENDOR, UNSYNCHRONISED_MARK: clock.epoch}
        other = {"vendorId": CUSTOM_DATA_VENDOR, UNSYNCHRONISED_MARK: "19700101T000000.000000Z"}
        payload = {
            "timestamp": "2026-01-05T08:00:00Z",
            "customData": mark,
            "meterValue": [
                {"timestamp": "2026-01-05T07:59:59.5Z", "customData": mark, "sampledValue": []},
                {"timestamp": "2026-01-01T00:00:00Z", "customData": other, "sampledValue": []},
                {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": []},
            ],
        }
        assert correct_timestamps(payload, clock) is payload, "not synchronised yet"
        clock.set_time(START + timedelta(hours=2))
        fixed = correct_timestamps(payload, clock)
        assert fixed["timestamp"] == "2026-01-05T10:00:00Z" and "customData" not in fixed
        assert fixed["meterValue"][0] == {
            "timestamp": "2026-01-05T09:59:59.500Z",
            "sampledValue": [],
        }
        assert fixed["meterValue"][1] == payload["meterValue"][1]
        assert fixed["meterValue"][2] == payload["meterValue"][2]
        assert payload["customData"] == mark, "the stored payload is not changed"

    trio.run(scenario, clock=autojump_clock)
