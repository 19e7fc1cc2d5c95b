"""OCPP 2.0.1 payloads: pydantic models of the request and response of every action.

GENERATED PACKAGE, DO NOT EDIT. Written by tools/gen_messages.py from the OCA JSON schemas
that ship in the `ocpp` package (ocpp/v201/schemas, "OCPP 2.0.1 FINAL").
Regenerate with `python tools/gen_messages.py`; add `--check` to see whether it is current.

Every public name is imported from this package (`from station.ocpp.messages import
BootNotificationRequest`). A model is built when it is first asked for, not when the package
is imported: each action's module holds its request, its response and the types only they
use; a type that several actions share lives in `shared/`, in the module of exactly the
actions that use it. A station therefore builds only the models of the actions it uses
(a boot needs about a dozen of the 64), and `REQUESTS`/`RESPONSES` import an action's module
on the first lookup. Type checkers see every name through the `TYPE_CHECKING` imports below.

Conventions:

* Attributes are snake_case; the wire (camelCase) property names are the aliases. Models are
  built by attribute name in Python (`ChargingStationType(model="m", vendor_name="v")`) and
  from the wire by alias (see `station.ocpp.validation`).
* An optional property is `None` in Python when it is absent; it is never sent as `null` and
  a received `null` is rejected. `None` given to a constructor or assigned means "absent".
* Validation is strict, as JSON Schema is: `"12"` is not an integer, `1` is not a string.
  Enum properties accept the enum member or its string value.
* `format: date-time` properties are timezone-aware `datetime`s; they are written by
  `station.ocpp.datetimes.format_date_time`: RFC 3339 in UTC with a `Z` suffix and at most
  three fractional digits (Part 2 §2.1.4).
* `to_payload()` gives the JSON-ready wire dict of a model, `to_json()` the same as text.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import (
        DateTime as DateTime,
        Message as Message,
        OcppEnum as OcppEnum,
        OcppType as OcppType,
        Omittable as Omittable,
    )
    from .authorize import (
        AuthorizeCertificateStatusEnumType as AuthorizeCertificateStatusEnumType,
        AuthorizeRequest as AuthorizeRequest,
        AuthorizeResponse as AuthorizeResponse,
    )
    from .boot_notification import (
        BootNotificationRequest as BootNotificationRequest,
        BootNotificationResponse as BootNotificationResponse,
        BootReasonEnumType as BootReasonEnumType,
        ChargingStationType as ChargingStationType,
        ModemType as ModemType,
        RegistrationStatusEnumType as RegistrationStatusEnumType,
    )
    from .cancel_reservation import (
        CancelReservationRequest as CancelReservationRequest,
        CancelReservationResponse as CancelReservationResponse,
        CancelReservationStatusEnumType as CancelReservationStatusEnumType,
    )
    from .certificate_signed import (
        CertificateSignedRequest as CertificateSignedRequest,
        CertificateSignedResponse as CertificateSignedResponse,
        CertificateSignedStatusEnumType as CertificateSignedStatusEnumType,
    )
    from .change_availability import (
        ChangeAvailabilityRequest as ChangeAvailabilityRequest,
        ChangeAvailabilityResponse as ChangeAvailabilityResponse,
        ChangeAvailabilityStatusEnumType as ChangeAvailabilityStatusEnumType,
        OperationalStatusEnumType as OperationalStatusEnumType,
    )
    from .clear_cache import (
        ClearCacheRequest as ClearCacheRequest,
        ClearCacheResponse as ClearCacheResponse,
        ClearCacheStatusEnumType as ClearCacheStatusEnumType,
    )
    from .clear_charging_profile import (
        ClearChargingProfileRequest as ClearChargingProfileRequest,
        ClearChargingProfileResponse as ClearChargingProfileResponse,
        ClearChargingProfileStatusEnumType as ClearChargingProfileStatusEnumType,
        ClearChargingProfileType as ClearChargingProfileType,
    )
    from .clear_display_message import (
        ClearDisplayMessageRequest as ClearDisplayMessageRequest,
        ClearDisplayMessageResponse as ClearDisplayMessageResponse,
        ClearMessageStatusEnumType as ClearMessageStatusEnumType,
    )
    from .clear_variable_monitoring import (
        ClearMonitoringResultType as ClearMonitoringResultType,
        ClearMonitoringStatusEnumType as ClearMonitoringStatusEnumType,
        ClearVariableMonitoringRequest as ClearVariableMonitoringRequest,
        ClearVariableMonitoringResponse as ClearVariableMonitoringResponse,
    )
    from .cleared_charging_limit import (
        ClearedChargingLimitRequest as ClearedChargingLimitRequest,
        ClearedChargingLimitResponse as ClearedChargingLimitResponse,
    )
    from .cost_updated import (
        CostUpdatedRequest as CostUpdatedRequest,
        CostUpdatedResponse as CostUpdatedResponse,
    )
    from .customer_information import (
        CustomerInformationRequest as CustomerInformationRequest,
        CustomerInformationResponse as CustomerInformationResponse,
        CustomerInformationStatusEnumType as CustomerInformationStatusEnumType,
    )
    from .data_transfer import (
        DataTransferRequest as DataTransferRequest,
        DataTransferResponse as DataTransferResponse,
        DataTransferStatusEnumType as DataTransferStatusEnumType,
    )
    from .delete_certificate import (
        DeleteCertificateRequest as DeleteCertificateRequest,
        DeleteCertificateResponse as DeleteCertificateResponse,
        DeleteCertificateStatusEnumType as DeleteCertificateStatusEnumType,
    )
    from .firmware_status_notification import (
        FirmwareStatusEnumType as FirmwareStatusEnumType,
        FirmwareStatusNotificationRequest as FirmwareStatusNotificationRequest,
        FirmwareStatusNotificationResponse as FirmwareStatusNotificationResponse,
    )
    from .get15118_ev_certificate import (
        CertificateActionEnumType as CertificateActionEnumType,
        Get15118EVCertificateRequest as Get15118EVCertificateRequest,
        Get15118EVCertificateResponse as Get15118EVCertificateResponse,
        Iso15118EVCertificateStatusEnumType as Iso15118EVCertificateStatusEnumType,
    )
    from .get_base_report import (
        GetBaseReportRequest as GetBaseReportRequest,
        GetBaseReportResponse as GetBaseReportResponse,
        ReportBaseEnumType as ReportBaseEnumType,
    )
    from .get_certificate_status import (
        GetCertificateStatusEnumType as GetCertificateStatusEnumType,
        GetCertificateStatusRequest as GetCertificateStatusRequest,
        GetCertificateStatusResponse as GetCertificateStatusResponse,
    )
    from .get_charging_profiles import (
        ChargingProfileCriterionType as ChargingProfileCriterionType,
        GetChargingProfileStatusEnumType as GetChargingProfileStatusEnumType,
        GetChargingProfilesRequest as GetChargingProfilesRequest,
        GetChargingProfilesResponse as GetChargingProfilesResponse,
    )
    from .get_composite_schedule import (
        CompositeScheduleType as CompositeScheduleType,
        GetCompositeScheduleRequest as GetCompositeScheduleRequest,
        GetCompositeScheduleResponse as GetCompositeScheduleResponse,
    )
    from .get_display_messages import (
        GetDisplayMessagesRequest as GetDisplayMessagesRequest,
        GetDisplayMessagesResponse as GetDisplayMessagesResponse,
        GetDisplayMessagesStatusEnumType as GetDisplayMessagesStatusEnumType,
    )
    from .get_installed_certificate_ids import (
        CertificateHashDataChainType as CertificateHashDataChainType,
        GetCertificateIdUseEnumType as GetCertificateIdUseEnumType,
        GetInstalledCertificateIdsRequest as GetInstalledCertificateIdsRequest,
        GetInstalledCertificateIdsResponse as GetInstalledCertificateIdsResponse,
        GetInstalledCertificateStatusEnumType as GetInstalledCertificateStatusEnumType,
    )
    from .get_local_list_version import (
        GetLocalListVersionRequest as GetLocalListVersionRequest,
        GetLocalListVersionResponse as GetLocalListVersionResponse,
    )
    from .get_log import (
        GetLogRequest as GetLogRequest,
        GetLogResponse as GetLogResponse,
        LogEnumType as LogEnumType,
        LogParametersType as LogParametersType,
        LogStatusEnumType as LogStatusEnumType,
    )
    from .get_monitoring_report import (
        GetMonitoringReportRequest as GetMonitoringReportRequest,
        GetMonitoringReportResponse as GetMonitoringReportResponse,
        MonitoringCriterionEnumType as MonitoringCriterionEnumType,
    )
    from .get_report import (
        ComponentCriterionEnumType as ComponentCriterionEnumType,
        GetReportRequest as GetReportRequest,
        GetReportResponse as GetReportResponse,
    )
    from .get_transaction_status import (
        GetTransactionStatusRequest as GetTransactionStatusRequest,
        GetTransactionStatusResponse as GetTransactionStatusResponse,
    )
    from .get_variables import (
        GetVariableDataType as GetVariableDataType,
        GetVariableResultType as GetVariableResultType,
        GetVariableStatusEnumType as GetVariableStatusEnumType,
        GetVariablesRequest as GetVariablesRequest,
        GetVariablesResponse as GetVariablesResponse,
    )
    from .heartbeat import (
        HeartbeatRequest as HeartbeatRequest,
        HeartbeatResponse as HeartbeatResponse,
    )
    from .install_certificate import (
        InstallCertificateRequest as InstallCertificateRequest,
        InstallCertificateResponse as InstallCertificateResponse,
        InstallCertificateStatusEnumType as InstallCertificateStatusEnumType,
        InstallCertificateUseEnumType as InstallCertificateUseEnumType,
    )
    from .log_status_notification import (
        LogStatusNotificationRequest as LogStatusNotificationRequest,
        LogStatusNotificationResponse as LogStatusNotificationResponse,
        UploadLogStatusEnumType as UploadLogStatusEnumType,
    )
    from .meter_values import (
        MeterValuesRequest as MeterValuesRequest,
        MeterValuesResponse as MeterValuesResponse,
    )
    from .notify_charging_limit import (
        ChargingLimitType as ChargingLimitType,
        NotifyChargingLimitRequest as NotifyChargingLimitRequest,
        NotifyChargingLimitResponse as NotifyChargingLimitResponse,
    )
    from .notify_customer_information import (
        NotifyCustomerInformationRequest as NotifyCustomerInformationRequest,
        NotifyCustomerInformationResponse as NotifyCustomerInformationResponse,
    )
    from .notify_display_messages import (
        NotifyDisplayMessagesRequest as NotifyDisplayMessagesRequest,
        NotifyDisplayMessagesResponse as NotifyDisplayMessagesResponse,
    )
    from .notify_ev_charging_needs import (
        ACChargingParametersType as ACChargingParametersType,
        ChargingNeedsType as ChargingNeedsType,
        DCChargingParametersType as DCChargingParametersType,
        EnergyTransferModeEnumType as EnergyTransferModeEnumType,
        NotifyEVChargingNeedsRequest as NotifyEVChargingNeedsRequest,
        NotifyEVChargingNeedsResponse as NotifyEVChargingNeedsResponse,
        NotifyEVChargingNeedsStatusEnumType as NotifyEVChargingNeedsStatusEnumType,
    )
    from .notify_ev_charging_schedule import (
        NotifyEVChargingScheduleRequest as NotifyEVChargingScheduleRequest,
        NotifyEVChargingScheduleResponse as NotifyEVChargingScheduleResponse,
    )
    from .notify_event import (
        EventDataType as EventDataType,
        EventNotificationEnumType as EventNotificationEnumType,
        EventTriggerEnumType as EventTriggerEnumType,
        NotifyEventRequest as NotifyEventRequest,
        NotifyEventResponse as NotifyEventResponse,
    )
    from .notify_monitoring_report import (
        MonitoringDataType as MonitoringDataType,
        NotifyMonitoringReportRequest as NotifyMonitoringReportRequest,
        NotifyMonitoringReportResponse as NotifyMonitoringReportResponse,
        VariableMonitoringType as VariableMonitoringType,
    )
    from .notify_report import (
        DataEnumType as DataEnumType,
        MutabilityEnumType as MutabilityEnumType,
        NotifyReportRequest as NotifyReportRequest,
        NotifyReportResponse as NotifyReportResponse,
        ReportDataType as ReportDataType,
        VariableAttributeType as VariableAttributeType,
        VariableCharacteristicsType as VariableCharacteristicsType,
    )
    from .publish_firmware import (
        PublishFirmwareRequest as PublishFirmwareRequest,
        PublishFirmwareResponse as PublishFirmwareResponse,
    )
    from .publish_firmware_status_notification import (
        PublishFirmwareStatusEnumType as PublishFirmwareStatusEnumType,
        PublishFirmwareStatusNotificationRequest as PublishFirmwareStatusNotificationRequest,
        PublishFirmwareStatusNotificationResponse as PublishFirmwareStatusNotificationResponse,
    )
    from .report_charging_profiles import (
        ReportChargingProfilesRequest as ReportChargingProfilesRequest,
        ReportChargingProfilesResponse as ReportChargingProfilesResponse,
    )
    from .request_start_transaction import (
        RequestStartTransactionRequest as RequestStartTransactionRequest,
        RequestStartTransactionResponse as RequestStartTransactionResponse,
    )
    from .request_stop_transaction import (
        RequestStopTransactionRequest as RequestStopTransactionRequest,
        RequestStopTransactionResponse as RequestStopTransactionResponse,
    )
    from .reservation_status_update import (
        ReservationStatusUpdateRequest as ReservationStatusUpdateRequest,
        ReservationStatusUpdateResponse as ReservationStatusUpdateResponse,
        ReservationUpdateStatusEnumType as ReservationUpdateStatusEnumType,
    )
    from .reserve_now import (
        ConnectorEnumType as ConnectorEnumType,
        ReserveNowRequest as ReserveNowRequest,
        ReserveNowResponse as ReserveNowResponse,
        ReserveNowStatusEnumType as ReserveNowStatusEnumType,
    )
    from .reset import (
        ResetEnumType as ResetEnumType,
        ResetRequest as ResetRequest,
        ResetResponse as ResetResponse,
        ResetStatusEnumType as ResetStatusEnumType,
    )
    from .security_event_notification import (
        SecurityEventNotificationRequest as SecurityEventNotificationRequest,
        SecurityEventNotificationResponse as SecurityEventNotificationResponse,
    )
    from .send_local_list import (
        AuthorizationData as AuthorizationData,
        SendLocalListRequest as SendLocalListRequest,
        SendLocalListResponse as SendLocalListResponse,
        SendLocalListStatusEnumType as SendLocalListStatusEnumType,
        UpdateEnumType as UpdateEnumType,
    )
    from .set_charging_profile import (
        ChargingProfileStatusEnumType as ChargingProfileStatusEnumType,
        SetChargingProfileRequest as SetChargingProfileRequest,
        SetChargingProfileResponse as SetChargingProfileResponse,
    )
    from .set_display_message import (
        DisplayMessageStatusEnumType as DisplayMessageStatusEnumType,
        SetDisplayMessageRequest as SetDisplayMessageRequest,
        SetDisplayMessageResponse as SetDisplayMessageResponse,
    )
    from .set_monitoring_base import (
        MonitoringBaseEnumType as MonitoringBaseEnumType,
        SetMonitoringBaseRequest as SetMonitoringBaseRequest,
        SetMonitoringBaseResponse as SetMonitoringBaseResponse,
    )
    from .set_monitoring_level import (
        SetMonitoringLevelRequest as SetMonitoringLevelRequest,
        SetMonitoringLevelResponse as SetMonitoringLevelResponse,
    )
    from .set_network_profile import (
        APNAuthenticationEnumType as APNAuthenticationEnumType,
        APNType as APNType,
        NetworkConnectionProfileType as NetworkConnectionProfileType,
        OCPPInterfaceEnumType as OCPPInterfaceEnumType,
        OCPPTransportEnumType as OCPPTransportEnumType,
        OCPPVersionEnumType as OCPPVersionEnumType,
        SetNetworkProfileRequest as SetNetworkProfileRequest,
        SetNetworkProfileResponse as SetNetworkProfileResponse,
        SetNetworkProfileStatusEnumType as SetNetworkProfileStatusEnumType,
        VPNEnumType as VPNEnumType,
        VPNType as VPNType,
    )
    from .set_variable_monitoring import (
        SetMonitoringDataType as SetMonitoringDataType,
        SetMonitoringResultType as SetMonitoringResultType,
        SetMonitoringStatusEnumType as SetMonitoringStatusEnumType,
        SetVariableMonitoringRequest as SetVariableMonitoringRequest,
        SetVariableMonitoringResponse as SetVariableMonitoringResponse,
    )
    from .set_variables import (
        SetVariableDataType as SetVariableDataType,
        SetVariableResultType as SetVariableResultType,
        SetVariableStatusEnumType as SetVariableStatusEnumType,
        SetVariablesRequest as SetVariablesRequest,
        SetVariablesResponse as SetVariablesResponse,
    )
    from .shared.attribute import (
        AttributeEnumType as AttributeEnumType,
    )
    from .shared.certificate_hash_data import (
        CertificateHashDataType as CertificateHashDataType,
    )
    from .shared.certificate_signing_use import (
        CertificateSigningUseEnumType as CertificateSigningUseEnumType,
    )
    from .shared.charging_limit_source import (
        ChargingLimitSourceEnumType as ChargingLimitSourceEnumType,
    )
    from .shared.charging_profile import (
        ChargingProfileKindEnumType as ChargingProfileKindEnumType,
        ChargingProfileType as ChargingProfileType,
        RecurrencyKindEnumType as RecurrencyKindEnumType,
    )
    from .shared.charging_profile_purpose import (
        ChargingProfilePurposeEnumType as ChargingProfilePurposeEnumType,
    )
    from .shared.charging_schedule import (
        ChargingScheduleType as ChargingScheduleType,
        ConsumptionCostType as ConsumptionCostType,
        CostKindEnumType as CostKindEnumType,
        CostType as CostType,
        RelativeTimeIntervalType as RelativeTimeIntervalType,
        SalesTariffEntryType as SalesTariffEntryType,
        SalesTariffType as SalesTariffType,
    )
    from .shared.charging_schedule_period import (
        ChargingRateUnitEnumType as ChargingRateUnitEnumType,
        ChargingSchedulePeriodType as ChargingSchedulePeriodType,
    )
    from .shared.component import (
        ComponentType as ComponentType,
    )
    from .shared.component_variable import (
        ComponentVariableType as ComponentVariableType,
    )
    from .shared.custom_data import (
        CustomDataType as CustomDataType,
    )
    from .shared.evse import (
        EVSEType as EVSEType,
    )
    from .shared.generic_device_model_status import (
        GenericDeviceModelStatusEnumType as GenericDeviceModelStatusEnumType,
    )
    from .shared.generic_status import (
        GenericStatusEnumType as GenericStatusEnumType,
    )
    from .shared.hash_algorithm import (
        HashAlgorithmEnumType as HashAlgorithmEnumType,
    )
    from .shared.id_token import (
        AdditionalInfoType as AdditionalInfoType,
        IdTokenEnumType as IdTokenEnumType,
        IdTokenType as IdTokenType,
    )
    from .shared.id_token_info import (
        AuthorizationStatusEnumType as AuthorizationStatusEnumType,
        IdTokenInfoType as IdTokenInfoType,
    )
    from .shared.message_content import (
        MessageContentType as MessageContentType,
        MessageFormatEnumType as MessageFormatEnumType,
    )
    from .shared.message_info import (
        MessageInfoType as MessageInfoType,
    )
    from .shared.message_priority import (
        MessagePriorityEnumType as MessagePriorityEnumType,
        MessageStateEnumType as MessageStateEnumType,
    )
    from .shared.meter_value import (
        LocationEnumType as LocationEnumType,
        MeasurandEnumType as MeasurandEnumType,
        MeterValueType as MeterValueType,
        PhaseEnumType as PhaseEnumType,
        ReadingContextEnumType as ReadingContextEnumType,
        SampledValueType as SampledValueType,
        SignedMeterValueType as SignedMeterValueType,
        UnitOfMeasureType as UnitOfMeasureType,
    )
    from .shared.monitor import (
        MonitorEnumType as MonitorEnumType,
    )
    from .shared.ocsp_request_data import (
        OCSPRequestDataType as OCSPRequestDataType,
    )
    from .shared.request_start_stop_status import (
        RequestStartStopStatusEnumType as RequestStartStopStatusEnumType,
    )
    from .shared.status_info import (
        StatusInfoType as StatusInfoType,
    )
    from .shared.variable import (
        VariableType as VariableType,
    )
    from .sign_certificate import (
        SignCertificateRequest as SignCertificateRequest,
        SignCertificateResponse as SignCertificateResponse,
    )
    from .status_notification import (
        ConnectorStatusEnumType as ConnectorStatusEnumType,
        StatusNotificationRequest as StatusNotificationRequest,
        StatusNotificationResponse as StatusNotificationResponse,
    )
    from .transaction_event import (
        ChargingStateEnumType as ChargingStateEnumType,
        ReasonEnumType as ReasonEnumType,
        TransactionEventEnumType as TransactionEventEnumType,
        TransactionEventRequest as TransactionEventRequest,
        TransactionEventResponse as TransactionEventResponse,
        TransactionType as TransactionType,
        TriggerReasonEnumType as TriggerReasonEnumType,
    )
    from .trigger_message import (
        MessageTriggerEnumType as MessageTriggerEnumType,
        TriggerMessageRequest as TriggerMessageRequest,
        TriggerMessageResponse as TriggerMessageResponse,
        TriggerMessageStatusEnumType as TriggerMessageStatusEnumType,
    )
    from .unlock_connector import (
        UnlockConnectorRequest as UnlockConnectorRequest,
        UnlockConnectorResponse as UnlockConnectorResponse,
        UnlockStatusEnumType as UnlockStatusEnumType,
    )
    from .unpublish_firmware import (
        UnpublishFirmwareRequest as UnpublishFirmwareRequest,
        UnpublishFirmwareResponse as UnpublishFirmwareResponse,
        UnpublishFirmwareStatusEnumType as UnpublishFirmwareStatusEnumType,
    )
    from .update_firmware import (
        FirmwareType as FirmwareType,
        UpdateFirmwareRequest as UpdateFirmwareRequest,
        UpdateFirmwareResponse as UpdateFirmwareResponse,
        UpdateFirmwareStatusEnumType as UpdateFirmwareStatusEnumType,
    )

ACTIONS: frozenset[str] = frozenset(
    {
        "Authorize",
        "BootNotification",
        "CancelReservation",
        "CertificateSigned",
        "ChangeAvailability",
        "ClearCache",
        "ClearChargingProfile",
        "ClearDisplayMessage",
        "ClearVariableMonitoring",
        "ClearedChargingLimit",
        "CostUpdated",
        "CustomerInformation",
        "DataTransfer",
        "DeleteCertificate",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetBaseReport",
        "GetCertificateStatus",
        "GetChargingProfiles",
        "GetCompositeSchedule",
        "GetDisplayMessages",
        "GetInstalledCertificateIds",
        "GetLocalListVersion",
        "GetLog",
        "GetMonitoringReport",
        "GetReport",
        "GetTransactionStatus",
        "GetVariables",
        "Heartbeat",
        "InstallCertificate",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmware",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "RequestStartTransaction",
        "RequestStopTransaction",
        "ReservationStatusUpdate",
        "ReserveNow",
        "Reset",
        "SecurityEventNotification",
        "SendLocalList",
        "SetChargingProfile",
        "SetDisplayMessage",
        "SetMonitoringBase",
        "SetMonitoringLevel",
        "SetNetworkProfile",
        "SetVariableMonitoring",
        "SetVariables",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
        "TriggerMessage",
        "UnlockConnector",
        "UnpublishFirmware",
        "UpdateFirmware",
    }
)

#: The module (relative to this package) that defines each public name.
_HOME: dict[str, str] = {
    "ACChargingParametersType": "notify_ev_charging_needs",
    "APNAuthenticationEnumType": "set_network_profile",
    "APNType": "set_network_profile",
    "AdditionalInfoType": "shared.id_token",
    "AttributeEnumType": "shared.attribute",
    "AuthorizationData": "send_local_list",
    "AuthorizationStatusEnumType": "shared.id_token_info",
    "AuthorizeCertificateStatusEnumType": "authorize",
    "AuthorizeRequest": "authorize",
    "AuthorizeResponse": "authorize",
    "BootNotificationRequest": "boot_notification",
    "BootNotificationResponse": "boot_notification",
    "BootReasonEnumType": "boot_notification",
    "CancelReservationRequest": "cancel_reservation",
    "CancelReservationResponse": "cancel_reservation",
    "CancelReservationStatusEnumType": "cancel_reservation",
    "CertificateActionEnumType": "get15118_ev_certificate",
    "CertificateHashDataChainType": "get_installed_certificate_ids",
    "CertificateHashDataType": "shared.certificate_hash_data",
    "CertificateSignedRequest": "certificate_signed",
    "CertificateSignedResponse": "certificate_signed",
    "CertificateSignedStatusEnumType": "certificate_signed",
    "CertificateSigningUseEnumType": "shared.certificate_signing_use",
    "ChangeAvailabilityRequest": "change_availability",
    "ChangeAvailabilityResponse": "change_availability",
    "ChangeAvailabilityStatusEnumType": "change_availability",
    "ChargingLimitSourceEnumType": "shared.charging_limit_source",
    "ChargingLimitType": "notify_charging_limit",
    "ChargingNeedsType": "notify_ev_charging_needs",
    "ChargingProfileCriterionType": "get_charging_profiles",
    "ChargingProfileKindEnumType": "shared.charging_profile",
    "ChargingProfilePurposeEnumType": "shared.charging_profile_purpose",
    "ChargingProfileStatusEnumType": "set_charging_profile",
    "ChargingProfileType": "shared.charging_profile",
    "ChargingRateUnitEnumType": "shared.charging_schedule_period",
    "ChargingSchedulePeriodType": "shared.charging_schedule_period",
    "ChargingScheduleType": "shared.charging_schedule",
    "ChargingStateEnumType": "transaction_event",
    "ChargingStationType": "boot_notification",
    "ClearCacheRequest": "clear_cache",
    "ClearCacheResponse": "clear_cache",
    "ClearCacheStatusEnumType": "clear_cache",
    "ClearChargingProfileRequest": "clear_charging_profile",
    "ClearChargingProfileResponse": "clear_charging_profile",
    "ClearChargingProfileStatusEnumType": "clear_charging_profile",
    "ClearChargingProfileType": "clear_charging_profile",
    "ClearDisplayMessageRequest": "clear_display_message",
    "ClearDisplayMessageResponse": "clear_display_message",
    "ClearMessageStatusEnumType": "clear_display_message",
    "ClearMonitoringResultType": "clear_variable_monitoring",
    "ClearMonitoringStatusEnumType": "clear_variable_monitoring",
    "ClearVariableMonitoringRequest": "clear_variable_monitoring",
    "ClearVariableMonitoringResponse": "clear_variable_monitoring",
    "ClearedChargingLimitRequest": "cleared_charging_limit",
    "ClearedChargingLimitResponse": "cleared_charging_limit",
    "ComponentCriterionEnumType": "get_report",
    "ComponentType": "shared.component",
    "ComponentVariableType": "shared.component_variable",
    "CompositeScheduleType": "get_composite_schedule",
    "ConnectorEnumType": "reserve_now",
    "ConnectorStatusEnumType": "status_notification",
    "ConsumptionCostType": "shared.charging_schedule",
    "CostKindEnumType": "shared.charging_schedule",
    "CostType": "shared.charging_schedule",
    "CostUpdatedRequest": "cost_updated",
    "CostUpdatedResponse": "cost_updated",
    "CustomDataType": "shared.custom_data",
    "CustomerInformationRequest": "customer_information",
    "CustomerInformationResponse": "customer_information",
    "CustomerInformationStatusEnumType": "customer_information",
    "DCChargingParametersType": "notify_ev_charging_needs",
    "DataEnumType": "notify_report",
    "DataTransferRequest": "data_transfer",
    "DataTransferResponse": "data_transfer",
    "DataTransferStatusEnumType": "data_transfer",
    "DateTime": "_base",
    "DeleteCertificateRequest": "delete_certificate",
    "DeleteCertificateResponse": "delete_certificate",
    "DeleteCertificateStatusEnumType": "delete_certificate",
    "DisplayMessageStatusEnumType": "set_display_message",
    "EVSEType": "shared.evse",
    "EnergyTransferModeEnumType": "notify_ev_charging_needs",
    "EventDataType": "notify_event",
    "EventNotificationEnumType": "notify_event",
    "EventTriggerEnumType": "notify_event",
    "FirmwareStatusEnumType": "firmware_status_notification",
    "FirmwareStatusNotificationRequest": "firmware_status_notification",
    "FirmwareStatusNotificationResponse": "firmware_status_notification",
    "FirmwareType": "update_firmware",
    "GenericDeviceModelStatusEnumType": "shared.generic_device_model_status",
    "GenericStatusEnumType": "shared.generic_status",
    "Get15118EVCertificateRequest": "get15118_ev_certificate",
    "Get15118EVCertificateResponse": "get15118_ev_certificate",
    "GetBaseReportRequest": "get_base_report",
    "GetBaseReportResponse": "get_base_report",
    "GetCertificateIdUseEnumType": "get_installed_certificate_ids",
    "GetCertificateStatusEnumType": "get_certificate_status",
    "GetCertificateStatusRequest": "get_certificate_status",
    "GetCertificateStatusResponse": "get_certificate_status",
    "GetChargingProfileStatusEnumType": "get_charging_profiles",
    "GetChargingProfilesRequest": "get_charging_profiles",
    "GetChargingProfilesResponse": "get_charging_profiles",
    "GetCompositeScheduleRequest": "get_composite_schedule",
    "GetCompositeScheduleResponse": "get_composite_schedule",
    "GetDisplayMessagesRequest": "get_display_messages",
    "GetDisplayMessagesResponse": "get_display_messages",
    "GetDisplayMessagesStatusEnumType": "get_display_messages",
    "GetInstalledCertificateIdsRequest": "get_installed_certificate_ids",
    "GetInstalledCertificateIdsResponse": "get_installed_certificate_ids",
    "GetInstalledCertificateStatusEnumType": "get_installed_certificate_ids",
    "GetLocalListVersionRequest": "get_local_list_version",
    "GetLocalListVersionResponse": "get_local_list_version",
    "GetLogRequest": "get_log",
    "GetLogResponse": "get_log",
    "GetMonitoringReportRequest": "get_monitoring_report",
    "GetMonitoringReportResponse": "get_monitoring_report",
    "GetReportRequest": "get_report",
    "GetReportResponse": "get_report",
    "GetTransactionStatusRequest": "get_transaction_status",
    "GetTransactionStatusResponse": "get_transaction_status",
    "GetVariableDataType": "get_variables",
    "GetVariableResultType": "get_variables",
    "GetVariableStatusEnumType": "get_variables",
    "GetVariablesRequest": "get_variables",
    "GetVariablesResponse": "get_variables",
    "HashAlgorithmEnumType": "shared.hash_algorithm",
    "HeartbeatRequest": "heartbeat",
    "HeartbeatResponse": "heartbeat",
    "IdTokenEnumType": "shared.id_token",
    "IdTokenInfoType": "shared.id_token_info",
    "IdTokenType": "shared.id_token",
    "InstallCertificateRequest": "install_certificate",
    "InstallCertificateResponse": "install_certificate",
    "InstallCertificateStatusEnumType": "install_certificate",
    "InstallCertificateUseEnumType": "install_certificate",
    "Iso15118EVCertificateStatusEnumType": "get15118_ev_certificate",
    "LocationEnumType": "shared.meter_value",
    "LogEnumType": "get_log",
    "LogParametersType": "get_log",
    "LogStatusEnumType": "get_log",
    "LogStatusNotificationRequest": "log_status_notification",
    "LogStatusNotificationResponse": "log_status_notification",
    "MeasurandEnumType": "shared.meter_value",
    "Message": "_base",
    "MessageContentType": "shared.message_content",
    "MessageFormatEnumType": "shared.message_content",
    "MessageInfoType": "shared.message_info",
    "MessagePriorityEnumType": "shared.message_priority",
    "MessageStateEnumType": "shared.message_priority",
    "MessageTriggerEnumType": "trigger_message",
    "MeterValueType": "shared.meter_value",
    "MeterValuesRequest": "meter_values",
    "MeterValuesResponse": "meter_values",
    "ModemType": "boot_notification",
    "MonitorEnumType": "shared.monitor",
    "MonitoringBaseEnumType": "set_monitoring_base",
    "MonitoringCriterionEnumType": "get_monitoring_report",
    "MonitoringDataType": "notify_monitoring_report",
    "MutabilityEnumType": "notify_report",
    "NetworkConnectionProfileType": "set_network_profile",
    "NotifyChargingLimitRequest": "notify_charging_limit",
    "NotifyChargingLimitResponse": "notify_charging_limit",
    "NotifyCustomerInformationRequest": "notify_customer_information",
    "NotifyCustomerInformationResponse": "notify_customer_information",
    "NotifyDisplayMessagesRequest": "notify_display_messages",
    "NotifyDisplayMessagesResponse": "notify_display_messages",
    "NotifyEVChargingNeedsRequest": "notify_ev_charging_needs",
    "NotifyEVChargingNeedsResponse": "notify_ev_charging_needs",
    "NotifyEVChargingNeedsStatusEnumType": "notify_ev_charging_needs",
    "NotifyEVChargingScheduleRequest": "notify_ev_charging_schedule",
    "NotifyEVChargingScheduleResponse": "notify_ev_charging_schedule",
    "NotifyEventRequest": "notify_event",
    "NotifyEventResponse": "notify_event",
    "NotifyMonitoringReportRequest": "notify_monitoring_report",
    "NotifyMonitoringReportResponse": "notify_monitoring_report",
    "NotifyReportRequest": "notify_report",
    "NotifyReportResponse": "notify_report",
    "OCPPInterfaceEnumType": "set_network_profile",
    "OCPPTransportEnumType": "set_network_profile",
    "OCPPVersionEnumType": "set_network_profile",
    "OCSPRequestDataType": "shared.ocsp_request_data",
    "OcppEnum": "_base",
    "OcppType": "_base",
    "Omittable": "_base",
    "OperationalStatusEnumType": "change_availability",
    "PhaseEnumType": "shared.meter_value",
    "PublishFirmwareRequest": "publish_firmware",
    "PublishFirmwareResponse": "publish_firmware",
    "PublishFirmwareStatusEnumType": "publish_firmware_status_notification",
    "PublishFirmwareStatusNotificationRequest": "publish_firmware_status_notification",
    "PublishFirmwareStatusNotificationResponse": "publish_firmware_status_notification",
    "ReadingContextEnumType": "shared.meter_value",
    "ReasonEnumType": "transaction_event",
    "RecurrencyKindEnumType": "shared.charging_profile",
    "RegistrationStatusEnumType": "boot_notification",
    "RelativeTimeIntervalType": "shared.charging_schedule",
    "ReportBaseEnumType": "get_base_report",
    "ReportChargingProfilesRequest": "report_charging_profiles",
    "ReportChargingProfilesResponse": "report_charging_profiles",
    "ReportDataType": "notify_report",
    "RequestStartStopStatusEnumType": "shared.request_start_stop_status",
    "RequestStartTransactionRequest": "request_start_transaction",
    "RequestStartTransactionResponse": "request_start_transaction",
    "RequestStopTransactionRequest": "request_stop_transaction",
    "RequestStopTransactionResponse": "request_stop_transaction",
    "ReservationStatusUpdateRequest": "reservation_status_update",
    "ReservationStatusUpdateResponse": "reservation_status_update",
    "ReservationUpdateStatusEnumType": "reservation_status_update",
    "ReserveNowRequest": "reserve_now",
    "ReserveNowResponse": "reserve_now",
    "ReserveNowStatusEnumType": "reserve_now",
    "ResetEnumType": "reset",
    "ResetRequest": "reset",
    "ResetResponse": "reset",
    "ResetStatusEnumType": "reset",
    "SalesTariffEntryType": "shared.charging_schedule",
    "SalesTariffType": "shared.charging_schedule",
    "SampledValueType": "shared.meter_value",
    "SecurityEventNotificationRequest": "security_event_notification",
    "SecurityEventNotificationResponse": "security_event_notification",
    "SendLocalListRequest": "send_local_list",
    "SendLocalListResponse": "send_local_list",
    "SendLocalListStatusEnumType": "send_local_list",
    "SetChargingProfileRequest": "set_charging_profile",
    "SetChargingProfileResponse": "set_charging_profile",
    "SetDisplayMessageRequest": "set_display_message",
    "SetDisplayMessageResponse": "set_display_message",
    "SetMonitoringBaseRequest": "set_monitoring_base",
    "SetMonitoringBaseResponse": "set_monitoring_base",
    "SetMonitoringDataType": "set_variable_monitoring",
    "SetMonitoringLevelRequest": "set_monitoring_level",
    "SetMonitoringLevelResponse": "set_monitoring_level",
    "SetMonitoringResultType": "set_variable_monitoring",
    "SetMonitoringStatusEnumType": "set_variable_monitoring",
    "SetNetworkProfileRequest": "set_network_profile",
    "SetNetworkProfileResponse": "set_network_profile",
    "SetNetworkProfileStatusEnumType": "set_network_profile",
    "SetVariableDataType": "set_variables",
    "SetVariableMonitoringRequest": "set_variable_monitoring",
    "SetVariableMonitoringResponse": "set_variable_monitoring",
    "SetVariableResultType": "set_variables",
    "SetVariableStatusEnumType": "set_variables",
    "SetVariablesRequest": "set_variables",
    "SetVariablesResponse": "set_variables",
    "SignCertificateRequest": "sign_certificate",
    "SignCertificateResponse": "sign_certificate",
    "SignedMeterValueType": "shared.meter_value",
    "StatusInfoType": "shared.status_info",
    "StatusNotificationRequest": "status_notification",
    "StatusNotificationResponse": "status_notification",
    "TransactionEventEnumType": "transaction_event",
    "TransactionEventRequest": "transaction_event",
    "TransactionEventResponse": "transaction_event",
    "TransactionType": "transaction_event",
    "TriggerMessageRequest": "trigger_message",
    "TriggerMessageResponse": "trigger_message",
    "TriggerMessageStatusEnumType": "trigger_message",
    "TriggerReasonEnumType": "transaction_event",
    "UnitOfMeasureType": "shared.meter_value",
    "UnlockConnectorRequest": "unlock_connector",
    "UnlockConnectorResponse": "unlock_connector",
    "UnlockStatusEnumType": "unlock_connector",
    "UnpublishFirmwareRequest": "unpublish_firmware",
    "UnpublishFirmwareResponse": "unpublish_firmware",
    "UnpublishFirmwareStatusEnumType": "unpublish_firmware",
    "UpdateEnumType": "send_local_list",
    "UpdateFirmwareRequest": "update_firmware",
    "UpdateFirmwareResponse": "update_firmware",
    "UpdateFirmwareStatusEnumType": "update_firmware",
    "UploadLogStatusEnumType": "log_status_notification",
    "VPNEnumType": "set_network_profile",
    "VPNType": "set_network_profile",
    "VariableAttributeType": "notify_report",
    "VariableCharacteristicsType": "notify_report",
    "VariableMonitoringType": "notify_monitoring_report",
    "VariableType": "shared.variable",
}



def _load(name: str) -> Any:
    """Import the module that defines `name`, keep the name here for next time, return it."""
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:
    # PEP 562: `from station.ocpp.messages import X` and `messages.X` build X's module on first
    # use. Hidden from type checkers so that a misspelt name is an error, not `Any`.
    __getattr__ = _load


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return sorted({*globals(), *_HOME})


class ActionModels(Mapping[str, "type[Message]"]):
    """Action name -> its request or response model, imported on the first lookup."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._models: dict[str, type[Message]] = {}

    def __getitem__(self, action: str) -> type[Message]:
        model = self._models.get(action)
        if model is None:
            if action not in ACTIONS:
                raise KeyError(action)
            model = self._models[action] = _load(f"{action}{self._kind}")
        return model

    def __contains__(self, action: object) -> bool:
        return action in ACTIONS

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(ACTIONS))

    def __len__(self) -> int:
        return len(ACTIONS)

    def __repr__(self) -> str:
        return f"<{self._kind} models of {len(ACTIONS)} actions, {len(self._models)} loaded>"


#: The CALL payload model of each action.
REQUESTS: Mapping[str, type[Message]] = ActionModels("Request")
#: The CALLRESULT payload model of each action.
RESPONSES: Mapping[str, type[Message]] = ActionModels("Response")
