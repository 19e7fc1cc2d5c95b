"""GetVariables, SetVariables and GetBaseReport (B05–B07) on top of the device model.

The translation between wire models and `DeviceModel` calls lives here; the rules about
values live in `station.devicemodel.model`. Limits the station advertises in
DeviceDataCtrlr (ItemsPerMessage*, BytesPerMessage*) are enforced with the CALLERRORs the
spec allows (B06.FR.16/17: OccurrenceConstraintViolation / FormatViolation).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import trio

from station.devicemodel.model import (
    Attribute,
    Component,
    DeviceModel,
    Mutability,
    SetItem,
    SetStatus,
    Variable,
    VariableKey,
    key,
)
from station.ocpp.client import (
    Admission,
    HandlerError,
    OcppClient,
    Offline,
    Reply,
    current_frame_size,
)
from station.ocpp.messages import (
    AttributeEnumType,
    ComponentType,
    EVSEType,
    GetVariableDataType,
    GetVariableResultType,
    GetVariablesRequest,
    GetVariablesResponse,
    SetVariableResultType,
    SetVariablesRequest,
    SetVariablesResponse,
    SetVariableStatusEnumType,
    StatusInfoType,
    VariableType,
)
from station.ocpp.rpc import ErrorCode

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import GetBaseReportRequest, ReportBaseEnumType, ReportDataType

log = logging.getLogger(__name__)

DATA = "DeviceDataCtrlr"
ITEMS_GET = key(DATA, "ItemsPerMessage", "GetVariables")
ITEMS_SET = key(DATA, "ItemsPerMessage", "SetVariables")
ITEMS_REPORT = key(DATA, "ItemsPerMessage", "GetReport")
BYTES_GET = key(DATA, "BytesPerMessage", "GetVariables")
BYTES_SET = key(DATA, "BytesPerMessage", "SetVariables")

#: Longest attributeValue the messages carry (the schemas' maxLength; ReportingValueSize).
VALUE_MAX = 2500

#: Most results `DeviceModelService` keeps for reading again (`_read`): more than a
#: station's readable variables (about 150 with two EVSEs), for a CSMS that polls them
#: all; each spelling of a name (matched case-insensitively) is its own, and an entry
#: holds about 1.5 KiB (the reference as sent, the result, its JSON): 384 KiB at most.
READ_CACHE_LIMIT = 256

#: Variables of a SummaryInventory (B07.FR.09): availability and condition.
SUMMARY_VARIABLES = frozenset({"AvailabilityState", "Available", "Problem", "Tripped", "Fallback"})


def _component(wire: ComponentType) -> Component:
    evse = wire.evse
    return Component(
        wire.name,
        wire.instance or None,
        evse.id if evse is not None else None,
        evse.connector_id if evse is not None else None,
    )


def _wire_component(component: Component) -> ComponentType:
    evse = None
    if component.evse is not None:
        evse = EVSEType(id=component.evse, connector_id=component.connector)
    return ComponentType(name=component.name, instance=component.instance, evse=evse)


def _status_info(reason: str | None, code: str = "InvalidValue") -> StatusInfoType | None:
    if not reason:
        return None
    return StatusInfoType(reason_code=code, additional_info=reason[:512])


class DeviceModelService:
    """Routes B05–B07 requests to the device model."""

    def __init__(
        self, client: OcppClient, device_model: DeviceModel, now: Callable[[], datetime]
    ) -> None:
        self._client = client
        self._dm = device_model
        self._now = now
        #: B07.FR.13: a report is being sent (a token of its follow-up until its last part
        #: goes out), or was accepted on this connection (by its number) and is about to
        #: start. Both are set by the handler that accepts it.
        self._reporting: object | None = None
        self._report_accepted_on: int | None = None
        # The ReportDataType last built for each variable, with what it was built from:
        # most values do not change between two reports, and a report is then a few
        # comparisons per variable instead of five pydantic models.
        self._reported: dict[VariableKey, tuple[tuple, ReportDataType]] = {}
        # The same for GetVariables: per reference as the CSMS wrote it, the variable it
        # names, the value last sent for it, and that result and its JSON. A CSMS polls
        # the same variables again and again: an unchanged value is then one comparison
        # instead of a lookup, a validated model and its serialisation (`_read`).
        self._reads: dict[tuple, tuple[Variable, Attribute, str, GetVariableResultType, str]] = {}
        client.route("GetVariables", self.get_variables)
        client.route("SetVariables", self.set_variables)
        client.route("GetBaseReport", self.get_base_report)

    def _check_size(self, items: int, items_key, bytes_key, action: str) -> None:
        limit = self._dm.get_int(items_key) or 0
        if limit and items > limit:
            raise HandlerError(
                ErrorCode.OccurrenceConstraintViolation,
                f"{action} has {items} items; ItemsPerMessage{action} is {limit}",
            )
        byte_limit = self._dm.get_int(bytes_key) or 0
        size = current_frame_size.get()
        if byte_limit and size > byte_limit:
            raise HandlerError(
                ErrorCode.FormatViolation,
                f"{action} is {size} bytes; BytesPerMessage{action} is {byte_limit}",
            )

    async def get_variables(self, request: GetVariablesRequest) -> Reply:
        """B06: one result per requested item, in order."""
        self._check_size(len(request.get_variable_data), ITEMS_GET, BYTES_GET, "GetVariables")
        results: list[GetVariableResultType] = []
        texts: list[str] = []
        for index, item in enumerate(request.get_variable_data):
            if index % 25 == 24:
                await trio.lowlevel.checkpoint()  # see send_report
            result, text = self._read(item)
            results.append(result)
            texts.append(text)
        # The results are validated models already: the response's validator takes them
        # as they are. Its JSON is theirs, each serialised once.
        response = GetVariablesResponse.model_validate({"get_variable_result": results})
        return Reply(response, text=f'{{"getVariableResult":[{",".join(texts)}]}}')

    def _read(self, item: GetVariableDataType) -> tuple[GetVariableResultType, str]:
        """The result of one requested item (B06), and its JSON."""
        component, variable = item.component, item.variable
        evse = component.evse
        ref = None
        # A reference with customData is answered afresh: the result repeats it.
        if (
            component.custom_data is None
            and variable.custom_data is None
            and (evse is None or evse.custom_data is None)
        ):
            ref = (
                component.name,
                component.instance,
                None if evse is None else evse.id,
                None if evse is None else evse.connector_id,
                variable.name,
                variable.instance,
                item.attribute_type,
            )
            cached = self._reads.get(ref)
            if cached is not None:
                found, attribute, value, result, text = cached
                now = self._dm.text(found, attribute)[:VALUE_MAX]
                if now == value:
                    return result, text
                # Read once: a live value may differ at the next reading.
                result = result.model_copy(update={"attribute_value": now})
                text = result.to_json()
                self._reads[ref] = (found, attribute, now, result, text)
                return result, text
        # B05.FR.12/B06.FR.11: an omitted attributeType is answered as Actual.
        attribute = (
            Attribute(item.attribute_type.value) if item.attribute_type else Attribute.Actual
        )
        outcome = self._dm.read(
            _component(component), variable.name, variable.instance or None, attribute
        )
        fields: dict[str, object] = {
            "attribute_status": outcome.status.value,
            "attribute_type": attribute.value,
            "component": component,
            "variable": variable,
        }
        shown = None if outcome.value is None else outcome.value[:VALUE_MAX]
        if shown is not None:
            fields["attribute_value"] = shown
        if outcome.reason:
            fields["attribute_status_info"] = _status_info(outcome.reason, "NotReadable")
        result = GetVariableResultType.model_validate(fields)
        text = result.to_json()
        if ref is not None and outcome.variable is not None and shown is not None:
            if len(self._reads) >= READ_CACHE_LIMIT:
                self._reads.clear()
            self._reads[ref] = (outcome.variable, attribute, shown, result, text)
        return result, text

    async def set_variables(self, request: SetVariablesRequest) -> SetVariablesResponse:
        """B05: validate every item, persist the accepted ones, then answer."""
        self._check_size(len(request.set_variable_data), ITEMS_SET, BYTES_SET, "SetVariables")
        items = [
            SetItem(
                component=_component(data.component),
                variable=data.variable.name,
                variable_instance=data.variable.instance or None,
                value=data.attribute_value,
                attribute=Attribute(data.attribute_type.value)
                if data.attribute_type
                else Attribute.Actual,
            )
            for data in request.set_variable_data
        ]
        outcomes = await self._dm.set_variables(items)
        results = []
        for data, item, outcome in zip(request.set_variable_data, items, outcomes, strict=True):
            code = "InvalidValue" if outcome.status is SetStatus.Rejected else "NotFound"
            results.append(
                SetVariableResultType(
                    attribute_type=AttributeEnumType(item.attribute.value),
                    attribute_status=SetVariableStatusEnumType(outcome.status.value),
                    attribute_status_info=_status_info(outcome.reason, code),
                    component=data.component,
                    variable=data.variable,
                )
            )
        return SetVariablesResponse(set_variable_result=results)

    async def get_base_report(self, request: GetBaseReportRequest) -> Reply:
        """B07: answer first, then send the report in NotifyReport parts."""
        from station.ocpp.messages import GenericDeviceModelStatusEnumType, GetBaseReportResponse

        if self._reporting or self._report_accepted_on == self._client.connection_number:
            # B07.FR.13: one report at a time; the CSMS asks again when this one is done.
            # Decided here, when the request is answered: a second request handled before
            # the first report's follow-up started is Rejected too.
            return Reply(
                GetBaseReportResponse(
                    status=GenericDeviceModelStatusEnumType.Rejected,
                    status_info=StatusInfoType(
                        reason_code="Busy", additional_info="a report is still being sent"
                    ),
                )
            )
        variables = self._select(request.report_base)
        response = GetBaseReportResponse(status=GenericDeviceModelStatusEnumType.Accepted)
        # If the connection drops before the follow-up starts, the claim lapses with it.
        self._report_accepted_on = self._client.connection_number

        async def send_report() -> None:
            token = object()
            self._reporting = token
            self._report_accepted_on = None

            def last_part() -> None:
                # The report is done once its last part goes out: a CSMS that has it may
                # ask for the next one at once, even before the station has read the
                # answer to that part (the next report's parts queue behind it anyway).
                if self._reporting is token:
                    self._reporting = None

            try:
                await self.send_report(request.request_id, variables, last_part=last_part)
            finally:
                last_part()

        return Reply(response, send_report)

    def _select(self, base: ReportBaseEnumType) -> list[Variable]:
        from station.ocpp.messages import ReportBaseEnumType

        variables = self._dm.variables()
        if base is ReportBaseEnumType.ConfigurationInventory:
            return [v for v in variables if v.mutability is not Mutability.ReadOnly]
        if base is ReportBaseEnumType.SummaryInventory:
            return [v for v in variables if v.key.name in SUMMARY_VARIABLES]
        return variables

    async def send_report(
        self,
        request_id: int,
        variables: list[Variable],
        *,
        last_part: Callable[[], None] | None = None,
    ) -> None:
        """Send ``variables`` as NotifyReport parts of ItemsPerMessage[GetReport] items;
        ``last_part`` is called just before the last part is sent."""
        from station.ocpp.messages import NotifyReportRequest

        per_message = max(1, self._dm.get_int(ITEMS_REPORT) or 100)
        generated_at = self._now()
        chunks = [
            variables[i : i + per_message] for i in range(0, len(variables), per_message)
        ] or [[]]
        for seq_no, chunk in enumerate(chunks):
            data = []
            for index, variable in enumerate(chunk):
                data.append(self.report_data(variable))
                if index % 10 == 9:
                    # A large report never holds the event loop (and the control loops
                    # that share it) for more than a fraction of a millisecond.
                    await trio.lowlevel.checkpoint()
            request = NotifyReportRequest(
                request_id=request_id,
                generated_at=generated_at,
                report_data=data or None,
                tbc=seq_no < len(chunks) - 1,
                seq_no=seq_no,
            )
            if last_part is not None and seq_no == len(chunks) - 1:
                last_part()
            try:
                # bulk: every other CALL waiting (transaction events first) goes before
                # the next part.
                await self._client.call(
                    request, admission=Admission.REQUESTED, wait=False, bulk=True
                )
            except Offline:
                log.warning("event=report_aborted request_id=%s part=%d", request_id, seq_no)
                return

    def report_data(self, variable: Variable) -> ReportDataType:
        """One variable as ReportDataType: every supported attribute, characteristics."""
        write_only = variable.mutability is Mutability.WriteOnly
        texts = tuple(
            None if write_only else self._dm.text(variable, attribute)[:VALUE_MAX]
            for attribute in variable.attributes
        )
        # Everything the item is made of: the values read now and the declaration (a
        # Variable is mutable, so its fields are compared, not its identity).
        source = (
            texts,
            variable.attributes,
            variable.mutability,
            variable.is_persistent,
            variable.constant,
            variable.unit,
            variable.data_type,
            variable.min_limit,
            variable.max_limit,
            variable.values_list,
            variable.supports_monitoring,
        )
        cached = self._reported.get(variable.key)
        if cached is not None and cached[0] == source:
            return cached[1]
        data = self._build_report_data(variable, texts)
        self._reported[variable.key] = (source, data)
        return data

    def _build_report_data(
        self, variable: Variable, texts: tuple[str | None, ...]
    ) -> ReportDataType:
        from station.ocpp.messages import (
            DataEnumType,
            MutabilityEnumType,
            ReportDataType,
            VariableAttributeType,
            VariableCharacteristicsType,
        )

        attributes = [
            VariableAttributeType(
                type=AttributeEnumType(attribute.value),
                value=text,
                mutability=MutabilityEnumType(variable.mutability.value),
                persistent=variable.is_persistent,
                constant=variable.constant,
            )
            for attribute, text in zip(variable.attributes, texts, strict=True)
        ]
        characteristics = VariableCharacteristicsType(
            unit=variable.unit,
            data_type=DataEnumType(variable.data_type.value),
            min_limit=variable.min_limit,
            max_limit=variable.max_limit,
            values_list=",".join(variable.values_list)[:1000] if variable.values_list else None,
            supports_monitoring=variable.supports_monitoring,
        )
        return ReportDataType(
            component=_wire_component(variable.key.component),
            variable=VariableType(name=variable.key.name, instance=variable.key.instance),
            variable_attribute=attributes,
            variable_characteristics=characteristics,
        )
