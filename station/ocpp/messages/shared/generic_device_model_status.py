"""GenericDeviceModelStatusEnumType and what only it shares; used by GetBaseReport,
GetMonitoringReport, GetReport, SetMonitoringBase.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class GenericDeviceModelStatusEnumType(OcppEnum):
    """This field indicates whether the Charging Station was able to accept the request."""

    Accepted = "Accepted"
    Rejected = "Rejected"
    NotSupported = "NotSupported"
    EmptyResultSet = "EmptyResultSet"
