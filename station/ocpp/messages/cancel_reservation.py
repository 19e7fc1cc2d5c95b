"""The CancelReservation request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class CancelReservationStatusEnumType(OcppEnum):
    """This indicates the success or failure of the canceling of a reservation by CSMS."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class CancelReservationRequest(Message):
    """CancelReservation CALL payload."""

    ACTION: ClassVar[str] = "CancelReservation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reservation_id: int = Field(
        validation_alias="reservationId",
        serialization_alias="reservationId",
    )


class CancelReservationResponse(Message):
    """CancelReservation CALLRESULT payload."""

    ACTION: ClassVar[str] = "CancelReservation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CancelReservationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
