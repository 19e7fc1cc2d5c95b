"""ChargingProfilePurposeEnumType and what only it shares; used by ClearChargingProfile,
GetChargingProfiles, ReportChargingProfiles, RequestStartTransaction, SetChargingProfile.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from .._base import OcppEnum


class ChargingProfilePurposeEnumType(OcppEnum):
    """Defines the purpose of the schedule transferred by this profile"""

    ChargingStationExternalConstraints = "ChargingStationExternalConstraints"
    ChargingStationMaxProfile = "ChargingStationMaxProfile"
    TxDefaultProfile = "TxDefaultProfile"
    TxProfile = "TxProfile"
