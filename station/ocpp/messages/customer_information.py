"""The CustomerInformation request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.certificate_hash_data import CertificateHashDataType
from .shared.custom_data import CustomDataType
from .shared.id_token import IdTokenType
from .shared.status_info import StatusInfoType


class CustomerInformationStatusEnumType(OcppEnum):
    """Indicates whether the request was accepted."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Invalid = "Invalid"


class CustomerInformationRequest(Message):
    """CustomerInformation CALL payload."""

    ACTION: ClassVar[str] = "CustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    customer_certificate: Omittable[CertificateHashDataType] = Field(
        default=None,
        validation_alias="customerCertificate",
        serialization_alias="customerCertificate",
    )
    id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="idToken",
        serialization_alias="idToken",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    report: bool
    clear: bool
    customer_identifier: Omittable[str] = Field(
        default=None,
        validation_alias="customerIdentifier",
        serialization_alias="customerIdentifier",
        max_length=64,
    )


class CustomerInformationResponse(Message):
    """CustomerInformation CALLRESULT payload."""

    ACTION: ClassVar[str] = "CustomerInformation"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CustomerInformationStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
