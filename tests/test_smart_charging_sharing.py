"""Property: whatever station maximum profiles (in A or W, with their schedules), local
limits, EVSE limits and sessions come and go, the currents the EVSEs are offered together
never exceed the station-level limit in force (K04.FR.05: the ChargingStationMaxProfile
is for all EVSEs combined; a station-wide external limit and the grid connection's
current likewise), and each EVSE stays within its own limit.

The service runs as it does in the station (its applying task, on MockClock, waking at
the schedules' boundaries); the CSMS's messages go through its handlers; the reference
below computes the limits from the operations alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from station.devicemodel.seeding import build_device_model
from station.ocpp.client import OcppClient
from station.ocpp.messages import ClearChargingProfileRequest, SetChargingProfileRequest
from station.offload import InlineOffload
from station.smartcharging.schedule import Electrical
from station.smartcharging.service import MIN_OFFER, SmartChargingService
from station.store import Store
from tests.conftest import make_config

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EVSES = (1, 2)
MAX_CURRENT = 32.0
VOLTAGE = 230.0
#: How often a wait looks at the allocation (s): never on a whole second, where the
#: schedules' boundaries are.
LOOK_EVERY = 6.5

currents = st.integers(0, 40).map(float)
operations = st.lists(
    st.one_of(
        # A ChargingStationMaxProfile at stack level 0 or 1: two periods, from a start
        # before or after now, in A or W (one phase, 230 V).
        st.tuples(
            st.just("max"),
            st.integers(0, 1),
            st.sampled_from(["A", "W"]),
            currents,
            currents,
            st.integers(1, 300),
            st.integers(-300, 300),
        ),
        st.tuples(st.just("clear_max"), st.integers(0, 1)),
        # A local limit of the station (0) or of an EVSE; None releases it.
        st.tuples(st.just("external"), st.integers(0, 2), st.none() | currents),
        # The EVSE's own TxDefaultProfile; None clears it.
        st.tuples(st.just("default"), st.sampled_from(EVSES), st.none() | currents),
        st.tuples(
            st.just("session"), st.sampled_from(EVSES), st.sampled_from(["idle", "auth", "tx"])
        ),
        st.tuples(st.just("wait"), st.sampled_from([1, 30, 61, 150, 400])),
    ),
    max_size=14,
)


class Evse:
    """What the service commands an EVSE: only the current limit matters here."""

    def __init__(self, evse_id: int, model: Model) -> None:
        self.id = evse_id
        self.model = model

    def set_current_limit(self, amps: float) -> None:
        self.model.offered(self.id, amps)

    def allow_charging(self, allowed: bool) -> None:
        pass

    def set_operative(self, operative: bool) -> None:
        pass


class Model:
    """The reference: what was set, and the limits it makes, computed apart."""

    def __init__(self, grid_max: float | None, now) -> None:
        self.grid_max = grid_max
        self.now = now
        #: stack level → (unit, first, second, switch after s, start)
        self.station_max: dict[int, tuple[str, float, float, int, datetime]] = {}
        self.external: dict[int, float] = {}
        self.default: dict[int, float] = {}
        self.session = dict.fromkeys(EVSES, "idle")
        #: What each EVSE was last told (before the first: nothing, no session yet).
        self.limits = dict.fromkeys(EVSES, 0.0)
        #: The cap of the allocation last settled, for the moments of a change.
        self.settled_cap = self.cap()

    def cap(self) -> float:
        t = self.now()
        caps = [self.grid_max, self.external.get(0)]
        for stack in sorted(self.station_max, reverse=True):
            unit, first, second, switch, start = self.station_max[stack]
            if t < start:
                continue  # not started: a lower stack level shows through
            value = first if (t - start).total_seconds() < switch else second
            caps.append(value / VOLTAGE if unit == "W" else value)
            break
        present = [c for c in caps if c is not None]
        return min(present) if present else float("inf")

    def own(self, evse_id: int) -> float:
        limits = [MAX_CURRENT, self.external.get(evse_id), self.default.get(evse_id)]
        return min(x for x in limits if x is not None)

    def offered(self, evse_id: int, amps: float) -> None:
        self.limits[evse_id] = amps
        # Lower first, then raise: in the middle of a change the EVSEs together stay
        # within the old cap or the new one.
        assert sum(self.limits.values()) <= max(self.settled_cap, self.cap()) + 1e-6, (
            self.limits,
            self.settled_cap,
            self.cap(),
        )

    def check(self) -> None:
        cap = self.cap()
        total = sum(self.limits.values())
        assert total <= cap + 1e-6, (self.now(), self.limits, cap)
        for evse_id, amps in self.limits.items():
            own = self.own(evse_id)
            assert amps <= own + 1e-6, (evse_id, amps, own)
            if cap == float("inf"):
                assert amps == own, "no station-level limit: nothing is shared"
            elif self.session[evse_id] == "idle":
                assert amps == 0, "under a station-level limit only authorized EVSEs share"
            elif 0 < amps < own - 1e-6:
                # Water-filling: an EVSE held below its own limit has that because the
                # cap is used up, and an EVSE that is offered anything gets 6 A at least.
                assert total >= cap - 1e-6, (self.limits, cap)
            assert amps == 0 or amps >= MIN_OFFER or amps == own
        self.settled_cap = cap


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Iterator[Store]:
    opened = Store.open_sync(
        tmp_path_factory.mktemp("sharing") / "station.db", offload=InlineOffload()
    )
    opened.run_sync(lambda db: db.execute("PRAGMA synchronous=OFF"))  # not in a transaction
    yield opened
    opened.close()


def _max_profile(stack: int, unit: str, first: float, second: float, switch: int, start):
    return {
        "id": 100 + stack,
        "stackLevel": stack,
        "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [
            {
                "id": 1,
                "startSchedule": start.isoformat().replace("+00:00", "Z"),
                "chargingRateUnit": unit,
                "chargingSchedulePeriod": [
                    {"startPeriod": 0, "limit": first},
                    {"startPeriod": switch, "limit": second},
                ],
            }
        ],
    }


def _default_profile(evse_id: int, amps: float) -> dict:
    return {
        "id": 200 + evse_id,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": 1,
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}],
            }
        ],
    }


async def run_example(store: Store, grid_max: float | None, ops: list) -> None:
    await store.run(lambda db: db.execute("DELETE FROM charging_profiles"))
    device_model = build_device_model(make_config(store.path.parent / "data"), store)
    await device_model.load({})
    origin = trio.current_time()

    def now() -> datetime:
        return START + timedelta(seconds=trio.current_time() - origin)

    model = Model(grid_max, now)
    transactions: dict[int, str | None] = dict.fromkeys(EVSES)
    service = SmartChargingService(
        client=OcppClient(rng=random.Random(1)),  # never connected: offline
        store=store,
        device_model=device_model,
        now=now,
        evses={e: Evse(e, model) for e in EVSES},
        electrical={e: Electrical(VOLTAGE, 1, MAX_CURRENT) for e in EVSES},
        transaction_id=transactions.__getitem__,
        grid_max_current=grid_max,
        authorized=lambda e: model.session[e] != "idle",
    )

    async def settle() -> None:
        service.changed()
        await trio.sleep(0.001)  # the applying task runs before the clock moves on
        model.check()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(service.run)
        await settle()
        for number, op in enumerate(ops):
            kind = op[0]
            # The reference learns each change first: the service applies it while the
            # call that makes it is under way.
            if kind == "max":
                _, stack, unit, first, second, switch, offset = op
                start = now().replace(microsecond=0) + timedelta(seconds=offset)
                sent = _max_profile(stack, unit, first, second, switch, start)
                model.station_max[stack] = (unit, first, second, switch, start)
                answer = await service.set_profile(
                    SetChargingProfileRequest.model_validate({"evseId": 0, "chargingProfile": sent})
                )
                assert answer.status.value == "Accepted", answer
            elif kind == "clear_max":
                model.station_max.pop(op[1], None)
                request = ClearChargingProfileRequest(charging_profile_id=100 + op[1])
                await service.clear_profile(request)
            elif kind == "external":
                _, evse_id, amps = op
                if amps is None:
                    model.external.pop(evse_id, None)
                    await service.release_external_limit(evse_id)
                else:
                    model.external[evse_id] = amps
                    await service.install_external_limit(evse_id, amps)
            elif kind == "default":
                _, evse_id, amps = op
                if amps is None:
                    model.default.pop(evse_id, None)
                    await service.clear_profile(
                        ClearChargingProfileRequest(charging_profile_id=200 + evse_id)
                    )
                else:
                    sent = _default_profile(evse_id, amps)
                    model.default[evse_id] = amps
                    answer = await service.set_profile(
                        SetChargingProfileRequest.model_validate(
                            {"evseId": evse_id, "chargingProfile": sent}
                        )
                    )
                    assert answer.status.value == "Accepted", answer
            elif kind == "session":
                _, evse_id, state = op
                model.session[evse_id] = state
                transactions[evse_id] = f"tx-{evse_id}-{number}" if state == "tx" else None
            else:
                left = float(op[1])
                while left > 0:
                    step = min(left, LOOK_EVERY)
                    await trio.sleep(step)  # the task wakes at the boundaries meanwhile
                    left -= step
                    model.check()
            await settle()
        nursery.cancel_scope.cancel()


@settings(max_examples=120, deadline=None, derandomize=True)
@given(grid_max=st.none() | st.integers(8, 64).map(float), ops=operations)
def test_the_evses_together_never_exceed_the_station_level_limit(store, grid_max, ops):
    trio.run(
        run_example,
        store,
        grid_max,
        ops,
        clock=trio.testing.MockClock(autojump_threshold=0),
    )
