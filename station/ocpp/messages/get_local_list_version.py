"""The GetLocalListVersion request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.custom_data import CustomDataType


class GetLocalListVersionRequest(Message):
    """GetLocalListVersion CALL payload."""

    ACTION: ClassVar[str] = "GetLocalListVersion"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )


class GetLocalListVersionResponse(Message):
    """GetLocalListVersion CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetLocalListVersion"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    version_number: int = Field(
        validation_alias="versionNumber",
        serialization_alias="versionNumber",
    )
