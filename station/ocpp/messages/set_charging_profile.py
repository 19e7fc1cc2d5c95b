"""The SetChargingProfile request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.charging_profile import ChargingProfileType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class ChargingProfileStatusEnumType(OcppEnum):
    """Returns whether the Charging Station has been able to process the message successfully."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class SetChargingProfileRequest(Message):
    """SetChargingProfile CALL payload."""

    ACTION: ClassVar[str] = "SetChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse_id: int = Field(validation_alias="evseId", serialization_alias="evseId")
    charging_profile: ChargingProfileType = Field(
        validation_alias="chargingProfile",
        serialization_alias="chargingProfile",
    )


class SetChargingProfileResponse(Message):
    """SetChargingProfile CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetChargingProfile"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: ChargingProfileStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
