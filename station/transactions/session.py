"""The transaction state machine of one EVSE (block E), as a pure core.

Inputs are what happens at the EVSE (cable plugged or unplugged, the EV requesting or
drawing power) and to its authorization (granted locally or remotely, ended by the driver,
the CSMS or a timeout). Outputs are the TransactionEventRequests to queue, and whether the
EVSE may offer energy. No I/O, no clocks: the caller passes a `Moment` with the time, the
latest meter reading and the configuration in force.

Rules (Part 2 E.1 and the OCTT general rules):

* A transaction starts at the first TxStartPoint condition that holds (EVConnected,
  Authorized, PowerPathClosed = both, EnergyTransfer) with a ``Started`` event, seqNo 0,
  carrying the TxStartedMeasurands (context Transaction.Begin).
* It ends when a TxStopPoint condition that held stops holding (EVConnected, Authorized,
  PowerPathClosed), with ``Ended`` and a stoppedReason that is always present: the reason
  the authorization ended if it ended first (Local, Remote, DeAuthorized, Timeout), else
  EVDisconnected.
* In between, ``Updated`` events report each change with the most specific trigger
  reason; ``evse`` goes in the first event after the EV connected, ``idToken`` once after
  authorization and once when it ends, ``remoteStartId`` with trigger RemoteStart in the
  first event after a remote start, ``chargingState`` whenever it changed.
* The EV-side disconnect ends the authorization (StopTxOnEVSideDisconnect = true, C-06.2).

A session can exist before its EVSE is known (authorization first on a station with two
EVSEs and one card reader): ``evse_id`` is None until the EV is plugged in (J_08).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from station.clock import mark_unsynchronised
from station.ocpp.messages import (
    ChargingStateEnumType,
    CustomDataType,
    EVSEType,
    IdTokenEnumType,
    IdTokenType,
    MeterValueType,
    ReadingContextEnumType,
    ReasonEnumType,
    TransactionEventEnumType,
    TransactionEventRequest,
    TransactionType,
    TriggerReasonEnumType,
)
from station.transactions.meter_values import Reading, meter_value

#: Samples an Ended event carries at most besides its Transaction.End value (J02.FR.20):
#: with every supported measurand in both TxEnded lists a sample is under 1.2 kB of JSON,
#: so an Ended event stays below 64 KiB however long the transaction (see the README).
MAX_ENDED_SAMPLES = 48

State = ChargingStateEnumType
Trigger = TriggerReasonEnumType
Reason = ReasonEnumType


@dataclass(frozen=True, slots=True)
class Policy:
    """The configuration a decision depends on (TxCtrlr, SampledDataCtrlr...)."""

    start_points: frozenset[str] = frozenset({"PowerPathClosed"})
    stop_points: frozenset[str] = frozenset({"EVConnected", "Authorized"})
    started_measurands: tuple[str, ...] = ("Energy.Active.Import.Register",)
    ended_measurands: tuple[str, ...] = ("Energy.Active.Import.Register",)
    #: SampledDataCtrlr.TxEndedInterval in force (0: only the start and end values).
    ended_interval: float = 0.0


@dataclass(frozen=True, slots=True)
class Moment:
    """When an input happens and what the station knows then."""

    now: datetime  # wall clock, for the event timestamp
    mono: float  # trio time, for charging-time accounting
    offline: bool  # no connection to the CSMS right now
    reading: Reading | None = None
    policy: Policy = field(default_factory=Policy)
    #: The clock's epoch while it is not synchronised yet (None once it is): what is
    #: stamped now is marked with it, to be corrected before it is sent (see clock.py).
    unsynchronised: str | None = None
    #: (epoch, seconds): the correction of the stamps of that unsynchronised epoch, once
    #: the clock was set (see clock.py).
    known_correction: tuple[str, float] | None = None


@dataclass(frozen=True, slots=True)
class Token:
    """An identifier that authorized (or tries to end) a session."""

    id_token: str
    type: str
    group_id: str | None = None

    def wire(self) -> IdTokenType:
        """As IdTokenType."""
        # The token type was an IdTokenEnumType value when the token was made (a card is
        # ISO14443, a remote start takes the CSMS's type); the model validates it again.
        return IdTokenType(id_token=self.id_token, type=IdTokenEnumType(self.type))

    def same_as(self, other: Token) -> bool:
        """idToken is case-insensitive (Part 2 IdTokenType)."""
        return self.id_token.lower() == other.id_token.lower() and self.type == other.type


@dataclass(slots=True)
class Authorization:
    """A granted authorization and where it came from."""

    token: Token
    remote_start_id: int | None = None
    #: Set when the CSMS invalidated the idToken and StopTxOnInvalidId is false (E05.FR.02/03):
    #: energy is offered only while the import register is below this many Wh.
    energy_limit_wh: float | None = None
    #: The reservation this idToken used (H03.FR.09); its transaction reports it (H01.FR.15).
    reservation_id: int | None = None


@dataclass(slots=True)
class Transaction:
    """The transaction in progress and what has been reported of it."""

    transaction_id: str
    next_seq_no: int = 0
    charging_state: str = State.Idle.value
    evse_reported: bool = False
    token_reported: bool = False
    remote_start_reported: bool = True
    stop_reason: str | None = None
    held: set[str] = field(default_factory=set)  # stop conditions that have held
    #: Time energy flowed, up to the latest input (persisted: a duration, never an instant).
    charging_seconds: float = 0.0
    #: trio time of the latest input while charging. Not persisted: each process's trio
    #: clock has its own offset, so an instant from before a restart means nothing after it.
    charging_since: float | None = None
    #: Samples for the Ended event as (number, MeterValueType wire form), oldest first,
    #: thinned to at most `MAX_ENDED_SAMPLES` (J02.FR.20). Not part of `to_json`: the
    #: service stores them append-only, by number, beside the session.
    ended_values: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    next_sample_no: int = 0
    start_energy_wh: float | None = None  # import register when the transaction started
    #: Whether the Transaction.Begin values went out; a transaction that started before
    #: its EVSE was known sends them with the first event that names the EVSE (E01.FR.17).
    begin_reported: bool = True
    #: The timestamp of this transaction's latest event (ISO 8601), and the clock's
    #: unsynchronised epoch it was taken in (None: synchronised): a clock stepped back
    #: (NTP, the CSMS's time) never makes a later event look earlier.
    last_timestamp: str | None = None
    last_epoch: str | None = None
    #: The Transaction.End values (MeterValueType wire form) of the latest reading an
    #: input of this transaction saw: what the Ended carries when no reading can be taken
    #: at its moment (E06.FR.11), e.g. a meter that fails when the station comes back
    #: from a power cut. Persisted with the transaction; stamped when it was read.
    last_end_value: dict[str, Any] | None = None


#: The fields of a transaction stored as they are (`SessionState.to_json`).
_TRANSACTION_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Transaction)
    if f.name not in ("held", "charging_since", "ended_values")
)


@dataclass(slots=True)
class SessionState:
    """Everything about one EVSE's session that must survive a restart."""

    evse_id: int | None = None
    ev_connected: bool = False
    requesting: bool = False
    delivering: bool = False
    #: The EVSE offers current (PWM on): an EV that then draws nothing is SuspendedEV.
    offering: bool = False
    authorization: Authorization | None = None
    transaction: Transaction | None = None
    #: The start/stop conditions that held after the latest input: a transaction starts
    #: only on the input that makes a start point true, not on any input while it holds.
    conditions: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for the store, to be serialised at once (it shares the
        transaction's `last_end_value`). The transaction's samples are stored apart,
        append-only, and its charging clock restarts with the process: neither is here.
        The transaction is built field by field: `dataclasses.asdict` would deep-copy
        every sample first."""
        auth = self.authorization
        tx = self.transaction
        return {
            "evse_id": self.evse_id,
            "ev_connected": self.ev_connected,
            "requesting": self.requesting,
            "delivering": self.delivering,
            "offering": self.offering,
            "authorization": None if auth is None else dataclasses.asdict(auth),
            "transaction": None
            if tx is None
            else {name: getattr(tx, name) for name in _TRANSACTION_FIELDS}
            | {"held": sorted(tx.held), "charging_since": None, "ended_values": []},
            "conditions": sorted(self.conditions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionState:
        """Inverse of `to_json`."""
        auth = data.get("authorization")
        tx = data.get("transaction")
        return cls(
            evse_id=data.get("evse_id"),
            ev_connected=data.get("ev_connected", False),
            requesting=data.get("requesting", False),
            delivering=data.get("delivering", False),
            offering=data.get("offering", False),
            authorization=None
            if auth is None
            else Authorization(
                Token(**auth["token"]),
                auth.get("remote_start_id"),
                auth.get("energy_limit_wh"),
                auth.get("reservation_id"),
            ),
            conditions=set(data.get("conditions", ())),
            transaction=None
            if tx is None
            else Transaction(
                **(
                    tx
                    | {
                        "held": set(tx["held"]),
                        "charging_since": None,
                        # A session stored before the samples were kept apart has them inline.
                        "ended_values": list(enumerate(tx.get("ended_values", ()))),
                        "next_sample_no": tx.get("next_sample_no", len(tx.get("ended_values", ()))),
                    }
                )
            ),
        )


def thin_samples(samples: list[Any], limit: int = MAX_ENDED_SAMPLES) -> list[Any]:
    """J02.FR.20: once ``limit`` samples are kept, drop the intermediate ones (2nd, 4th,
    6th...), never the first (Transaction.Begin, the start of billing) nor the last."""
    if len(samples) < limit:
        return samples
    kept = samples[0:-1:2]
    kept.append(samples[-1])
    return kept


def _end_value(reading: Reading, moment: Moment) -> MeterValueType | None:
    """``reading`` as the Transaction.End meter value of an Ended event at ``moment``."""
    return _stamped(
        meter_value(
            reading, moment.policy.ended_measurands, ReadingContextEnumType.Transaction_End
        ),
        moment,
    )


def _stamped(value: MeterValueType | None, moment: Moment) -> MeterValueType | None:
    """``value`` marked when its timestamp comes from an unsynchronised clock."""
    mark = mark_unsynchronised(moment.unsynchronised)
    if value is None or mark is None:
        return value
    return value.model_copy(update={"custom_data": CustomDataType.model_validate(mark)})


def _keep_for_end(tx: Transaction, value: MeterValueType) -> None:
    tx.ended_values.append((tx.next_sample_no, value.to_payload()))
    tx.next_sample_no += 1
    tx.ended_values = thin_samples(tx.ended_values)


def new_transaction_id(random_bits: Callable[[int], int]) -> str:
    """A UUID: unique for the station's lifetime, never reused (E01.FR.08)."""
    return str(uuid.UUID(int=random_bits(128), version=4))


class EvseSession:
    """Decides the transaction events of one EVSE (or of a not-yet-placed authorization)."""

    def __init__(
        self, state: SessionState, new_id: Callable[[], str], connector_id: int = 1
    ) -> None:
        self.state = state
        self._new_id = new_id
        self._connector_id = connector_id
        #: The latest import register reading (Wh), kept by the caller.
        self.energy_wh: float | None = None
        #: The reading `Transaction.last_end_value` was made from (made once per reading).
        self._end_value_of: Reading | None = None

    # -- queries -------------------------------------------------------------------------

    @property
    def transaction(self) -> Transaction | None:
        """The transaction in progress, if any."""
        return self.state.transaction

    @property
    def authorized(self) -> bool:
        """Whether a valid authorization is in force."""
        return self.state.authorization is not None

    @property
    def energy_limited(self) -> bool:
        """Whether an energy limit is in force (MaxEnergyOnInvalidId): every reading
        counts then."""
        auth = self.state.authorization
        return auth is not None and auth.energy_limit_wh is not None

    @property
    def may_offer_energy(self) -> bool:
        """What the control loop gets as "charging allowed"."""
        auth = self.state.authorization
        if auth is None or not self.state.ev_connected:
            return False
        limit = auth.energy_limit_wh
        # With a limit and no reading to compare with, offer nothing (fail safe).
        return limit is None or (self.energy_wh is not None and self.energy_wh < limit)

    def charging_state(self) -> State:
        """ChargingStateEnumType of the present situation."""
        s = self.state
        if not s.ev_connected:
            return State.Idle
        if s.authorization is None:
            return State.EVConnected
        if s.delivering:
            # C15.FR.06/E05.FR.03: once the EVSE withdraws its offer (an invalidated idToken
            # past MaxEnergyOnInvalidId) it has suspended the delivery, although the
            # contactor stays closed until the EV leaves state C (up to the IEC 61851-1
            # time): the CSMS learns it at once, not seconds later.
            return State.Charging if self.may_offer_energy else State.SuspendedEVSE
        if s.requesting:
            return State.SuspendedEVSE
        if s.offering:
            return State.SuspendedEV  # current offered, the EV takes none
        # EV in B without PWM: about to be offered (EVConnected), or held back by the
        # EVSE (an energy limit, an inoperative EVSE: SuspendedEVSE). Not SuspendedEV:
        # the EV was never offered anything.
        return State.EVConnected if self.may_offer_energy else State.SuspendedEVSE

    def _conditions(self) -> dict[str, bool]:
        s = self.state
        return {
            "EVConnected": s.ev_connected,
            "Authorized": s.authorization is not None,
            "PowerPathClosed": s.ev_connected and s.authorization is not None,
            "EnergyTransfer": s.delivering,
        }

    # -- inputs --------------------------------------------------------------------------

    def plug(self, moment: Moment) -> list[TransactionEventRequest]:
        """Both cable ends connected."""
        self._account(moment)
        if self.state.ev_connected:
            return []
        self.state.ev_connected = True
        if self.state.transaction is not None:
            # E01.FR.16: the next event after the EV is connected names the EVSE and
            # connector, even if an earlier event of the transaction already did.
            self.state.transaction.evse_reported = False
        return self._after_change(moment, Trigger.CablePluggedIn)

    def unplug(self, moment: Moment) -> list[TransactionEventRequest]:
        """The cable was unplugged (EV side for a fixed cable): also ends authorization."""
        self._account(moment)
        if not self.state.ev_connected:
            return []
        s = self.state
        s.ev_connected = s.requesting = s.delivering = s.offering = False
        if s.authorization is not None:
            s.authorization = None
            if s.transaction is not None and s.transaction.stop_reason is None:
                s.transaction.stop_reason = Reason.EVDisconnected.value
        return self._after_change(moment, Trigger.EVCommunicationLost)

    def authorize(
        self,
        moment: Moment,
        token: Token,
        *,
        remote_start_id: int | None = None,
        reservation_id: int | None = None,
    ) -> list[TransactionEventRequest]:
        """An authorization was granted (locally accepted, or RequestStartTransaction)."""
        self._account(moment)
        s = self.state
        s.authorization = Authorization(token, remote_start_id, reservation_id=reservation_id)
        if s.transaction is not None:
            s.transaction.token_reported = False
            s.transaction.stop_reason = None
            s.transaction.remote_start_reported = remote_start_id is None
        trigger = Trigger.RemoteStart if remote_start_id is not None else Trigger.Authorized
        return self._after_change(moment, trigger)

    def end_authorization(
        self, moment: Moment, trigger: Trigger, reason: Reason, token: Token | None = None
    ) -> list[TransactionEventRequest]:
        """The authorization ended: presented again, RequestStopTransaction, deauthorized by
        the CSMS, or EVConnectionTimeOut."""
        self._account(moment)
        s = self.state
        if s.authorization is None:
            return []
        # TC_E_05 (E03.FR.05 is a SHOULD): a local authorization that timed out waiting
        # for the EV ends the transaction only where Authorized is a stop point; otherwise
        # the event is an Updated and the transaction stays for the next authorization.
        # A remote start that timed out always ends it (F02.FR.07, TC_F_04).
        keep_open = (
            trigger is Trigger.EVConnectTimeout
            and s.authorization.remote_start_id is None
            and "Authorized" not in moment.policy.stop_points
        )
        s.authorization = None
        if s.transaction is not None:
            if s.transaction.stop_reason is None and not keep_open:
                s.transaction.stop_reason = reason.value
            s.transaction.token_reported = token is None  # E07.FR.02: idToken once at the end
        return self._after_change(moment, trigger, token=token, keep_open=keep_open)

    def limit_energy(self, moment: Moment, max_energy_wh: float) -> list[TransactionEventRequest]:
        """E05.FR.02/03: the CSMS said the idToken is not valid but StopTxOnInvalidId is
        false: the transaction stays authorized and energy flows until the transaction has
        delivered ``max_energy_wh`` (MaxEnergyOnInvalidId; 0 stops it at once). Reaching
        the limit is reported as ChargingStateChanged / SuspendedEVSE (C15.FR.06)."""
        auth = self.state.authorization
        tx = self.state.transaction
        if auth is None or tx is None or auth.energy_limit_wh is not None:
            return []
        start = tx.start_energy_wh
        if start is None:
            start = moment.reading.sample.energy_import_wh if moment.reading is not None else 0.0
        auth.energy_limit_wh = start + max_energy_wh
        # C15.FR.06: a limit already reached stops the delivery now, and says so now.
        return self._after_change(moment, Trigger.ChargingStateChanged)

    def ev_status(
        self, moment: Moment, *, requesting: bool, delivering: bool, offering: bool = True
    ) -> list[TransactionEventRequest]:
        """What the control loop sees: EV asking for power (C/D), power flowing (relay),
        current offered (PWM on)."""
        self._account(moment)
        s = self.state
        now = (requesting, delivering, offering)
        if not s.ev_connected or (s.requesting, s.delivering, s.offering) == now:
            return []
        s.requesting, s.delivering, s.offering = now
        return self._after_change(moment, Trigger.ChargingStateChanged)

    def meter_update(
        self,
        moment: Moment,
        trigger: Trigger,
        measurands: tuple[str, ...],
        context: ReadingContextEnumType,
    ) -> list[TransactionEventRequest]:
        """A periodic, clock-aligned or triggered Updated event with meter values."""
        self._account(moment)
        tx = self.state.transaction
        if tx is None:
            return []
        values = None
        if moment.reading is not None:
            value = _stamped(meter_value(moment.reading, measurands, context), moment)
            values = [value] if value is not None else None
        if values is None and trigger in (Trigger.MeterValuePeriodic, Trigger.MeterValueClock):
            return []
        return [self._event(moment, TransactionEventEnumType.Updated, trigger, meter_values=values)]

    def record_for_end(
        self, moment: Moment, measurands: tuple[str, ...], context: ReadingContextEnumType
    ) -> None:
        """Keep a sample for the Ended event (TxEndedInterval / AlignedDataTxEndedInterval)."""
        self._account(moment)
        tx = self.state.transaction
        if tx is None or moment.reading is None:
            return
        value = _stamped(meter_value(moment.reading, measurands, context), moment)
        if value is not None:
            _keep_for_end(tx, value)

    def abort(
        self, moment: Moment, trigger: Trigger, reason: Reason, token: Token | None = None
    ) -> list[TransactionEventRequest]:
        """End the transaction whatever the stop points say (reset, power loss, fault, a
        Master Pass); ``token``: the idToken that ended it, reported in the Ended event."""
        self._account(moment)
        s = self.state
        s.authorization = None
        if s.transaction is None:
            return []
        if s.transaction.stop_reason is None or reason in (
            Reason.ImmediateReset,
            Reason.PowerLoss,
            Reason.Reboot,
        ):
            s.transaction.stop_reason = reason.value
        return [self._end(moment, trigger, token=token)]

    # -- the rules -----------------------------------------------------------------------

    def _account(self, moment: Moment) -> None:
        """Fold the charging time up to this input into the persisted duration, and keep
        the latest reading's end values, so that what the store holds is right to the
        latest input even if the process dies (every input passes here)."""
        tx = self.state.transaction
        if tx is None:
            return
        if tx.charging_since is not None:
            tx.charging_seconds += max(0.0, moment.mono - tx.charging_since)
            tx.charging_since = moment.mono
        if moment.reading is not None and (
            tx.last_end_value is None or moment.reading is not self._end_value_of
        ):
            self._end_value_of = moment.reading
            end = _end_value(moment.reading, moment)
            tx.last_end_value = None if end is None else end.to_payload()

    def _after_change(
        self,
        moment: Moment,
        trigger: Trigger,
        token: Token | None = None,
        *,
        keep_open: bool = False,
    ) -> list[TransactionEventRequest]:
        s = self.state
        conditions = self._conditions()
        held_before = s.conditions
        s.conditions = {point for point, holds in conditions.items() if holds}
        tx = s.transaction
        if tx is None:
            # E.g. TxStartPoint EVConnected: after a local stop the EV is still connected,
            # but that is no new start (a second transaction without idToken was sent
            # when the contactor opened a few seconds later).
            starts = moment.policy.start_points
            if any(conditions.get(point, False) and point not in held_before for point in starts):
                return [self._start(moment, trigger)]
            # A start point that already held when it was configured (SetVariables during
            # the session) never became true; but a transaction is due when the power path
            # closes at the latest (E01.FR.05): no energy is delivered outside one.
            if (
                conditions["PowerPathClosed"]
                and "PowerPathClosed" not in held_before
                and any(conditions.get(point, False) for point in starts)
            ):
                return [self._start(moment, trigger)]
            return []
        # Track charging time for timeSpentCharging.
        stopped = [
            p for p in moment.policy.stop_points if p in tx.held and not conditions.get(p, True)
        ]
        tx.held |= {p for p in moment.policy.stop_points if conditions.get(p, False)}
        if stopped or (not s.ev_connected and s.authorization is None and not keep_open):
            # Nothing keeps a transaction going without EV and authorization: ending it
            # avoids transactions left open by start/stop point combinations (E.1.1 warning).
            return [self._end(moment, trigger, token=token)]
        state = self.charging_state()
        changed = state.value != tx.charging_state
        relevant = trigger is not Trigger.ChargingStateChanged or changed
        if not relevant:
            return []
        return [self._event(moment, TransactionEventEnumType.Updated, trigger, token=token)]

    def _start(self, moment: Moment, trigger: Trigger) -> TransactionEventRequest:
        s = self.state
        tx = Transaction(transaction_id=self._new_id())
        s.transaction = tx
        conditions = self._conditions()
        tx.held = {p for p in moment.policy.stop_points if conditions.get(p, False)}
        auth = s.authorization
        tx.remote_start_reported = auth is None or auth.remote_start_id is None
        if auth is not None and auth.remote_start_id is not None:
            trigger = Trigger.RemoteStart
        values = None
        if moment.reading is None:
            tx.begin_reported = False  # no EVSE (so no meter) yet
        else:
            tx.start_energy_wh = moment.reading.sample.energy_import_wh
            begin = _stamped(
                meter_value(
                    moment.reading,
                    moment.policy.started_measurands,
                    ReadingContextEnumType.Transaction_Begin,
                ),
                moment,
            )
            values = [begin] if begin is not None else None
            # With a TxEndedInterval the start value is the first sample of that series,
            # measured from the start of the transaction: Sample.Periodic, as the others
            # (TC_J_10: every element but the Transaction.End one is Sample.Periodic).
            # Without one only the start and end values go: Transaction.Begin.
            start_context = (
                ReadingContextEnumType.Sample_Periodic
                if moment.policy.ended_interval > 0
                else ReadingContextEnumType.Transaction_Begin
            )
            ended = _stamped(
                meter_value(moment.reading, moment.policy.ended_measurands, start_context),
                moment,
            )
            if ended is not None:
                _keep_for_end(tx, ended)
        return self._event(moment, TransactionEventEnumType.Started, trigger, meter_values=values)

    def _end(
        self, moment: Moment, trigger: Trigger, token: Token | None = None
    ) -> TransactionEventRequest:
        tx = self.state.transaction
        assert tx is not None
        values = [MeterValueType.model_validate(v, by_alias=True) for _, v in tx.ended_values]
        end: MeterValueType | None = None
        if moment.reading is not None:
            end = _end_value(moment.reading, moment)
        elif tx.last_end_value is not None:
            # E06.FR.11: no reading now (the meter fails; after a power cut nothing was read
            # yet): the latest one the transaction saw, with the time it was read.
            end = MeterValueType.model_validate(tx.last_end_value, by_alias=True)
        if end is not None:
            values.append(end)
        reason = tx.stop_reason or Reason.EVDisconnected.value
        event = self._event(
            moment,
            TransactionEventEnumType.Ended,
            trigger,
            meter_values=values or None,
            stopped_reason=Reason(reason),
            token=token,
        )
        self.state.transaction = None
        self.state.requesting = self.state.requesting and self.state.ev_connected
        return event

    def _event(
        self,
        moment: Moment,
        kind: TransactionEventEnumType,
        trigger: Trigger,
        *,
        meter_values: list[MeterValueType] | None = None,
        stopped_reason: Reason | None = None,
        token: Token | None = None,
    ) -> TransactionEventRequest:
        s = self.state
        tx = s.transaction
        assert tx is not None
        state = self.charging_state()
        if kind is TransactionEventEnumType.Ended and not s.ev_connected:
            state = State.Idle
        # timeSpentCharging accounting.
        self._account(moment)
        tx.charging_since = None
        if state is State.Charging:
            tx.charging_since = moment.mono
        # A triggered event reports the current state even when it did not change (TC_F_13:
        # "transactionInfo.chargingState must be Charging"; F06.FR.07).
        changed = (
            state.value != tx.charging_state
            or kind is TransactionEventEnumType.Started
            or trigger is Trigger.Trigger
        )
        tx.charging_state = state.value

        evse = None
        if s.evse_id is not None and trigger is Trigger.Trigger and tx.evse_reported:
            # TC_F_14: a TriggerMessage(TransactionEvent) for the whole station gets one
            # event per transaction, and each names its EVSE, so the CSMS can tell them
            # apart (E01.FR.16 otherwise names it once per connection of the EV).
            evse = EVSEType(id=s.evse_id, connector_id=self._connector_id)
        elif (
            s.evse_id is not None
            and (not tx.evse_reported)
            and (s.ev_connected or kind is not TransactionEventEnumType.Updated)
        ):
            evse = EVSEType(id=s.evse_id, connector_id=self._connector_id)
            tx.evse_reported = True
            if not tx.begin_reported and moment.reading is not None:
                # TC_J_08, E01.FR.17/E03.FR.11/E04.FR.11: the transaction started before its
                # EVSE was known; the first event naming the EVSE carries Transaction.Begin.
                tx.begin_reported = True
                if tx.start_energy_wh is None:
                    tx.start_energy_wh = moment.reading.sample.energy_import_wh
                begin = _stamped(
                    meter_value(
                        moment.reading,
                        moment.policy.started_measurands,
                        ReadingContextEnumType.Transaction_Begin,
                    ),
                    moment,
                )
                if begin is not None:
                    meter_values = [begin, *(meter_values or [])]
        id_token = None
        reservation_id = None
        if token is not None:
            id_token = token.wire()  # the token that ended the authorization (E07.FR.02)
        elif s.authorization is not None and not tx.token_reported:
            id_token = s.authorization.token.wire()
            tx.token_reported = True
            # H01.FR.15: the event that names the idToken tells the CSMS which
            # reservation it used up.
            reservation_id = s.authorization.reservation_id
        remote_start_id = None
        if s.authorization is not None and not tx.remote_start_reported:
            remote_start_id = s.authorization.remote_start_id
            tx.remote_start_reported = True
            trigger = Trigger.RemoteStart

        info = TransactionType(
            transaction_id=tx.transaction_id,
            charging_state=state if changed else None,
            time_spent_charging=int(tx.charging_seconds)
            if tx.charging_seconds or kind is TransactionEventEnumType.Ended
            else None,
            stopped_reason=stopped_reason,
            remote_start_id=remote_start_id,
        )
        seq_no = tx.next_seq_no
        tx.next_seq_no += 1
        mark = mark_unsynchronised(moment.unsynchronised)
        timestamp = moment.now
        if mark is None and tx.last_timestamp is not None:
            # A clock stepped back since the previous event: this one keeps the previous
            # time, so that a transaction's events never go back in time. A previous
            # stamp of an unsynchronised epoch counts as it will be sent (corrected by
            # the clock's first jump); one whose correction is unknown cannot be compared.
            previous: datetime | None = datetime.fromisoformat(tx.last_timestamp)
            if tx.last_epoch is not None:
                known = moment.known_correction
                previous = (
                    previous + timedelta(seconds=known[1])
                    if previous is not None and known is not None and known[0] == tx.last_epoch
                    else None
                )
            if previous is not None:
                timestamp = max(timestamp, previous)
        tx.last_timestamp = timestamp.isoformat()
        tx.last_epoch = moment.unsynchronised
        return TransactionEventRequest(
            custom_data=CustomDataType.model_validate(mark) if mark else None,
            event_type=kind,
            timestamp=timestamp,
            trigger_reason=trigger,
            seq_no=seq_no,
            offline=True if moment.offline else None,
            reservation_id=reservation_id,
            transaction_info=info,
            evse=evse,
            id_token=id_token,
            meter_value=meter_values or None,
        )
