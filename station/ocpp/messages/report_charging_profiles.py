"""The ReportChargingProfiles request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.charging_limit_source import ChargingLimitSourceEnumType
from .shared.charging_profile import ChargingProfileType
from .shared.custom_data import CustomDataType


class ReportChargingProfilesRequest(Message):
    """ReportChargingProfiles CALL payload."""

    ACTION: ClassVar[str] = "ReportChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    charging_limit_source: ChargingLimitSourceEnumType = Field(
        validation_alias="chargingLimitSource",
        serialization_alias="chargingLimitSource",
    )
    charging_profile: list[ChargingProfileType] = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
        min_length=1,
    )
    tbc: Omittable[bool] = None
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")


class ReportChargingProfilesResponse(Message):
    """ReportChargingProfiles CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReportChargingProfiles"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
