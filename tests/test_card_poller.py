"""Card presentations from a polled reader (station.control.cards) on MockClock."""

from __future__ import annotations

import pytest
import trio

from drivers.sim.card_reader import SimulatedCardReader
from station.control.cards import CardPoller


async def test_a_held_card_counts_once_and_again_only_after_it_left(autojump_clock):
    reader = SimulatedCardReader(now=trio.current_time, present_for=1.0)
    seen: list[tuple[float, str]] = []

    async def on_card(uid: str) -> None:
        seen.append((trio.current_time(), uid))

    poller = CardPoller(reader, on_card, interval=0.3, gone_after=1.5)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(poller.run)
        reader.tap("04a1b2c3")
        await trio.sleep(0.5)
        reader.tap("04a1b2c3")  # still in the field: the same presentation
        await trio.sleep(0.5)
        assert [uid for _, uid in seen] == ["04A1B2C3"]
        await poller.wait_card_gone()
        gone_at = trio.current_time()
        # Last seen by the poll at 1.2 s (the second tap holds it until 1.5 s), then away
        # for more than gone_after.
        assert gone_at > 1.2 + 1.5
        reader.tap("04A1B2C3")
        await trio.sleep(0.5)
        nursery.cancel_scope.cancel()
    assert [uid for _, uid in seen] == ["04A1B2C3", "04A1B2C3"]
    assert seen[1][0] >= gone_at


async def test_an_idle_interval_polls_seldom_and_a_tap_is_seen_at_once(autojump_clock):
    reader = SimulatedCardReader(now=trio.current_time, present_for=1.0)
    seen: list[tuple[float, str]] = []
    polls = 0
    poll = reader.poll

    def counted() -> str | None:
        nonlocal polls
        polls += 1
        return poll()

    reader.poll = counted  # type: ignore[method-assign]

    async def on_card(uid: str) -> None:
        seen.append((trio.current_time(), uid))

    poller = CardPoller(reader, on_card, interval=0.3, gone_after=1.5, idle_interval=10.0)
    reader.on_tap = poller.wake
    async with trio.open_nursery() as nursery:
        nursery.start_soon(poller.run)
        await trio.sleep(100.0)
        assert polls == pytest.approx(11, abs=1)  # 0.3 s polling: 334
        tapped_at = trio.current_time()
        reader.tap("04a1b2c3")
        await trio.sleep(0.001)
        assert seen == [(tapped_at, "04A1B2C3")]
        # A held card is followed at the interval until it is gone, then the poller
        # sleeps again; presenting it again counts again.
        await poller.wait_card_gone()
        assert trio.current_time() - tapped_at < 3.0
        before = polls
        await trio.sleep(50.0)
        assert polls - before <= 6
        reader.tap("04A1B2C3")
        await trio.sleep(0.001)
        assert [uid for _, uid in seen] == ["04A1B2C3", "04A1B2C3"]
        nursery.cancel_scope.cancel()


def test_an_idle_interval_below_the_interval_is_refused():
    async def on_card(uid: str) -> None:
        pass

    reader = SimulatedCardReader(now=lambda: 0.0)
    refused = r"idle_interval must be at least the interval 0\.3, got 0\.1"
    with pytest.raises(ValueError, match=refused):
        CardPoller(reader, on_card, interval=0.3, idle_interval=0.1)
