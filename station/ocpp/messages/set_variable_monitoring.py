"""The SetVariableMonitoring request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.component import ComponentType
from .shared.custom_data import CustomDataType
from .shared.monitor import MonitorEnumType
from .shared.status_info import StatusInfoType
from .shared.variable import VariableType


class SetMonitoringStatusEnumType(OcppEnum):
    """Status is OK if a value could be returned."""

    Accepted = "Accepted"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    UnsupportedMonitorType = "UnsupportedMonitorType"
    Rejected = "Rejected"
    Duplicate = "Duplicate"


class SetMonitoringDataType(OcppType):
    """Class to hold parameters of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[int] = None
    transaction: Omittable[bool] = None
    value: float
    type: MonitorEnumType
    severity: int
    component: ComponentType
    variable: VariableType


class SetMonitoringResultType(OcppType):
    """Class to hold result of SetVariableMonitoring request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: Omittable[int] = None
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    status: SetMonitoringStatusEnumType
    type: MonitorEnumType
    component: ComponentType
    variable: VariableType
    severity: int


class SetVariableMonitoringRequest(Message):
    """SetVariableMonitoring CALL payload."""

    ACTION: ClassVar[str] = "SetVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_monitoring_data: list[SetMonitoringDataType] = Field(
        validation_alias="setMonitoringData",
        serialization_alias="setMonitoringData",
        min_length=1,
    )


class SetVariableMonitoringResponse(Message):
    """SetVariableMonitoring CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetVariableMonitoring"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_monitoring_result: list[SetMonitoringResultType] = Field(
        validation_alias="setMonitoringResult",
        serialization_alias="setMonitoringResult",
        min_length=1,
    )
