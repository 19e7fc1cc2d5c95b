"""The Reset request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ResetEnumType(OcppEnum):
    """This contains the type of reset that the Charging Station or EVSE should perform."""

    Immediate = "Immediate"
    OnIdle = "OnIdle"


class ResetStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to perform the reset."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Scheduled = "Scheduled"


class ResetRequest(Message):
    """Reset CALL payload."""

    ACTION: ClassVar[str] = "Reset"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: ResetEnumType
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )


class ResetResponse(Message):
    """Reset CALLRESULT payload."""

    ACTION: ClassVar[str] = "Reset"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ResetStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
