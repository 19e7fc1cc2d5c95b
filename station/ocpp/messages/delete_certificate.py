"""The DeleteCertificate request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.certificate_hash_data import CertificateHashDataType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class DeleteCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if it can process the request."""

    Accepted = "Accepted"
    Failed = "Failed"
    NotFound = "NotFound"


class DeleteCertificateRequest(Message):
    """DeleteCertificate CALL payload."""

    ACTION: ClassVar[str] = "DeleteCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_hash_data: CertificateHashDataType = Field(
        validation_alias="certificateHashData",
        serialization_alias="certificateHashData",
    )


class DeleteCertificateResponse(Message):
    """DeleteCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "DeleteCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: DeleteCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
