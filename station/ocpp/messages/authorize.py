"""The Authorize request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.id_token import IdTokenType
from .shared.id_token_info import IdTokenInfoType
from .shared.ocsp_request_data import OCSPRequestDataType


class AuthorizeCertificateStatusEnumType(OcppEnum):
    """Certificate status information."""

    Accepted = "Accepted"
    SignatureError = "SignatureError"
    CertificateExpired = "CertificateExpired"
    CertificateRevoked = "CertificateRevoked"
    NoCertificateAvailable = "NoCertificateAvailable"
    CertChainError = "CertChainError"
    ContractCancelled = "ContractCancelled"


class AuthorizeRequest(Message):
    """Authorize CALL payload."""

    ACTION: ClassVar[str] = "Authorize"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token: IdTokenType = Field(validation_alias="idToken", serialization_alias="idToken")
    certificate: Omittable[str] = Field(default=None, max_length=5500)
    iso15118_certificate_hash_data: Omittable[list[OCSPRequestDataType]] = Field(
        default=None,
        validation_alias="iso15118CertificateHashData",
        serialization_alias="iso15118CertificateHashData",
        min_length=1,
        max_length=4,
    )


class AuthorizeResponse(Message):
    """Authorize CALLRESULT payload."""

    ACTION: ClassVar[str] = "Authorize"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id_token_info: IdTokenInfoType = Field(
        validation_alias="idTokenInfo",
        serialization_alias="idTokenInfo",
    )
    certificate_status: Omittable[AuthorizeCertificateStatusEnumType] = Field(
        default=None,
        validation_alias="certificateStatus",
        serialization_alias="certificateStatus",
    )
