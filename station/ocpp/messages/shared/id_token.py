"""IdTokenType and what only it shares; used by Authorize, CustomerInformation,
RequestStartTransaction, ReserveNow, SendLocalList, TransactionEvent.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppEnum, OcppType, Omittable
from .custom_data import CustomDataType


class IdTokenEnumType(OcppEnum):
    """Enumeration of possible idToken types."""

    Central = "Central"
    eMAID = "eMAID"
    ISO14443 = "ISO14443"
    ISO15693 = "ISO15693"
    KeyCode = "KeyCode"
    Local = "Local"
    MacAddress = "MacAddress"
    NoAuthorization = "NoAuthorization"


class AdditionalInfoType(OcppType):
    """Contains a case insensitive identifier to use for the authorization and the type of..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    additional_id_token: str = Field(
        validation_alias="additionalIdToken",
        serialization_alias="additionalIdToken",
        max_length=36,
    )
    type: str = Field(max_length=50)


class IdTokenType(OcppType):
    """Contains a case insensitive identifier to use for the authorization and the type of..."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    additional_info: Omittable[list[AdditionalInfoType]] = Field(
        default=None,
        validation_alias="additionalInfo",
        serialization_alias="additionalInfo",
        min_length=1,
    )
    id_token: str = Field(validation_alias="idToken", serialization_alias="idToken", max_length=36)
    type: IdTokenEnumType
