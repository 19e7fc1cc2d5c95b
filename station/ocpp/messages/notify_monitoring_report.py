"""The NotifyMonitoringReport request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppType, Omittable
from .shared.component import ComponentType
from .shared.custom_data import CustomDataType
from .shared.monitor import MonitorEnumType
from .shared.variable import VariableType


class VariableMonitoringType(OcppType):
    """A monitoring setting for a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    transaction: bool
    value: float
    type: MonitorEnumType
    severity: int


class MonitoringDataType(OcppType):
    """Class to hold parameters of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: VariableType
    variable_monitoring: list[VariableMonitoringType] = Field(
        validation_alias="variableMonitoring",
        serialization_alias="variableMonitoring",
        min_length=1,
    )


class NotifyMonitoringReportRequest(Message):
    """NotifyMonitoringReport CALL payload."""

    ACTION: ClassVar[str] = "NotifyMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    monitor: Omittable[list[MonitoringDataType]] = Field(default=None, min_length=1)
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )


class NotifyMonitoringReportResponse(Message):
    """NotifyMonitoringReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
