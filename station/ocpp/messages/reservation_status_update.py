"""The ReservationStatusUpdate request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class ReservationUpdateStatusEnumType(OcppEnum):
    """The updated reservation status."""

    Expired = "Expired"
    Removed = "Removed"


class ReservationStatusUpdateRequest(Message):
    """ReservationStatusUpdate CALL payload."""

    ACTION: ClassVar[str] = "ReservationStatusUpdate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reservation_id: int = Field(
        validation_alias="reservationId",
        serialization_alias="reservationId",
    )
    reservation_update_status: ReservationUpdateStatusEnumType = Field(
        validation_alias="reservationUpdateStatus",
        serialization_alias="reservationUpdateStatus",
    )


class ReservationStatusUpdateResponse(Message):
    """ReservationStatusUpdate CALLRESULT payload."""

    ACTION: ClassVar[str] = "ReservationStatusUpdate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
