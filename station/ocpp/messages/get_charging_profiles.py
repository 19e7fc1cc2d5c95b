"""The GetChargingProfiles request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.charging_limit_source import ChargingLimitSourceEnumType
from .shared.charging_profile_purpose import ChargingProfilePurposeEnumType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class GetChargingProfileStatusEnumType(OcppEnum):
    """This indicates whether the Charging Station is able to process this request and will..."""

    Accepted = "Accepted"
    NoProfiles = "NoProfiles"


class ChargingProfileCriterionType(OcppType):
    """A ChargingProfile consists of ChargingSchedule, describing the amount of power or..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
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
    charging_profile_id: Omittable[list[int]] = Field(
        default=None,
        validation_alias="chargingProfileId",
        serialization_alias="chargingProfileId",
        min_length=1,
    )
    charging_limit_source: Omittable[list[ChargingLimitSourceEnumType]] = Field(
        default=None,
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
        min_length=1,
        max_length=4,
    )


class GetChargingProfilesRequest(Message):
    """GetChargingProfiles CALL payload."""

    ACTION: ClassVar[str] = "GetChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    evse_id: Omittable[int] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
    )
    charging_profile: ChargingProfileCriterionType = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class GetChargingProfilesResponse(Message):
    """GetChargingProfiles CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
