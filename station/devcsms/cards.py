"""The card list of the development CSMS: which idTokens it authorizes, and how.

The file is plain text, one card per line::

    # idToken    status       groupIdToken (optional)
    04A1B2C3     Accepted
    DEADBEEF     Blocked
    11223344     Accepted     FLEET-1

Columns are separated by spaces or tabs; ``#`` starts a comment; blank lines are
ignored. The status is an OCPP AuthorizationStatusEnumType value (Accepted, Blocked,
ConcurrentTx, Expired, Invalid, NoCredit, NotAllowedTypeEVSE, NotAtThisLocation,
NotAtThisTime, Unknown), Accepted when left out. An idToken that is not listed is
answered ``Unknown``. The match is on the idToken value alone, case-insensitively
(a reader may report hex in either case); the idToken type is not checked.

`CardList.lookup` reads the file again when it changed, so a developer edits the list
while stations are connected; an edit that does not parse is reported once and the
previous list stays in force.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station.ocpp.messages import AuthorizationStatusEnumType

log = logging.getLogger(__name__)

STATUSES = tuple(status.value for status in AuthorizationStatusEnumType)


class CardListError(Exception):
    """The card list cannot be used; the message names the file, the line and the reason."""


@dataclass(frozen=True, slots=True)
class Card:
    """One line of the card list."""

    id_token: str
    status: str = "Accepted"
    group_id_token: str | None = None

    def id_token_info(self) -> dict[str, Any]:
        """The idTokenInfo of an Authorize or TransactionEvent response."""
        info: dict[str, Any] = {"status": self.status}
        if self.group_id_token is not None:
            # The group is an IdTokenType; Central marks a CSMS-side identifier.
            info["groupIdToken"] = {"idToken": self.group_id_token, "type": "Central"}
        return info


def parse_cards(text: str, source: str = "<cards>") -> dict[str, Card]:
    """The cards of a card-list text, by upper-cased idToken; raise `CardListError`."""
    cards: dict[str, Card] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{source}:{number}"
        fields = line.split()
        if len(fields) > 3:
            raise CardListError(
                f"{where}: expected 'idToken [status] [groupIdToken]', got {len(fields)} columns"
            )
        id_token = fields[0]
        if len(id_token) > 36:
            raise CardListError(f"{where}: idToken {id_token!r} is longer than 36 characters")
        status = fields[1] if len(fields) > 1 else "Accepted"
        if status not in STATUSES:
            close = [s for s in STATUSES if s.lower() == status.lower()]
            hint = f" (did you mean {close[0]}?)" if close else f"; one of {', '.join(STATUSES)}"
            raise CardListError(f"{where}: unknown status {status!r}{hint}")
        group = fields[2] if len(fields) > 2 else None
        if id_token.upper() in cards:
            raise CardListError(f"{where}: idToken {id_token!r} is listed twice")
        cards[id_token.upper()] = Card(id_token, status, group)
    return cards


class CardList:
    """The cards of a file, read again when the file changes."""

    def __init__(self, path: Path) -> None:
        """Read ``path``; raise `CardListError` if it is missing or does not parse."""
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self.cards = self._read()

    def _read(self) -> dict[str, Card]:
        try:
            stat = self.path.stat()
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CardListError(f"cannot read card list {self.path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise CardListError(f"{self.path}: not UTF-8 text ({exc.reason})") from None
        cards = parse_cards(text, str(self.path))
        self._stamp = (stat.st_mtime_ns, stat.st_size)
        return cards

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
        except OSError:
            return  # gone for a moment (an editor replacing it): keep the list we have
        if (stat.st_mtime_ns, stat.st_size) == self._stamp:
            return
        try:
            self.cards = self._read()
        except CardListError as exc:
            # Report each bad version once: remember its stamp so that it is not re-read.
            self._stamp = (stat.st_mtime_ns, stat.st_size)
            log.error("event=card_list_unchanged reason=%r", str(exc))
            return
        log.info("event=card_list_reloaded path=%s cards=%d", self.path, len(self.cards))

    def lookup(self, id_token: str) -> dict[str, Any]:
        """The idTokenInfo for ``id_token`` (``Unknown`` when it is not listed)."""
        self._refresh()
        card = self.cards.get(id_token.upper())
        return card.id_token_info() if card is not None else {"status": "Unknown"}
