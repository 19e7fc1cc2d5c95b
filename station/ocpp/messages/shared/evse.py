"""EVSEType and what only it shares; used by ChangeAvailability, GetMonitoringReport, GetReport,
GetVariables, NotifyDisplayMessages, NotifyEvent, NotifyMonitoringReport, NotifyReport,
SetDisplayMessage, SetVariableMonitoring, SetVariables, TransactionEvent, TriggerMessage.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .custom_data import CustomDataType


class EVSEType(OcppType):
    """EVSE"""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    id: int
    connector_id: Omittable[int] = Field(
        default=None,
        validation_alias="connectorId",
        serialization_alias="connectorId",
    )
