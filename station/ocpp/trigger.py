"""TriggerMessage (F06): a table of what the station can send on request.

Each feature registers the messages it can produce. The response goes out first and the
triggered message afterwards (F06.FR.04); a message nobody registered is answered
``NotImplemented`` (TC_F_27), a registered one that does not apply now ``Rejected``.

An Accepted trigger is a promise (F06: the message follows): a restart (Reset, firmware)
first waits for the messages promised so far (`close`), and from then on the station
answers ``Rejected``, as the message could not go out before it goes down.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

import trio

from station.ocpp.client import OcppClient, Reply
from station.ocpp.messages import EVSEType, StatusInfoType

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import MessageTriggerEnumType, TriggerMessageRequest

FollowUp = Callable[[], Awaitable[None]]
#: Decides whether a trigger applies (None = Rejected) and returns what to send afterwards.
Trigger = Callable[[EVSEType | None], FollowUp | None]


class Triggers:
    """Registry of triggerable messages, answering TriggerMessage."""

    def __init__(self, client: OcppClient) -> None:
        #: By requestedMessage value (a MessageTriggerEnumType member is equal to its value).
        self._table: dict[str, Trigger] = {}
        #: Accepted triggers whose message has not gone out (or failed) yet.
        self._promised = 0
        self._kept = trio.Event()
        self._closing = False
        client.route("TriggerMessage", self.handle)

    def register(self, message: MessageTriggerEnumType | str, trigger: Trigger) -> None:
        """Make ``message`` (a requestedMessage value) triggerable."""
        self._table[str(message)] = trigger

    async def handle(self, request: TriggerMessageRequest) -> Reply:
        """Answer a TriggerMessageRequest; the triggered message follows the response."""
        from station.ocpp.messages import TriggerMessageResponse, TriggerMessageStatusEnumType

        trigger = self._table.get(request.requested_message)
        if trigger is None:
            return Reply(TriggerMessageResponse(status=TriggerMessageStatusEnumType.NotImplemented))
        if self._closing:
            return Reply(
                TriggerMessageResponse(
                    status=TriggerMessageStatusEnumType.Rejected,
                    status_info=StatusInfoType(
                        reason_code="Restarting",
                        additional_info="the station restarts before the message could go out",
                    ),
                )
            )
        follow_up = trigger(request.evse)
        if follow_up is None:
            return Reply(TriggerMessageResponse(status=TriggerMessageStatusEnumType.Rejected))
        self._promised += 1
        return Reply(
            TriggerMessageResponse(status=TriggerMessageStatusEnumType.Accepted),
            partial(self._keep, follow_up),
        )

    async def _keep(self, follow_up: FollowUp) -> None:
        try:
            await follow_up()
        finally:
            self._promised -= 1
            if not self._promised:
                self._kept.set()
                self._kept = trio.Event()

    async def close(self) -> None:
        """Before a restart: answer every further trigger ``Rejected`` and wait until the
        messages of the accepted ones went out (or failed). The caller bounds the wait (a
        message that never got its turn would hold the restart for ever)."""
        self._closing = True
        while self._promised:
            await self._kept.wait()
