"""ComponentVariableType and what only it shares; used by GetMonitoringReport, GetReport.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .component import ComponentType
from .custom_data import CustomDataType
from .variable import VariableType


class ComponentVariableType(OcppType):
    """Class to report components, variables and variable attributes and characteristics."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    component: ComponentType
    variable: Omittable[VariableType] = None
