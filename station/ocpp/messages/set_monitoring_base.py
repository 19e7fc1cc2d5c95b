"""The SetMonitoringBase request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.generic_device_model_status import GenericDeviceModelStatusEnumType
from .shared.status_info import StatusInfoType


class MonitoringBaseEnumType(OcppEnum):
    """Specify which monitoring base will be set"""

    All = "All"
    FactoryDefault = "FactoryDefault"
    HardWiredOnly = "HardWiredOnly"


class SetMonitoringBaseRequest(Message):
    """SetMonitoringBase CALL payload."""

    ACTION: ClassVar[str] = "SetMonitoringBase"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    monitoring_base: MonitoringBaseEnumType = Field(
        validation_alias="monitoringBase",
        serialization_alias="monitoringBase",
    )


class SetMonitoringBaseResponse(Message):
    """SetMonitoringBase CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetMonitoringBase"

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
