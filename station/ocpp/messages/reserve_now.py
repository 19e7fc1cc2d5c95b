"""The ReserveNow request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.id_token import IdTokenType
from .shared.status_info import StatusInfoType


class ConnectorEnumType(OcppEnum):
    """This field specifies the connector type."""

    cCCS1 = "cCCS1"
    cCCS2 = "cCCS2"
    cG105 = "cG105"
    cTesla = "cTesla"
    cType1 = "cType1"
    cType2 = "cType2"
    s309_1P_16A = "s309-1P-16A"
    s309_1P_32A = "s309-1P-32A"
    s309_3P_16A = "s309-3P-16A"
    s309_3P_32A = "s309-3P-32A"
    sBS1361 = "sBS1361"
    sCEE_7_7 = "sCEE-7-7"
    sType2 = "sType2"
    sType3 = "sType3"
    Other1PhMax16A = "Other1PhMax16A"
    Other1PhOver16A = "Other1PhOver16A"
    Other3Ph = "Other3Ph"
    Pan = "Pan"
    wInductive = "wInductive"
    wResonant = "wResonant"
    Undetermined = "Undetermined"
    Unknown = "Unknown"


class ReserveNowStatusEnumType(OcppEnum):
    """This indicates the success or failure of the reservation."""

    Accepted = "Accepted"
    Faulted = "Faulted"
    Occupied = "Occupied"
    Rejected = "Rejected"
    Unavailable = "Unavailable"


class ReserveNowRequest(Message):
    """ReserveNow CALL payload."""

    ACTION: ClassVar[str] = "ReserveNow"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    expiry_date_time: DateTime = Field(
        validation_alias="expiryDateTime",
        serialization_alias="expiryDateTime",
    )
    connector_type: Omittable[ConnectorEnumType] = Field(
        default=None,
        validation_alias="connectorType",
        serialization_alias="connectorType",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
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


class ReserveNowResponse(Message):
    """ReserveNow CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReserveNow"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ReserveNowStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
