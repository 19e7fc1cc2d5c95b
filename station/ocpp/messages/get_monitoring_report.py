"""The GetMonitoringReport request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.component_variable import ComponentVariableType
from .shared.custom_data import CustomDataType
from .shared.generic_device_model_status import GenericDeviceModelStatusEnumType
from .shared.status_info import StatusInfoType


class MonitoringCriterionEnumType(OcppEnum):
    """OCPP 2.0.1 data type MonitoringCriterionEnumType."""

    ThresholdMonitoring = "ThresholdMonitoring"
    DeltaMonitoring = "DeltaMonitoring"
    PeriodicMonitoring = "PeriodicMonitoring"


class GetMonitoringReportRequest(Message):
    """GetMonitoringReport CALL payload."""

    ACTION: ClassVar[str] = "GetMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component_variable: Omittable[list[ComponentVariableType]] = Field(
        default=None,
        validation_alias="componentVariable",
        serialization_alias="componentVariable",
        min_length=1,
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    monitoring_criteria: Omittable[list[MonitoringCriterionEnumType]] = Field(
        default=None,
        validation_alias="monitoringCriteria",
        serialization_alias="monitoringCriteria",
        min_length=1,
        max_length=3,
    )


class GetMonitoringReportResponse(Message):
    """GetMonitoringReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetMonitoringReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericDeviceModelStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
