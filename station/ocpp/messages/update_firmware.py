"""The UpdateFirmware request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class UpdateFirmwareStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    AcceptedCanceled = "AcceptedCanceled"
    InvalidCertificate = "InvalidCertificate"
    RevokedCertificate = "RevokedCertificate"


class FirmwareType(OcppType):
    """Firmware"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    location: str = Field(max_length=512)
    retrieve_date_time: DateTime = Field(
        validation_alias="retrieveDateTime",
        serialization_alias="retrieveDateTime",
    )
    install_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="installDateTime",
        serialization_alias="installDateTime",
    )
    signing_certificate: Omittable[str] = Field(
        default=None,
        validation_alias="signingCertificate",
        serialization_alias="signingCertificate",
        max_length=5500,
    )
    signature: Omittable[str] = Field(default=None, max_length=800)


class UpdateFirmwareRequest(Message):
    """UpdateFirmware CALL payload."""

    ACTION: ClassVar[str] = "UpdateFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    retries: Omittable[int] = None
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    firmware: FirmwareType


class UpdateFirmwareResponse(Message):
    """UpdateFirmware CALLRESULT payload."""

    ACTION: ClassVar[str] = "UpdateFirmware"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: UpdateFirmwareStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
