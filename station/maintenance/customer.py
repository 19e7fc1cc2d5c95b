"""CustomerInformation (N09 report, N10 clear).

What the station holds about a customer: the idToken of an ongoing session (kept: it is
needed to end the session and bill it), and the OCPP message log, whose frames carry
idTokens. The station has no authorization cache or local list (C-49/C-13 No) and no
customer identifiers or contract certificates (C-14 No, ISO 15118 out of scope), so
requests by customerIdentifier or customerCertificate report that nothing is held.

* Exactly one of idToken / customerCertificate / customerIdentifier, else Invalid;
  report and clear both false: Rejected.
* Report: NotifyCustomerInformation parts of at most 512 characters (seqNo from 0, tbc
  on all but the last); one part saying so when nothing is held.
* Clear: the message-log entries that mention the idToken are removed from the files on
  disk (after the queued lines were written); the operator lines that mention its
  reference leave the diagnostics buffer, and the reference key is replaced so that
  journald's copies cannot be linked to it (`station.privacy`); queued
  TransactionEvents are kept (they are the CSMS's billing data). A short
  NotifyCustomerInformation confirms what was cleared (TC_N_32 expects one).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path

import trio

from station.logs import RecentRecords
from station.ocpp.client import CallFailed, OcppClient, Reply
from station.ocpp.messages import (
    CustomerInformationRequest,
    CustomerInformationResponse,
    CustomerInformationStatusEnumType,
    NotifyCustomerInformationRequest,
    StatusInfoType,
)
from station.offload import Offload
from station.ops.message_log_reader import FILENAME, entries_in
from station.privacy import reference, rotate_key
from station.transactions.localauth import LocalAuthorization

log = logging.getLogger(__name__)

Status = CustomerInformationStatusEnumType
PART = 512
#: Longest wait for the message log to write its queue before a clear rewrites it.
FLUSH_TIMEOUT = 10.0
#: Shorter idTokens are not searched for verbatim in operator lines (see `_forget`).
MIN_SEARCHED_TOKEN = 4
#: The report when nothing is stored about an idToken (N09.FR.06, N10.FR.04).
NO_DATA = "No customer data found for this idToken."


def split_parts(text: str, size: int = PART) -> list[str]:
    """``text`` in chunks of at most ``size`` characters, cut at line ends when possible."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:size])
            line = line[size:]
        if len(current) + len(line) > size:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return [p.rstrip("\n") or p for p in parts] or [""]


def _mentions(value: object, token: str) -> bool:
    """Whether a decoded frame carries ``{"idToken": token}`` anywhere (case-insensitive)."""
    if isinstance(value, dict):
        found = value.get("idToken")
        if isinstance(found, str) and found.lower() == token:
            return True
        return any(_mentions(v, token) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, token) for v in value)
    return False


class MessageLogFiles:
    """The message-log files, searched and rewritten off the event loop."""

    def __init__(self, directory: Path, backups: int = 2) -> None:
        self.paths = [directory / f"{FILENAME}.{n}" for n in range(backups, 0, -1)]
        self.paths.append(directory / FILENAME)

    def find(self, token: str) -> list[dict]:
        """Entries mentioning the idToken, oldest first."""
        token = token.lower()
        return [entry for entry in self._entries() if _mentions(entry.get("frame"), token)]

    def remove(self, token: str) -> int:
        """Rewrite the files without the entries mentioning the idToken; returns how many."""
        token = token.lower()
        removed = 0
        for path in self.paths:
            if not path.exists():
                continue
            kept = []
            with path.open(encoding="utf-8") as file:
                for line in file:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        kept.append(line)
                        continue
                    if _mentions(entry.get("frame"), token):
                        removed += 1
                    else:
                        kept.append(line)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text("".join(kept), encoding="utf-8")
            temporary.replace(path)
        return removed

    def _entries(self) -> Iterable[dict]:
        for path in self.paths:
            yield from entries_in(path)


class CustomerInformation:
    """N09/N10 handler."""

    def __init__(
        self,
        *,
        client: OcppClient,
        offload: Offload,
        message_log: MessageLogFiles,
        sessions: Callable[[], list[tuple[int, str | None, str]]],
        now: Callable[[], datetime],
        recent: RecentRecords | None = None,
        flush_message_log: Callable[[], Awaitable[None]] | None = None,
        key_dir: Path | None = None,
        local_auth: LocalAuthorization | None = None,
    ) -> None:
        """``sessions()`` lists (evse id, transaction id, idToken) of the ongoing sessions;
        ``recent`` is the buffer of operator lines DiagnosticsLog uploads,
        ``flush_message_log`` writes the queued message-log lines, ``key_dir`` holds the
        key of the idToken references (`station.privacy`), replaced at each clear;
        ``local_auth`` the Local Authorization List and Authorization Cache."""
        self._local_auth = local_auth
        self._recent = recent
        self._flush_message_log = flush_message_log
        self._key_dir = key_dir
        self._client = client
        self._offload = offload
        self._files = message_log
        self._sessions = sessions
        self._now = now
        client.route("CustomerInformation", self.customer_information)

    async def customer_information(self, request: CustomerInformationRequest) -> Reply:
        """N09/N10."""
        references = [
            r
            for r in (request.id_token, request.customer_certificate, request.customer_identifier)
            if r is not None
        ]
        if len(references) != 1:
            return Reply(
                CustomerInformationResponse(
                    status=Status.Invalid,
                    status_info=StatusInfoType(
                        reason_code="InvalidReference",
                        additional_info="exactly one of idToken, customerCertificate, "
                        "customerIdentifier is required",
                    ),
                )
            )
        if not request.report and not request.clear:
            return Reply(
                CustomerInformationResponse(
                    status=Status.Rejected,
                    status_info=StatusInfoType(
                        reason_code="NothingToDo", additional_info="report and clear are false"
                    ),
                )
            )

        async def answer() -> None:
            text = await self._process(request)
            await self._notify(request.request_id, text)

        return Reply(CustomerInformationResponse(status=Status.Accepted), answer)

    async def _process(self, request: CustomerInformationRequest) -> str:
        if request.id_token is None:
            what = (
                "customerIdentifier" if request.customer_identifier is not None else "certificate"
            )
            return f"No customer data found: the station stores no data by {what}."
        token = request.id_token.id_token
        lines: list[str] = []
        ongoing = [s for s in self._sessions() if s[2].lower() == token.lower()]
        # Both entries, not only the one that would decide (the list has priority): the
        # cache entry is customer data too, and a clear removes it (N09.FR.05, N10.FR.03).
        stored = self._local_auth.stored(request.id_token) if self._local_auth else []
        if request.report:
            for known in stored:
                where = (
                    "local authorization list" if known.source == "list" else "authorization cache"
                )
                lines.append(f"{where}: status {known.info.status.value}")
            entries = await self._offload.run(lambda: self._files.find(token))
            for evse_id, transaction_id, _ in ongoing:
                lines.append(
                    f"ongoing session on EVSE {evse_id}"
                    + (f", transaction {transaction_id}" if transaction_id else "")
                )
            for entry in entries:
                frame = entry.get("frame")
                lines.append(
                    f"{entry.get('time')} {entry.get('direction')} {entry.get('action')}"
                    + _transaction_of(frame)
                )
        if request.clear:
            if self._flush_message_log is not None:
                # Lines still queued may name the token: on disk first, then rewritten.
                with trio.move_on_after(FLUSH_TIMEOUT):
                    await self._flush_message_log()
            removed = await self._offload.run(lambda: self._files.remove(token))
            purged = await self._forget(token)
            log.info(
                "event=customer_data_cleared message_log_entries=%d log_lines=%d",
                removed,
                purged,
            )
            forgot = self._local_auth is not None and await self._local_auth.forget(
                request.id_token
            )
            found_any = bool(lines) or bool(removed or purged or forgot or stored or ongoing)
            if request.report and not found_any:
                # N10.FR.04: clear and report, and nothing was stored: one message saying
                # that no data was found (not a list of zero counts).
                return NO_DATA
            lines.append(f"cleared: {removed} message-log entries, {purged} log lines")
            # N10: the Authorization Cache forgets the idToken; the Local Authorization
            # List keeps it (only SendLocalList changes the list, D01.FR.09).
            if forgot:
                lines.append("cleared: the idToken's authorization cache entry")
            if any(known.source == "list" for known in stored):
                lines.append("kept: the local authorization list entry (only the CSMS changes it)")
            if ongoing:
                lines.append("kept: the idToken of the ongoing session (needed to end and bill it)")
        if not lines:
            return NO_DATA  # N09.FR.06
        return "\n".join(lines)

    async def _forget(self, token: str) -> int:
        """Drop the operator lines that mention the token from the diagnostics buffer, then
        replace the reference key so that the lines already in journald cannot be linked
        to it any more (`station.privacy`). Returns the number of lines dropped."""
        mark = reference(token)
        lowered = token.lower()
        # The station logs references only; a raw token can still come inside a quoted
        # CSMS text. Too short a token would match everything, so it is not searched.
        raw = len(lowered) >= MIN_SEARCHED_TOKEN

        def mentions(line: str) -> bool:
            return mark in line or (raw and lowered in line.lower())

        purged = self._recent.purge(mentions) if self._recent is not None else 0
        await self._offload.run(lambda: rotate_key(self._key_dir))
        return purged

    async def _notify(self, request_id: int, text: str) -> None:
        generated = self._now()
        parts = split_parts(text)
        for seq, part in enumerate(parts):
            try:
                await self._client.call(
                    NotifyCustomerInformationRequest(
                        data=part,
                        tbc=seq < len(parts) - 1,
                        seq_no=seq,
                        generated_at=generated,
                        request_id=request_id,
                    ),
                    wait=True,
                )
            except CallFailed as exc:
                log.warning("event=notify_customer_information_failed reason=%r", str(exc))
                return


def _transaction_of(frame: object) -> str:
    if isinstance(frame, list) and len(frame) > 3 and isinstance(frame[3], dict):
        info = frame[3].get("transactionInfo")
        if isinstance(info, dict) and "transactionId" in info:
            return f" transaction {info['transactionId']}"
    return ""
