"""The InstallCertificate request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class InstallCertificateStatusEnumType(OcppEnum):
    """Charging Station indicates if installation was successful."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    Failed = "Failed"


class InstallCertificateUseEnumType(OcppEnum):
    """Indicates the certificate type that is sent."""

    V2GRootCertificate = "V2GRootCertificate"
    MORootCertificate = "MORootCertificate"
    CSMSRootCertificate = "CSMSRootCertificate"
    ManufacturerRootCertificate = "ManufacturerRootCertificate"


class InstallCertificateRequest(Message):
    """InstallCertificate CALL payload."""

    ACTION: ClassVar[str] = "InstallCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    certificate_type: InstallCertificateUseEnumType = Field(
        validation_alias="certificateType",
        serialization_alias="certificateType",
    )
    certificate: str = Field(max_length=5500)


class InstallCertificateResponse(Message):
    """InstallCertificate CALLRESULT payload."""

    ACTION: ClassVar[str] = "InstallCertificate"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: InstallCertificateStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
