"""The SignCertificate request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, Omittable
from .shared.certificate_signing_use import CertificateSigningUseEnumType
from .shared.custom_data import CustomDataType
from .shared.generic_status import GenericStatusEnumType
from .shared.status_info import StatusInfoType


class SignCertificateRequest(Message):
    """SignCertificate CALL payload."""

    ACTION: ClassVar[str] = "SignCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    csr: str = Field(max_length=5500)
    certificate_type: Omittable[CertificateSigningUseEnumType] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )


class SignCertificateResponse(Message):
    """SignCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "SignCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GenericStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
