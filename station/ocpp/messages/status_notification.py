"""The StatusNotification request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class ConnectorStatusEnumType(OcppEnum):
    """This contains the current status of the Connector."""

    Available = "Available"
    Occupied = "Occupied"
    Reserved = "Reserved"
    Unavailable = "Unavailable"
    Faulted = "Faulted"


class StatusNotificationRequest(Message):
    """StatusNotification CALL payload."""

    ACTION: ClassVar[str] = "StatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    timestamp: DateTime
    connector_status: ConnectorStatusEnumType = Field(
        validation_alias="connectorStatus",
        serialization_alias="connectorStatus",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    connector_id: int = Field(validation_alias="connectorId", serialization_alias="connectorId")


class StatusNotificationResponse(Message):
    """StatusNotification CALLRESULT payload."""

    ACTION: ClassVar[str] = "StatusNotification"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
