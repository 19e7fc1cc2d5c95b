"""The UnlockConnector request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class UnlockStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station has unlocked the connector."""

    Unlocked = "Unlocked"
    UnlockFailed = "UnlockFailed"
    OngoingAuthorizedTransaction = "OngoingAuthorizedTransaction"
    UnknownConnector = "UnknownConnector"


class UnlockConnectorRequest(Message):
    """UnlockConnector CALL payload."""

    ACTION: ClassVar[str] = "UnlockConnector"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    connector_id: int = Field(validation_alias="connectorId", serialization_alias="connectorId")


class UnlockConnectorResponse(Message):
    """UnlockConnector CALLRESULT payload."""

    ACTION: ClassVar[str] = "UnlockConnector"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UnlockStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
