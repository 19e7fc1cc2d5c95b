"""The Local Authorization List (D01, D02) and the Authorization Cache (C10–C12), and how
they authorize online (C12, C14) and offline (C13), over the CSMS link on MockClock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import trio

from station.app import build_device_model
from station.devicemodel.model import key
from station.ocpp.client import OcppClient
from station.ocpp.datetimes import format_date_time
from station.ocpp.messages import ClearCacheRequest, IdTokenInfoType, IdTokenType
from station.offload import InlineOffload
from station.store import Store
from station.transactions import localauth
from tests.conftest import booted, call, make_config, running_station

CARD = "04A1B2C3"
OTHER = "0DD0FEED"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def entry(uid: str, status: str | None = "Accepted", **info) -> dict:
    item: dict = {"idToken": {"idToken": uid, "type": "ISO14443"}}
    if status is not None:
        item["idTokenInfo"] = {"status": status, **info}
    return item


async def send_list(env, version: int, update: str, entries: list[dict] | None) -> dict:
    payload: dict = {"versionNumber": version, "updateType": update}
    if entries is not None:
        payload["localAuthorizationList"] = entries
    return await call(env, "SendLocalList", payload)


async def version(env) -> int:
    return (await call(env, "GetLocalListVersion", {}))["versionNumber"]


async def go_offline(env):
    env.csms.refuse_next = 10**6
    await env.csms.disconnect()
    await env.station.client.wait_until(lambda: not env.station.client.connected)


async def tap_and_plug(env, uid: str, evse: int = 1) -> bool:
    """Tap ``uid`` with an EV plugged in; whether a transaction with it started."""
    sim = env.station.hardware.sim
    sim.plug(evse)
    await trio.sleep(0.2)
    sim.tap(uid)
    await trio.sleep(1)
    return env.station.transactions.transaction_id(evse) is not None


# -- Send Local List / Get Local List Version (D01, D02) ----------------------------------


async def test_d01_full_differential_and_version_rules(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await version(env) == 0  # D02.FR.02: no list yet
        full = [entry(CARD), entry(OTHER, "Blocked")]
        assert (await send_list(env, 3, "Full", full))["status"] == "Accepted"
        assert await version(env) == 3
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 2
        # D01.FR.19: a Differential must be newer.
        assert (await send_list(env, 3, "Differential", [entry("AA")]))[
            "status"
        ] == "VersionMismatch"
        # D01.FR.16/17: add one, remove one.
        diff = [entry("AA"), entry(OTHER, None)]
        assert (await send_list(env, 4, "Differential", diff))["status"] == "Accepted"
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 2
        # D01.FR.05: an empty Differential changes nothing but the version.
        assert (await send_list(env, 5, "Differential", None))["status"] == "Accepted"
        assert (await version(env), env.station.local_auth.lookup is not None) == (5, True)
        # D01.FR.04: an empty Full empties the list; a Full may lower the version.
        assert (await send_list(env, 2, "Full", None))["status"] == "Accepted"
        assert await version(env) == 2
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 0


@pytest.mark.parametrize(
    ("version_number", "entries", "reason"),
    [
        (0, [entry(CARD)], "InvalidValue"),  # D01.FR.18
        (1, [entry(CARD), entry(CARD.lower())], "InvalidValue"),  # D01.FR.06
    ],
)
async def test_d01_refusals_say_why(config, autojump_clock, version_number, entries, reason):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        answer = await send_list(env, version_number, "Full", entries)
        assert answer["status"] == "Failed"
        assert answer["statusInfo"]["reasonCode"] == reason
        assert await version(env) == 0


async def test_d01_too_many_entries_in_one_message_fail(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        many = [entry(f"{n:08X}") for n in range(localauth.ITEMS_PER_MESSAGE + 1)]
        answer = await send_list(env, 1, "Full", many)
        assert (answer["status"], answer["statusInfo"]["reasonCode"]) == (
            "Failed",
            "TooManyElements",
        )


async def test_d01_fr_11_a_message_above_bytes_per_message_fails(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        # Within ItemsPerMessage, beyond BytesPerMessage (a personal message each).
        message = {"format": "UTF8", "content": "x" * 400}
        big = [entry(f"{n:08X}", personalMessage=message) for n in range(200)]
        answer = await send_list(env, 1, "Full", big)
        assert (answer["status"], answer["statusInfo"]["reasonCode"]) == (
            "Failed",
            "TooLargeElement",
        )
        assert await version(env) == 0  # nothing applied
        # The same entries in smaller messages are taken.
        assert (await send_list(env, 1, "Full", big[:100]))["status"] == "Accepted"
        assert (await send_list(env, 2, "Differential", big[100:]))["status"] == "Accepted"
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 200


async def test_d01_a_list_beyond_its_capacity_fails_and_keeps_the_old_one(
    config, autojump_clock, monkeypatch
):
    monkeypatch.setattr(localauth, "LIST_CAPACITY", 3)
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await send_list(env, 1, "Full", [entry("A1"), entry("A2")]))["status"] == (
            "Accepted"
        )
        answer = await send_list(env, 2, "Differential", [entry("A3"), entry("A4")])
        assert (answer["status"], answer["statusInfo"]["reasonCode"]) == ("Failed", "OutOfStorage")
        assert await version(env) == 1
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 2


async def test_d01_fr_10_the_list_survives_a_restart_and_d02_fr_03_disabled_reports_0(
    config, autojump_clock
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert (await send_list(env, 7, "Full", [entry(CARD)]))["status"] == "Accepted"
    variables = {"LocalAuthListCtrlr.Enabled": "false"}
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await version(env) == 7
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 1
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert await version(env) == 0
        answer = await send_list(env, 8, "Full", [entry(CARD)])
        assert answer["statusInfo"]["reasonCode"] == "NotEnabled"


# -- Authorizing with the list (C13, C14) -------------------------------------------------


async def test_c14_fr_02_an_accepted_list_entry_starts_without_authorize(config, autojump_clock):
    variables = {"AuthCtrlr.LocalPreAuthorize": "true"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await send_list(env, 1, "Full", [entry(CARD)])
        assert await tap_and_plug(env, CARD)
        assert env.csms.of("Authorize") == []
        started = env.csms.of("TransactionEvent")[0].payload
        assert started["eventType"] == "Started"
        assert started["idToken"]["idToken"] == CARD  # the CSMS checks it (C12.FR.03)


@pytest.mark.parametrize("post_authorize_disabled", [False, True])
async def test_c14_fr_03_a_list_entry_not_accepted_is_asked_or_refused(
    config, autojump_clock, post_authorize_disabled
):
    variables = {
        "AuthCtrlr.LocalPreAuthorize": "true",
        "LocalAuthListCtrlr.DisablePostAuthorize": str(post_authorize_disabled).lower(),
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await send_list(env, 1, "Full", [entry(CARD, "Blocked")])
        started = await tap_and_plug(env, CARD)
        if post_authorize_disabled:  # LA-3 (TC_C_58): refused, the CSMS not asked
            assert (started, env.csms.of("Authorize")) == (False, [])
        else:  # the CSMS is asked, and its Accepted counts
            assert len(env.csms.of("Authorize")) == 1
            assert started


@pytest.mark.parametrize(
    ("status", "unknown_allowed", "started"),
    [
        ("Accepted", "false", True),  # C13.FR.02
        ("Blocked", "true", False),  # C13.FR.04: known and not Accepted is refused
        ("Expired", "true", False),
        (None, "true", True),  # unknown: OfflineTxForUnknownIdEnabled
        (None, "false", False),
    ],
)
async def test_c13_offline_authorization_through_the_list(
    config, autojump_clock, status, unknown_allowed, started
):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": unknown_allowed}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        listed = [entry(CARD, status)] if status else [entry(OTHER)]
        await send_list(env, 1, "Full", listed)
        await go_offline(env)
        assert await tap_and_plug(env, CARD) is started


# -- A list entry's cacheExpiryDateTime (LocalAuthListCtrlr.SupportsExpiryDateTime) -------


def expires_in(env, seconds: float) -> str:
    """A cacheExpiryDateTime ``seconds`` from the station's now."""
    return format_date_time(env.station.clock.now() + timedelta(seconds=seconds))


@pytest.mark.parametrize("post_authorize_disabled", ["false", "true"])
async def test_c14_fr_04_05_an_expired_list_entry_is_asked_for_online(
    config, autojump_clock, post_authorize_disabled
):
    variables = {
        "AuthCtrlr.LocalPreAuthorize": "true",
        "LocalAuthListCtrlr.DisablePostAuthorize": post_authorize_disabled,
        **QUICK_TIMEOUT,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        assert env.station.device_model.get(localauth.LIST_EXPIRY) is True  # declared
        listed = [entry(CARD, cacheExpiryDateTime=expires_in(env, 60)), entry(OTHER)]
        assert (await send_list(env, 1, "Full", listed))["status"] == "Accepted"
        # C14.FR.04: Accepted and not expired: no Authorize.
        env.station.hardware.sim.tap(CARD)
        await trio.sleep(1)
        assert env.station.transactions.session(0).authorized
        assert env.csms.of("Authorize") == []
        await trio.sleep(59)  # the authorization without EV has timed out; the entry expires
        known = env.station.local_auth.lookup(IdTokenType(id_token=CARD, type="ISO14443"))
        assert (known.source, known.expired, known.accepted) == ("list", True, False)
        # C14.FR.05: past its cacheExpiryDateTime the entry is disregarded: the CSMS is
        # asked (also with DisablePostAuthorize: the entry's status is Accepted), and its
        # answer decides.
        env.csms.responses["Authorize"] = lambda p: {"idTokenInfo": {"status": "Invalid"}}
        assert not await tap_and_plug(env, CARD)
        assert [r.payload["idToken"]["idToken"] for r in env.csms.of("Authorize")] == [CARD]
        # An entry without cacheExpiryDateTime does not expire (C14.FR.04's note).
        env.station.hardware.sim.unplug(1)
        assert await tap_and_plug(env, OTHER, evse=2)
        assert len(env.csms.of("Authorize")) == 1
        # SendLocalList and GetLocalListVersion do not look at the dates (Part 2 §2.5.8).
        assert env.station.device_model.get_int(localauth.LIST_ENTRIES) == 2
        assert await version(env) == 1


@pytest.mark.parametrize("unknown_allowed", ["false", "true"])
async def test_c13_fr_05_06_offline_an_expired_list_entry_is_refused(
    config, autojump_clock, unknown_allowed
):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": unknown_allowed}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        listed = [entry(CARD, cacheExpiryDateTime=expires_in(env, 60)), entry(OTHER)]
        await send_list(env, 1, "Full", listed)
        await go_offline(env)
        # Before its cacheExpiryDateTime the entry lets the card in (C13.FR.05/06) ...
        assert await tap_and_plug(env, CARD)
        await env.station.cards.wait_card_gone()
        env.station.hardware.sim.tap(CARD)  # ... which ends its own transaction
        await trio.sleep(1)
        env.station.hardware.sim.unplug(1)
        await trio.sleep(60)
        # ... and past it not, even where unknown ids are let in: it is no unknown id
        # (C13.FR.06's note).
        assert not await tap_and_plug(env, CARD)
        env.station.hardware.sim.unplug(1)
        assert await tap_and_plug(env, OTHER, evse=2)  # no cacheExpiryDateTime: valid


async def test_without_supports_expiry_date_time_the_list_ignores_the_dates(config, autojump_clock):
    """C13.FR.02, C14.FR.02: where SupportsExpiryDateTime is false (a station built without
    it; this one declares it true, ReadOnly) an expired entry still counts."""
    variables = {
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "false",
        "LocalAuthListCtrlr.SupportsExpiryDateTime": "false",
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await send_list(env, 1, "Full", [entry(CARD, cacheExpiryDateTime=expires_in(env, -60))])
        await go_offline(env)
        assert await tap_and_plug(env, CARD)


# -- LocalAuthListCtrlr.Storage ----------------------------------------------------------


async def storage_variable(env) -> int:
    """LocalAuthListCtrlr.Storage as GetVariables reports it."""
    answer = await call(
        env,
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "Storage"}}
            ]
        },
    )
    [result] = answer["getVariableResult"]
    assert result["attributeStatus"] == "Accepted"
    return int(result["attributeValue"])


async def stored_bytes(env) -> int:
    """The bytes of the list's rows in the store: keys and idTokenInfo, UTF-8."""
    row = await env.station.store.run(
        lambda db: db.execute(
            "SELECT COALESCE(SUM(LENGTH(CAST(token_key AS BLOB)) + LENGTH(CAST(info AS BLOB))), 0)"
            " FROM local_list"
        ).fetchone()
    )
    return int(row[0])


async def test_storage_reports_the_bytes_the_list_takes(config, autojump_clock):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await storage_variable(env) == 0
        message = {"format": "UTF8", "content": "Grüße, €"}  # multi-byte characters
        full = [entry(CARD, personalMessage=message), entry(OTHER, "Blocked")]
        await send_list(env, 1, "Full", full)
        used = await storage_variable(env)
        assert used == await stored_bytes(env) > 0
        await send_list(env, 2, "Differential", [entry(OTHER, None)])
        assert await storage_variable(env) == await stored_bytes(env) < used
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        assert await storage_variable(env) == await stored_bytes(env)  # after a restart
        await send_list(env, 3, "Full", None)
        assert await storage_variable(env) == 0


async def test_a_list_beyond_storage_max_limit_fails_and_keeps_the_old_one(
    config, autojump_clock, monkeypatch
):
    async with running_station(config, control_period=0.05) as env:
        await booted(env)
        declared = env.station.device_model.declaration(localauth.LIST_STORAGE)
        assert declared.max_limit == localauth.LIST_STORAGE_BYTES
        await send_list(env, 1, "Full", [entry(CARD)])
        used = await storage_variable(env)
        monkeypatch.setattr(localauth, "LIST_STORAGE_BYTES", used + 10)
        answer = await send_list(env, 2, "Differential", [entry(OTHER)])
        assert (answer["status"], answer["statusInfo"]["reasonCode"]) == ("Failed", "OutOfStorage")
        assert "bytes" in answer["statusInfo"]["additionalInfo"]
        assert (await version(env), await storage_variable(env)) == (1, used)


# -- The Authorization Cache (C10–C12) ----------------------------------------------------


#: The card taps of the cache tests authorize without an EV; this ends such an
#: authorization soon (TxCtrlr.EVConnectionTimeOut), so that the next tap starts afresh.
QUICK_TIMEOUT = {"TxCtrlr.EVConnectionTimeOut": 5}


async def authorize_once_online(env, uid: str, **info) -> None:
    """Tap ``uid`` once online, without EV: the CSMS's Accepted lands in the cache."""
    env.csms.responses["Authorize"] = lambda p: {"idTokenInfo": {"status": "Accepted", **info}}
    env.station.hardware.sim.tap(uid)
    await env.csms.wait_for("Authorize")
    await trio.sleep(6)  # the authorization without EV times out; the card has left


async def test_c10_an_authorize_answer_is_cached_and_authorizes_offline(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        await go_offline(env)
        assert await tap_and_plug(env, CARD)  # C13/C15 with the cache (C10.FR.01/04)


async def test_c10_fr_08_a_cache_entry_expires_after_its_lifetime_since_last_use(
    config, autojump_clock
):
    variables = {
        "AuthCtrlr.OfflineTxForUnknownIdEnabled": "false",
        "AuthCacheCtrlr.LifeTime": 600,
        **QUICK_TIMEOUT,
    }
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        await go_offline(env)
        await trio.sleep(601)
        assert not await tap_and_plug(env, CARD)  # C10.FR.10


async def test_c10_fr_13_cache_expiry_date_time_wins_over_the_lifetime(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        soon = env.station.clock.now() + timedelta(seconds=30)
        await authorize_once_online(env, CARD, cacheExpiryDateTime=format_date_time(soon))
        await go_offline(env)
        await trio.sleep(30)
        assert not await tap_and_plug(env, CARD)


async def test_c11_clear_cache_empties_it_and_c11_fr_04_disabled_rejects(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        assert (await call(env, "ClearCache", {}))["status"] == "Accepted"
        await go_offline(env)
        assert not await tap_and_plug(env, CARD)
    disabled = {"AuthCacheCtrlr.Enabled": "false"}
    async with running_station(config, variables=disabled, control_period=0.05) as env:
        await booted(env)
        assert (await call(env, "ClearCache", {}))["status"] == "Rejected"


async def test_c10_fr_05_a_transaction_event_answer_updates_the_cache(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        env.csms.responses["TransactionEvent"] = lambda p: (
            {"idTokenInfo": {"status": "Blocked"}} if "idToken" in p else {}
        )
        await tap_and_plug(env, CARD)
        # The Blocked verdict ends the transaction (StopTxOnInvalidId) and is cached.
        await env.csms.wait(
            lambda: any(r.payload["eventType"] == "Ended" for r in env.csms.of("TransactionEvent")),
            timeout=30,
        )
        env.station.hardware.sim.unplug(1)
        await trio.sleep(6)
        await go_offline(env)
        assert not await tap_and_plug(env, CARD, evse=2)  # the cache now says Blocked


async def test_c12_fr_02_a_cached_accepted_id_starts_at_once_with_local_pre_authorize(
    config, autojump_clock
):
    variables = {"AuthCtrlr.LocalPreAuthorize": "true", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        asked = len(env.csms.of("Authorize"))
        assert await tap_and_plug(env, CARD)
        assert len(env.csms.of("Authorize")) == asked  # no second Authorize


async def test_c13_fr_01_the_list_has_priority_over_the_cache(config, autojump_clock):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)  # cached Accepted
        await send_list(env, 1, "Full", [entry(CARD, "Blocked")])
        await go_offline(env)
        assert not await tap_and_plug(env, CARD)


async def test_c10_fr_07_a_full_cache_drops_refused_entries_then_the_least_used(
    monkeypatch, tmp_path
):
    """The replacement policy on the cache itself (LRU after the not-Accepted entries)."""
    monkeypatch.setattr(localauth, "CACHE_CAPACITY", 3)
    moments = iter(datetime(2026, 1, 1, 0, minute, tzinfo=UTC) for minute in range(60))
    store = await Store.open(tmp_path / "station.db", offload=InlineOffload())
    config = make_config(tmp_path / "data")
    device_model = build_device_model(config, store)
    await device_model.load({})
    cache = localauth.LocalAuthorization(
        client=OcppClient(rng=random.Random(1)),
        store=store,
        device_model=device_model,
        now=lambda: next(moments),
    )

    def token(uid):
        return IdTokenType(id_token=uid, type="ISO14443")

    def info(status):
        return IdTokenInfoType(status=status)

    await cache.remember(token("A"), info("Accepted"))
    await cache.remember(token("B"), info("Blocked"))
    await cache.remember(token("C"), info("Accepted"))
    await cache.remember(token("D"), info("Accepted"))  # drops B (not Accepted)
    assert cache.lookup(token("B")) is None
    await cache.used(token("A"))
    await cache.remember(token("E"), info("Accepted"))  # drops C (least recently used)
    assert [cache.lookup(token(u)) is not None for u in "ACDE"] == [True, False, True, True]
    # What the store holds is what a restart finds.
    again = localauth.LocalAuthorization(
        client=OcppClient(rng=random.Random(1)),
        store=store,
        device_model=device_model,
        now=lambda: datetime(2026, 1, 1, 1, tzinfo=UTC),
    )
    await again.load()
    assert [again.lookup(token(u)) is not None for u in "ABCDE"] == [True, False, False, True, True]
    store.close()


async def test_cache_storage_is_bytes_and_a_full_cache_in_bytes_makes_room(monkeypatch, tmp_path):
    """AuthCacheCtrlr.Storage (Part 2 §2.4.4) counts bytes as the store holds them; a new
    entry that would pass its maxLimit drops entries by the replacement policy, and one
    larger than the whole limit is not kept, nor is an older verdict for it."""
    moments = iter(datetime(2026, 1, 1, 0, minute, tzinfo=UTC) for minute in range(60))
    store = await Store.open(tmp_path / "station.db", offload=InlineOffload())
    device_model = build_device_model(make_config(tmp_path / "data"), store)
    await device_model.load({})
    cache = localauth.LocalAuthorization(
        client=OcppClient(rng=random.Random(1)),
        store=store,
        device_model=device_model,
        now=lambda: next(moments),
    )
    storage = key("AuthCacheCtrlr", "Storage")
    assert device_model.declaration(storage).max_limit == localauth.CACHE_STORAGE_BYTES

    def token(uid):
        return IdTokenType(id_token=uid, type="ISO14443")

    def info(status, text=""):
        message = {"personalMessage": {"format": "UTF8", "content": text}} if text else {}
        return IdTokenInfoType.model_validate({"status": status, **message})

    async def stored_bytes() -> int:
        row = await store.run(
            lambda db: db.execute(
                "SELECT COALESCE(SUM(LENGTH(CAST(token_key AS BLOB))"
                " + LENGTH(CAST(info AS BLOB))), 0) FROM auth_cache"
            ).fetchone()
        )
        return int(row[0])

    await cache.remember(token("A"), info("Accepted", "ü" * 100))  # 2 bytes a character
    await cache.remember(token("B"), info("Blocked"))
    await cache.remember(token("C"), info("Accepted"))
    used = device_model.get_int(storage)
    assert used == await stored_bytes() > 200
    # Room for one more small entry, not two: the Blocked one goes first (C10.FR.07).
    small = await stored_bytes() - used + len(localauth.token_key("X", "ISO14443")) + 20
    monkeypatch.setattr(localauth, "CACHE_STORAGE_BYTES", used + small)
    await cache.remember(token("D"), info("Accepted"))
    assert [cache.lookup(token(u)) is not None for u in "ABCD"] == [True, False, True, True]
    assert device_model.get_int(storage) == await stored_bytes() <= used + small
    # An entry larger than the whole limit is not kept; A's older verdict goes with it.
    monkeypatch.setattr(localauth, "CACHE_STORAGE_BYTES", 200)
    await cache.remember(token("A"), info("Blocked", "x" * 200))
    assert cache.lookup(token("A")) is None
    assert device_model.get_int(storage) == await stored_bytes()
    # Read back after a restart, the same count.
    again = localauth.LocalAuthorization(
        client=OcppClient(rng=random.Random(1)),
        store=store,
        device_model=device_model,
        now=lambda: datetime(2026, 1, 1, 1, tzinfo=UTC),
    )
    await again.load()
    assert device_model.get_int(storage) == await stored_bytes() > 0
    assert (await cache.clear_cache(ClearCacheRequest())).status.value == "Accepted"
    store.close()


async def test_n10_customer_information_clears_the_cache_entry_not_the_list_entry(
    config, autojump_clock
):
    variables = {"AuthCtrlr.OfflineTxForUnknownIdEnabled": "false", **QUICK_TIMEOUT}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        await authorize_once_online(env, CARD)
        await send_list(env, 1, "Full", [entry(OTHER)])
        for request_id, uid in ((5, CARD), (6, OTHER)):
            answer = await call(
                env,
                "CustomerInformation",
                {
                    "requestId": request_id,
                    "report": True,
                    "clear": True,
                    "idToken": {"idToken": uid, "type": "ISO14443"},
                },
            )
            assert answer["status"] == "Accepted"
        await env.csms.wait(
            lambda: (
                {r.payload["requestId"] for r in env.csms.of("NotifyCustomerInformation")} >= {5, 6}
            ),
            timeout=30,
        )

        def said(request_id: int) -> str:
            return "".join(
                r.payload["data"]
                for r in env.csms.of("NotifyCustomerInformation")
                if r.payload["requestId"] == request_id
            )

        assert "authorization cache: status Accepted" in said(5)  # N09
        assert "cleared: the idToken's authorization cache entry" in said(5)  # N10
        assert "kept: the local authorization list entry" in said(6)
        await go_offline(env)
        assert not await tap_and_plug(env, CARD)  # no longer known from the cache
        env.station.hardware.sim.unplug(1)
        await trio.sleep(1)
        assert await tap_and_plug(env, OTHER, evse=2)  # the list entry stays


async def test_c09_fr_07_a_listed_group_member_stops_without_authorize_even_without_pre_authorize(
    config, autojump_clock
):
    group = {"idToken": "FAMILY", "type": "Central"}
    variables = {"AuthCtrlr.LocalPreAuthorize": "false"}
    async with running_station(config, variables=variables, control_period=0.05) as env:
        await booted(env)
        env.csms.responses["Authorize"] = {
            "idTokenInfo": {"status": "Accepted", "groupIdToken": group}
        }
        listed = [entry(CARD, groupIdToken=group), entry(OTHER, groupIdToken=group)]
        await send_list(env, 1, "Full", listed)
        assert await tap_and_plug(env, CARD)
        assert len(env.csms.of("Authorize")) == 1  # LocalPreAuthorize false: asked to start
        await trio.sleep(3)  # the first card leaves the reader's field
        env.station.hardware.sim.tap(OTHER)
        await env.csms.wait(
            lambda: any(r.payload["eventType"] == "Ended" for r in env.csms.of("TransactionEvent")),
            timeout=30,
        )
        ended = env.csms.of("TransactionEvent")[-1].payload
        assert (ended["triggerReason"], ended["idToken"]["idToken"]) == ("StopAuthorized", OTHER)
        assert len(env.csms.of("Authorize")) == 1  # C01.FR.03 (b), C09.FR.07: not asked to stop
