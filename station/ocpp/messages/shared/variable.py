"""VariableType and what only it shares; used by GetMonitoringReport, GetReport, GetVariables,
NotifyEvent, NotifyMonitoringReport, NotifyReport, SetVariableMonitoring, SetVariables.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .custom_data import CustomDataType


class VariableType(OcppType):
    """Reference key to a component-variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    name: str = Field(max_length=50)
    instance: Omittable[str] = Field(default=None, max_length=50)
