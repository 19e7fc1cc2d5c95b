"""The GetInstalledCertificateIds request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.certificate_hash_data import CertificateHashDataType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class GetCertificateIdUseEnumType(OcppEnum):
    """OCPP 2.0.1 data type GetCertificateIdUseEnumType."""

    V2GRootCertificate = "V2GRootCertificate"
    MORootCertificate = "MORootCertificate"
    CSMSRootCertificate = "CSMSRootCertificate"
    V2GCertificateChain = "V2GCertificateChain"
    ManufacturerRootCertificate = "ManufacturerRootCertificate"


class GetInstalledCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if it can process the request."""

    Accepted = "Accepted"
    NotFound = "NotFound"


class CertificateHashDataChainType(OcppType):
    """OCPP 2.0.1 data type CertificateHashDataChainType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_hash_data: CertificateHashDataType = Field(
        validation_alias="certificateHashData",
        serialization_alias="certificateHashData",
    )
    certificate_type: GetCertificateIdUseEnumType = Field(
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )
    child_certificate_hash_data: Omittable[list[CertificateHashDataType]] = Field(
        default=None,
        validation_alias="childCertificateHashData",
        serialization_alias="childCertificateHashData",
        min_length=1,
        max_length=4,
    )


class GetInstalledCertificateIdsRequest(Message):
    """GetInstalledCertificateIds CALL payload."""

    ACTION: ClassVar[str] = "GetInstalledCertificateIds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_type: Omittable[list[GetCertificateIdUseEnumType]] = Field(
        default=None,
        validation_alias="certificateType",
        serialization_alias="certificateType",
        min_length=1,
    )


class GetInstalledCertificateIdsResponse(Message):
    """GetInstalledCertificateIds CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetInstalledCertificateIds"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: GetInstalledCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    certificate_hash_data_chain: Omittable[list[CertificateHashDataChainType]] = Field(
        default=None,
        validation_alias="certificateHashDataChain",
        serialization_alias="certificateHashDataChain",
        min_length=1,
    )
