"""CertificateHashDataType and what only it shares; used by CustomerInformation, DeleteCertificate,
GetInstalledCertificateIds.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .custom_data import CustomDataType
from .hash_algorithm import HashAlgorithmEnumType


class CertificateHashDataType(OcppType):
    """OCPP 2.0.1 data type CertificateHashDataType."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    hash_algorithm: HashAlgorithmEnumType = Field(
        validation_alias="hashAlgorithm",
        serialization_alias="hashAlgorithm",
    )
    issuer_name_hash: str = Field(
        validation_alias="issuerNameHash",
        serialization_alias="issuerNameHash",
        max_length=128,
    )
    issuer_key_hash: str = Field(
        validation_alias="issuerKeyHash",
        serialization_alias="issuerKeyHash",
        max_length=128,
    )
    serial_number: str = Field(
        validation_alias="serialNumber",
        serialization_alias="serialNumber",
        max_length=40,
    )
