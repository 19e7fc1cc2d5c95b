"""Wall-clock time for OCPP timestamps, injectable so tests can run on trio's MockClock.

Periods and timeouts use trio's clock (`trio.current_time`, `trio.sleep_until`); only the
timestamps that go on the wire and clock-aligned instants use a `WallClock`. The station
adjusts its wall clock from the CSMS (BootNotification/Heartbeat ``currentTime``) by
keeping an offset, never by touching the operating system's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import trio


def time_zone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable ClockCtrlr.TimeZone ("Europe/Oslo"), or None.

    The empty string means "no time zone configured" (local time is UTC)."""
    if name == "":
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{name!r} is not a time zone of the IANA database (e.g. 'Europe/Oslo')"
    return None


def local_time(moment: datetime, zone: str) -> datetime:
    """``moment`` as local time in ``zone`` (ClockCtrlr.TimeZone), daylight saving time
    included (Part 2 §3.1.1.1: transitions known from the configured TimeZone).

    For display only (Part 2 ClockCtrlr.TimeZone): OCPP messages always carry UTC."""
    if not zone or time_zone_problem(zone) is not None:
        return moment.astimezone(UTC)
    return moment.astimezone(ZoneInfo(zone))


class WallClock:
    """UTC wall time = a base (system time or a fixed start) plus a CSMS-set offset."""

    def __init__(self, *, start: datetime | None = None) -> None:
        """``start`` pins the time at this moment of trio's clock (tests); else system time."""
        self._offset = timedelta(0)
        self._start = start
        self._trio_start: float | None = None
        if start is not None:
            if start.tzinfo is None:
                raise ValueError("start must be timezone-aware")
            self._trio_start = trio.current_time()

    def _base(self) -> datetime:
        if self._start is None:
            return datetime.now(UTC)
        assert self._trio_start is not None
        return self._start + timedelta(seconds=trio.current_time() - self._trio_start)

    def now(self) -> datetime:
        """Current UTC time, with millisecond resolution (what goes on the wire)."""
        moment = self._base() + self._offset
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def set_time(self, moment: datetime) -> float:
        """Adopt ``moment`` as the current time; return the jump in seconds (signed)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        jump = moment - (self._base() + self._offset)
        self._offset += jump
        return jump.total_seconds()

    def seconds_until_aligned(self, interval: float) -> float:
        """Seconds to the next instant that is a multiple of ``interval`` after midnight UTC."""
        now = self._base() + self._offset
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = (now - midnight).total_seconds()
        remaining = interval - (elapsed % interval)
        return remaining if remaining > 1e-6 else interval
