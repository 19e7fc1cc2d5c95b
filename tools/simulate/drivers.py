"""EV drivers: one per EVSE, arriving every 15 minutes on average, each session
started and ended in one of the ways drivers, EVs and apps do."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import trio

from tools.simulate.csms import CARDS

if TYPE_CHECKING:
    from tools.simulate.life import Life

VALID_CARDS = [uid for uid, status in CARDS.items() if status == "Accepted"]
BAD_CARDS = [uid for uid, status in CARDS.items() if status != "Accepted"]


async def drive(life: Life, evse_id: int) -> None:
    """Sessions on ``evse_id``, one after the other, for the whole life."""
    rng = life.rng[f"ev{evse_id}"]
    while True:
        await trio.sleep(rng.expovariate(1 / 900))
        await session(life, evse_id, rng)


async def session(life: Life, evse_id: int, rng: random.Random) -> None:
    """One driver: arrives, starts, charges (or not), ends and leaves."""
    assert life.csms is not None
    life.result.sessions += 1
    start = rng.choices(
        ("card_first", "plug_first", "remote_evse", "remote_any", "bad_card"),
        (3, 4, 1, 1, 1),
    )[0]
    behaviour = rng.choices(
        ("normal", "pause", "no_draw", "overdraw", "unplug_mid"), (5, 2, 1, 1, 1)
    )[0]
    card = rng.choice(VALID_CARDS if start != "bad_card" else BAD_CARDS)
    await life.act(lambda s: s.set_ev_max_current(evse_id, 0 if behaviour == "no_draw" else 32))
    await life.act(lambda s: s.set_ev_ignores_pwm(evse_id, behaviour == "overdraw"))
    if start == "card_first":
        await life.act(lambda s: s.tap(card))
        await trio.sleep(rng.uniform(1, 25))
        await life.act(lambda s: s.plug(evse_id))
    elif start in ("plug_first", "bad_card"):
        await life.act(lambda s: s.plug(evse_id))
        await trio.sleep(rng.uniform(1, 30))
        await life.act(lambda s: s.tap(card))
    else:
        await life.act(lambda s: s.plug(evse_id))
        await trio.sleep(rng.uniform(1, 20))
        request: dict[str, Any] = {
            "idToken": {"idToken": f"APP-{evse_id}", "type": "Central"},
            "remoteStartId": rng.randint(1, 1_000_000),
        }
        if start == "remote_evse":
            request["evseId"] = evse_id
        await life.csms.call("RequestStartTransaction", request)
    await trio.sleep(rng.uniform(1, 10))
    await life.act(lambda s: s.set_ev_state(evse_id, "C"))
    charging = rng.uniform(120, 5400)
    if behaviour == "pause":
        await trio.sleep(charging / 3)
        await life.act(lambda s: s.set_ev_state(evse_id, "B"))
        await trio.sleep(rng.uniform(10, 600))
        await life.act(lambda s: s.set_ev_state(evse_id, "C"))
        charging /= 2
    await trio.sleep(charging)
    end = (
        "unplug"
        if behaviour == "unplug_mid"
        else rng.choice(("card", "group_card", "ev_done", "remote_stop"))
    )
    if end in ("card", "group_card"):
        stopper = card if end == "card" else "04A1B2C4" if card == "04A1B2C3" else card
        await life.act(lambda s: s.tap(stopper))
        await trio.sleep(rng.uniform(2, 20))
    elif end == "remote_stop":
        transaction_id = life.csms_transaction_on(evse_id)
        if transaction_id is not None:
            await life.csms.call("RequestStopTransaction", {"transactionId": transaction_id})
        await trio.sleep(rng.uniform(2, 20))
    if end != "unplug":
        await life.act(lambda s: s.set_ev_state(evse_id, "B"))
        await trio.sleep(rng.uniform(5, 120))
    await life.act(lambda s: s.unplug(evse_id))
    await life.act(lambda s: s.set_ev_ignores_pwm(evse_id, False))
