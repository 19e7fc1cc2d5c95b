"""AttributeEnumType and what only it shares; used by GetVariables, NotifyReport, SetVariables.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class AttributeEnumType(OcppEnum):
    """Attribute type for which value is requested. When absent, default Actual is assumed."""

    Actual = "Actual"
    Target = "Target"
    MinSet = "MinSet"
    MaxSet = "MaxSet"
