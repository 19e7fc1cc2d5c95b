"""The BootNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class BootReasonEnumType(OcppEnum):
    """This contains the reason for sending this message to the CSMS."""

    ApplicationReset = "ApplicationReset"
    FirmwareUpdate = "FirmwareUpdate"
    LocalReset = "LocalReset"
    PowerUp = "PowerUp"
    RemoteReset = "RemoteReset"
    ScheduledReset = "ScheduledReset"
    Triggered = "Triggered"
    Unknown = "Unknown"
    Watchdog = "Watchdog"


class RegistrationStatusEnumType(OcppEnum):
    """This contains whether the Charging Station has been registered"""

    Accepted = "Accepted"
    Pending = "Pending"
    Rejected = "Rejected"


class ModemType(OcppType):
    """Defines parameters required for initiating and maintaining wireless communication with..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    iccid: Omittable[str] = Field(default=None, max_length=20)
    imsi: Omittable[str] = Field(default=None, max_length=20)


class ChargingStationType(OcppType):
    """The physical system where an Electrical Vehicle (EV) can be charged."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    serial_number: Omittable[str] = Field(
        default=None,
        validation_alias="serialNumber",
        serialization_alias="serialNumber",
        max_length=25,
    )
    model: str = Field(max_length=20)
    modem: Omittable[ModemType] = None
    vendor_name: str = Field(
        validation_alias="vendorName",
        serialization_alias="vendorName",
        max_length=50,
    )
    firmware_version: Omittable[str] = Field(
        default=None,
        validation_alias="firmwareVersion",
        serialization_alias="firmwareVersion",
        max_length=50,
    )


class BootNotificationRequest(Message):
    """BootNotification CALL payload."""

    ACTION: ClassVar[str] = "BootNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_station: ChargingStationType = Field(
        validation_alias="chargingStation",
        serialization_alias="chargingStation",
    )
    reason: BootReasonEnumType


class BootNotificationResponse(Message):
    """BootNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "BootNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    current_time: DateTime = Field(
        validation_alias="currentTime",
        serialization_alias="currentTime",
    )
    interval: int
    status: RegistrationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
