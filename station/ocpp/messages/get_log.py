"""The GetLog request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType


class LogEnumType(OcppEnum):
    """This contains the type of log file that the Charging Station"""

    DiagnosticsLog = "DiagnosticsLog"
    SecurityLog = "SecurityLog"


class LogStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    AcceptedCanceled = "AcceptedCanceled"


class LogParametersType(OcppType):
    """Log"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    remote_location: str = Field(
        validation_alias="remoteLocation",
        serialization_alias="remoteLocation",
        max_length=512,
    )
    oldest_timestamp: Omittable[DateTime] = Field(
        default=None,
        validation_alias="oldestTimestamp",
        serialization_alias="oldestTimestamp",
    )
    latest_timestamp: Omittable[DateTime] = Field(
        default=None,
        validation_alias="latestTimestamp",
        serialization_alias="latestTimestamp",
    )


class GetLogRequest(Message):
    """GetLog CALL payload."""

    ACTION: ClassVar[str] = "GetLog"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    log: LogParametersType
    log_type: LogEnumType = Field(validation_alias="logType", serialization_alias="logType")
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    retries: Omittable[int] = None
    retry_interval: Omittable[int] = Field(
        default=None,
        validation_alias="retryInterval",
        serialization_alias="retryInterval",
    )


class GetLogResponse(Message):
    """GetLog CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetLog"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: LogStatusEnumType
    status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="statusInfo",
        serialization_alias="statusInfo",
    )
    filename: Omittable[str] = Field(default=None, max_length=255)
