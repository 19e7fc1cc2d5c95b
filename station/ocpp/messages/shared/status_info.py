"""StatusInfoType and what only it shares; used by BootNotification, CancelReservation,
CertificateSigned, ChangeAvailability, ClearCache, ClearChargingProfile, ClearDisplayMessage,
ClearVariableMonitoring, CustomerInformation, DataTransfer, DeleteCertificate,
Get15118EVCertificate, GetBaseReport, GetCertificateStatus, GetChargingProfiles,
GetCompositeSchedule, GetDisplayMessages, GetInstalledCertificateIds, GetLog, GetMonitoringReport,
GetReport, GetVariables, InstallCertificate, NotifyEVChargingNeeds, NotifyEVChargingSchedule,
PublishFirmware, RequestStartTransaction, RequestStopTransaction, ReserveNow, Reset, SendLocalList,
SetChargingProfile, SetDisplayMessage, SetMonitoringBase, SetMonitoringLevel, SetNetworkProfile,
SetVariableMonitoring, SetVariables, SignCertificate, TriggerMessage, UnlockConnector,
UpdateFirmware.

GENERATED FILE, DO NOT EDIT. Written by tools/gen_messages.py.
"""

from pydantic import Field

from .._base import OcppType, Omittable
from .custom_data import CustomDataType


class StatusInfoType(OcppType):
    """Element providing more information about the status."""

    custom_data: Omittable[CustomDataType] = Field(
        default=None,
        validation_alias="customData",
        serialization_alias="customData",
    )
    reason_code: str = Field(
        validation_alias="reasonCode",
        serialization_alias="reasonCode",
        max_length=20,
    )
    additional_info: Omittable[str] = Field(
        default=None,
        validation_alias="additionalInfo",
        serialization_alias="additionalInfo",
        max_length=512,
    )
