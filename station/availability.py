"""Availability and connector status (G01–G04, B01.FR.05, B04).

The status of each connector is derived, never stored: Faulted when its EVSE reports a
fault, Unavailable when the station, the EVSE or the connector is Inoperative, Occupied
while an EV is connected, else Available. What *is* stored is the operational status a
CSMS set with ChangeAvailability (persistent across reboots, G03.FR.08 / G04.FR.09).

StatusNotification goes out for every connector after each Accepted boot, and for each
connector whose status changed. After an outage the station reports all connectors if it
was offline longer than OfflineThreshold, else only the ones that changed (B04). A
StatusNotification that fails (no answer, a CALLERROR, the connection lost) may still
have reached the CSMS: the connector's status of the moment goes out again, after
`STATUS_RETRY_S` or the reconnection, even if it went back to the one last answered.

A ChangeAvailability that would interrupt a running transaction is answered Scheduled and
applied when the transaction ends (G03.FR.05, G04.FR.06).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import trio

from station.clock import WallClock
from station.devicemodel.model import DeviceModel, key
from station.evse import EvseSnapshot
from station.ocpp.client import Admission, CallFailed, OcppClient, Offline
from station.ocpp.messages import ConnectorStatusEnumType, StatusInfoType, StatusNotificationRequest
from station.store import Store

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import ChangeAvailabilityRequest, ChangeAvailabilityResponse

log = logging.getLogger(__name__)

Status = ConnectorStatusEnumType
OFFLINE_THRESHOLD = key("OCPPCommCtrlr", "OfflineThreshold")
META_KEY = "availability"
#: A scheduled change of the whole station to Inoperative, as `OperationalState.scheduled`
#: holds it.
STATION_INOPERATIVE = (None, None, False)
#: Wait before a StatusNotification that failed (CALLERROR, no answer) is sent again.
STATUS_RETRY_S = 60.0


@dataclass
class OperationalState:
    """What the CSMS set (True = Operative), and what waits for a transaction to end."""

    station: bool = True
    evses: dict[int, bool] = field(default_factory=dict)
    connectors: dict[int, bool] = field(default_factory=dict)  # one connector per EVSE
    scheduled: list[tuple[int | None, int | None, bool]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "station": self.station,
                "evses": self.evses,
                "connectors": self.connectors,
                "scheduled": self.scheduled,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> OperationalState:
        data = json.loads(text)
        return cls(
            station=data.get("station", True),
            evses={int(k): v for k, v in data.get("evses", {}).items()},
            connectors={int(k): v for k, v in data.get("connectors", {}).items()},
            scheduled=[tuple(item) for item in data.get("scheduled", [])],
        )


class Availability:
    """Connector statuses, ChangeAvailability, and StatusNotification delivery."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: Store,
        device_model: DeviceModel,
        clock: WallClock,
        evse_ids: list[int],
        apply_operative: Callable[[int, bool], None],
        transaction_active: Callable[[int], bool],
    ) -> None:
        self._client = client
        self._store = store
        self._dm = device_model
        self._clock = clock
        self._evse_ids = evse_ids
        self._apply_operative = apply_operative
        self._transaction_active = transaction_active
        self.state = OperationalState()
        #: The state as the store holds it (its JSON), None when unknown: nothing stored
        #: yet, or a write on its way. A ChangeAvailability to the state the EVSE is
        #: already in (G03.FR.03) then answers without a commit: G03.FR.08 holds already.
        self._stored_text: str | None = None
        #: Counts `_save` calls: only the latest one's write may set `_stored_text`.
        self._saves = 0
        self._snapshots = {evse_id: EvseSnapshot(evse_id) for evse_id in evse_ids}
        self._reported: dict[int, Status | None] = dict.fromkeys(evse_ids)
        self._changed = trio.Event()
        self._report_all = True
        #: EVSEs whose status goes out again even if unchanged (taken by the next round).
        self._report_again: set[int] = set()
        #: EVSEs held Unavailable by maintenance (a firmware installation); not persisted.
        self._held: set[int] = set()
        self._reported_event = trio.Event()
        #: Whether an Available EVSE is held for a reservation (shown Reserved, H01).
        self.reserved: Callable[[int], bool] = lambda evse_id: False
        #: Called when an EVSE's status may have changed (reservations watch it).
        self.status_listeners: list[Callable[[], None]] = []
        client.route("ChangeAvailability", self.change_availability)
        # A change of the connection or of the boot state wakes `run` too.
        client.on_changed(lambda: self._changed.set())
        for evse_id in evse_ids:
            device_model.bind_live(
                key("EVSE", "AvailabilityState", evse=evse_id),
                partial(self._status_value, evse_id),
            )
            device_model.bind_live(
                key("Connector", "AvailabilityState", evse=evse_id, connector=1),
                partial(self._status_value, evse_id),
            )
        device_model.bind_live(key("ChargingStation", "AvailabilityState"), self._station_status)

    async def load(self) -> None:
        """Restore what a CSMS set before the restart, and apply it to the EVSEs."""
        text = await self._store.run(
            lambda db: (
                db.execute("SELECT value FROM meta WHERE name = ?", (META_KEY,)).fetchone()
                or (None,)
            )[0]
        )
        if text:
            self.state = OperationalState.from_json(text)
            self._stored_text = self.state.to_json()
        for evse_id in self._evse_ids:
            self._apply_operative(evse_id, self.operative(evse_id))

    def operative(self, evse_id: int) -> bool:
        """Whether the EVSE may be used (station, EVSE and connector all Operative).

        While the whole station waits to become Inoperative (Scheduled, G04.FR.06), an
        EVSE without a transaction is already Inoperative; only the busy ones wait for
        their transaction to end (TC_G_14 step 3).
        """
        s = self.state
        if STATION_INOPERATIVE in s.scheduled and not self._transaction_active(evse_id):
            return False
        return (
            s.station
            and s.evses.get(evse_id, True)
            and s.connectors.get(evse_id, True)
            and evse_id not in self._held
        )

    def hold(self, evse_ids: list[int], held: bool) -> None:
        """Hold EVSEs Unavailable for maintenance (or release them); a restart releases
        them too. Their status changes are reported like any other."""
        if held:
            self._held.update(evse_ids)
        else:
            self._held.difference_update(evse_ids)
        for e in self._evse_ids:
            self._apply_operative(e, self.operative(e))
        self.refresh()
        log.info("event=maintenance_hold evses=%s held=%s", evse_ids, held)

    def status(self, evse_id: int) -> Status:
        """ConnectorStatus of the EVSE's connector now."""
        status = self.base_status(evse_id)
        if status is Status.Available and self.reserved(evse_id):
            return Status.Reserved
        return status

    def base_status(self, evse_id: int) -> Status:
        """The status without reservations."""
        snapshot = self._snapshots[evse_id]
        if snapshot.fault is not None:
            return Status.Faulted
        if not self.operative(evse_id):
            return Status.Unavailable
        if snapshot.ev_connected:
            return Status.Occupied
        return Status.Available

    def _status_value(self, evse_id: int) -> str:
        return self.status(evse_id).value

    def _station_status(self) -> str:
        statuses = {self.status(e) for e in self._evse_ids}
        if not self.state.station:
            return Status.Unavailable.value
        if statuses == {Status.Faulted}:
            return Status.Faulted.value
        if Status.Available in statuses:
            return Status.Available.value
        return Status.Occupied.value if Status.Occupied in statuses else Status.Unavailable.value

    def update(self, snapshot: EvseSnapshot) -> None:
        """The control loop published a new snapshot."""
        self._snapshots[snapshot.evse_id] = snapshot
        self.refresh()

    def refresh(self) -> None:
        """Statuses may have changed (a snapshot, availability, a reservation)."""
        self._changed.set()
        for listener in self.status_listeners:
            listener()

    def _reapply(self) -> None:
        for e in self._evse_ids:
            self._apply_operative(e, self.operative(e))
        self.refresh()

    async def transaction_ended(self, evse_id: int) -> None:
        """Apply ChangeAvailability requests that waited for this EVSE's transaction."""
        remaining = []
        applied = False
        for target_evse, connector, operative in self.state.scheduled:
            affected = self._evse_ids if target_evse is None else [target_evse]
            if any(self._transaction_active(e) for e in affected):
                remaining.append((target_evse, connector, operative))
                continue
            self._set(target_evse, connector, operative)
            applied = True
        if applied:
            self.state.scheduled = remaining
            await self._save()
        self._reapply()

    # -- ChangeAvailability --------------------------------------------------------------

    async def change_availability(
        self, request: ChangeAvailabilityRequest
    ) -> ChangeAvailabilityResponse:
        """G03 / G04."""
        from station.ocpp.messages import (
            ChangeAvailabilityResponse,
            ChangeAvailabilityStatusEnumType,
            OperationalStatusEnumType,
        )

        operative = request.operational_status is OperationalStatusEnumType.Operative
        evse_id = request.evse.id if request.evse is not None else None
        connector = request.evse.connector_id if request.evse is not None else None
        if evse_id == 0:
            # EVSE id 0 addresses the whole station (Part 1 §4), as an omitted evse does
            # (G04.FR.01); a connector of "EVSE 0" means nothing.
            if connector not in (None, 0):
                return ChangeAvailabilityResponse(
                    status=ChangeAvailabilityStatusEnumType.Rejected,
                    status_info=StatusInfoType(reason_code="UnknownConnector"),
                )
            evse_id = connector = None
        if evse_id is not None and (evse_id not in self._evse_ids or connector not in (None, 1)):
            return ChangeAvailabilityResponse(
                status=ChangeAvailabilityStatusEnumType.Rejected,
                status_info=StatusInfoType(
                    reason_code="UnknownEvse"
                    if evse_id not in self._evse_ids
                    else "UnknownConnector"
                ),
            )
        if self._current(evse_id, connector) == operative:
            # Already so (G03.FR.03 / G04.FR.04); a pending opposite change is dropped.
            self.state.scheduled = [
                s for s in self.state.scheduled if s[:2] != (evse_id, connector)
            ]
            await self._save()
            if evse_id is None and not operative:
                # TC_G_13 step 3: a station already Inoperative, told so again, reports the
                # state of every connector (stricter than G04.FR.05's changed connectors).
                self._report_again.update(self._evse_ids)
                self.refresh()
            return ChangeAvailabilityResponse(status=ChangeAvailabilityStatusEnumType.Accepted)
        affected = self._evse_ids if evse_id is None else [evse_id]
        if not operative and any(self._transaction_active(e) for e in affected):
            self.state.scheduled = [
                s for s in self.state.scheduled if s[:2] != (evse_id, connector)
            ]
            self.state.scheduled.append((evse_id, connector, operative))
            await self._save()
            self._reapply()  # TC_G_14: the idle EVSEs go Unavailable at once
            return ChangeAvailabilityResponse(status=ChangeAvailabilityStatusEnumType.Scheduled)
        self._set(evse_id, connector, operative)
        await self._save()
        self.refresh()
        return ChangeAvailabilityResponse(status=ChangeAvailabilityStatusEnumType.Accepted)

    def _current(self, evse_id: int | None, connector: int | None) -> bool:
        if evse_id is None:
            return self.state.station
        if connector is None:
            return self.state.evses.get(evse_id, True)
        return self.state.connectors.get(evse_id, True)

    def _set(self, evse_id: int | None, connector: int | None, operative: bool) -> None:
        if evse_id is None:
            self.state.station = operative
        elif connector is None:
            self.state.evses[evse_id] = operative
        else:
            self.state.connectors[evse_id] = operative
        for e in self._evse_ids:
            self._apply_operative(e, self.operative(e))
        log.info(
            "event=availability_changed evse=%s connector=%s operative=%s",
            evse_id,
            connector,
            operative,
        )

    async def _save(self) -> None:
        """Persist the state (G03.FR.08), unless the store holds exactly this already."""
        text = self.state.to_json()
        if text == self._stored_text:
            return
        self._saves += 1
        save = self._saves
        # Unknown while this write is on its way: a save that starts meanwhile (a
        # scheduled change applied as a transaction ends) writes its state in any case.
        self._stored_text = None
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (META_KEY, text)
            )
        )
        if save == self._saves:  # no later write can land after this one
            self._stored_text = text

    # -- StatusNotification --------------------------------------------------------------

    def boot_accepted(self) -> None:
        """B01.FR.05: report every connector after each Accepted boot."""
        self._report_all = True
        self._changed.set()

    async def notify(self, evse_id: int, *, admission: Admission = Admission.NORMAL) -> None:
        """Send the connector's status now (TriggerMessage StatusNotification)."""
        status = self.status(evse_id)
        # What the CSMS holds is known only once it answers: a CALL that fails (no
        # answer in time, a late answer, a connection lost after sending, even a
        # CALLERROR) may have reached it and changed its view. Unknown, the connector's
        # status goes out again at the next round whatever it is then; kept at the
        # previous status, a connector that went back to it (an EV unplugged before the
        # timeout) would never be reported and the CSMS would keep the status it missed.
        self._reported[evse_id] = None
        await self._client.call(
            StatusNotificationRequest(
                timestamp=self._clock.now(),
                connector_status=status,
                evse_id=evse_id,
                connector_id=1,
            ),
            admission=admission,
        )
        self._reported[evse_id] = status
        self._reported_event.set()
        self._reported_event = trio.Event()

    async def wait_reported(self, evse_ids: list[int] | None = None) -> None:
        """Wait until the CSMS was told the current status of these EVSEs (all by default);
        returns at once while offline (the statuses go out after the reconnection)."""
        ids = evse_ids or self._evse_ids
        while self._client.admits(Admission.NORMAL) and any(
            self._reported[e] != self.status(e) for e in ids
        ):
            await self._reported_event.wait()

    async def run(self) -> None:
        """Report status changes for the station's lifetime."""
        handled_connection: float | None = None
        while True:
            self._changed = trio.Event()
            if not self._client.admits(Admission.NORMAL):
                await self._client.wait_until(lambda: self._client.admits(Admission.NORMAL))
                continue
            if self._client.connected_at != handled_connection:
                handled_connection = self._client.connected_at
                self._after_outage()
            again, self._report_again = self._report_again, set()
            try:
                for evse_id in self._evse_ids:
                    status = self.status(evse_id)
                    if self._report_all or evse_id in again or status != self._reported[evse_id]:
                        await self.notify(evse_id)
                self._report_all = False
            except Offline:
                self._report_again |= again  # still owed after the reconnection
                continue
            except CallFailed as exc:
                log.warning("event=status_notification_failed reason=%r", str(exc))
                # The CSMS still holds the previous status: send it again after a while
                # even if nothing changes meanwhile, else its view stays stale for good.
                self._report_again |= again
                with trio.move_on_after(STATUS_RETRY_S):
                    await self._changed.wait()
                continue
            await self._changed.wait()

    def _after_outage(self) -> None:
        client = self._client
        if client.disconnected_at is None or client.connected_at is None:
            return  # first connection: the boot reports everything anyway
        offline_for = client.connected_at - client.disconnected_at
        if offline_for > (self._dm.get_float(OFFLINE_THRESHOLD) or 0.0):
            self._report_all = True  # B04.FR.01; else only the changed ones (B04.FR.02)
