"""The GetVariables request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import Message, OcppEnum, OcppType, Omittable
from .shared.attribute import AttributeEnumType
from .shared.component import ComponentType
from .shared.custom_data import CustomDataType
from .shared.status_info import StatusInfoType
from .shared.variable import VariableType


class GetVariableStatusEnumType(OcppEnum):
    """Result status of getting the variable."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"


class GetVariableDataType(OcppType):
    """Class to hold parameters for GetVariables request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    component: ComponentType
    variable: VariableType


class GetVariableResultType(OcppType):
    """Class to hold results of GetVariables request."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    attribute_status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="attributeStatusInfo",
        serialization_alias="attributeStatusInfo",
    )
    attribute_status: GetVariableStatusEnumType = Field(
        validation_alias="attributeStatus",
        serialization_alias="attributeStatus",
    )
    attribute_type: Omittable[AttributeEnumType] = Field(
        default=None,
        validation_alias="attributeType",
        serialization_alias="attributeType",
    )
    attribute_value: Omittable[str] = Field(
        default=None,
        validation_alias="attributeValue",
        serialization_alias="attributeValue",
        max_length=2500,
    )
    component: ComponentType
    variable: VariableType


class GetVariablesRequest(Message):
    """GetVariables CALL payload."""

    ACTION: ClassVar[str] = "GetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    get_variable_data: list[GetVariableDataType] = Field(
        validation_alias="getVariableData",
        serialization_alias="getVariableData",
        min_length=1,
    )


class GetVariablesResponse(Message):
    """GetVariables CALLRESULT payload."""

    ACTION: ClassVar[str] = "GetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    get_variable_result: list[GetVariableResultType] = Field(
        validation_alias="getVariableResult",
        serialization_alias="getVariableResult",
        min_length=1,
    )
