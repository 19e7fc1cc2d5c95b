"""Property: offline, an idToken is accepted only when the Local Authorization List, the
Authorization Cache or the configured rule for unknown ids allows it.

Hypothesis generates a local list (statuses, groups, expiry dates), a history of CSMS
verdicts that fill the cache (statuses, groups, cacheExpiryDateTime), ClearCache requests,
AuthCacheCtrlr.Enabled switched on and off, waits and offline presentations, and the
settings (LocalAuthorizeOffline, LocalPreAuthorize, AuthCacheCtrlr.Enabled,
AuthCacheCtrlr.LifeTime, LocalAuthListCtrlr.Enabled,
LocalAuthListCtrlr.SupportsExpiryDateTime, OfflineTxForUnknownIdEnabled,
OfflineTxForUnknownIdBeforeAccepted, whether a CSMS ever accepted the station). Each
presentation goes through the station's own code — `TransactionService.authorize` over
`LocalAuthorization` and the store, with no connection — and its verdict is compared with
`Reference`, a model written from Part 2's rules, not from the station's code (the
verdict and the groupIdToken handed on, which decides who may stop the transaction):

* C13.FR.01: a list entry has priority over a cache entry for the same idToken (while
  LocalAuthListCtrlr.Enabled; a disabled list is not used).
* LocalAuthorizeOffline (Part 2 AuthCtrlr): a locally known idToken starts a transaction
  offline only while it is true; C13.FR.02/04: only an entry with status Accepted does.
  C13.FR.05/06: while LocalAuthListCtrlr.SupportsExpiryDateTime is true (the station
  declares it true; a station built without it is generated too), a list entry whose
  cacheExpiryDateTime has passed lets nobody in, and the idToken is no unknown id either;
  while it is false the date is not checked (C13.FR.02/04's notes).
* C10.FR.01/04/11: the cache holds the latest verdict per idToken whatever its status,
  recorded only while AuthCacheCtrlr.Enabled, and is not used while disabled; C11 /
  C11.FR.04: ClearCache empties it, and changes nothing while disabled.
* C10.FR.13: an entry with cacheExpiryDateTime lives until then; C10.FR.08: otherwise
  until AuthCacheCtrlr.LifeTime after its last use, and an authorization from it is a use.
  C10.FR.10: an expired entry is removed (the spec allows "removed or changed to
  Expired"; the station removes it, so the idToken is unknown again).
* C15.FR.08 / C13.FR.04: an idToken in neither table is accepted when
  OfflineTxForUnknownIdEnabled is true; C15.FR.01: that does not put it in the cache.
  Two rules of this station on top (README, docs/local-authorization.md): unknown ids are
  refused while LocalAuthorizeOffline is false, and while no CSMS has ever accepted the
  station unless OfflineTxForUnknownIdBeforeAccepted.
* Part 2 IdTokenType: idTokens compare case-insensitively.
* LocalPreAuthorize concerns the online case only: it changes nothing here.

The boundaries (an expiry or a lifetime reached to the second, a table switched off after
it was filled, the list shadowing the cache) also run as explicit examples every time.
The examples are derandomized: the same ones on every run. The cache capacity (1000) is
far above the few idTokens generated, so the replacement policy never acts;
`tests/test_local_authorization.py` tests it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import trio
from hypothesis import example, given, settings
from hypothesis import strategies as st

from station.app import build_device_model
from station.clock import WallClock
from station.devicemodel.model import key
from station.ocpp.client import OcppClient
from station.ocpp.messages import (
    AuthorizationData,
    AuthorizationStatusEnumType,
    ClearCacheRequest,
    IdTokenInfoType,
    IdTokenType,
    SendLocalListRequest,
    UpdateEnumType,
)
from station.offload import InlineOffload
from station.store import Store
from station.transactions.localauth import CACHE_CAPACITY, LocalAuthorization
from station.transactions.queue import TransactionQueue
from station.transactions.service import TransactionService
from station.transactions.session import Token
from tests.conftest import make_config

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: A few cards, spelled in two cases: the station must not tell them apart.
CARDS = ("04A1B2C3", "0DD0FEED", "12345678", "CAFE0001")
STATUSES = [s.value for s in AuthorizationStatusEnumType]
GROUPS = (None, "FLEET-A", "FLEET-B")

spelling = st.sampled_from(CARDS).flatmap(
    lambda uid: st.sampled_from((uid, uid.lower(), uid.capitalize()))
)


@st.composite
def infos(draw) -> dict:
    """An idTokenInfo: status, maybe a group, maybe a cacheExpiryDateTime (as an offset in
    seconds from the moment it is given)."""
    return {
        # Accepted more often than each refusal: it is the status that can let a card in.
        "status": draw(st.sampled_from(["Accepted"] * 3 + STATUSES)),
        "group": draw(st.sampled_from(GROUPS)),
        "expires_in": draw(st.one_of(st.none(), st.sampled_from((-5, 1, 30, 300)))),
    }


#: The waits meet the lifetimes and expiry offsets exactly, and just before/after.
WAITS = st.sampled_from((1, 29, 30, 31, 300, 86_400))

operations = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), spelling, infos()),  # a CSMS verdict reaches the cache
        st.tuples(st.just("wait"), WAITS),
        st.tuples(st.just("present"), spelling),  # an offline presentation
        st.tuples(st.just("clear")),  # ClearCache
        # SetVariables AuthCacheCtrlr.Enabled: entries made before stay, unused.
        st.tuples(st.just("cache_enabled"), st.booleans()),
        # A verdict, a wait and the same card again (in any spelling): the sequence
        # that meets the expiry rules head on.
        st.tuples(st.just("cycle"), st.sampled_from(CARDS), infos(), WAITS, st.integers(0, 2)),
    ),
    min_size=1,
    max_size=14,
)

configurations = st.fixed_dictionaries(
    {
        # Mostly true, the setting under which the tables decide anything offline.
        "LocalAuthorizeOffline": st.sampled_from((True, True, True, False)),
        "LocalPreAuthorize": st.booleans(),
        "CacheEnabled": st.sampled_from((True, True, True, False)),
        "LifeTime": st.sampled_from((1, 30, 300, 86_400)),
        "ListEnabled": st.booleans(),
        "ListExpiry": st.sampled_from((True, True, False)),
        # Mostly false: while unknown ids are let in, a wrongly used entry hides.
        "OfflineTxForUnknownIdEnabled": st.sampled_from((False, False, True)),
        "OfflineTxForUnknownIdBeforeAccepted": st.booleans(),
        "AcceptedOnce": st.booleans(),
    }
)

local_lists = st.dictionaries(st.sampled_from(CARDS), infos(), max_size=len(CARDS))


# -- The reference ------------------------------------------------------------------------


@dataclass
class Entry:
    status: str
    group: str | None
    expiry: datetime | None
    last_used: datetime


@dataclass
class Reference:
    """Part 2's offline rules over a plain model of the two tables (see the docstring)."""

    config: dict
    listed: dict[str, dict]
    now: datetime = START
    cache: dict[str, Entry] = field(default_factory=dict)

    def answer(self, uid: str, info: dict) -> None:
        if self.config["CacheEnabled"]:  # C10.FR.01/04, C10.FR.11
            expiry = _expiry(self.now, info)
            self.cache[uid.casefold()] = Entry(info["status"], info["group"], expiry, self.now)

    def clear(self) -> None:
        if self.config["CacheEnabled"]:  # C11; C11.FR.04: Rejected while disabled
            self.cache.clear()

    def live_cache_entry(self, uid: str) -> Entry | None:
        entry = self.cache.get(uid.casefold())
        if entry is None or not self.config["CacheEnabled"]:
            return None
        if entry.expiry is not None:
            alive = self.now < entry.expiry  # C10.FR.13
        else:
            alive = self.now < entry.last_used + timedelta(seconds=self.config["LifeTime"])
        return entry if alive else None  # C10.FR.10: gone

    def present(self, uid: str) -> tuple[bool, str | None, str]:
        """(allowed, group, why) for an offline presentation."""
        config = self.config
        if config["ListEnabled"]:
            for listed_uid, info in self.listed.items():
                if listed_uid.casefold() == uid.casefold():  # C13.FR.01: the list first
                    expiry = _expiry(START, info)  # the list was sent at START
                    expired = config["ListExpiry"] and expiry is not None and self.now >= expiry
                    allowed = (
                        config["LocalAuthorizeOffline"]
                        and info["status"] == "Accepted"
                        and not expired  # C13.FR.05/06
                    )
                    return allowed, info["group"] if allowed else None, "list"
        entry = self.live_cache_entry(uid)
        if entry is not None:
            allowed = config["LocalAuthorizeOffline"] and entry.status == "Accepted"
            if allowed:
                entry.last_used = self.now  # C10.FR.08: a use
            return allowed, entry.group if allowed else None, "cache"
        allowed = (
            config["OfflineTxForUnknownIdEnabled"]  # C15.FR.08, C13.FR.04
            and config["LocalAuthorizeOffline"]
            and (config["AcceptedOnce"] or config["OfflineTxForUnknownIdBeforeAccepted"])
        )
        return allowed, None, "unknown"


def _expiry(now: datetime, info: dict) -> datetime | None:
    if info["expires_in"] is None:
        return None
    # Part 2 dateTime: at most milliseconds; whole seconds here.
    return now + timedelta(seconds=info["expires_in"])


def _id_token_info(now: datetime, info: dict) -> IdTokenInfoType:
    group = info["group"]
    return IdTokenInfoType.model_validate(
        {
            "status": info["status"],
            **({"groupIdToken": {"idToken": group, "type": "Central"}} if group else {}),
            **(
                {"cacheExpiryDateTime": _expiry(now, info).isoformat()}  # type: ignore[union-attr]
                if info["expires_in"] is not None
                else {}
            ),
        }
    )


# -- The station --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[Store]:
    """One store for all examples (each starts by emptying the two tables)."""
    directory = tmp_path_factory.mktemp("local-auth-property")
    opened = Store.open_sync(directory / "station.db", offload=InlineOffload())
    # Durability is not what this property is about, and a flush per write would make
    # the run as slow as the disk: the writes still go through SQLite, without fsync.
    opened.run_sync(lambda db: db.execute("PRAGMA synchronous=OFF"))  # not in a transaction
    yield opened
    opened.close()


async def run_example(store: Store, config: dict, listed: dict, ops: list) -> None:
    reference = Reference(config, listed)
    moment = [START]

    def empty(db) -> None:
        db.execute("DELETE FROM local_list")
        db.execute("DELETE FROM auth_cache")
        db.execute("DELETE FROM meta")

    await store.run(empty)
    device_model = build_device_model(make_config(store.path.parent / "data"), store)
    await device_model.load({})
    client = OcppClient(rng=random.Random(1))  # never connected: offline
    local_auth = LocalAuthorization(
        client=client, store=store, device_model=device_model, now=lambda: moment[0]
    )
    await local_auth.load()
    service = TransactionService(
        client=client,
        store=store,
        device_model=device_model,
        clock=WallClock(start=START),
        rng=random.Random(1),
        queue=TransactionQueue(store, client, device_model),
        evses={},
        usable=lambda evse_id: True,
    )
    service.local_auth = local_auth
    service.accepted_once = config["AcceptedOnce"]
    # The list is sent while enabled (SendLocalList is refused otherwise), then the
    # configuration takes its generated values.
    if listed:
        await device_model.set(key("LocalAuthListCtrlr", "Enabled"), "true")
        request = SendLocalListRequest(
            version_number=1,
            update_type=UpdateEnumType.Full,
            local_authorization_list=[
                AuthorizationData(
                    id_token=IdTokenType(id_token=uid, type="ISO14443"),
                    id_token_info=_id_token_info(START, info),
                )
                for uid, info in listed.items()
            ],
        )
        assert (await local_auth.send_local_list(request)).status.value == "Accepted"
    settings_ = {
        key("AuthCtrlr", "LocalAuthorizeOffline"): config["LocalAuthorizeOffline"],
        key("AuthCtrlr", "LocalPreAuthorize"): config["LocalPreAuthorize"],
        key("AuthCacheCtrlr", "Enabled"): config["CacheEnabled"],
        key("AuthCacheCtrlr", "LifeTime"): config["LifeTime"],
        key("LocalAuthListCtrlr", "Enabled"): config["ListEnabled"],
        # ReadOnly to the CSMS, constant in this station: set as a station built without
        # the feature would have it.
        key("LocalAuthListCtrlr", "SupportsExpiryDateTime"): config["ListExpiry"],
        key("AuthCtrlr", "OfflineTxForUnknownIdEnabled"): config["OfflineTxForUnknownIdEnabled"],
        key("AuthCtrlr", "OfflineTxForUnknownIdBeforeAccepted"): config[
            "OfflineTxForUnknownIdBeforeAccepted"
        ],
    }
    for variable, value in settings_.items():
        await device_model.set(variable, str(value).lower())

    async def answer(uid: str, info: dict) -> None:
        token = IdTokenType(id_token=uid, type="ISO14443")
        await local_auth.remember(token, _id_token_info(moment[0], info))
        reference.answer(uid, info)

    def pass_time(seconds: int) -> None:
        moment[0] += timedelta(seconds=seconds)
        reference.now = moment[0]

    async def present(uid: str) -> None:
        accepted, group = await service.authorize(Token(uid, "ISO14443"))
        expected, expected_group, why = reference.present(uid)
        assert (accepted, group) == (expected, expected_group), (
            f"{uid} ({why}) at +{(moment[0] - START).total_seconds():.0f}s: station "
            f"{accepted, group}, rules {expected, expected_group}; config {reference.config}"
        )
        if why == "unknown":  # C15.FR.01: never cached by an offline acceptance
            assert local_auth.lookup(IdTokenType(id_token=uid, type="ISO14443")) is None

    for op in ops:
        if op[0] == "answer":
            await answer(op[1], op[2])
        elif op[0] == "wait":
            pass_time(op[1])
        elif op[0] == "clear":
            await local_auth.clear_cache(ClearCacheRequest())
            reference.clear()
        elif op[0] == "cache_enabled":
            await device_model.set(key("AuthCacheCtrlr", "Enabled"), str(op[1]).lower())
            reference.config = {**reference.config, "CacheEnabled": op[1]}
        elif op[0] == "cycle":
            _, uid, info, wait, variant = op
            await answer(uid, info)
            pass_time(wait)
            await present((uid, uid.lower(), uid.capitalize())[variant])
        else:
            await present(op[1])


def _config(**changes: object) -> dict:
    """A configuration where the tables decide: offline use on, unknown ids refused."""
    return {
        "LocalAuthorizeOffline": True,
        "LocalPreAuthorize": False,
        "CacheEnabled": True,
        "LifeTime": 30,
        "ListEnabled": True,
        "ListExpiry": True,
        "OfflineTxForUnknownIdEnabled": False,
        "OfflineTxForUnknownIdBeforeAccepted": False,
        "AcceptedOnce": True,
    } | changes


def _info(status: str = "Accepted", expires_in: int | None = None, group=None) -> dict:
    return {"status": status, "group": group, "expires_in": expires_in}


A, B = CARDS[0], CARDS[1]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(config=configurations, listed=local_lists, ops=operations)
# The boundaries, always run besides the generated examples:
# cacheExpiryDateTime reached exactly (C10.FR.13) and one second before it;
@example(_config(), {}, [("cycle", A, _info(expires_in=30), 30, 1)])
@example(_config(), {}, [("cycle", A, _info(expires_in=30), 29, 2)])
# the lifetime since the last use reached exactly, and restarted by a use (C10.FR.08);
@example(_config(), {}, [("cycle", A, _info(), 30, 0)])
@example(_config(), {}, [("cycle", A, _info(), 29, 0), ("wait", 29), ("present", A)])
# a cache disabled after it was filled is not used (C10.FR.11), ClearCache then Rejected;
@example(_config(), {}, [("answer", A, _info()), ("cache_enabled", False), ("present", A)])
@example(
    _config(),
    {},
    [
        ("answer", A, _info()),
        ("cache_enabled", False),
        ("clear",),
        ("cache_enabled", True),
        ("present", A),
    ],
)
# the list before the cache (C13.FR.01), and a disabled list not at all;
@example(_config(), {A: _info("Blocked")}, [("answer", A, _info()), ("present", A.lower())])
@example(
    _config(ListEnabled=False), {A: _info("Blocked")}, [("answer", A, _info()), ("present", A)]
)
# a list entry's cacheExpiryDateTime: reached exactly, one second before, passed with
# unknown ids let in (still refused: no unknown id), and not checked without
# SupportsExpiryDateTime;
@example(_config(), {A: _info(expires_in=30)}, [("wait", 30), ("present", A)])
@example(_config(), {A: _info(expires_in=30, group="FLEET-A")}, [("wait", 29), ("present", A)])
@example(
    _config(OfflineTxForUnknownIdEnabled=True),
    {A: _info(expires_in=-5)},
    [("answer", A, _info()), ("present", A)],
)
@example(_config(ListExpiry=False), {A: _info(expires_in=-5, group="FLEET-A")}, [("present", A)])
# unknown ids: the rule, LocalAuthorizeOffline, and a station never accepted;
@example(_config(OfflineTxForUnknownIdEnabled=True), {A: _info("Invalid")}, [("present", B)])
@example(_config(OfflineTxForUnknownIdEnabled=True, AcceptedOnce=False), {}, [("present", B)])
@example(
    _config(OfflineTxForUnknownIdEnabled=True, LocalAuthorizeOffline=False), {}, [("present", B)]
)
# an expired cache entry makes the idToken unknown again (C10.FR.10).
@example(
    _config(OfflineTxForUnknownIdEnabled=True),
    {},
    [("cycle", A, _info("Blocked", expires_in=1), 1, 0)],
)
def test_offline_acceptance_follows_the_list_the_cache_and_the_unknown_id_rule(
    store, config, listed, ops
):
    assert CACHE_CAPACITY > len(CARDS)  # the replacement policy stays out of the way
    trio.run(run_example, store, config, listed, ops)
