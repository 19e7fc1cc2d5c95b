"""Reset of the station or of one EVSE (B11, B12; C-13 per-EVSE reset).

Station reset: Immediate ends every transaction (triggerReason ResetCommand, stoppedReason
ImmediateReset, B12.FR.04), waits a little for the queue to deliver the Ended events
(they stay queued across the restart anyway, B12.FR.05), and restarts the station with
boot reason RemoteReset. OnIdle answers Scheduled while a transaction runs and restarts
when the last one ended (B12.FR.01/03), with boot reason ScheduledReset (TC_B_21/TC_B_41),
including a transaction that never got an EVSE (card tapped, no EV, TxStartPoint Authorized).

EVSE reset: the EVSE's transaction ends the same way (Immediate) or the reset waits for
it (OnIdle); then its control loop starts afresh from a safe state. The station stays up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import trio

from station.ocpp.client import OcppClient, Reply
from station.ocpp.messages import BootReasonEnumType, StatusInfoType
from station.transactions.service import TransactionService
from station.transactions.session import Reason, Trigger

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import ResetRequest

log = logging.getLogger(__name__)

#: How long an Immediate reset waits for the Ended events to be confirmed.
DRAIN_TIMEOUT = 10.0


class ResetService:
    """Handles Reset; ``restart(reason)`` restarts the station, ``reset_evse(id)`` one EVSE."""

    def __init__(
        self,
        *,
        client: OcppClient,
        transactions: TransactionService,
        evse_ids: list[int],
        restart: Callable[[BootReasonEnumType], Awaitable[None]],
        reset_evse: Callable[[int], None],
        drained: Callable[[], Awaitable[None]],
    ) -> None:
        self._transactions = transactions
        self._evse_ids = evse_ids
        self._restart = restart
        self._reset_evse = reset_evse
        self._drained = drained
        self._pending_station = False
        self._pending_evses: set[int] = set()
        client.route("Reset", self.handle)
        transactions.on_transaction_ended(self._transaction_ended)

    async def handle(self, request: ResetRequest) -> Reply:
        """B11/B12."""
        from station.ocpp.messages import ResetEnumType, ResetResponse, ResetStatusEnumType

        immediate = request.type is ResetEnumType.Immediate
        if request.evse_id is not None and request.evse_id != 0:
            evse_id = request.evse_id
            if evse_id not in self._evse_ids:
                return Reply(
                    ResetResponse(
                        status=ResetStatusEnumType.Rejected,
                        status_info=StatusInfoType(reason_code="UnknownEvse"),
                    )
                )
            if self._transactions.transaction_active(evse_id) and not immediate:
                self._pending_evses.add(evse_id)
                return Reply(ResetResponse(status=ResetStatusEnumType.Scheduled))
            return Reply(
                ResetResponse(status=ResetStatusEnumType.Accepted), lambda: self._evse_now(evse_id)
            )
        if self._transactions.any_transaction() and not immediate:
            self._pending_station = True
            return Reply(ResetResponse(status=ResetStatusEnumType.Scheduled))
        return Reply(ResetResponse(status=ResetStatusEnumType.Accepted), self._station_now)

    async def _station_now(
        self, reason: BootReasonEnumType = BootReasonEnumType.RemoteReset
    ) -> None:
        log.warning("event=reset scope=station reason=%s", reason.value)
        await self._transactions.abort_all(Trigger.ResetCommand, Reason.ImmediateReset)
        with trio.move_on_after(DRAIN_TIMEOUT):
            await self._drained()
        await self._restart(reason)

    async def _evse_now(self, evse_id: int) -> None:
        log.warning("event=reset scope=evse evse=%s", evse_id)
        await self._transactions.abort_all(Trigger.ResetCommand, Reason.ImmediateReset, evse_id)
        self._reset_evse(evse_id)

    async def _transaction_ended(self, evse_id: int) -> None:
        if evse_id in self._pending_evses:
            self._pending_evses.discard(evse_id)
            await self._evse_now(evse_id)
        if self._pending_station and not self._transactions.any_transaction():
            self._pending_station = False
            # TC_B_21: a reset that waited for the transactions is a scheduled one.
            await self._station_now(BootReasonEnumType.ScheduledReset)
