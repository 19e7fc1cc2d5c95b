"""Reservations (Part 2 H01–H04): ReserveNow, CancelReservation, expiry, and which EVSE
an idToken may use while reservations hold.

A reservation names an EVSE, a connector type, or neither; its *candidates* are the EVSEs
it may be served by. The rule behind every decision is one feasibility check: the
reservations must each be able to get a distinct EVSE among their candidates that is
Available (H01.FR.07/09). So:

* ReserveNow is Accepted when the reservations with the new one stay feasible; otherwise
  the targeted EVSEs' states give the answer: Faulted, Unavailable or Occupied (H01.FR.11,
  .12, .14);
* an EVSE is shown Reserved when taking it away would leave a reservation without an EVSE
  (H01.FR.20/23/24: the reserved EVSE, or every Available one once there are as many
  reservations as Available EVSEs);
* an idToken may start on an EVSE when the other reservations stay feasible without that
  EVSE (H03.FR.01–06); an idToken (or its group) that matches a reservation consumes it
  (H03.FR.09) and its transaction carries the reservationId (H01.FR.15);
* a reservation whose only EVSE becomes Faulted or Unavailable is removed and reported
  (H01.FR.16/17); one that expires is reported Expired (H04.FR.01).

Reservations are kept in the store, so a restart keeps them (and their expiry).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import trio

from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import Admission, CallFailed, OcppClient
from station.ocpp.messages import ConnectorStatusEnumType, StatusInfoType
from station.store import Store

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        CancelReservationRequest,
        CancelReservationResponse,
        ReservationStatusUpdateRequest,
        ReserveNowRequest,
        ReserveNowResponse,
    )

log = logging.getLogger(__name__)

ENABLED = key("ReservationCtrlr", "Enabled")
NON_EVSE_SPECIFIC = key("ReservationCtrlr", "NonEvseSpecific")
META_KEY = "reservations"
#: Longest sleep of the expiry task: a clock step is noticed within this many seconds.
MAX_WAIT = 60.0
Status = ConnectorStatusEnumType


@dataclass(frozen=True, slots=True)
class Reservation:
    """One accepted reservation (idTokens compare case-insensitively)."""

    id: int
    expiry: datetime
    id_token: str
    token_type: str
    group: str | None = None
    evse_id: int | None = None
    connector_type: str | None = None

    def matches(self, id_token: str, token_type: str, group: str | None) -> bool:
        """H03: the reserving idToken, or (when the reservation has one) its group."""
        if self.id_token.casefold() == id_token.casefold() and self.token_type == token_type:
            return True
        return (
            self.group is not None
            and group is not None
            and self.group.casefold() == group.casefold()
        )

    def to_json(self) -> dict:
        """JSON-able form for the store."""
        return asdict(self) | {"expiry": self.expiry.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> Reservation:
        """Inverse of `to_json`."""
        return cls(**(data | {"expiry": datetime.fromisoformat(data["expiry"])}))


class Reservations:
    """The station's reservations, their handlers and their expiry."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: Store,
        device_model: DeviceModel,
        now: Callable[[], datetime],
        connector_types: dict[int, str],
        base_status: Callable[[int], Status],
        changed: Callable[[], None],
    ) -> None:
        """``base_status(evse)`` is the connector status without reservations;
        ``changed()`` tells the availability layer that Reserved statuses may differ."""
        self._client = client
        self._store = store
        self._dm = device_model
        self._now = now
        self._types = connector_types
        self._base_status = base_status
        self._changed = changed
        self._reservations: dict[int, Reservation] = {}
        self._wakeup = trio.Event()
        #: ReservationStatusUpdates owed to the CSMS (sent when it can be reached).
        self._owed: list[ReservationStatusUpdateRequest] = []
        client.route("ReserveNow", self.reserve_now)
        client.route("CancelReservation", self.cancel)

    async def load(self) -> None:
        """Read the reservations a previous run kept."""
        text = await self._store.run(
            lambda db: (
                db.execute("SELECT value FROM meta WHERE name = ?", (META_KEY,)).fetchone()
                or (None,)
            )[0]
        )
        if text:
            for item in json.loads(text):
                reservation = Reservation.from_json(item)
                self._reservations[reservation.id] = reservation

    async def _save(self) -> None:
        text = json.dumps([r.to_json() for r in self._reservations.values()])
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (META_KEY, text)
            )
        )

    # -- queries -------------------------------------------------------------------------

    def all(self) -> list[Reservation]:
        """The reservations in force."""
        return list(self._reservations.values())

    def _candidates(self, reservation: Reservation) -> set[int]:
        if reservation.evse_id is not None:
            return {reservation.evse_id}
        if reservation.connector_type is not None:
            return {e for e, t in self._types.items() if t == reservation.connector_type}
        return set(self._types)

    def _free(self) -> set[int]:
        return {e for e in self._types if self._base_status(e) is Status.Available}

    def _feasible(self, reservations: Iterable[Reservation], free: set[int]) -> bool:
        """Whether each reservation can have its own free EVSE among its candidates."""
        wanted = [self._candidates(r) & free for r in reservations]
        if len(wanted) > len(free):
            return False
        return any(
            all(choice in options for choice, options in zip(assignment, wanted, strict=True))
            for assignment in itertools.permutations(sorted(free), len(wanted))
        )

    def reserved(self, evse_id: int) -> bool:
        """Whether the EVSE shows Reserved: Available, and needed by a reservation."""
        if not self._reservations or self._base_status(evse_id) is not Status.Available:
            return False
        return not self._feasible(self._reservations.values(), self._free() - {evse_id})

    def admits(self, evse_id: int, id_token: str, token_type: str, group: str | None) -> bool:
        """Whether this idToken may use the EVSE: the reservations it does not hold stay
        feasible without the EVSE (H03)."""
        others = [
            r for r in self._reservations.values() if not r.matches(id_token, token_type, group)
        ]
        if not others:
            return True
        return self._feasible(others, self._free() - {evse_id})

    async def consume(self, id_token: str, token_type: str, group: str | None) -> int | None:
        """H03.FR.09: a presented idToken (or its group) uses up its reservation; returns
        its id (the transaction reports it, H01.FR.15)."""
        for reservation in list(self._reservations.values()):
            if reservation.matches(id_token, token_type, group):
                del self._reservations[reservation.id]
                await self._save()
                log.info("event=reservation_used id=%d", reservation.id)
                self._changed()  # H03.FR.10: Reserved no longer
                return reservation.id
        return None

    # -- ReserveNow / CancelReservation (H01, H02) ---------------------------------------

    async def reserve_now(self, request: ReserveNowRequest) -> ReserveNowResponse:
        """H01."""
        from station.ocpp.messages import ReserveNowResponse, ReserveNowStatusEnumType

        def answer(
            status: ReserveNowStatusEnumType, reason: str | None = None
        ) -> ReserveNowResponse:
            info = StatusInfoType(reason_code=reason) if reason else None
            return ReserveNowResponse(status=status, status_info=info)

        if not self._dm.get(ENABLED):
            return answer(ReserveNowStatusEnumType.Rejected, "NotEnabled")  # H01.FR.01
        evse_id = request.evse_id if request.evse_id else None
        connector = request.connector_type.value if request.connector_type else None
        if evse_id is not None and evse_id not in self._types:
            return answer(ReserveNowStatusEnumType.Rejected, "UnknownEvse")
        if evse_id is None and not self._dm.get(NON_EVSE_SPECIFIC):
            return answer(ReserveNowStatusEnumType.Rejected, "NonEvseSpecific")  # H01.FR.19
        if request.expiry_date_time <= self._now():
            return answer(ReserveNowStatusEnumType.Rejected, "InvalidValue")
        group = request.group_id_token.id_token if request.group_id_token else None
        reservation = Reservation(
            id=request.id,
            expiry=request.expiry_date_time,
            id_token=request.id_token.id_token,
            token_type=request.id_token.type.value,
            group=group,
            evse_id=evse_id,
            connector_type=connector,
        )
        candidates = self._candidates(reservation)
        if not candidates:
            return answer(ReserveNowStatusEnumType.Rejected, "UnknownConnectorType")
        others = [r for r in self._reservations.values() if r.id != request.id]  # H01.FR.02
        if not self._feasible([*others, reservation], self._free()):
            statuses = {self._base_status(e) for e in candidates}
            if statuses == {Status.Faulted}:
                return answer(ReserveNowStatusEnumType.Faulted)  # H01.FR.12
            if statuses == {Status.Unavailable}:
                return answer(ReserveNowStatusEnumType.Unavailable)  # H01.FR.14
            return answer(ReserveNowStatusEnumType.Occupied)  # H01.FR.11
        self._reservations[request.id] = reservation
        await self._save()
        log.info(
            "event=reservation_accepted id=%d evse=%s connector_type=%s expiry=%s",
            reservation.id,
            evse_id,
            connector,
            reservation.expiry.isoformat(),
        )
        self._wakeup.set()
        self._changed()  # H01.FR.20/23/24: Reserved
        return answer(ReserveNowStatusEnumType.Accepted)

    async def cancel(self, request: CancelReservationRequest) -> CancelReservationResponse:
        """H02."""
        from station.ocpp.messages import CancelReservationResponse, CancelReservationStatusEnumType

        if self._reservations.pop(request.reservation_id, None) is None:
            return CancelReservationResponse(  # H02.FR.01
                status=CancelReservationStatusEnumType.Rejected
            )
        await self._save()
        log.info("event=reservation_cancelled id=%d", request.reservation_id)
        self._changed()
        return CancelReservationResponse(status=CancelReservationStatusEnumType.Accepted)

    # -- expiry and removal (H01.FR.16/17, H04) ------------------------------------------

    def statuses_changed(self) -> None:
        """An EVSE's status changed: a reservation may have lost its EVSE (without one,
        there is nothing to look at: every status change would wake `run` for nothing)."""
        if self._reservations:
            self._wakeup.set()

    async def run(self) -> None:
        """Expire and remove reservations for the station's lifetime."""
        while True:
            self._wakeup = trio.Event()
            await self._expire_and_remove()
            await self._deliver_owed()
            now = self._now()
            wait = math.inf  # nothing to expire: a new reservation wakes it
            if self._reservations:
                first = min(r.expiry for r in self._reservations.values())
                wait = min(MAX_WAIT, max(0.0, (first - now).total_seconds()))
            if self._owed:
                wait = min(wait, 5.0)
            with trio.move_on_after(wait):
                await self._wakeup.wait()

    async def _expire_and_remove(self) -> None:
        if not self._reservations:
            return  # before the import: a station without reservations needs no models
        from station.ocpp.messages import (
            ReservationStatusUpdateRequest,
            ReservationUpdateStatusEnumType,
        )

        now = self._now()
        ended: list[tuple[Reservation, ReservationUpdateStatusEnumType]] = []
        for reservation in list(self._reservations.values()):
            if reservation.expiry <= now:
                ended.append((reservation, ReservationUpdateStatusEnumType.Expired))
            elif reservation.evse_id is not None and self._base_status(reservation.evse_id) in (
                Status.Faulted,
                Status.Unavailable,
            ):
                ended.append((reservation, ReservationUpdateStatusEnumType.Removed))
        if not ended:
            return
        for reservation, status in ended:
            del self._reservations[reservation.id]
            log.info("event=reservation_ended id=%d status=%s", reservation.id, status.value)
            self._owed.append(
                ReservationStatusUpdateRequest(
                    reservation_id=reservation.id, reservation_update_status=status
                )
            )
        await self._save()
        self._changed()  # H04.FR.03: Available again

    async def _deliver_owed(self) -> None:
        while self._owed and self._client.admits(Admission.NORMAL):
            try:
                await self._client.call(self._owed[0])
            except CallFailed as exc:
                log.warning("event=reservation_update_not_sent reason=%r", str(exc))
                return
            self._owed.pop(0)
