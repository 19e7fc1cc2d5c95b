"""The RequestStartTransaction request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.charging_profile import ChargingProfileType
from .shared.custom_data import CustomDataType
from .shared.id_token import IdTokenType
from .shared.request_start_stop_status import RequestStartStopStatusEnumType
from .shared.status_info import StatusInfoType


class RequestStartTransactionRequest(Message):
    """RequestStartTransaction CALL payload."""

    ACTION: ClassVar[str] = "RequestStartTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    group_id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="groupIdToken",
        serialization_alias="groupIdToken",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    remote_start_id: int = Field(
        validation_alias="remoteStartId",
        serialization_alias="remoteStartId",
    )
    charging_profile: Omittable[ChargingProfileType] = Field(
        default=None,
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class RequestStartTransactionResponse(Message):
    """RequestStartTransaction CALLRESULT payload."""

    ACTION: ClassVar[str] = "RequestStartTransaction"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: RequestStartStopStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
