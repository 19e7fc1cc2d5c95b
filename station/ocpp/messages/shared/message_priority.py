"""MessagePriorityEnumType and what only it shares; used by GetDisplayMessages, NotifyDisplayMessages,
SetDisplayMessage.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class MessagePriorityEnumType(OcppEnum):
    """With what priority should this message be shown"""

    AlwaysFront = "AlwaysFront"
    InFront = "InFront"
    NormalCycle = "NormalCycle"


class MessageStateEnumType(OcppEnum):
    """During what state should this message be shown."""

    Charging = "Charging"
    Faulted = "Faulted"
    Idle = "Idle"
    Unavailable = "Unavailable"
