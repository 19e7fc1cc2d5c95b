"""Security events and the security log (A04).

Every security event the station detects is written to the persistent, size-bounded
security log (A04.FR.04) — the log that GetLog(SecurityLog) uploads. Critical events are
also sent to the CSMS as SecurityEventNotification, with guaranteed delivery: they stay
in the store until the CSMS confirmed them, across outages and restarts (A04.FR.01/02).
Events that arise before a connection exists (TLS failures) are therefore sent after the
next successful connection. A repeated failure of the same kind while offline is logged
each time but sent once (A00.FR.316 note).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import trio

from station.ocpp.client import Admission, CallFailed, OcppClient, Offline
from station.ocpp.messages import SecurityEventNotificationRequest
from station.redaction import strip_userinfo
from station.store import Store

log = logging.getLogger(__name__)

#: Appendix 1 (security_events.csv): which events are critical (sent to the CSMS).
CRITICAL: dict[str, bool] = {
    "FirmwareUpdated": True,
    "FailedToAuthenticateAtCsms": False,
    "CsmsFailedToAuthenticate": False,
    "SettingSystemTime": True,
    "StartupOfTheDevice": True,
    "ResetOrReboot": True,
    "SecurityLogWasCleared": True,
    "ReconfigurationOfSecurityParameters": False,
    "MemoryExhaustion": True,
    "InvalidMessages": False,
    "AttemptedReplayAttacks": False,
    "TamperDetectionActivated": True,
    "InvalidFirmwareSignature": True,
    "InvalidFirmwareSigningCertificate": True,
    "InvalidCsmsCertificate": True,
    "InvalidChargingStationCertificate": True,
    "InvalidTLSVersion": True,
    "InvalidTLSCipherSuite": True,
    "MaintenanceLoginAccepted": True,
    "MaintenanceLoginFailed": True,
    # Errata 2025-02, A02.FR.29 / A03.FR.25: the station SHOULD send it, or the CSMS does
    # not learn that the renewed certificate was discarded and should renew again.
    "DiscardedRenewedClientCertificate": True,
}

#: Failures that repeat while offline: sent once until delivered (A00.FR.316 note).
SEND_ONCE = frozenset({"InvalidCsmsCertificate", "InvalidTLSVersion", "InvalidTLSCipherSuite"})
#: Events every normal start records (the "Booted" reusable state): logged as information.
ROUTINE = frozenset({"StartupOfTheDevice", "ResetOrReboot"})

#: `SecurityLog.record_limited`: at most one event of a type per this many seconds.
LIMITED_INTERVAL = 60.0

#: The security log keeps at most this many entries; the oldest delivered ones go first.
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """One entry of the security log."""

    seq: int
    timestamp: datetime
    type: str
    tech_info: str | None
    critical: bool
    delivered: bool


class SecurityLog:
    """Persistent security log plus the queue of critical events to deliver."""

    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        """``now`` is the station's wall clock."""
        self._store = store
        self._now = now
        self._undelivered_types: set[str] = set()
        self._wakeup = trio.Event()
        self._limited_at: dict[str, float] = {}
        self._limited_left_out: dict[str, int] = {}
        #: First entry of this run: entries from here on were stamped by this run's clock.
        self._first_of_run: int | None = None

    async def load(self) -> None:
        """Remember which critical events still wait for delivery (after a restart)."""
        rows = await self._store.run(
            lambda db: db.execute(
                "SELECT DISTINCT type FROM security_log WHERE critical = 1 AND delivered = 0"
            ).fetchall()
        )
        self._undelivered_types = {row[0] for row in rows}
        (last,) = await self._store.run(
            lambda db: db.execute("SELECT COALESCE(MAX(seq), 0) FROM security_log").fetchone()
        )
        self._first_of_run = last + 1

    async def correct_early_timestamps(self, jump: float) -> int:
        """The clock was just synchronised for the first time in this run, by ``jump``
        seconds: the entries this run made before (StartupOfTheDevice, TLS failures...)
        carry the unsynchronised time, so move them by the same jump, before any of them
        is sent (station.clock explains why that is exact). Once a run; returns the
        number of entries corrected."""
        first = self._first_of_run
        self._first_of_run = None
        if first is None or not jump:
            return 0

        def correct(db) -> int:
            rows = db.execute(
                "SELECT seq, timestamp FROM security_log WHERE seq >= ?", (first,)
            ).fetchall()
            for seq, text in rows:
                moment = datetime.fromisoformat(text) + timedelta(seconds=jump)
                db.execute(
                    "UPDATE security_log SET timestamp = ? WHERE seq = ?",
                    (moment.isoformat(), seq),
                )
            return len(rows)

        corrected = await self._store.run(correct)
        if corrected:
            log.info("event=security_log_time_corrected entries=%d jump_s=%.3f", corrected, jump)
        return corrected

    async def record(self, event_type: str, tech_info: str | None = None) -> None:
        """Log an event; queue it for the CSMS if it is critical.

        A TLS failure of a type already waiting for delivery is logged but not queued
        again (A00.FR.316).
        """
        critical = CRITICAL.get(event_type, False)
        duplicate = critical and event_type in SEND_ONCE and event_type in self._undelivered_types
        moment = self._now()
        # The security log is uploaded and sent: no URL credentials in it (A01.FR.12).
        info = strip_userinfo(tech_info)[:255] if tech_info else None

        def write(db) -> None:
            db.execute(
                "INSERT INTO security_log (timestamp, type, tech_info, critical, delivered) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    moment.isoformat(),
                    event_type,
                    info,
                    int(critical),
                    int(not critical or duplicate),
                ),
            )
            db.execute(
                "DELETE FROM security_log WHERE seq <= (SELECT MAX(seq) FROM security_log) - ? "
                "AND (critical = 0 OR delivered = 1)",
                (MAX_ENTRIES,),
            )

        await self._store.run(write)
        # Every start records one of the routine events: a warning there would teach
        # operators to ignore the security events that matter.
        (log.info if event_type in ROUTINE else log.warning)(
            "event=security_event type=%s critical=%s tech_info=%r", event_type, critical, info
        )
        if critical and not duplicate:
            self._undelivered_types.add(event_type)
            self._wakeup.set()

    async def record_limited(
        self, event_type: str, tech_info: str, *, interval: float = LIMITED_INTERVAL
    ) -> None:
        """`record`, at most once per ``interval`` seconds of trio time for this type: for
        events a peer can repeat at will (a flood of oversize or replayed frames must not
        flood the log or the CSMS). The next recorded one counts those left out."""
        now = trio.current_time()
        last = self._limited_at.get(event_type)
        if last is not None and now - last < interval:
            self._limited_left_out[event_type] = self._limited_left_out.get(event_type, 0) + 1
            return
        left_out = self._limited_left_out.pop(event_type, 0)
        if left_out:
            tech_info = f"{tech_info} (+{left_out} more since the last report)"
        self._limited_at[event_type] = now
        await self.record(event_type, tech_info)

    async def pending(self) -> list[SecurityEvent]:
        """Critical events not yet confirmed by the CSMS, oldest first."""
        rows = await self._store.run(
            lambda db: db.execute(
                "SELECT seq, timestamp, type, tech_info, critical, delivered FROM security_log "
                "WHERE critical = 1 AND delivered = 0 ORDER BY seq"
            ).fetchall()
        )
        return [_event(row) for row in rows]

    async def mark_delivered(self, seq: int) -> None:
        """The CSMS confirmed this event."""
        event_type = await self._store.run(lambda db: _mark(db, seq))
        if event_type is not None:
            still = await self._store.run(
                lambda db: db.execute(
                    "SELECT 1 FROM security_log WHERE type = ? AND critical = 1 AND delivered = 0",
                    (event_type,),
                ).fetchone()
            )
            if still is None:
                self._undelivered_types.discard(event_type)

    async def entries(
        self, oldest: datetime | None = None, latest: datetime | None = None
    ) -> list[SecurityEvent]:
        """All log entries in a time window (for GetLog SecurityLog)."""
        rows = await self._store.run(
            lambda db: db.execute(
                "SELECT seq, timestamp, type, tech_info, critical, delivered FROM security_log "
                "ORDER BY seq"
            ).fetchall()
        )
        events = [_event(row) for row in rows]
        return [
            e
            for e in events
            if (oldest is None or e.timestamp >= oldest)
            and (latest is None or e.timestamp <= latest)
        ]

    async def wait_for_new(self) -> None:
        """Wait until a new critical event was recorded."""
        await self._wakeup.wait()
        self._wakeup = trio.Event()


def _mark(db, seq: int) -> str | None:
    row = db.execute("SELECT type FROM security_log WHERE seq = ?", (seq,)).fetchone()
    db.execute("UPDATE security_log SET delivered = 1 WHERE seq = ?", (seq,))
    return None if row is None else row[0]


def _event(row: tuple) -> SecurityEvent:
    seq, timestamp, event_type, tech_info, critical, delivered = row
    return SecurityEvent(
        seq,
        datetime.fromisoformat(timestamp),
        event_type,
        tech_info,
        bool(critical),
        bool(delivered),
    )


async def deliver_critical_events(
    security_log: SecurityLog, client: OcppClient, retry_after: float = 30.0
) -> None:
    """Send queued critical events, oldest first, whenever the CSMS has accepted us.

    Runs for the station's lifetime. An event is removed from the queue only when the CSMS
    answered; a CALLERROR or timeout leaves it queued and is retried after ``retry_after``.
    """
    while True:
        await client.wait_until(lambda: client.admits(Admission.NORMAL))
        for event in await security_log.pending():
            request = SecurityEventNotificationRequest(
                type=event.type, timestamp=event.timestamp, tech_info=event.tech_info
            )
            try:
                await client.call(request)
            except Offline:
                break
            except CallFailed as exc:
                log.warning(
                    "event=security_event_not_delivered type=%s reason=%r", event.type, str(exc)
                )
                await trio.sleep(retry_after)
                break
            await security_log.mark_delivered(event.seq)
        else:
            # All delivered: nothing to look at until `record` queues another (the only
            # way an event enters the queue).
            await security_log.wait_for_new()
            continue
        await client.wait_until(lambda: client.admits(Admission.NORMAL))
