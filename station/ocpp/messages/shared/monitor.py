"""MonitorEnumType and what only it shares; used by NotifyMonitoringReport, SetVariableMonitoring.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class MonitorEnumType(OcppEnum):
    """The type of this monitor, e.g. a threshold, delta or periodic monitor."""

    UpperThreshold = "UpperThreshold"
    LowerThreshold = "LowerThreshold"
    Delta = "Delta"
    Periodic = "Periodic"
    PeriodicClockAligned = "PeriodicClockAligned"
