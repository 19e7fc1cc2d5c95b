"""The GetCertificateStatus request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.ocsp_request_data import OCSPRequestDataType
from .shared.status_info import StatusInfoType


class GetCertificateStatusEnumType(OcppEnum):
    """This indicates whether the charging station was able to retrieve the OCSP certificate..."""

    Accepted = "Accepted"
    Failed = "Failed"


class GetCertificateStatusRequest(Message):
    """GetCertificateStatus CALL payload."""

    ACTION: ClassVar[str] = "GetCertificateStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    ocsp_request_data: OCSPRequestDataType = Field(
        validation_alias="ocspRequestData",
        serialization_alias="ocspRequestData",
    )


class GetCertificateStatusResponse(Message):
    """GetCertificateStatus CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetCertificateStatus"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    ocsp_result: Omittable[str] = Field(
        default=None,
        validation_alias="ocspResult",
        serialization_alias="ocspResult",
        max_length=5500,
    )
