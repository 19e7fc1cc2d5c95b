"""The UnpublishFirmware request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType


class UnpublishFirmwareStatusEnumType(OcppEnum):
    """Indicates whether the Local Controller succeeded in unpublishing the firmware."""

    DownloadOngoing = "DownloadOngoing"
    NoFirmware = "NoFirmware"
    Unpublished = "Unpublished"


class UnpublishFirmwareRequest(Message):
    """UnpublishFirmware CALL payload."""

    ACTION: ClassVar[str] = "UnpublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    checksum: str = Field(max_length=32)


class UnpublishFirmwareResponse(Message):
    """UnpublishFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "UnpublishFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UnpublishFirmwareStatusEnumType
