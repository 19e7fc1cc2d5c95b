"""The Get15118EVCertificate request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class CertificateActionEnumType(OcppEnum):
    """Defines whether certificate needs to be installed or updated."""

    Install = "Install"
    Update = "Update"


class Iso15118EVCertificateStatusEnumType(OcppEnum):
    """Indicates whether the message was processed properly."""

    Accepted = "Accepted"
    Failed = "Failed"


class Get15118EVCertificateRequest(Message):
    """Get15118EVCertificate CALL payload."""

    ACTION: ClassVar[str] = "Get15118EVCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    iso15118_schema_version: str = Field(
        validation_alias="iso15118SchemaVersion",
        serialization_alias="iso15118SchemaVersion",
        max_length=50,
    )
    action: CertificateActionEnumType
    exi_request: str = Field(
        validation_alias="exiRequest",
        serialization_alias="exiRequest",
        max_length=5600,
    )


class Get15118EVCertificateResponse(Message):
    """Get15118EVCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "Get15118EVCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: Iso15118EVCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    exi_response: str = Field(
        validation_alias="exiResponse",
        serialization_alias="exiResponse",
        max_length=7500,
    )
