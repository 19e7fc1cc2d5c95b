"""The CertificateSigned request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.certificate_signing_use import CertificateSigningUseEnumType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class CertificateSignedStatusEnumType(OcppEnum):
    """Returns whether certificate signing has been accepted, otherwise rejected."""

    Accepted = "Accepted"
    Rejected = "Rejected"


class CertificateSignedRequest(Message):
    """CertificateSigned CALL payload."""

    ACTION: ClassVar[str] = "CertificateSigned"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_chain: str = Field(
        validation_alias="certificateChain",
        serialization_alias="certificateChain",
        max_length=10000,
    )
    certificate_type: Omittable[CertificateSigningUseEnumType] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )


class CertificateSignedResponse(Message):
    """CertificateSigned CALLRESULT payload."""

    ACTION: ClassVar[str] = "CertificateSigned"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: CertificateSignedStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
