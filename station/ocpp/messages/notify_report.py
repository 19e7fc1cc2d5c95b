"""The NotifyReport request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.attribute import AttributeEnumType
from .shared.component import ComponentType
from .shared.custom_data import CustomDataType
from .shared.variable import VariableType


class DataEnumType(OcppEnum):
    """Data type of this variable."""

    string = "string"
    decimal = "decimal"
    integer = "integer"
    dateTime = "dateTime"
    boolean = "boolean"
    OptionList = "OptionList"
    SequenceList = "SequenceList"
    MemberList = "MemberList"


class MutabilityEnumType(OcppEnum):
    """Defines the mutability of this attribute. Default is ReadWrite when omitted."""

    ReadOnly = "ReadOnly"
    WriteOnly = "WriteOnly"
    ReadWrite = "ReadWrite"


class VariableAttributeType(OcppType):
    """Attribute data of a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    type: Omittable[AttributeEnumType] = None
    value: Omittable[str] = Field(default=None, max_length=2500)
    mutability: Omittable[MutabilityEnumType] = None
    persistent: Omittable[bool] = None
    constant: Omittable[bool] = None


class VariableCharacteristicsType(OcppType):
    """Fixed read-only parameters of a variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    unit: Omittable[str] = Field(default=None, max_length=16)
    data_type: DataEnumType = Field(validation_alias="dataType", serialization_alias="dataType")
    min_limit: Omittable[float] = Field(
        default=None,
        validation_alias="minLimit",
        serialization_alias="minLimit",
    )
    max_limit: Omittable[float] = Field(
        default=None,
        validation_alias="maxLimit",
        serialization_alias="maxLimit",
    )
    values_list: Omittable[str] = Field(
        default=None,
        validation_alias="valuesList",
        serialization_alias="valuesList",
        max_length=1000,
    )
    supports_monitoring: bool = Field(
        validation_alias="supportsMonitoring",
        serialization_alias="supportsMonitoring",
    )


class ReportDataType(OcppType):
    """Class to report components, variables and variable attributes and characteristics."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: VariableType
    variable_attribute: list[VariableAttributeType] = Field(
        validation_alias="variableAttribute",
        serialization_alias="variableAttribute",
        min_length=1,
        max_length=4,
    )
    variable_characteristics: Omittable[VariableCharacteristicsType] = Field(
        default=None,
        validation_alias="variableCharacteristics",
        serialization_alias="variableCharacteristics",
    )


class NotifyReportRequest(Message):
    """NotifyReport CALL payload."""

    ACTION: ClassVar[str] = "NotifyReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    request_id: int = Field(validation_alias="requestId", serialization_alias="requestId")
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    report_data: Omittable[list[ReportDataType]] = Field(
        default=None,
        validation_alias="reportData",
        serialization_alias="reportData",
        min_length=1,
    )
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")


class NotifyReportResponse(Message):
    """NotifyReport CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyReport"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
