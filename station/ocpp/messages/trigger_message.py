"""The TriggerMessage request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.evse import EVSEType
from .shared.status_info import StatusInfoType


class MessageTriggerEnumType(OcppEnum):
    """Type of message to be triggered."""

    BootNotification = "BootNotification"
    LogStatusNotification = "LogStatusNotification"
    FirmwareStatusNotification = "FirmwareStatusNotification"
    Heartbeat = "Heartbeat"
    MeterValues = "MeterValues"
    SignChargingStationCertificate = "SignChargingStationCertificate"
    SignV2GCertificate = "SignV2GCertificate"
    StatusNotification = "StatusNotification"
    TransactionEvent = "TransactionEvent"
    SignCombinedCertificate = "SignCombinedCertificate"
    PublishFirmwareStatusNotification = "PublishFirmwareStatusNotification"


class TriggerMessageStatusEnumType(OcppEnum):
    """Indicates whether the Charging Station will send the requested notification or not."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotImplemented = "NotImplemented"


class TriggerMessageRequest(Message):
    """TriggerMessage CALL payload."""

    ACTION: ClassVar[str] = "TriggerMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    requested_message: MessageTriggerEnumType = Field(
        validation_alias="requestedMessage",
        serialization_alias="requestedMessage",
    )


class TriggerMessageResponse(Message):
    """TriggerMessage CALLRESULT payload."""

    ACTION: ClassVar[str] = "TriggerMessage"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: TriggerMessageStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
