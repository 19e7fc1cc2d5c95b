"""ComponentType and what only it shares; used by GetMonitoringReport, GetReport, GetVariables,
NotifyDisplayMessages, NotifyEvent, NotifyMonitoringReport, NotifyReport, SetDisplayMessage,
SetVariableMonitoring, SetVariables.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .custom_data import CustomDataType
from .evse import EVSEType


class ComponentType(OcppType):
    """A physical or logical component"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    evse: Omittable[EVSEType] = None
    name: str = Field(max_length=50)
    instance: Omittable[str] = Field(default=None, max_length=50)
