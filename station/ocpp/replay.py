"""Replayed CALLs: a message id the CSMS already used on this connection.

OCPP-J (Part 4 §4.1.3) requires a sender's message ids to be unique on a WebSocket
connection. A CALL that repeats one is not a resend after a network problem (that comes on
a new connection, which starts a new record here): it is a replayed message, the security
event AttemptedReplayAttacks. The station does not carry it out a second time — a
replayed RequestStartTransaction or Reset must not act twice — and answers it with a
CALLERROR that says why.

`SeenMessageIds` remembers the ids of the last `REMEMBERED` CALLs of one connection: a
bounded set, so a CSMS cannot make it grow; a replay of a CALL older than that is not
recognised (and is then handled as a new CALL).
"""

from __future__ import annotations

from collections import deque

#: Message ids remembered per connection (36 characters each at most: about 150 kB).
REMEMBERED = 1024


class SeenMessageIds:
    """The message ids of the latest CALLs received on one connection."""

    def __init__(self, capacity: int = REMEMBERED) -> None:
        self._order: deque[str] = deque()
        self._ids: set[str] = set()
        self._capacity = capacity

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def add(self, message_id: str) -> None:
        """Remember ``message_id`` (the oldest one is forgotten beyond the capacity)."""
        if message_id in self._ids:
            return
        self._ids.add(message_id)
        self._order.append(message_id)
        if len(self._order) > self._capacity:
            self._ids.discard(self._order.popleft())

    def __len__(self) -> int:
        return len(self._order)


__all__ = ["REMEMBERED", "SeenMessageIds"]
