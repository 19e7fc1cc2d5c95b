"""TriggerMessage (F06): a table of what the station can send on request.

Each feature registers the messages it can produce. The response goes out first and the
triggered message afterwards (F06.FR.04); a message nobody registered is answered
``NotImplemented`` (TC_F_27), a registered one that does not apply now ``Rejected``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from station.ocpp.client import OcppClient, Reply
from station.ocpp.messages import (
    EVSEType,
    MessageTriggerEnumType,
    TriggerMessageRequest,
    TriggerMessageResponse,
    TriggerMessageStatusEnumType,
)

FollowUp = Callable[[], Awaitable[None]]
#: Decides whether a trigger applies (None = Rejected) and returns what to send afterwards.
Trigger = Callable[[EVSEType | None], FollowUp | None]


class Triggers:
    """Registry of triggerable messages, answering TriggerMessage."""

    def __init__(self, client: OcppClient) -> None:
        self._table: dict[MessageTriggerEnumType, Trigger] = {}
        client.route("TriggerMessage", self.handle)

    def register(self, message: MessageTriggerEnumType, trigger: Trigger) -> None:
        """Make ``message`` triggerable."""
        self._table[message] = trigger

    async def handle(self, request: TriggerMessageRequest) -> Reply:
        """Answer a TriggerMessageRequest; the triggered message follows the response."""
        trigger = self._table.get(request.requested_message)
        if trigger is None:
            return Reply(TriggerMessageResponse(status=TriggerMessageStatusEnumType.NotImplemented))
        follow_up = trigger(request.evse)
        if follow_up is None:
            return Reply(TriggerMessageResponse(status=TriggerMessageStatusEnumType.Rejected))
        return Reply(
            TriggerMessageResponse(status=TriggerMessageStatusEnumType.Accepted), follow_up
        )
