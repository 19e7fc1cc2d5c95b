"""Wall-clock time for OCPP timestamps, injectable so tests can run on trio's MockClock.

Periods and timeouts use trio's clock (`trio.current_time`, `trio.sleep_until`); only the
timestamps that go on the wire and clock-aligned instants use a `WallClock`. The station
adjusts its wall clock from the CSMS (BootNotification/Heartbeat ``currentTime``) by
keeping an offset, never by touching the operating system's clock.

Time before synchronisation: a Raspberry Pi has no real-time clock, so after a power cut
its system time can be far off until the CSMS answers the BootNotification (Part 2 B.1.1
warns of exactly this). The station persists the last offset and starts from it, and
marks what it stamps before the first synchronisation with ``customData`` (the one
vendor extension every OCPP message allows): the clock's ``epoch`` under
`UNSYNCHRONISED_MARK`. Once the CSMS's time is known, the jump is known too, and since
the base clock ran steadily in between, ``stamped + jump`` is the true time: messages of
this epoch are corrected before they are sent (`correct_timestamps`) and lose the mark.
A message whose process ended before any synchronisation cannot be corrected; it keeps
the mark, so the CSMS can tell its time is the station's unsynchronised guess.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from station.ocpp.datetimes import format_date_time


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


#: customData vendorId of the station's own marks.
CUSTOM_DATA_VENDOR = "OpenChargeStation"
#: customData property naming the unsynchronised epoch a timestamp was taken in.
UNSYNCHRONISED_MARK = "unsynchronisedClockEpoch"


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
            # Imported here: only a pinned clock (tests) reads trio's clock, and the device
            # model's command-line tools import this module without trio.
            import trio

            self._trio_start = trio.current_time()
        #: Whether the time was set from the time source since this clock was made.
        self.synchronised = False
        #: Names the unsynchronised period of this clock in marks: its start in base time.
        self.epoch = self._base().strftime("%Y%m%dT%H%M%S.%fZ")
        #: The first adjustment (seconds): the error of everything stamped before it.
        self.first_jump: float | None = None

    @property
    def offset_seconds(self) -> float:
        """The offset to the base time, to persist and `restore_offset` after a restart."""
        return self._offset.total_seconds()

    def restore_offset(self, seconds: float) -> None:
        """Start from the offset of an earlier run (best guess until synchronised)."""
        self._offset = timedelta(seconds=seconds)

    def unsynchronised_epoch(self) -> str | None:
        """The mark for a timestamp taken now, or None when the clock is synchronised."""
        return None if self.synchronised else self.epoch

    def correction(self, epoch: str) -> float | None:
        """Seconds to add to a timestamp taken in ``epoch``; None when not known (yet)."""
        if epoch != self.epoch or self.first_jump is None:
            return None
        return self.first_jump

    def _base(self) -> datetime:
        if self._start is None:
            return datetime.now(UTC)
        assert self._trio_start is not None
        import trio

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
        if not self.synchronised:
            self.synchronised = True
            self.first_jump = jump.total_seconds()
        return jump.total_seconds()

    def seconds_until_aligned(self, interval: float) -> float:
        """Seconds to the next instant that is a multiple of ``interval`` after midnight UTC."""
        now = self._base() + self._offset
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        elapsed = (now - midnight).total_seconds()
        remaining = interval - (elapsed % interval)
        return remaining if remaining > 1e-6 else interval


def mark_unsynchronised(epoch: str | None) -> dict | None:
    """customData for something stamped in ``epoch`` (None: synchronised, no mark)."""
    if epoch is None:
        return None
    return {"vendorId": CUSTOM_DATA_VENDOR, UNSYNCHRONISED_MARK: epoch}


def correct_timestamps(payload: dict, clock: WallClock) -> dict:
    """``payload`` (wire form) with the timestamps of this clock's unsynchronised epoch
    corrected by the first adjustment and their marks removed: the message itself and
    each meterValue. Marks of other epochs, or of this one before it was synchronised,
    stay. Returns ``payload`` itself when nothing changed."""
    changed = False

    def fixed(item: dict) -> dict:
        nonlocal changed
        custom = item.get("customData")
        if not isinstance(custom, dict) or custom.get("vendorId") != CUSTOM_DATA_VENDOR:
            return item
        epoch = custom.get(UNSYNCHRONISED_MARK)
        jump = clock.correction(epoch) if isinstance(epoch, str) else None
        if jump is None:
            return item
        changed = True
        item = dict(item)
        rest = {k: v for k, v in custom.items() if k not in ("vendorId", UNSYNCHRONISED_MARK)}
        if rest:
            item["customData"] = {"vendorId": CUSTOM_DATA_VENDOR, **rest}
        else:
            del item["customData"]
        stamped = datetime.fromisoformat(item["timestamp"].replace("Z", "+00:00"))
        corrected = stamped + timedelta(seconds=jump)
        corrected = corrected.replace(microsecond=corrected.microsecond // 1000 * 1000)
        item["timestamp"] = format_date_time(corrected)
        return item

    result = fixed(payload)
    if isinstance(result.get("meterValue"), list):
        values = [fixed(v) if isinstance(v, dict) else v for v in result["meterValue"]]
        if changed:
            result = dict(result) if result is payload else result
            result["meterValue"] = values
    return result if changed else payload
