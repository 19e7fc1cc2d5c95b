"""IdTokenInfoType and what only it shares; used by Authorize, SendLocalList, TransactionEvent.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import DateTime, OcppEnum, OcppType, Omittable
from .custom_data import CustomDataType
from .id_token import IdTokenType
from .message_content import MessageContentType


class AuthorizationStatusEnumType(OcppEnum):
    """Current status of the ID Token."""

    Accepted = "Accepted"
    Blocked = "Blocked"
    ConcurrentTx = "ConcurrentTx"
    Expired = "Expired"
    Invalid = "Invalid"
    NoCredit = "NoCredit"
    NotAllowedTypeEVSE = "NotAllowedTypeEVSE"
    NotAtThisLocation = "NotAtThisLocation"
    NotAtThisTime = "NotAtThisTime"
    Unknown = "Unknown"


class IdTokenInfoType(OcppType):
    """Contains status information about an identifier."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    status: AuthorizationStatusEnumType
    cache_expiry_date_time: Omittable[DateTime] = Field(
        default=None,
        validation_alias="cacheExpiryDateTime",
        serialization_alias="cacheExpiryDateTime",
    )
    charging_priority: Omittable[int] = Field(
        default=None,
        validation_alias="chargingPriority",
        serialization_alias="chargingPriority",
    )
    language1: Omittable[str] = Field(default=None, max_length=8)
    evse_id: Omittable[list[int]] = Field(
        default=None,
        validation_alias="evseId",
        serialization_alias="evseId",
        min_length=1,
    )
    group_id_token: Omittable[IdTokenType] = Field(
        default=None,
        validation_alias="groupIdToken",
        serialization_alias="groupIdToken",
    )
    language2: Omittable[str] = Field(default=None, max_length=8)
    personal_message: Omittable[MessageContentType] = Field(
        default=None,
        validation_alias="personalMessage",
        serialization_alias="personalMessage",
    )
