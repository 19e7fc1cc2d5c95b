"""The GetBaseReport request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.generic_device_model_status import GenericDeviceModelStatusEnumType
from .shared.status_info import StatusInfoType


class ReportBaseEnumType(OcppEnum):
    """This field specifies the report base."""

    ConfigurationInventory = "ConfigurationInventory"
    FullInventory = "FullInventory"
    SummaryInventory = "SummaryInventory"


class GetBaseReportRequest(Message):
    """GetBaseReport CALL payload."""

    ACTION: ClassVar[str] = "GetBaseReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    report_base: ReportBaseEnumType = Field(
        validation_alias="reportBase",
        serialization_alias="reportBase",
    )


class GetBaseReportResponse(Message):
    """GetBaseReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetBaseReport"

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
