"""Card presentations from a polled reader (station.control.cards) on MockClock."""

from __future__ import annotations

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
