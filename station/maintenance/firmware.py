"""Secure firmware update (L01).

UpdateFirmware is answered only after the signing certificate was checked against the
installed ManufacturerRootCertificates (L01.FR.21): InvalidCertificate and the security
event InvalidFirmwareSigningCertificate when it does not chain to one; Rejected without a
signature or for a location the station cannot fetch; AcceptedCanceled when it replaces
an update that has not started installing (C-60); Rejected while one is installing.

Then, with every FirmwareStatusNotification carrying the requestId:

    [DownloadScheduled] → Downloading → Downloaded | DownloadFailed (after retries)
    → SignatureVerified | InvalidSignature (+ security event InvalidFirmwareSignature)
    → [InstallScheduled] (installDateTime ahead, or transactions running: C-43 No)
    → connectors Unavailable → Installing → InstallRebooting → restart
    → (after the restart, boot reason FirmwareUpdate) Installed + security event
      FirmwareUpdated, connectors Available again.

The download runs during transactions (AQ-7); the installation waits for them to end,
and meanwhile idle EVSEs are held Unavailable (L01.FR.07). The signature is verified over
the whole file (L01.FR.04): ECDSA with SHA-256 for an EC signing key, RSA-PSS with SHA-256
for RSA, against the SHA-256 computed while the file streamed to disk (the file is never
read into memory).

The download is bounded (``[transfers]`` in the config): a file announced or received
larger than ``max_firmware_mib``, or one the disk has no room for (plus ``min_free_mib``),
ends the update with DownloadFailed at once, without retries; a full disk also raises
the security event MemoryExhaustion.

"Install" runs the operator's installer command (``[firmware] installer`` in the config)
with the file's path as its argument; exit status 0 means installed and the station
restarts into the new version, 3 means the file failed the installer's verification
(InstallVerificationFailed), anything else InstallationFailed; so does a missing
installer. The installer's environment tells it the running version
(``OCPP_FIRMWARE_RUNNING_VERSION``) and whether the operator allows installing a version
that is not newer (``OCPP_FIRMWARE_ALLOW_DOWNGRADE``, ``[firmware] allow_downgrade``).
`station/ops/firmware_installer.py` is the installer for this project's firmware bundles.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from station.security.lazy import LazyModule

if TYPE_CHECKING:
    from cryptography import exceptions
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
else:
    # Imported on first use: only a signed firmware update verifies a signature.
    exceptions = LazyModule("cryptography.exceptions")
    hashes = LazyModule("cryptography.hazmat.primitives.hashes")
    ec = LazyModule("cryptography.hazmat.primitives.asymmetric.ec")
    padding = LazyModule("cryptography.hazmat.primitives.asymmetric.padding")
    rsa = LazyModule("cryptography.hazmat.primitives.asymmetric.rsa")
    utils = LazyModule("cryptography.hazmat.primitives.asymmetric.utils")

from station import __version__
from station.maintenance import FIRMWARE_STATE
from station.maintenance.transfer import (
    MIB,
    DownloadLimits,
    TransferError,
    download,
    safe_url,
    supported,
)
from station.ocpp.client import Admission, CallFailed, OcppClient, Reply
from station.ocpp.messages import (
    EVSEType,
    FirmwareStatusEnumType,
    FirmwareStatusNotificationRequest,
    StatusInfoType,
    UpdateFirmwareRequest,
    UpdateFirmwareResponse,
    UpdateFirmwareStatusEnumType,
)
from station.offload import Offload
from station.security.certificates import (
    MANUFACTURER_ROOT,
    CertificateError,
    CertificateStore,
    build_chain,
    parse_pem_chain,
)
from station.store import Store

log = logging.getLogger(__name__)

Fw = FirmwareStatusEnumType
Answer = UpdateFirmwareStatusEnumType
META_KEY = FIRMWARE_STATE
#: A retrieve or install time less than this far ahead counts as now: the station's clock
#: follows the CSMS's only to within the transport latency, so "now" in a request can
#: arrive a few milliseconds in our future.
SCHEDULE_TOLERANCE = 0.5

#: Phases in which an update can no longer be cancelled (TC_L_11).
_INSTALLING = (Fw.Installing, Fw.InstallRebooting)
SecurityEventSink = Callable[[str, str], Awaitable[None]]


def verify_signature(certificate_pem: str, signature_b64: str, sha256: bytes) -> None:
    """Check the signature over a whole file given the file's SHA-256 (L01.FR.04: the
    same check as over the bytes, without holding them); `InvalidSignature` or
    `ValueError` if it does not hold."""
    public_key = parse_pem_chain(certificate_pem)[0].public_key()
    signature = base64.b64decode(signature_b64, validate=True)
    prehashed = utils.Prehashed(hashes.SHA256())
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, sha256, ec.ECDSA(prehashed))
    elif isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(
            signature,
            sha256,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
            prehashed,
        )
    else:
        raise ValueError(f"unsupported signing key {type(public_key).__name__}")


class FirmwareUpdates:
    """UpdateFirmware handler and the update's life cycle."""

    def __init__(
        self,
        *,
        client: OcppClient,
        certificates: CertificateStore,
        store: Store,
        offload: Offload,
        now: Callable[[], datetime],
        directory: Path,
        installer: Sequence[str] | None,
        security_event: SecurityEventSink,
        transactions_active: Callable[[], bool],
        wait_transactions_changed: Callable[[], Awaitable[None]],
        hold: Callable[[bool], Awaitable[None]],
        restart: Callable[[], Awaitable[None]],
        drained: Callable[[], Awaitable[None]],
        verify: Callable[[], ssl.SSLContext | bool],
        install_timeout: float = 900.0,
        limits: DownloadLimits = DownloadLimits(max_bytes=128 * MIB, reserve_bytes=64 * MIB),
        allow_downgrade: bool = False,
    ) -> None:
        self._client = client
        self._certificates = certificates
        self._store = store
        self._offload = offload
        self._now = now
        self.directory = directory
        self._installer = list(installer) if installer else None
        self._security_event = security_event
        self._transactions_active = transactions_active
        self._wait_transactions_changed = wait_transactions_changed
        self._hold = hold
        self._restart = restart
        self._drained = drained
        self._verify = verify
        self._install_timeout = install_timeout
        self._limits = limits
        self._allow_downgrade = allow_downgrade
        self._nursery: trio.Nursery | None = None
        self._current: tuple[int, trio.CancelScope] | None = None
        #: Last status sent and its requestId (for TriggerMessage).
        self.status: tuple[Fw, int | None] = (Fw.Idle, None)
        self._after_reboot: dict | None = None
        client.route("UpdateFirmware", self.update_firmware)

    async def load(self) -> None:
        """Pick up an update that restarted the station to activate itself."""
        text = await self._store.run(
            lambda db: (
                db.execute("SELECT value FROM meta WHERE name = ?", (META_KEY,)).fetchone()
                or (None,)
            )[0]
        )
        if text:
            try:
                self._after_reboot = json.loads(text)
            except ValueError:
                log.error("event=firmware_state_unreadable value=%r", text[:100])

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Host the update task; after a firmware restart, report the result. Started
        once it takes requests."""
        # Files of updates that a restart interrupted or completed are of no further use.
        await self._offload.run(self._remove_files)
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            if self._after_reboot is not None:
                nursery.start_soon(self._report_after_reboot, self._after_reboot)
            task_status.started()
            await trio.sleep_forever()

    def _remove_files(self) -> None:
        if self.directory.is_dir():
            for stale in self.directory.glob("firmware-*.bin"):
                stale.unlink(missing_ok=True)

    # -- UpdateFirmware ----------------------------------------------------------------

    async def update_firmware(self, request: UpdateFirmwareRequest) -> Reply:
        """L01: check, answer, then run the update after the answer."""
        firmware = request.firmware

        def answer(status: Answer, code: str, text: str) -> Reply:
            info = StatusInfoType(reason_code=code, additional_info=text[:512])
            return Reply(UpdateFirmwareResponse(status=status, status_info=info))

        if not firmware.signing_certificate:
            return answer(Answer.InvalidCertificate, "MissingCertificate", "no signingCertificate")
        if not firmware.signature:
            return answer(Answer.Rejected, "MissingSignature", "no signature")
        problem = self._check_certificate(firmware.signing_certificate)
        if problem is not None:
            log.warning("event=firmware_certificate_invalid reason=%r", problem)
            await self._security_event("InvalidFirmwareSigningCertificate", problem[:255])
            return answer(Answer.InvalidCertificate, "InvalidCertificate", problem)
        if not supported(firmware.location):
            return answer(
                Answer.Rejected, "UnsupportedLocation", "only http:// and https:// are supported"
            )
        if self._nursery is None:
            return answer(Answer.Rejected, "NotReady", "the station is starting")
        status = Answer.Accepted
        if self._current is not None:
            if self.status[0] in _INSTALLING:
                return answer(Answer.Rejected, "Installing", "an update is being installed")
            self._current[1].cancel()
            self._current = None
            status = Answer.AcceptedCanceled
        scope = trio.CancelScope()
        self._current = (request.request_id, scope)
        nursery = self._nursery

        async def start() -> None:
            nursery.start_soon(self._update, request, scope)

        return Reply(UpdateFirmwareResponse(status=status), start)

    def _check_certificate(self, pem: str) -> str | None:
        try:
            chain = parse_pem_chain(pem)
            build_chain(
                chain[0], chain[1:], self._certificates.roots(MANUFACTURER_ROOT), self._now()
            )
        except CertificateError as exc:
            text = str(exc)
            if "CSMSRootCertificate" in text:
                text = text.replace("CSMSRootCertificate", "ManufacturerRootCertificate")
            return text
        return None

    # -- the update ----------------------------------------------------------------------

    async def _update(self, request: UpdateFirmwareRequest, scope: trio.CancelScope) -> None:
        request_id = request.request_id
        firmware = request.firmware
        path = self.directory / f"firmware-{request_id}.bin"
        certificate, signature = firmware.signing_certificate, firmware.signature
        # `update_firmware` answers a request without them and never starts its update.
        assert certificate is not None and signature is not None
        with scope:
            try:
                await self._offload.run(lambda: self.directory.mkdir(parents=True, exist_ok=True))
                delay = (firmware.retrieve_date_time - self._now()).total_seconds()
                if delay > SCHEDULE_TOLERANCE:
                    await self._notify(Fw.DownloadScheduled, request_id)
                    await trio.sleep(delay)
                sha256 = await self._download(request, path)
                if sha256 is None:
                    return
                await self._notify(Fw.Downloaded, request_id)
                try:
                    await self._offload.run(
                        lambda: verify_signature(certificate, signature, sha256)
                    )
                except (exceptions.InvalidSignature, ValueError) as exc:
                    reason = str(exc) or "signature does not match the file"
                    log.warning("event=firmware_signature_invalid reason=%r", reason)
                    await self._notify(Fw.InvalidSignature, request_id)
                    await self._security_event("InvalidFirmwareSignature", reason[:255])
                    return
                await self._notify(Fw.SignatureVerified, request_id)
                await self._wait_for_install_time(request)
                await self._install(request, path)
            finally:
                if self._current is not None and self._current[1] is scope:
                    self._current = None
                if self.status[0] not in _INSTALLING:
                    with trio.CancelScope(shield=True):
                        await self._hold(False)
                        await self._offload.run(lambda: path.unlink(missing_ok=True))

    async def _download(self, request: UpdateFirmwareRequest, path: Path) -> bytes | None:
        """The file's SHA-256 once it is complete, or None after DownloadFailed."""
        retries = request.retries or 0
        interval = float(request.retry_interval or 0)
        url = request.firmware.location
        for attempt in range(retries + 1):
            if attempt:
                await trio.sleep(interval)
            await self._notify(Fw.Downloading, request.request_id)
            try:
                done = await download(
                    url, path, self._offload, limits=self._limits, verify=self._verify()
                )
            except TransferError as exc:
                log.warning(
                    "event=firmware_download_failed request_id=%d attempt=%d url=%s kind=%s "
                    "reason=%r",
                    request.request_id,
                    attempt + 1,
                    safe_url(url),
                    exc.kind,
                    str(exc),
                )
                if exc.kind == "no_space":
                    await self._security_event("MemoryExhaustion", f"firmware download: {exc}")
                # Retrying cannot help: the same file, the same disk, the same refusal.
                if exc.kind in ("unsupported", "permission", "too_large", "no_space"):
                    break
                continue
            log.info(
                "event=firmware_downloaded request_id=%d bytes=%d sha256=%s",
                request.request_id,
                done.size,
                done.sha256.hex(),
            )
            return done.sha256
        await self._notify(Fw.DownloadFailed, request.request_id)
        return None

    async def _wait_for_install_time(self, request: UpdateFirmwareRequest) -> None:
        install_at = request.firmware.install_date_time
        delay = (install_at - self._now()).total_seconds() if install_at else 0
        if delay <= SCHEDULE_TOLERANCE:
            delay = 0
        if delay == 0 and not self._transactions_active():
            return
        await self._notify(Fw.InstallScheduled, request.request_id)
        if delay > 0:
            await trio.sleep(delay)
        if self._transactions_active():
            # L01.FR.06/07: wait for the transactions; no new ones meanwhile.
            while self._transactions_active():
                await self._hold(True)  # the idle EVSEs, again after each change
                await self._wait_transactions_changed()

    async def _install(self, request: UpdateFirmwareRequest, path: Path) -> None:
        request_id = request.request_id
        # The ended transactions' messages go out before the station goes down.
        with trio.move_on_after(60):
            await self._drained()
        await self._hold(True)
        await self._notify(Fw.Installing, request_id)
        if self._installer is None:
            log.error("event=firmware_install_failed reason='no installer configured'")
            await self._notify(Fw.InstallationFailed, request_id)
            return
        command = [*self._installer, str(path)]
        env = dict(
            os.environ,
            OCPP_FIRMWARE_REQUEST_ID=str(request_id),
            # The installer refuses a version that is not newer than this one unless the
            # operator allows it (a replayed old signed file is a downgrade attack).
            OCPP_FIRMWARE_RUNNING_VERSION=__version__,
            OCPP_FIRMWARE_ALLOW_DOWNGRADE="1" if self._allow_downgrade else "0",
        )
        try:
            with trio.fail_after(self._install_timeout):
                result = await trio.run_process(
                    command, capture_stdout=True, capture_stderr=True, check=False, env=env
                )
        except (OSError, trio.TooSlowError) as exc:
            reason = f"installer did not run: {exc}" if isinstance(exc, OSError) else "timeout"
            log.error("event=firmware_install_failed reason=%r", reason)
            await self._notify(Fw.InstallationFailed, request_id)
            return
        output = (result.stdout + result.stderr).decode(errors="replace").strip()
        if result.returncode != 0:
            log.error(
                "event=firmware_install_failed exit=%d output=%r",
                result.returncode,
                output[-500:],
            )
            await self._notify(
                Fw.InstallVerificationFailed if result.returncode == 3 else Fw.InstallationFailed,
                request_id,
            )
            return
        log.info("event=firmware_installed request_id=%d output=%r", request_id, output[-500:])
        state = json.dumps({"request_id": request_id, "installed_at": self._now().isoformat()})
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (META_KEY, state)
            )
        )
        await self._notify(Fw.InstallRebooting, request_id)
        await self._restart()

    async def _report_after_reboot(self, state: dict) -> None:
        request_id = state.get("request_id")
        await self._client.wait_until(lambda: self._client.admits(Admission.NORMAL))
        # The new version booted and the CSMS accepted it: tell the installer's boot
        # guard (no rollback), then report.
        await self._offload.run(lambda: (self.directory / "pending.json").unlink(missing_ok=True))
        await self._notify(Fw.Installed, request_id)
        await self._security_event("FirmwareUpdated", f"request {request_id} installed")
        await self._store.run(lambda db: db.execute("DELETE FROM meta WHERE name = ?", (META_KEY,)))
        self.status = (Fw.Idle, None)
        self._after_reboot = None

    async def _notify(self, status: Fw, request_id: int | None) -> None:
        self.status = (status, request_id)
        try:
            await self._client.call(
                FirmwareStatusNotificationRequest(status=status, request_id=request_id),
                wait=True,
            )
        except CallFailed as exc:
            log.warning(
                "event=firmware_status_not_sent status=%s reason=%r", status.value, str(exc)
            )

    def trigger(self, evse: EVSEType | None) -> Callable[[], Awaitable[None]]:
        """TriggerMessage(FirmwareStatusNotification): the current status, or Idle when
        nothing is going on (L01.FR.25/26)."""

        async def send() -> None:
            status, request_id = self.status
            if self._current is None and status not in _INSTALLING:
                status, request_id = Fw.Idle, None
            await self._client.call(
                FirmwareStatusNotificationRequest(status=status, request_id=request_id),
                admission=Admission.REQUESTED,
            )

        return send
