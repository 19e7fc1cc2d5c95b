"""ChargingLimitSourceEnumType and what only it shares; used by ClearedChargingLimit,
GetChargingProfiles, NotifyChargingLimit, ReportChargingProfiles.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class ChargingLimitSourceEnumType(OcppEnum):
    """Source of the charging limit."""

    EMS = "EMS"
    Other = "Other"
    SO = "SO"
    CSO = "CSO"
