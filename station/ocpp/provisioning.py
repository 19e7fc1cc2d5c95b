"""Booting and staying registered: BootNotification (B01–B03), Heartbeat and time (G02).

On every new connection after a (re)start the station sends BootNotification and obeys
the answer: Accepted → adopt the heartbeat interval, set the clock, run the "accepted"
hooks (status notifications, queued messages); Pending → stay connected, answer the
CSMS, send nothing but triggered messages and requested reports, and boot again after
``interval``, or at once when a TriggerMessage(BootNotification) asks; Rejected → send
nothing until ``interval`` passed and answer every CSMS CALL with SecurityError (the
`OcppClient` does that from the boot state). A reconnect after an Accepted boot does not
boot again (Part 4 §5.3) unless `require_boot` was called (profile switch, B10.FR.10).

The heartbeat is sent when no other CALL went out for HeartbeatInterval seconds
(G02.FR.05), and at least once a day while the CSMS is the time source (G02.FR.07).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import trio

from station.clock import WallClock
from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import (
    Admission,
    BootState,
    CallErrorResponse,
    CallFailed,
    CallTimeout,
    OcppClient,
    Offline,
)
from station.ocpp.messages import (
    BootNotificationRequest,
    BootNotificationResponse,
    BootReasonEnumType,
    ChargingStationType,
    HeartbeatRequest,
    HeartbeatResponse,
    RegistrationStatusEnumType,
)

log = logging.getLogger(__name__)

HEARTBEAT_INTERVAL = key("OCPPCommCtrlr", "HeartbeatInterval")
TIME_SOURCE = key("ClockCtrlr", "TimeSource")
TIME_THRESHOLD = key("ClockCtrlr", "TimeAdjustmentReportingThreshold")

#: B02.FR.07 / B03.FR.05: our own retry interval when the CSMS gives interval 0.
DEFAULT_BOOT_RETRY = 60.0
#: Retry of a BootNotification that got no answer or a CALLERROR.
BOOT_RETRY_AFTER_FAILURE = 30.0
#: G02.FR.07: at least one heartbeat a day when it is the time source.
MAX_HEARTBEAT_GAP = 24 * 3600.0

SecurityEventSink = Callable[[str, str], Awaitable[None]]


class Provisioning:
    """Boot state machine and heartbeat of one station run."""

    def __init__(
        self,
        *,
        client: OcppClient,
        device_model: DeviceModel,
        clock: WallClock,
        charging_station: ChargingStationType,
        reason: BootReasonEnumType,
        security_event: SecurityEventSink,
    ) -> None:
        self._client = client
        self._dm = device_model
        self._clock = clock
        self._station = charging_station
        self._reason = reason
        self._security_event = security_event
        self._must_boot = True
        self._triggered = trio.Event()
        self._accepted_hooks: list[Callable[[], Awaitable[None]]] = []
        self._time_hooks: list[Callable[[], Awaitable[None]]] = []
        self._heartbeat_reset = trio.Event()
        self._last_call = trio.current_time()
        client.on_connected(self.on_connected)
        client.observe_frames(self._note_outgoing_call)
        device_model.on_change(HEARTBEAT_INTERVAL, lambda _: self._heartbeat_reset.set())

    def on_accepted(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook()`` after each Accepted BootNotification (e.g. StatusNotifications)."""
        self._accepted_hooks.append(hook)

    def on_time_set(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook()`` after each adjustment of the clock from the CSMS's time (before the
        Accepted boot state lets other messages out), e.g. to persist the offset."""
        self._time_hooks.append(hook)

    def require_boot(self) -> None:
        """Send BootNotification on the next connection (e.g. after a network-profile switch)."""
        self._must_boot = True

    def can_trigger(self) -> bool:
        """TriggerMessage(BootNotification) applies only while not Accepted (F06.FR.17)."""
        return self._client.boot_state is not BootState.Accepted

    def trigger(self) -> None:
        """Send the next BootNotification now (reason Triggered), if still not Accepted."""
        if self.can_trigger():
            self._triggered.set()

    async def on_connected(self) -> None:
        """Connection hook: boot if this run has not been accepted yet."""
        if not self._must_boot and self._client.boot_state is BootState.Accepted:
            return
        if self._client.boot_state is BootState.Accepted:
            # A boot is required again (profile switch): hold other messages until it is done.
            self._client.set_boot_state(BootState.Unknown)
        await self._boot()

    async def _boot(self) -> None:
        reason = self._reason
        while True:
            request = BootNotificationRequest(reason=reason, charging_station=self._station)
            try:
                response = await self._client.call(request, admission=Admission.BOOT)
            except Offline:
                return  # the next connection boots again
            except (CallTimeout, CallErrorResponse, CallFailed) as exc:
                log.warning(
                    "event=boot_failed reason=%r retry_in=%s", str(exc), BOOT_RETRY_AFTER_FAILURE
                )
                await trio.sleep(BOOT_RETRY_AFTER_FAILURE)
                continue
            assert isinstance(response, BootNotificationResponse)
            accepted = response.status is RegistrationStatusEnumType.Accepted
            if accepted and response.interval > 0:
                # First: a SetVariables the CSMS sends right after its answer must find the
                # interval of the answer already in place, not be overwritten by it.
                await self._dm.set(HEARTBEAT_INTERVAL, response.interval)
            await self._adopt_time(response.current_time)
            if accepted:
                self._must_boot = False
                self._client.set_boot_state(BootState.Accepted)
                for hook in self._accepted_hooks:
                    await hook()
                return
            self._client.set_boot_state(BootState(response.status.value))
            wait = response.interval if response.interval > 0 else DEFAULT_BOOT_RETRY
            log.info("event=boot_not_accepted status=%s retry_in=%s", response.status, wait)
            self._triggered = trio.Event()
            with trio.move_on_after(wait):
                await self._triggered.wait()
            # A BootNotification sent because of TriggerMessage says so (F06.FR.05).
            reason = BootReasonEnumType.Triggered if self._triggered.is_set() else self._reason

    async def _adopt_time(self, current_time: datetime) -> None:
        """B01.FR.06 / G02.FR.06: take the CSMS's time when it is our time source."""
        sources = self._dm.get_list(TIME_SOURCE) or ()
        if not sources or sources[0] != "Heartbeat":
            return
        jump = self._clock.set_time(current_time)
        for hook in self._time_hooks:
            await hook()
        threshold = self._dm.get_float(TIME_THRESHOLD) or 0.0
        if threshold and abs(jump) > threshold:
            await self._security_event(
                "SettingSystemTime", f"clock adjusted by {jump:+.1f} s from the CSMS"
            )

    def _note_outgoing_call(
        self, direction: str, text: str, frame: object, action: str | None
    ) -> None:
        # The heartbeat's wait finds the new start when it ends (`run_heartbeat`): a CALL
        # does not wake it.
        if direction == "out" and text.startswith("[2,"):
            self._last_call = trio.current_time()

    async def run_heartbeat(self) -> None:
        """Send Heartbeat after HeartbeatInterval s without any CALL (G02); forever."""
        last_heartbeat = trio.current_time()
        while True:
            await self._client.wait_until(lambda: self._client.admits(Admission.NORMAL))
            interval = self._dm.get_float(HEARTBEAT_INTERVAL) or 0.0
            deadline = min(self._last_call + interval, last_heartbeat + MAX_HEARTBEAT_GAP)
            if trio.current_time() < deadline:
                self._heartbeat_reset = trio.Event()
                with trio.move_on_at(deadline):
                    await self._heartbeat_reset.wait()
                # Recompute: the interval changed, or a CALL that went out meanwhile
                # moved the deadline (the interval counts from it), or it is due.
                continue
            try:
                response = await self._client.call(HeartbeatRequest())
            except Offline:
                continue
            except CallFailed as exc:
                log.warning("event=heartbeat_failed reason=%r", str(exc))
                continue
            last_heartbeat = trio.current_time()
            assert isinstance(response, HeartbeatResponse)
            await self._adopt_time(response.current_time)
