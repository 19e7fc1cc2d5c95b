"""The ChangeAvailability request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.evse import EVSEType
from .shared.status_info import StatusInfoType


class ChangeAvailabilityStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to perform the availability change."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Scheduled = "Scheduled"


class OperationalStatusEnumType(OcppEnum):
    """This contains the type of availability change that the Charging Station should perform."""

    Inoperative = "Inoperative"
    Operative = "Operative"


class ChangeAvailabilityRequest(Message):
    """ChangeAvailability CALL payload."""

    ACTION: ClassVar[str] = "ChangeAvailability"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    operational_status: OperationalStatusEnumType = Field(
        validation_alias="operationalStatus",
        serialization_alias="operationalStatus",
    )


class ChangeAvailabilityResponse(Message):
    """ChangeAvailability CALLRESULT payload."""

    ACTION: ClassVar[str] = "ChangeAvailability"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ChangeAvailabilityStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
