"""The SetMonitoringLevel request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType
from .shared.generic_status import GenericStatusEnumType
from .shared.status_info import StatusInfoType


class SetMonitoringLevelRequest(Message):
    """SetMonitoringLevel CALL payload."""

    ACTION: ClassVar[str] = "SetMonitoringLevel"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    severity: int


class SetMonitoringLevelResponse(Message):
    """SetMonitoringLevel CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetMonitoringLevel"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
