"""The ClearChargingProfile request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.charging_profile_purpose import ChargingProfilePurposeEnumType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ClearChargingProfileStatusEnumType(OcppEnum):
    """Indicates if the Charging Station was able to execute the request."""

    Accepted = "Accepted"
    Unknown = "Unknown"


class ClearChargingProfileType(OcppType):
    """A ChargingProfile consists of a ChargingSchedule, describing the amount of power or..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    charging_profile_purpose: Omittable[ChargingProfilePurposeEnumType] = Field(
        default=None,
        validation_alias="chargingProfilePurpose",
        serialization_alias="chargingProfilePurpose",
    )
    stack_level: Omittable[int] = Field(
        default=None,
        validation_alias="stackLevel",
        serialization_alias="stackLevel",
    )


class ClearChargingProfileRequest(Message):
    """ClearChargingProfile CALL payload."""

    ACTION: ClassVar[str] = "ClearChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    charging_profile_id: Omittable[int] = Field(
        default=None,
        validation_alias="chargingProfileId",
        serialization_alias="chargingProfileId",
    )
    charging_profile_criteria: Omittable[ClearChargingProfileType] = Field(
        default=None,
        validation_alias="chargingProfileCriteria",
        serialization_alias="chargingProfileCriteria",
    )


class ClearChargingProfileResponse(Message):
    """ClearChargingProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "ClearChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ClearChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
