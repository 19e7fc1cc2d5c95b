"""The SetVariables request and response, and the types only they use.

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


class SetVariableStatusEnumType(OcppEnum):
    """Result status of setting the variable."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    UnknownComponent = "UnknownComponent"
    UnknownVariable = "UnknownVariable"
    NotSupportedAttributeType = "NotSupportedAttributeType"
    RebootRequired = "RebootRequired"


class SetVariableDataType(OcppType):
    """OCPP 2.0.1 data type SetVariableDataType."""

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
    attribute_value: str = Field(
        validation_alias="attributeValue",
        serialization_alias="attributeValue",
        max_length=1000,
    )
    component: ComponentType
    variable: VariableType


class SetVariableResultType(OcppType):
    """OCPP 2.0.1 data type SetVariableResultType."""

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
    attribute_status: SetVariableStatusEnumType = Field(
        validation_alias="attributeStatus",
        serialization_alias="attributeStatus",
    )
    attribute_status_info: Omittable[StatusInfoType] = Field(
        default=None,
        validation_alias="attributeStatusInfo",
        serialization_alias="attributeStatusInfo",
    )
    component: ComponentType
    variable: VariableType


class SetVariablesRequest(Message):
    """SetVariables CALL payload."""

    ACTION: ClassVar[str] = "SetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_variable_data: list[SetVariableDataType] = Field(
        validation_alias="setVariableData",
        serialization_alias="setVariableData",
        min_length=1,
    )


class SetVariablesResponse(Message):
    """SetVariables CALLRESULT payload."""

    ACTION: ClassVar[str] = "SetVariables"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    set_variable_result: list[SetVariableResultType] = Field(
        validation_alias="setVariableResult",
        serialization_alias="setVariableResult",
        min_length=1,
    )
