"""GetLog (N01): upload the diagnostics or the security log by HTTP(S) POST.

* The answer names the file (TC_N_25); Rejected for a location the station cannot use
  (FileTransferProtocols is HTTP,HTTPS).
* LogStatusNotification: Uploading before each attempt, then Uploaded, or after
  ``retries`` further attempts ``retryInterval`` apart the failure status
  (UploadFailure, PermissionDenied for 401/403, BadMessage for a refused request,
  NotSupportedOperation for an unusable location; N01.FR.10 recommends reporting once,
  after the last attempt). Every notification carries the request's requestId.
* A GetLog during an upload cancels it (C-57): AcceptedCanceled in the response and a
  LogStatusNotification AcceptedCanceled for the old requestId, then the new upload.
* TriggerMessage(LogStatusNotification): the current upload's status, or Idle.
* DiagnosticsLog: the station's status, its recent log lines and its OCPP message log,
  limited to [oldestTimestamp, latestTimestamp]. SecurityLog: the security log entries in
  that window. Both are UTF-8 text.
* A log file larger than ``max_bytes`` (``[transfers] max_log_mib``) is not sent:
  UploadFailure at once, and a log line naming the size and the limit (the CSMS can ask
  again for a narrower window). What the file is built from is bounded too (the message
  log's rotation, the security log's entry limit, the in-memory record buffer).
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

import trio

from station.maintenance.transfer import MIB, TransferError, safe_url, supported, upload
from station.ocpp.client import Admission, CallFailed, OcppClient, Reply
from station.ocpp.datetimes import format_date_time
from station.ocpp.messages import (
    EVSEType,
    GetLogRequest,
    GetLogResponse,
    LogEnumType,
    LogStatusEnumType,
    LogStatusNotificationRequest,
    StatusInfoType,
    UploadLogStatusEnumType,
)
from station.security.events import SecurityEvent

log = logging.getLogger(__name__)

Status = UploadLogStatusEnumType
_FAILURES = {
    "failure": Status.UploadFailure,
    "permission": Status.PermissionDenied,
    "bad_request": Status.BadMessage,
    "unsupported": Status.NotSupportedOperation,
    "too_large": Status.UploadFailure,
}
#: Builds a log file: (log type, oldest, latest) → bytes.
LogBuilder = Callable[[LogEnumType, datetime | None, datetime | None], Awaitable[bytes]]


class LogUploads:
    """GetLog handler, one upload at a time."""

    def __init__(
        self,
        *,
        client: OcppClient,
        build: LogBuilder,
        identity: str,
        now: Callable[[], datetime],
        verify: Callable[[], ssl.SSLContext | bool],
        timeout: float = 60.0,
        max_bytes: int = 32 * MIB,
        deadline: float = 3600.0,
    ) -> None:
        self._client = client
        self._build = build
        self._identity = identity
        self._now = now
        self._verify = verify
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._nursery: trio.Nursery | None = None
        self._current: tuple[int, trio.CancelScope] | None = None
        self._status: tuple[Status, int | None] = (Status.Idle, None)
        client.route("GetLog", self.get_log)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Host for the uploads (a child of the station's tree); started once it takes them."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            await trio.sleep_forever()

    @property
    def status(self) -> tuple[Status, int | None]:
        """The last status reported and its requestId (Idle/None when nothing runs)."""
        return self._status

    async def get_log(self, request: GetLogRequest) -> Reply:
        """N01."""
        location = request.log.remote_location
        if not supported(location) or self._nursery is None:
            reason = (
                "only http:// and https:// locations are supported"
                if self._nursery is not None
                else "the station is starting"
            )
            return Reply(
                GetLogResponse(
                    status=LogStatusEnumType.Rejected,
                    status_info=StatusInfoType(
                        reason_code="UnsupportedLocation", additional_info=reason
                    ),
                )
            )
        stamp = self._now().strftime("%Y%m%dT%H%M%SZ")
        kind = "security" if request.log_type is LogEnumType.SecurityLog else "diagnostics"
        filename = f"{self._identity}-{kind}-{request.request_id}-{stamp}.log"
        status = LogStatusEnumType.Accepted
        cancelled: int | None = None
        if self._current is not None:
            cancelled, scope = self._current
            scope.cancel()
            self._current = None
            status = LogStatusEnumType.AcceptedCanceled
        scope = trio.CancelScope()
        self._current = (request.request_id, scope)
        nursery = self._nursery

        async def start() -> None:
            if cancelled is not None:
                await self._notify(Status.AcceptedCanceled, cancelled)
            nursery.start_soon(self._upload, request, filename, scope)

        return Reply(GetLogResponse(status=status, filename=filename), start)

    async def _upload(self, request: GetLogRequest, filename: str, scope: trio.CancelScope) -> None:
        request_id = request.request_id
        retries = request.retries or 0
        interval = float(request.retry_interval or 0)
        url = request.log.remote_location
        with scope:
            try:
                data = await self._build(
                    request.log_type, request.log.oldest_timestamp, request.log.latest_timestamp
                )
                failure: TransferError | None = None
                if len(data) > self._max_bytes:
                    log.warning(
                        "event=log_upload_refused request_id=%d file=%s bytes=%d limit=%d "
                        "reason='log file larger than the limit; ask for a narrower window'",
                        request_id,
                        filename,
                        len(data),
                        self._max_bytes,
                    )
                    await self._finish(Status.UploadFailure, request_id, scope)
                    return
                for attempt in range(retries + 1):
                    if attempt:
                        await trio.sleep(interval)
                    await self._notify(Status.Uploading, request_id)
                    try:
                        await upload(
                            url,
                            filename,
                            data,
                            verify=self._verify(),
                            timeout=self._timeout,
                            deadline=self._deadline,
                        )
                    except TransferError as exc:
                        failure = exc
                        log.warning(
                            "event=log_upload_failed request_id=%d attempt=%d url=%s reason=%r",
                            request_id,
                            attempt + 1,
                            safe_url(url),
                            str(exc),
                        )
                        if exc.kind in ("unsupported", "permission"):  # retrying won't help
                            break
                        continue
                    log.info(
                        "event=log_uploaded request_id=%d file=%s bytes=%d",
                        request_id,
                        filename,
                        len(data),
                    )
                    await self._finish(Status.Uploaded, request_id, scope)
                    return
                assert failure is not None
                await self._finish(_FAILURES[failure.kind], request_id, scope)
            finally:
                self._idle_if_current(scope)

    def _idle_if_current(self, scope: trio.CancelScope) -> None:
        if self._current is not None and self._current[1] is scope:
            self._current = None
            self._status = (Status.Idle, None)

    async def _finish(self, status: Status, request_id: int, scope: trio.CancelScope) -> None:
        """The upload is over once its final status is known: a TriggerMessage from here on
        gets Idle (N01.FR.13), even while the final notification waits for its answer."""
        self._idle_if_current(scope)
        await self._send(status, request_id)

    async def _notify(self, status: Status, request_id: int | None) -> None:
        self._status = (status, request_id)
        await self._send(status, request_id)

    async def _send(self, status: Status, request_id: int | None) -> None:
        try:
            await self._client.call(
                LogStatusNotificationRequest(status=status, request_id=request_id),
                wait=True,
            )
        except CallFailed as exc:
            log.warning("event=log_status_not_sent status=%s reason=%r", status.value, str(exc))

    def trigger(self, evse: EVSEType | None) -> Callable[[], Awaitable[None]]:
        """TriggerMessage(LogStatusNotification): the ongoing upload's status, else Idle
        without requestId (N01.FR.13)."""

        async def send() -> None:
            status, request_id = self._status if self._current is not None else (Status.Idle, None)
            await self._client.call(
                LogStatusNotificationRequest(status=status, request_id=request_id),
                admission=Admission.REQUESTED,
            )

        return send


def render_security_log(entries: Iterable[SecurityEvent]) -> bytes:
    """One line per security event."""
    lines = [
        f"{format_date_time(e.timestamp)} seq={e.seq} type={e.type} "
        f"critical={str(e.critical).lower()} "
        f"delivered={str(e.delivered).lower()} tech_info={json.dumps(e.tech_info)}"
        for e in entries
    ]
    return ("\n".join(lines) + "\n").encode() if lines else b"no security events in this period\n"
