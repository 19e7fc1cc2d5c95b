"""Network connection profiles, security-profile upgrade and the Basic-auth password.

* SetNetworkProfile (B09): a profile is validated and stored in a configuration slot
  (Rejected for invalid content, a slot outside NetworkConfigurationPriority's valuesList,
  or a security profile lower than the current one, B09.FR.02/04/05; Failed when it cannot
  be stored). It is used after the next reboot, in the order of NetworkConfigurationPriority.
* NetworkConfigurationPriority (B10, A05): a new order is accepted only if every slot
  holds a profile and the prerequisites of its security profile are met (a CSMS root for
  2 and 3, a station certificate for 3; A05.FR.02/03); it answers RebootRequired and
  applies after the restart (B10.FR.04).
* After connecting with a profile of a higher security profile the station updates
  SecurityProfile and deletes the profiles of lower ones (A05.FR.06); profiles are never
  downgraded (A00.FR.005). Switching to another profile sends a BootNotification (B10.FR.10).
* BasicAuthPassword (A01): a new password is logged (without its value) in the security
  log and the station reconnects with it once the SetVariables response is out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import OcppClient
from station.ocpp.connection import ConnectionManager, NetworkProfile, NetworkProfiles
from station.ocpp.messages import StatusInfoType
from station.ocpp.provisioning import Provisioning

if TYPE_CHECKING:
    # Imported when a SetNetworkProfile arrives: a boot does not need its models.
    from station.ocpp.messages import (
        NetworkConnectionProfileType,
        SetNetworkProfileRequest,
        SetNetworkProfileResponse,
    )

log = logging.getLogger(__name__)

PRIORITY = key("OCPPCommCtrlr", "NetworkConfigurationPriority")
SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")

SecurityEventSink = Callable[[str, str], Awaitable[None]]


class NetworkService:
    """B09, B10, A01, A05 on top of the stored profiles and the connection manager."""

    def __init__(
        self,
        *,
        client: OcppClient,
        device_model: DeviceModel,
        profiles: NetworkProfiles,
        connection: ConnectionManager,
        provisioning: Provisioning,
        security_event: SecurityEventSink,
        has_csms_root: Callable[[], bool],
        has_station_certificate: Callable[[], bool],
    ) -> None:
        self._client = client
        self._dm = device_model
        self._profiles = profiles
        self._connection = connection
        self._provisioning = provisioning
        self._security_event = security_event
        self._has_root = has_csms_root
        self._has_certificate = has_station_certificate
        self._slots = tuple(int(s) for s in device_model.declaration(PRIORITY).values_list or ())
        self._last_slot: int | None = None
        client.route("SetNetworkProfile", self.set_network_profile)
        priority = device_model.declaration(PRIORITY)
        priority.check = self._check_priority
        priority.reboot_required = True
        device_model.on_change(PASSWORD, self._password_changed)
        connection.on_connected(self._connected)

    # -- B09 ----------------------------------------------------------------------------

    async def set_network_profile(
        self, request: SetNetworkProfileRequest
    ) -> SetNetworkProfileResponse:
        """Validate and store a profile in a configuration slot."""
        from station.ocpp.messages import SetNetworkProfileResponse
        from station.ocpp.messages import SetNetworkProfileStatusEnumType as Status

        reason = self._invalid(request.configuration_slot, request.connection_data)
        if reason is not None:
            log.warning(
                "event=network_profile_rejected slot=%s reason=%r",
                request.configuration_slot,
                reason,
            )
            return SetNetworkProfileResponse(
                status=Status.Rejected,
                status_info=StatusInfoType(reason_code="InvalidProfile", additional_info=reason),
            )
        data = request.connection_data
        profile = NetworkProfile(
            slot=request.configuration_slot,
            url=data.ocpp_csms_url.rstrip("/"),
            security_profile=data.security_profile,
            message_timeout=data.message_timeout,
            ocpp_interface=data.ocpp_interface.value,
        )
        try:
            await self._profiles.put(profile)
        except Exception as exc:
            log.exception("event=network_profile_store_failed slot=%s", profile.slot)
            return SetNetworkProfileResponse(
                status=Status.Failed,
                status_info=StatusInfoType(
                    reason_code="WriteFailed", additional_info=str(exc)[:512]
                ),
            )
        log.info(
            "event=network_profile_stored slot=%d url=%s security_profile=%d",
            profile.slot,
            profile.url,
            profile.security_profile,
        )
        await self._security_event(
            "ReconfigurationOfSecurityParameters",
            f"network profile {profile.slot} set: {profile.url} "
            f"(security profile {profile.security_profile})",
        )
        return SetNetworkProfileResponse(status=Status.Accepted)

    def _invalid(self, slot: int, data: NetworkConnectionProfileType) -> str | None:
        from station.ocpp.messages import OCPPTransportEnumType, OCPPVersionEnumType

        if slot not in self._slots:
            return f"configurationSlot {slot} is not one of {','.join(map(str, self._slots))}"
        if data.ocpp_version is not OCPPVersionEnumType.OCPP20:
            return f"ocppVersion {data.ocpp_version.value} is not supported (OCPP20 only)"
        if data.ocpp_transport is not OCPPTransportEnumType.JSON:
            return "ocppTransport must be JSON"
        current = self._dm.get_int(SECURITY_PROFILE) or 1
        if not 1 <= data.security_profile <= 3:
            return f"securityProfile {data.security_profile} does not exist"
        if data.security_profile < current:
            return f"securityProfile {data.security_profile} is lower than the current {current}"
        parts = urlsplit(data.ocpp_csms_url)
        wanted = "ws" if data.security_profile == 1 else "wss"
        if parts.scheme != wanted or not parts.hostname:
            return (
                f"ocppCsmsUrl must be a {wanted}:// URL for security profile "
                f"{data.security_profile}"
            )
        if data.message_timeout <= 0:
            return "messageTimeout must be positive"
        if data.apn is not None or data.vpn is not None:
            return "APN and VPN settings are not supported by this station"
        return None

    # -- B10 / A05 ----------------------------------------------------------------------

    def _check_priority(self, value: object) -> str | None:
        slots = [int(s) for s in value]  # type: ignore[attr-defined]
        current = self._dm.get_int(SECURITY_PROFILE) or 1
        for slot in slots:
            profile = self._profiles.get(slot)
            if profile is None:
                return f"configuration slot {slot} holds no network profile"
            if profile.security_profile < current:
                return (
                    f"slot {slot} uses security profile {profile.security_profile}, "
                    f"lower than {current}"
                )
            if profile.security_profile >= 2 and not self._has_root():
                return f"slot {slot} needs a CSMSRootCertificate; none is installed (A05.FR.02)"
            if profile.security_profile == 3 and not self._has_certificate():
                return (
                    f"slot {slot} needs a ChargingStationCertificate; none is installed (A05.FR.03)"
                )
        return None

    async def _connected(self, profile: NetworkProfile) -> None:
        if self._last_slot is not None and self._last_slot != profile.slot:
            self._provisioning.require_boot()  # errata B10.FR.10
        self._last_slot = profile.slot
        current = self._dm.get_int(SECURITY_PROFILE) or 1
        if profile.security_profile <= current:
            return
        # A05.FR.06: the upgrade holds; profiles below it are gone for good.
        await self._dm.set(SECURITY_PROFILE, profile.security_profile)
        removed = [
            slot
            for slot, p in self._profiles.slots().items()
            if p.security_profile < profile.security_profile
        ]
        for slot in removed:
            await self._profiles.delete(slot)
        priority = [int(s) for s in (self._dm.get_list(PRIORITY) or ()) if int(s) not in removed]
        await self._dm.set(PRIORITY, ",".join(map(str, priority or [profile.slot])))
        await self._security_event(
            "ReconfigurationOfSecurityParameters",
            f"security profile raised from {current} to "
            f"{profile.security_profile}; removed slots {removed}",
        )
        log.warning(
            "event=security_profile_upgraded from=%d to=%d removed_slots=%s",
            current,
            profile.security_profile,
            removed,
        )

    # -- A01 ----------------------------------------------------------------------------

    def _password_changed(self, value: object) -> None:
        async def apply() -> None:
            await self._security_event(
                "ReconfigurationOfSecurityParameters", "BasicAuthPassword changed"
            )
            await self._connection.reconnect()

        self._client.after_reply(apply)
