"""The NotifyEvent request and response, and the types only they use.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from typing import ClassVar

from pydantic import Field

from ._base import DateTime, Message, OcppEnum, OcppType, Omittable
from .shared.component import ComponentType
from .shared.custom_data import CustomDataType
from .shared.variable import VariableType


class EventNotificationEnumType(OcppEnum):
    """Specifies the event notification type of the message."""

    HardWiredNotification = "HardWiredNotification"
    HardWiredMonitor = "HardWiredMonitor"
    PreconfiguredMonitor = "PreconfiguredMonitor"
    CustomMonitor = "CustomMonitor"


class EventTriggerEnumType(OcppEnum):
    """Type of monitor that triggered this event, e.g. exceeding a threshold value."""

    Alerting = "Alerting"
    Delta = "Delta"
    Periodic = "Periodic"


class EventDataType(OcppType):
    """Class to report an event notification for a component-variable."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    event_id: int = Field(validation_alias="eventId", serialization_alias="eventId")
    timestamp: DateTime
    trigger: EventTriggerEnumType
    cause: Omittable[int] = None
    actual_value: str = Field(
        validation_alias="actualValue",
        serialization_alias="actualValue",
        max_length=2500,
    )
    tech_code: Omittable[str] = Field(
        default=None,
        validation_alias="techCode",
        serialization_alias="techCode",
        max_length=50,
    )
    tech_info: Omittable[str] = Field(
        default=None,
        validation_alias="techInfo",
        serialization_alias="techInfo",
        max_length=500,
    )
    cleared: Omittable[bool] = None
    transaction_id: Omittable[str] = Field(
        default=None,
        validation_alias="transactionId",
        serialization_alias="transactionId",
        max_length=36,
    )
    component: ComponentType
    variable_monitoring_id: Omittable[int] = Field(
        default=None,
        validation_alias="variableMonitoringId",
        serialization_alias="variableMonitoringId",
    )
    event_notification_type: EventNotificationEnumType = Field(
        validation_alias="eventNotificationType",
        serialization_alias="eventNotificationType",
    )
    variable: VariableType


class NotifyEventRequest(Message):
    """NotifyEvent CALL payload."""

    ACTION: ClassVar[str] = "NotifyEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    generated_at: DateTime = Field(
        validation_alias="generatedAt",
        serialization_alias="generatedAt",
    )
    tbc: Omittable[bool] = None
    seq_no: int = Field(validation_alias="seqNo", serialization_alias="seqNo")
    event_data: list[EventDataType] = Field(
        validation_alias="eventData",
        serialization_alias="eventData",
        min_length=1,
    )


class NotifyEventResponse(Message):
    """NotifyEvent CALLRESULT payload."""

    ACTION: ClassVar[str] = "NotifyEvent"

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
