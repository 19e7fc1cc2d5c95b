"""MessageContentType and what only it shares; used by Authorize, NotifyDisplayMessages, SendLocalList,
SetDisplayMessage, TransactionEvent.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppEnum, OcppType, Omittable
from .custom_data import CustomDataType


class MessageFormatEnumType(OcppEnum):
    """Format of the message."""

    ASCII = "ASCII"
    HTML = "HTML"
    URI = "URI"
    UTF8 = "UTF8"


class MessageContentType(OcppType):
    """Contains message details, for a message to be displayed on a Charging Station."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    format: MessageFormatEnumType
    language: Omittable[str] = Field(default=None, max_length=8)
    content: str = Field(max_length=512)
