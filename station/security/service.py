"""Certificate management over OCPP: M03–M05 and A02/A03.

* InstallCertificate, GetInstalledCertificateIds and DeleteCertificate work on the
  `CertificateStore` (the last CSMS root can be deleted, AQ-1; the station's own
  certificate cannot, M04.FR.06).
* TriggerMessage(SignChargingStationCertificate) starts a signing cycle: a new key pair
  (EC P-256 unless configured otherwise), a CSR with CN = serial number and O =
  SecurityCtrlr.OrganizationName, SignCertificateRequest. When the CSMS accepts it and no
  CertificateSigned arrives, the same CSR is sent again after CertSigningWaitMinimum,
  then after twice that, and so on: CertSigningRepeatTimes doublings (A02.FR.17–19;
  TC_A_23 with RepeatTimes 1 sees three requests). A Rejected SignCertificate ends the
  cycle (TC_A_15).
* CertificateSigned: the chain must be for a key this station generated, have the
  certificate properties (CN = serial number, O = SecurityCtrlr.OrganizationName, no CA,
  key usage and extended key usage fit for a TLS client), be valid now (not in the
  future), within MaxCertificateChainSize and chain to an installed CSMS root (A02.FR.06).
  Invalid: Rejected, security event InvalidChargingStationCertificate, and no more
  resends until triggered again (A02.FR.07/20).
  Valid: Accepted. When the connection uses security profile 3 the new pair is stored
  beside the old one and the station reconnects to present it (A02.FR.08). The first
  connection made with it confirms it and the old pair is deleted (A02.FR.10). If it
  fails on every entry of NetworkConfigurationPriority (NetworkProfileConnectionAttempts
  each), the new pair is deleted, the station goes back to the old one, and raises
  DiscardedRenewedClientCertificate (A02.FR.28/29). Without a client certificate in use
  there is nothing to try: the new pair replaces the old at once.
* A03: once a day the station checks its certificate; within 30 days of expiry it starts
  a signing cycle of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import trio

from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import Admission, CallFailed, OcppClient, Reply
from station.ocpp.messages import EVSEType, StatusInfoType
from station.security.certificates import PINNED_REASON, CertificateError, CertificateStore

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        CertificateSignedRequest,
        DeleteCertificateRequest,
        DeleteCertificateResponse,
        GetInstalledCertificateIdsRequest,
        GetInstalledCertificateIdsResponse,
        InstallCertificateRequest,
        InstallCertificateResponse,
    )

log = logging.getLogger(__name__)

WAIT_MINIMUM = key("SecurityCtrlr", "CertSigningWaitMinimum")
REPEAT_TIMES = key("SecurityCtrlr", "CertSigningRepeatTimes")
ORGANIZATION = key("SecurityCtrlr", "OrganizationName")
MAX_CHAIN = key("SecurityCtrlr", "MaxCertificateChainSize")
PRIORITY = key("OCPPCommCtrlr", "NetworkConfigurationPriority")
ATTEMPTS = key("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")
#: A03: renew this long before the certificate expires.
RENEW_BEFORE = timedelta(days=30)
RENEWAL_CHECK = 24 * 3600.0

SecurityEventSink = Callable[[str, str], Awaitable[None]]


def _info(code: str, text: str | None) -> StatusInfoType | None:
    if not text:
        return None
    return StatusInfoType(reason_code=code, additional_info=text[:512])


class CertificateService:
    """OCPP handlers and timers around the certificate store."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: CertificateStore,
        device_model: DeviceModel,
        serial_number: str,
        security_event: SecurityEventSink,
        reconnect: Callable[[], Awaitable[None]],
        active_security_profile: Callable[[], int | None],
        failed_attempts: Callable[[], int],
        wait_failed_attempts: Callable[[int], Awaitable[None]],
        key_type: str = "ec-p256",
    ) -> None:
        """``failed_attempts``/``wait_failed_attempts`` are the connection manager's count
        of failed connection attempts (a renewed certificate on trial is judged by them)."""
        self._client = client
        self.store = store
        self._dm = device_model
        self._serial = serial_number
        self._security_event = security_event
        self._reconnect = reconnect
        self._active_profile = active_security_profile
        self._key_type = key_type
        self._failed_attempts = failed_attempts
        self._wait_failed_attempts = wait_failed_attempts
        self._trial_started = trio.Event()
        self._trial_ended = trio.Event()
        #: Failed-attempt count at which a renewed pair on trial is given up (A02.FR.28).
        self._trial_limit: int | None = None
        self._wanted = trio.Event()
        self._cycle: trio.CancelScope | None = None
        self._signed = trio.Event()
        #: SignCertificateRequests sent in the current cycle (status and tests read it).
        self.requests_sent = 0
        client.route("InstallCertificate", self.install_certificate)
        client.route("GetInstalledCertificateIds", self.get_installed_certificate_ids)
        client.route("DeleteCertificate", self.delete_certificate)
        client.route("CertificateSigned", self.certificate_signed)

    # -- M03–M05 --------------------------------------------------------------------------

    async def install_certificate(
        self, request: InstallCertificateRequest
    ) -> InstallCertificateResponse:
        """M05."""
        from station.ocpp.messages import (
            InstallCertificateResponse,
            InstallCertificateStatusEnumType,
        )

        status, reason = await self.store.install(request.certificate_type, request.certificate)
        if status is InstallCertificateStatusEnumType.Accepted:
            await self._security_event(
                "ReconfigurationOfSecurityParameters",
                f"{request.certificate_type.value} installed",
            )
        else:
            log.warning(
                "event=install_certificate_refused use=%s status=%s reason=%r",
                request.certificate_type.value,
                status.value,
                reason,
            )
        if reason == PINNED_REASON:
            code = "UnsupportedRequest"  # the certificate may be fine; the type is closed
        elif status is InstallCertificateStatusEnumType.Rejected:
            code = "InvalidCertificate"
        else:
            code = "WriteFailed"
        return InstallCertificateResponse(status=status, status_info=_info(code, reason))

    async def get_installed_certificate_ids(
        self, request: GetInstalledCertificateIdsRequest
    ) -> GetInstalledCertificateIdsResponse:
        """M03."""
        from station.ocpp.messages import (
            GetInstalledCertificateIdsResponse,
            GetInstalledCertificateStatusEnumType,
        )

        chains = self.store.installed_ids(request.certificate_type)
        if not chains:
            return GetInstalledCertificateIdsResponse(
                status=GetInstalledCertificateStatusEnumType.NotFound
            )
        return GetInstalledCertificateIdsResponse(
            status=GetInstalledCertificateStatusEnumType.Accepted,
            certificate_hash_data_chain=chains,
        )

    async def delete_certificate(
        self, request: DeleteCertificateRequest
    ) -> DeleteCertificateResponse:
        """M04."""
        from station.ocpp.messages import DeleteCertificateResponse

        status = await self.store.delete(request.certificate_hash_data)
        if status.value == "Accepted":
            data = request.certificate_hash_data
            await self._security_event(
                "ReconfigurationOfSecurityParameters",
                f"certificate deleted (serial {data.serial_number})",
            )
        return DeleteCertificateResponse(status=status)

    # -- A02: signing -------------------------------------------------------------------

    def trigger(self, evse: EVSEType | None) -> Callable[[], Awaitable[None]] | None:
        """TriggerMessage(SignChargingStationCertificate): start a new cycle after the
        response (a running one is abandoned)."""

        async def start() -> None:
            self.request_signing("triggered by the CSMS")

        return start

    def request_signing(self, why: str) -> None:
        """Start a new signing cycle (replacing a running one)."""
        log.info("event=certificate_signing_requested reason=%r", why)
        if self._cycle is not None:
            self._cycle.cancel()
        self._wanted.set()

    async def run(self) -> None:
        """Signing cycles on request, and the A03 renewal check."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._renewal)
            nursery.start_soon(self._watch_trials)
            while True:
                await self._wanted.wait()
                self._wanted = trio.Event()
                with trio.CancelScope() as self._cycle:
                    await self._sign_cycle()
                self._cycle = None

    async def _sign_cycle(self) -> None:
        self.requests_sent = 0
        self._signed = trio.Event()
        organization = self._dm.get(ORGANIZATION)
        csr = await self.store.new_csr(
            key_type=self._key_type,
            common_name=self._serial,
            organization=str(organization) if organization else None,
        )
        wait = self._dm.get_float(WAIT_MINIMUM) or 30.0
        resends = (self._dm.get_int(REPEAT_TIMES) or 0) + 1
        for attempt in range(resends + 1):
            if self._signed.is_set():
                return
            accepted = await self._send(csr)
            if accepted is False:
                log.info("event=sign_certificate_rejected detail='cycle ends (A02)'")
                return
            if attempt == resends:
                break
            with trio.move_on_after(wait):
                await self._signed.wait()
                return
            wait *= 2
        log.info(
            "event=certificate_signing_gave_up requests=%d detail='until triggered again'",
            self.requests_sent,
        )

    async def _send(self, csr: str) -> bool | None:
        """Send the CSR; True/False for the CSMS's verdict, None when it got no answer."""
        from station.ocpp.messages import (
            CertificateSigningUseEnumType,
            GenericStatusEnumType,
            SignCertificateRequest,
            SignCertificateResponse,
        )

        self.requests_sent += 1
        request = SignCertificateRequest(
            csr=csr, certificate_type=CertificateSigningUseEnumType.ChargingStationCertificate
        )
        try:
            response = await self._client.call(request, admission=Admission.NORMAL, wait=True)
        except CallFailed as exc:
            log.warning("event=sign_certificate_failed reason=%r", str(exc))
            return None
        assert isinstance(response, SignCertificateResponse)
        return response.status is GenericStatusEnumType.Accepted

    async def certificate_signed(self, request: CertificateSignedRequest) -> Reply:
        """A02.FR.05–10: validate, store, reconnect."""
        from station.ocpp.messages import (
            CertificateSignedResponse,
            CertificateSignedStatusEnumType,
            CertificateSigningUseEnumType,
        )

        use = request.certificate_type or CertificateSigningUseEnumType.ChargingStationCertificate
        if use is not CertificateSigningUseEnumType.ChargingStationCertificate:
            return Reply(
                CertificateSignedResponse(
                    status=CertificateSignedStatusEnumType.Rejected,
                    status_info=_info("NotSupported", "ISO 15118 certificates are not supported"),
                )
            )
        max_size = self._dm.get_int(MAX_CHAIN)
        organization = self._dm.get(ORGANIZATION)
        try:
            chain = self.store.validate_signed(
                request.certificate_chain,
                max_size=max_size if max_size else None,
                serial_number=self._serial,
                organization=str(organization) if organization else None,
            )
        except CertificateError as exc:
            log.warning("event=certificate_signed_rejected reason=%r", str(exc))
            await self._security_event("InvalidChargingStationCertificate", str(exc)[:255])
            # A02.FR.20: no more resends of this cycle.
            if self._cycle is not None:
                self._cycle.cancel()
            return Reply(
                CertificateSignedResponse(
                    status=CertificateSignedStatusEnumType.Rejected,
                    status_info=_info("InvalidCertificate", str(exc)),
                )
            )
        trial = self._active_profile() == 3
        try:
            await self.store.install_signed(chain, trial=trial)
        except (OSError, CertificateError) as exc:
            # Nothing usable was stored; the old pair stays in use.
            log.error("event=certificate_signed_not_stored reason=%r", str(exc))
            return Reply(
                CertificateSignedResponse(
                    status=CertificateSignedStatusEnumType.Rejected,
                    status_info=_info("InternalError", f"cannot store the certificate: {exc}"),
                )
            )
        self._signed.set()
        await self._security_event(
            "ReconfigurationOfSecurityParameters",
            f"new ChargingStationCertificate (serial {chain[0].serial_number:x})",
        )

        async def switch() -> None:
            if trial:
                self._start_trial()
                log.info("event=reconnecting reason='new station certificate'")
                await self._reconnect()

        return Reply(
            CertificateSignedResponse(status=CertificateSignedStatusEnumType.Accepted), switch
        )

    # -- A02.FR.10/28/29: the renewed pair on trial ----------------------------------------

    async def connected(self, security_profile: int) -> None:
        """A connection was made: with a client certificate (profile 3) it confirms a
        renewed pair on trial, and the old pair is deleted (A02.FR.10)."""
        if security_profile != 3 or self.store.on_trial is None:
            return
        limit = self._trial_limit
        if limit is not None and self._failed_attempts() >= limit:
            return  # this connection used the old pair; the watcher discards the new one
        if await self.store.confirm_trial():
            self._trial_ended.set()

    def _trial_budget(self) -> int:
        """Failed attempts that show the renewed certificate does not work: every entry
        of NetworkConfigurationPriority, NetworkProfileConnectionAttempts times."""
        slots = len(self._dm.get_list(PRIORITY) or ()) or 1
        return slots * max(1, self._dm.get_int(ATTEMPTS) or 1)

    def _start_trial(self) -> None:
        # The limit is fixed here, before the reconnection, so that every attempt with
        # the new pair counts.
        self._trial_limit = self._failed_attempts() + self._trial_budget()
        # A fresh event here, not in the watcher: the connection that confirms the pair
        # may come before the watcher runs.
        self._trial_ended = trio.Event()
        self._trial_started.set()

    def client_files(self) -> tuple[Path, Path]:
        """The certificate chain and key for the next TLS connection: the renewed pair on
        trial until it has failed on every profile (A02.FR.28), else the established one.
        Decided from the attempt count itself, so that no attempt after the last one of
        the trial presents the renewed certificate while it is being discarded."""
        limit = self._trial_limit
        if limit is not None and self._failed_attempts() >= limit:
            return self.store.chain_path, self.store.key_path
        return self.store.client_files()

    async def _watch_trials(self) -> None:
        if self.store.on_trial is not None:  # a trial that a restart interrupted
            self._start_trial()
        while True:
            await self._trial_started.wait()
            self._trial_started = trio.Event()
            limit = self._trial_limit
            if self.store.on_trial is not None and limit is not None:
                await self._judge_trial(limit)
            self._trial_limit = None

    async def _judge_trial(self, limit: int) -> None:
        """Wait for the first connection with the renewed pair, or for the attempts that
        show it does not work (A02.FR.28), whichever comes first."""
        async with trio.open_nursery() as nursery:

            async def give_up() -> None:
                await self._wait_failed_attempts(limit)
                await self._fall_back(self._trial_budget())
                nursery.cancel_scope.cancel()

            async def confirmed() -> None:
                await self._trial_ended.wait()
                nursery.cancel_scope.cancel()

            nursery.start_soon(give_up)
            nursery.start_soon(confirmed)

    async def _fall_back(self, attempts: int) -> None:
        discarded = await self.store.discard_trial()
        if discarded is None:
            return
        # A02.FR.29: the CSMS should learn it, to trigger a new renewal (the security log
        # decides what is sent as SecurityEventNotification).
        await self._security_event(
            "DiscardedRenewedClientCertificate",
            f"renewed certificate serial {discarded.serial_number:x} did not connect in "
            f"{attempts} attempts over every network profile; the previous one is used again",
        )

    # -- A03 ----------------------------------------------------------------------------

    def renewal_due(self) -> bool:
        """The station certificate expires within 30 days (A03)."""
        certificate = self.store.station_certificate
        if certificate is None:
            return False
        return certificate.not_valid_after_utc - self.store.now() <= RENEW_BEFORE

    async def _renewal(self) -> None:
        while True:
            if self.renewal_due() and self._cycle is None and not self._wanted.is_set():
                self.request_signing("station certificate expires within 30 days (A03)")
            await trio.sleep(RENEWAL_CHECK)
