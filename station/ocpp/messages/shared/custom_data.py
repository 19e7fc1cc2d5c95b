"""CustomDataType and what only it shares; used by every action.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import ConfigDict, Field

from .._base import OcppType


class CustomDataType(OcppType):
    """This class does not get 'AdditionalProperties = false' in the schema generation, so it..."""

    model_config = ConfigDict(extra="allow")

    vendor_id: str = Field(
        validation_alias="vendorId",
        serialization_alias="vendorId",
        max_length=255,
    )
