"""Reservation (block H) through CitrineOS: a reservation made and cancelled, and one used
by its idToken, with what CitrineOS stored of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from tools.interop.citrineos_checks.base import (
    CARD,
    STATION,
    SuiteBase,
    expect,
    wait,
)
from tools.interop.station_process import call

EVSE = 2
CANCELLED_ID = 31
USED_ID = 32


def _expiry() -> str:
    later = datetime.now(UTC) + timedelta(minutes=30)
    return later.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReservationChecks(SuiteBase):
    """ReserveNow, CancelReservation and a reservation used, on EVSE 2."""

    def reservations(self) -> None:
        """H01, H02, H03 through CitrineOS's evdriver API."""
        with self.check("ReserveNow EVSE 2 (Reserved stored), CancelReservation") as n:
            self._reserve(CANCELLED_ID)
            answer = self.result("evdriver", "cancelReservation", {"reservationId": CANCELLED_ID})
            expect(answer.get("status") == "Accepted", f"CancelReservation: {answer}")
            wait(
                "Available stored again",
                partial(self.latest_status_is, EVSE, "Available"),
                timeout=20,
            )
            n += ["Reserved, then Available again, both stored", self._stored_note(CANCELLED_ID)]
        with self.check("reservation used by its idToken: reservationId stored") as n:
            self._reserve(USED_ID)
            mark = self.st.last_index()
            self.st.plug(EVSE)
            self.st.tap(CARD)
            self.st.ev_state(EVSE, "C")
            # H01.FR.15: the transaction that uses the reservation names it.
            event = self.st.wait_for(
                f"a TransactionEvent with reservationId {USED_ID}",
                lambda f: (
                    call("TransactionEvent", "out")(f) and f.payload.get("reservationId") == USED_ID
                ),
                after=mark,
            )
            transaction_id = event.payload["transactionInfo"]["transactionId"]
            self.st.wait_for("TransactionEvent Charging", self.charging, after=mark)
            stored = wait(
                f"reservation {USED_ID} ended by transaction {transaction_id} in CitrineOS",
                lambda: (
                    self._stored_reservation(USED_ID).get("terminatedByTransaction")
                    == transaction_id
                ),
                timeout=20,
            )
            expect(stored, "not stored")
            self.st.ev_state(EVSE, "B")
            self.st.unplug(EVSE)
            self.st.wait_for(
                "TransactionEvent Ended",
                lambda f: call("TransactionEvent", "out")(f) and f.payload["eventType"] == "Ended",
                after=event.index,
            )
            wait(
                "Available stored after the session",
                partial(self.latest_status_is, EVSE, "Available"),
                timeout=20,
            )
            n += [
                f"TransactionEvent seqNo {event.payload['seqNo']} with reservationId {USED_ID}",
                f"CitrineOS: terminatedByTransaction {transaction_id}",
                *self.check_stored_session(
                    transaction_id, stopped_reason="EVDisconnected", remote_start_id=None
                ),
            ]

    def _reserve(self, reservation_id: int) -> None:
        """ReserveNow on EVSE 2 for CARD: Accepted, StatusNotification Reserved stored."""
        mark = self.st.last_index()
        answer = self.result(
            "evdriver",
            "reserveNow",
            {
                "id": reservation_id,
                "expiryDateTime": _expiry(),
                "idToken": {"idToken": CARD, "type": "ISO14443"},
                "evseId": EVSE,
            },
        )
        expect(answer.get("status") == "Accepted", f"ReserveNow {reservation_id}: {answer}")
        sent = self.out_answered("StatusNotification Reserved", "StatusNotification", after=mark)
        expect(
            sent.payload["connectorStatus"] == "Reserved" and sent.payload["evseId"] == EVSE,
            f"status {sent.payload}",
        )
        wait("Reserved stored", partial(self.latest_status_is, EVSE, "Reserved"), timeout=20)
        row = self._stored_reservation(reservation_id)
        expect(
            row and row["idToken"].get("idToken") == CARD,
            f"CitrineOS's Reservations row {reservation_id}: {row}",
        )

    def _stored_reservation(self, reservation_id: int) -> dict:
        rows = self.db.rows(
            'SELECT "isActive", "reserveStatus", "terminatedByTransaction", "idToken" '
            f'FROM "Reservations" WHERE "stationId" = \'{STATION}\' AND id = {int(reservation_id)}'
        )
        return rows[0] if rows else {}

    def _stored_note(self, reservation_id: int) -> str:
        row = self._stored_reservation(reservation_id)
        if row.get("reserveStatus") != "Accepted":
            # CitrineOS v1.8.3 records the ReserveNow and CancelReservation answers with
            # updateByKey(reservation id), but the key is its own databaseId: the answer
            # lands on another row or none (docs/interop.md).
            self.report.note(
                f"CitrineOS v1.8.3 defect seen: reservation {reservation_id} stored with "
                f"reserveStatus {row.get('reserveStatus')!r}, isActive {row.get('isActive')} "
                "after an Accepted ReserveNow (it records answers by its database key, not "
                "the reservation id)"
            )
        return f"stored reserveStatus {row.get('reserveStatus')}, isActive {row.get('isActive')}"
