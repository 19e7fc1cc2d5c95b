"""GenericStatusEnumType and what only it shares; used by GetCompositeSchedule,
NotifyEVChargingSchedule, PublishFirmware, SetMonitoringLevel, SignCertificate.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class GenericStatusEnumType(OcppEnum):
    """The Charging Station will indicate if it was"""

    Accepted = "Accepted"
    Rejected = "Rejected"
