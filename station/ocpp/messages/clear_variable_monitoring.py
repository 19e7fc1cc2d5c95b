"""The ClearVariableMonitoring request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ClearMonitoringStatusEnumType(OcppEnum):
    """Result of the clear request for this monitor, identified by its Id."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotFound = "NotFound"


class ClearMonitoringResultType(OcppType):
    """OCPP 2.0.1 data type ClearMonitoringResultType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearMonitoringStatusEnumType
    id: int
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )


class ClearVariableMonitoringRequest(Message):
    """ClearVariableMonitoring CALL payload."""

    ACTION: ClassVar[str] = "ClearVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: list[int] = Field(min_length=1)


class ClearVariableMonitoringResponse(Message):
    """ClearVariableMonitoring CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    clear_monitoring_result: list[ClearMonitoringResultType] = Field(
        validation_alias="clearMonitoringResult",
        serialization_alias="clearMonitoringResult",
        min_length=1,
    )
