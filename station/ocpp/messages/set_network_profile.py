"""The SetNetworkProfile request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class APNAuthenticationEnumType(OcppEnum):
    """Authentication method."""

    CHAP = "CHAP"
    NONE = "NONE"
    PAP = "PAP"
    AUTO = "AUTO"


class OCPPInterfaceEnumType(OcppEnum):
    """Applicable Network Interface."""

    Wired0 = "Wired0"
    Wired1 = "Wired1"
    Wired2 = "Wired2"
    Wired3 = "Wired3"
    Wireless0 = "Wireless0"
    Wireless1 = "Wireless1"
    Wireless2 = "Wireless2"
    Wireless3 = "Wireless3"


class OCPPTransportEnumType(OcppEnum):
    """Defines the transport protocol (e.g."""

    JSON = "JSON"
    SOAP = "SOAP"


class OCPPVersionEnumType(OcppEnum):
    """Defines the OCPP version used for this communication function."""

    OCPP12 = "OCPP12"
    OCPP15 = "OCPP15"
    OCPP16 = "OCPP16"
    OCPP20 = "OCPP20"


class SetNetworkProfileStatusEnumType(OcppEnum):
    """Result of operation."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Failed = "Failed"


class VPNEnumType(OcppEnum):
    """Type of VPN"""

    IKEv2 = "IKEv2"
    IPSec = "IPSec"
    L2TP = "L2TP"
    PPTP = "PPTP"


class APNType(OcppType):
    """APN"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    apn: str = Field(max_length=512)
    apn_user_name: Omittable[str] = Field(
        default=None,
        validation_alias="apnUserName",
        serialization_alias="apnUserName",
        max_length=20,
    )
    apn_password: Omittable[str] = Field(
        default=None,
        validation_alias="apnPassword",
        serialization_alias="apnPassword",
        max_length=20,
    )
    sim_pin: Omittable[int] = Field(
        default=None,
        validation_alias="simPin",
        serialization_alias="simPin",
    )
    preferred_network: Omittable[str] = Field(
        default=None,
        validation_alias="preferredNetwork",
        serialization_alias="preferredNetwork",
        max_length=6,
    )
    use_only_preferred_network: Omittable[bool] = Field(
        default=None,
        validation_alias="useOnlyPreferredNetwork",
        serialization_alias="useOnlyPreferredNetwork",
    )
    apn_authentication: APNAuthenticationEnumType = Field(
        validation_alias="apnAuthentication",
        serialization_alias="apnAuthentication",
    )


class VPNType(OcppType):
    """VPN"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    server: str = Field(max_length=512)
    user: str = Field(max_length=20)
    group: Omittable[str] = Field(default=None, max_length=20)
    password: str = Field(max_length=20)
    key: str = Field(max_length=255)
    type: VPNEnumType


class NetworkConnectionProfileType(OcppType):
    """The NetworkConnectionProfile defines the functional and technical parameters of a..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    apn: Omittable[APNType] = None
    ocpp_version: OCPPVersionEnumType = Field(
        validation_alias="ocppVersion",
        serialization_alias="ocppVersion",
    )
    ocpp_transport: OCPPTransportEnumType = Field(
        validation_alias="ocppTransport",
        serialization_alias="ocppTransport",
    )
    ocpp_csms_url: str = Field(
        validation_alias="ocppCsmsUrl",
        serialization_alias="ocppCsmsUrl",
        max_length=512,
    )
    message_timeout: int = Field(
        validation_alias="messageTimeout",
        serialization_alias="messageTimeout",
    )
    security_profile: int = Field(
        validation_alias="securityProfile",
        serialization_alias="securityProfile",
    )
    ocpp_interface: OCPPInterfaceEnumType = Field(
        validation_alias="ocppInterface",
        serialization_alias="ocppInterface",
    )
    vpn: Omittable[VPNType] = None


class SetNetworkProfileRequest(Message):
    """SetNetworkProfile CALL payload."""

    ACTION: ClassVar[str] = "SetNetworkProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    configuration_slot: int = Field(
        validation_alias="configurationSlot",
        serialization_alias="configurationSlot",
    )
    connection_data: NetworkConnectionProfileType = Field(
        validation_alias="connectionData",
        serialization_alias="connectionData",
    )


class SetNetworkProfileResponse(Message):
    """SetNetworkProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetNetworkProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: SetNetworkProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
