"""Transactions at the station: the task shell around the per-EVSE transaction cores.

This module connects the pure `EvseSession`s to the world: the control loops' snapshots
(EV plugged, asking for power, contactor closed), cards presented at the reader,
RequestStart/StopTransaction and GetTransactionStatus from the CSMS, the CSMS's verdict
on an idToken in a TransactionEventResponse, the EVConnectionTimeOut timer, and the
periodic meter values. Every input runs under one lock: the session decides, then its
new state and the events it produced are written to the store in one SQLite transaction,
then the events are handed to the `TransactionQueue` and the EVSE is told whether it may
offer energy.

Authorization (C01, C09, C15; PICS C-01, C-02, C-06.2, C-48.2): a card that authorized a
session ends it when presented again; a card of the same group ends it after the CSMS
confirmed the group; a card of AuthCtrlr.MasterPassGroupId ends every session and starts
none (C16, PICS C-08: the station has no UI to choose among them); any other card is
authorized by the CSMS (AuthorizeRequest) or, offline, by
LocalAuthorizeOffline/OfflineTxForUnknownIdEnabled (only once a CSMS has accepted the
station, unless AuthCtrlr.OfflineTxForUnknownIdBeforeAccepted), and the CSMS's later
verdict in the TransactionEventResponse is honoured per StopTxOnInvalidId. An Authorize
that times out while the connection is open is not "offline" in Part 2's sense: the card
is refused unless AuthCtrlr.OfflineRulesOnAuthorizeTimeout (vendor-specific) says to
apply the offline rules.

Power loss (rule 5 of docs/architecture.md): a transaction found in the store at start-up was
interrupted. The station *ends* it (Ended, triggerReason AbnormalCondition, stoppedReason
PowerLoss after an unexpected restart, Reboot after one it chose, with the meter reading
taken after the restart) rather than resuming it: the contactor opened when power went,
the EV may have left, and energy must not flow again without a new authorization.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

import trio

from station.clock import WallClock, correct_timestamps
from station.devicemodel.model import DeviceModel, key
from station.evse import EvseCommands, EvseSnapshot
from station.ocpp.client import (
    Admission,
    BootState,
    CallFailed,
    CallTimeout,
    OcppClient,
    Offline,
    Reply,
)
from station.ocpp.messages import (
    AuthorizationStatusEnumType,
    AuthorizeRequest,
    AuthorizeResponse,
    IdTokenType,
    MeterValuesRequest,
    ReadingContextEnumType,
    StatusInfoType,
    TransactionEventRequest,
    TransactionEventResponse,
)
from station.privacy import token_ref
from station.reservation import Reservations
from station.store import Store
from station.transactions.localauth import Known, LocalAuthorization
from station.transactions.meter_values import Reading, meter_value
from station.transactions.queue import QueuedMessage, TransactionQueue
from station.transactions.session import (
    EvseSession,
    Moment,
    Policy,
    Reason,
    SessionState,
    Token,
    Trigger,
    new_transaction_id,
)

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        ChargingProfileType,
        GetTransactionStatusRequest,
        GetTransactionStatusResponse,
        RequestStartTransactionRequest,
        RequestStopTransactionRequest,
        UnlockConnectorRequest,
        UnlockConnectorResponse,
    )

log = logging.getLogger(__name__)

TX = "TxCtrlr"
AUTH = "AuthCtrlr"
SAMPLED = "SampledDataCtrlr"
ALIGNED = "AlignedDataCtrlr"
START_POINTS = key(TX, "TxStartPoint")
STOP_POINTS = key(TX, "TxStopPoint")
CONNECTION_TIMEOUT = key(TX, "EVConnectionTimeOut")
STOP_ON_INVALID = key(TX, "StopTxOnInvalidId")
MAX_ENERGY_ON_INVALID = key(TX, "MaxEnergyOnInvalidId")
AUTH_ENABLED = key(AUTH, "Enabled")
AUTHORIZE_REMOTE_START = key(AUTH, "AuthorizeRemoteStart")
LOCAL_AUTHORIZE_OFFLINE = key(AUTH, "LocalAuthorizeOffline")
OFFLINE_UNKNOWN = key(AUTH, "OfflineTxForUnknownIdEnabled")
OFFLINE_RULES_ON_TIMEOUT = key(AUTH, "OfflineRulesOnAuthorizeTimeout")
LOCAL_PRE_AUTHORIZE = key(AUTH, "LocalPreAuthorize")
DISABLE_REMOTE_AUTHORIZATION = key(AUTH, "DisableRemoteAuthorization")
MASTER_PASS_GROUP = key(AUTH, "MasterPassGroupId")
LIST_NO_POST_AUTHORIZE = key("LocalAuthListCtrlr", "DisablePostAuthorize")
CACHE_NO_POST_AUTHORIZE = key("AuthCacheCtrlr", "DisablePostAuthorize")
OFFLINE_UNKNOWN_BEFORE_ACCEPTED = key(AUTH, "OfflineTxForUnknownIdBeforeAccepted")
#: meta key: when a CSMS first accepted this station's BootNotification (kept for good).
FIRST_ACCEPTED_META = "first_accepted_at"
STARTED_MEASURANDS = key(SAMPLED, "TxStartedMeasurands")
UPDATED_MEASURANDS = key(SAMPLED, "TxUpdatedMeasurands")
UPDATED_INTERVAL = key(SAMPLED, "TxUpdatedInterval")
ENDED_MEASURANDS = key(SAMPLED, "TxEndedMeasurands")
ENDED_INTERVAL = key(SAMPLED, "TxEndedInterval")
SAMPLED_ENABLED = key(SAMPLED, "Enabled")
#: What `Policy` reads (each event's decisions read it: kept until one of them changes).
POLICY_VARIABLES = (
    START_POINTS,
    STOP_POINTS,
    SAMPLED_ENABLED,
    STARTED_MEASURANDS,
    ENDED_MEASURANDS,
    ENDED_INTERVAL,
)
ALIGNED_ENABLED = key(ALIGNED, "Enabled")
ALIGNED_MEASURANDS = key(ALIGNED, "Measurands")
TIME_SOURCE = key("ClockCtrlr", "TimeSource")
ALIGNED_INTERVAL = key(ALIGNED, "Interval")
ALIGNED_ENDED_MEASURANDS = key(ALIGNED, "TxEndedMeasurands")
ALIGNED_ENDED_INTERVAL = key(ALIGNED, "TxEndedInterval")

#: Session key of an authorization not yet placed on an EVSE.
UNPLACED = 0


class StartProfile(Protocol):
    """What takes the chargingProfile of a RequestStartTransaction (F01.FR.08–11)."""

    def enabled(self) -> bool:
        """Whether smart charging is on (SmartChargingCtrlr.Enabled)."""

    def check(self, evse_id: int, profile: ChargingProfileType) -> str | None:
        """A reason code to reject the request for this profile, or None."""

    async def bind(self, evse_id: int, profile: ChargingProfileType, remote_start_id: int) -> None:
        """Install the profile for the transaction this remote start begins (F01.FR.10)."""


Accepted = AuthorizationStatusEnumType.Accepted


class TransactionService:
    """All transactions of the station."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: Store,
        device_model: DeviceModel,
        clock: WallClock,
        rng: random.Random,
        queue: TransactionQueue,
        evses: dict[int, EvseCommands],
        usable: Callable[[int], bool],
        phases: dict[int, int] | None = None,
        read_meter: Callable[[int], Awaitable[None]] | None = None,
        watch_meter: Callable[[int, bool], None] | None = None,
    ) -> None:
        """``usable(evse_id)`` says whether the EVSE is operative and not faulted;
        ``read_meter(evse_id)`` takes a reading now (it arrives through `reading`);
        ``watch_meter(evse_id, on)`` says whether every reading is needed (an energy
        limit is in force), or only those taken by ``read_meter`` and the occasional one."""
        self._read_meter = read_meter
        self._watch_meter = watch_meter
        self._client = client
        self._store = store
        self._dm = device_model
        self._clock = clock
        self._queue = queue
        self._evses = evses
        self._usable = usable
        self._phases = phases or {}
        self._new_id = lambda: new_transaction_id(rng.getrandbits)
        self._sessions: dict[int, EvseSession] = {
            evse_id: EvseSession(SessionState(evse_id=evse_id), self._new_id) for evse_id in evses
        }
        self._sessions[UNPLACED] = EvseSession(SessionState(), self._new_id)
        #: Per session authorized without an EV: since when (EVConnectionTimeOut, E03).
        self._authorized_at: dict[int, float] = {}
        #: Set when `_authorized_at` or EVConnectionTimeOut changes: the deadline moved.
        self._timeouts_changed = trio.Event()
        self._snapshots = {evse_id: EvseSnapshot(evse_id) for evse_id in evses}
        self._readings: dict[int, Reading] = {}
        self._lock = trio.Lock()
        self._changed = trio.Event()
        self._change_listeners: list[Callable[[], None]] = []
        #: Per EVSE, for its periodic samples: set when its transaction changes (by id, as
        #: last seen by `_notify_changed`) or a sampled-data interval does.
        self._periodic_wake = {evse_id: trio.Event() for evse_id in evses}
        self._periodic_tx: dict[int, str | None] = dict.fromkeys(evses)
        for interval_key in (SAMPLED_ENABLED, UPDATED_INTERVAL, ENDED_INTERVAL):
            device_model.on_change(interval_key, lambda _: self._wake_periodic(*evses))
        device_model.on_change(CONNECTION_TIMEOUT, lambda _: self._timeouts_moved())
        #: The `Policy` of the variables in force, made again after one of them changes.
        self._policy_in_force: Policy | None = None
        for policy_key in POLICY_VARIABLES:
            device_model.on_change(policy_key, self._policy_changed)
        self._interrupted: dict[int, SessionState] = {}
        #: A CSMS has accepted this station's BootNotification at least once, in any run.
        self.accepted_once = False
        #: Snapshots that came while their EVSE's interrupted transaction was not ended yet.
        self._held_snapshots: dict[int, EvseSnapshot] = {}
        #: Numbers of the Ended samples in the store, per transaction id.
        self._stored_samples: dict[str, set[int]] = {}
        self._reading_arrived = trio.Event()
        self._ended_hooks: list[Callable[[int], Awaitable[None]]] = []
        self._ended: list[int] = []
        self.interrupted_reason = Reason.PowerLoss
        #: Awaited before the interrupted transactions are ended: until then one may still
        #: be resumed (`resume_interrupted`).
        self.interrupted_gate: Callable[[], Awaitable[None]] | None = None
        #: Takes the charging profile of a RequestStartTransaction (F01.FR.08–11), when
        #: smart charging is part of the station.
        self.start_profile: StartProfile | None = None
        #: The Local Authorization List and the Authorization Cache, when the station has
        #: them (C10–C14).
        self.local_auth: LocalAuthorization | None = None
        #: Reservations (H01–H04), when the station takes them.
        self.reservations: Reservations | None = None
        client.route("RequestStartTransaction", self.request_start)
        client.route("RequestStopTransaction", self.request_stop)
        client.route("GetTransactionStatus", self.transaction_status)
        client.route("UnlockConnector", self.unlock_connector)
        queue.on_response(self._on_response)
        # Timestamps taken before the clock was synchronised, corrected once it is.
        queue.before_send(lambda payload: correct_timestamps(payload, clock))

    # -- state and persistence -----------------------------------------------------------

    def on_transaction_ended(self, hook: Callable[[int], Awaitable[None]]) -> None:
        """Call ``hook(evse_id)`` after a transaction on that EVSE ended (``UNPLACED`` for
        one that never had an EVSE)."""
        self._ended_hooks.append(hook)

    async def load(self) -> None:
        """Read sessions a previous run left; transactions among them were interrupted."""
        rows = await self._store.run(
            lambda db: db.execute("SELECT evse_id, state FROM transactions").fetchall()
        )
        samples: dict[str, list[tuple[int, dict]]] = {}
        for transaction_id, number, value in await self._store.run(
            lambda db: db.execute(
                "SELECT transaction_id, number, value FROM ended_samples ORDER BY number"
            ).fetchall()
        ):
            samples.setdefault(transaction_id, []).append((number, json.loads(value)))
        for evse_id, text in rows:
            state = SessionState.from_json(json.loads(text))
            tx = state.transaction
            if tx is not None:
                tx.ended_values += samples.get(tx.transaction_id, [])
                tx.ended_values.sort(key=lambda sample: sample[0])
                self._stored_samples[tx.transaction_id] = {n for n, _ in tx.ended_values}
            if evse_id not in self._sessions:
                log.error("event=stored_session_for_unknown_evse evse=%s", evse_id)
                continue
            if state.transaction is not None:
                self._interrupted[evse_id] = state
        first = await self._store.run(
            lambda db: db.execute(
                "SELECT value FROM meta WHERE name = ?", (FIRST_ACCEPTED_META,)
            ).fetchone()
        )
        self.accepted_once = first is not None
        await self._queue.load()

    async def boot_accepted(self) -> None:
        """A CSMS accepted the BootNotification: from now on, for good, the offline rules
        for unknown ids apply as configured (see `authorize`)."""
        if self.accepted_once:
            return
        moment = self._clock.now().isoformat()
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)",
                (FIRST_ACCEPTED_META, moment),
            )
        )
        self.accepted_once = True

    def session(self, evse_id: int) -> EvseSession:
        """The session of an EVSE (``UNPLACED`` for an authorization without EVSE)."""
        return self._sessions[evse_id]

    def transaction_id(self, evse_id: int) -> str | None:
        """The id of the transaction on an EVSE, if any."""
        tx = self._sessions[evse_id].transaction
        return tx.transaction_id if tx is not None else None

    def transaction_active(self, evse_id: int) -> bool:
        """Whether a transaction runs on the EVSE."""
        return self._sessions[evse_id].transaction is not None

    def any_transaction(self) -> bool:
        """Whether any transaction runs (unplaced ones included)."""
        return any(s.transaction is not None for s in self._sessions.values())

    def _sampled(self, variable_key) -> tuple[str, ...]:
        """Sampled measurands in force: none while SampledDataCtrlr.Enabled is false."""
        if not self._dm.get(SAMPLED_ENABLED):
            return ()
        return self._dm.get_list(variable_key) or ()

    def _sampled_interval(self, variable_key) -> float:
        """A sampled-data interval in force: 0 (none) while sampled data is disabled."""
        if not self._dm.get(SAMPLED_ENABLED):
            return 0.0
        return self._dm.get_float(variable_key) or 0.0

    def _aligned_interval(self, variable_key) -> float:
        """A clock-aligned interval in force: 0 (none) while AlignedDataCtrlr.Enabled is false."""
        if not self._dm.get(ALIGNED_ENABLED):
            return 0.0
        return self._dm.get_float(variable_key) or 0.0

    def _policy_changed(self, _: object) -> None:
        self._policy_in_force = None

    def _policy(self) -> Policy:
        policy = self._policy_in_force
        if policy is None:
            policy = self._policy_in_force = self._read_policy()
        return policy

    def _read_policy(self) -> Policy:
        return Policy(
            start_points=frozenset(self._dm.get_list(START_POINTS) or ()),
            stop_points=frozenset(self._dm.get_list(STOP_POINTS) or ()),
            started_measurands=self._sampled(STARTED_MEASURANDS),
            ended_measurands=self._sampled(ENDED_MEASURANDS),
            ended_interval=self._sampled_interval(ENDED_INTERVAL),
        )

    def _moment(self, evse_id: int, *, answered: bool = False) -> Moment:
        """``answered``: the input is the CSMS's own answer, just received."""
        return Moment(
            now=self._clock.now(),
            mono=trio.current_time(),
            # Part 2 TransactionEventRequest.offline; see TransactionQueue.catching_up.
            offline=not answered and (not self._client.connected or self._queue.catching_up()),
            reading=self._readings.get(evse_id),
            policy=self._policy(),
            unsynchronised=self._unsynchronised(),
            known_correction=None
            if self._clock.first_jump is None
            else (self._clock.epoch, self._clock.first_jump),
        )

    def _unsynchronised(self) -> str | None:
        """The clock's epoch while the CSMS has not set it. With another first time source
        (NTP) the operating system keeps the time, and the station trusts it."""
        sources = self._dm.get_list(TIME_SOURCE) or ()
        if sources and sources[0] != "Heartbeat":
            return None
        return self._clock.unsynchronised_epoch()

    async def _fresh_reading(self, evse_id: int) -> None:
        """Read the EVSE's meter now: an event carries the value at its own moment."""
        if self._read_meter is not None and evse_id != UNPLACED and evse_id in self._evses:
            await self._read_meter(evse_id)

    async def _apply(
        self,
        evse_id: int,
        step: Callable[[EvseSession, Moment], list],
        *,
        answered: bool = False,
    ) -> list:
        """Run one input through a session, persist, queue, and update the EVSE."""
        await self._fresh_reading(evse_id)
        async with self._lock:
            events = await self._apply_locked(evse_id, step, answered=answered)
        await self._after_unlock()
        return events

    async def _after_unlock(self) -> None:
        """Run the transaction-ended hooks (they may feed new inputs, so not under the lock)."""
        while self._ended:
            evse_id = self._ended.pop(0)
            for hook in self._ended_hooks:
                await hook(evse_id)

    async def _apply_locked(
        self,
        evse_id: int,
        step: Callable[[EvseSession, Moment], list],
        *,
        answered: bool = False,
    ) -> list:
        session = self._sessions[evse_id]
        before = session.transaction
        had_tx = before is not None
        events: list[TransactionEventRequest] = step(
            session, self._moment(evse_id, answered=answered)
        )
        state = json.dumps(session.state.to_json())
        samples = self._sample_changes(before, session.transaction)

        def write(db) -> list[QueuedMessage]:
            staged = [self._queue.stage(db, event) for event in events]
            db.execute(
                "INSERT OR REPLACE INTO transactions (evse_id, state) VALUES (?, ?)",
                (evse_id, state),
            )
            samples(db)
            return staged

        self._queue.commit(await self._store.run(write))
        for event in events:
            log.info(
                "event=transaction_event evse=%s transaction_id=%s type=%s trigger=%s seq_no=%d",
                evse_id,
                event.transaction_info.transaction_id,
                event.event_type.value,
                event.trigger_reason.value,
                event.seq_no,
            )
        self._waiting_for_ev(evse_id, session.authorized and not session.state.ev_connected)
        self._offer(evse_id, session)
        self._notify_changed()
        if had_tx and session.transaction is None:
            # UNPLACED too: an OnIdle reset may be waiting for a transaction that ended
            # before any EV was connected (TxStartPoint Authorized, card only).
            self._ended.append(evse_id)
        return events

    def _sample_changes(self, before, after) -> Callable[[Any], None]:
        """The store writes for the Ended samples: insert the new ones, delete the thinned
        ones, and all of a transaction that ended (its Ended event holds them now)."""
        inserts: list[tuple[str, int, str]] = []
        deletes: list[tuple[str, int]] = []
        ended: str | None = None
        if before is not None and (after is None or after.transaction_id != before.transaction_id):
            ended = before.transaction_id
            self._stored_samples.pop(ended, None)
        if after is not None:
            stored = self._stored_samples.setdefault(after.transaction_id, set())
            present = {number for number, _ in after.ended_values}
            inserts = [
                (after.transaction_id, number, json.dumps(value))
                for number, value in after.ended_values
                if number not in stored
            ]
            deletes = [(after.transaction_id, number) for number in stored - present]
            self._stored_samples[after.transaction_id] = present

        def write(db) -> None:
            if ended is not None:
                db.execute("DELETE FROM ended_samples WHERE transaction_id = ?", (ended,))
            db.executemany(
                "DELETE FROM ended_samples WHERE transaction_id = ? AND number = ?", deletes
            )
            db.executemany(
                "INSERT OR REPLACE INTO ended_samples (transaction_id, number, value)"
                " VALUES (?, ?, ?)",
                inserts,
            )

        return write

    # -- inputs from the EVSEs -----------------------------------------------------------

    def _offer(self, evse_id: int, session: EvseSession) -> None:
        """Tell the EVSE whether the session lets it offer energy, and whether the
        session's energy limit needs every meter reading."""
        if evse_id not in self._evses:
            return
        self._evses[evse_id].allow_charging(session.may_offer_energy)
        if self._watch_meter is not None:
            self._watch_meter(evse_id, session.energy_limited)

    def reading(self, evse_id: int, reading: Reading) -> None:
        """The meter sampler's latest reading."""
        first = evse_id not in self._readings
        self._readings[evse_id] = reading
        session = self._sessions.get(evse_id)
        if session is not None:
            offered = session.may_offer_energy
            session.energy_wh = reading.sample.energy_import_wh
            if offered != session.may_offer_energy and evse_id in self._evses:
                # Only an energy limit depends on readings (MaxEnergyOnInvalidId, E05.FR.02).
                if offered:
                    log.info("event=energy_limit_reached evse=%s", evse_id)
                self._evses[evse_id].allow_charging(session.may_offer_energy)
        if first:
            self._reading_arrived.set()
            self._reading_arrived = trio.Event()

    async def evse_changed(self, snapshot: EvseSnapshot) -> None:
        """A control loop published a new snapshot."""
        evse_id = snapshot.evse_id
        if evse_id in self._interrupted:
            # The transaction a previous run left ends first (`_end_interrupted`); what
            # the hardware shows meanwhile (an EV still plugged in after the restart)
            # belongs to what follows it, and is replayed then.
            self._held_snapshots[evse_id] = snapshot
            return
        previous = self._snapshots[evse_id]
        self._snapshots[evse_id] = snapshot
        if (snapshot.ev_connected, snapshot.ev_requesting, snapshot.delivering) != (
            previous.ev_connected,
            previous.ev_requesting,
            previous.delivering,
        ):
            await self._fresh_reading(evse_id)
        async with self._lock:
            if snapshot.ev_connected and not previous.ev_connected:
                await self._place_unplaced(evse_id)
                await self._apply_locked(evse_id, lambda s, m: s.plug(m))
            elif previous.ev_connected and not snapshot.ev_connected:
                await self._apply_locked(evse_id, lambda s, m: s.unplug(m))
            elif snapshot.ev_connected and previous.fault and not snapshot.fault:
                # An authorization that came while this EVSE was Faulted (a pilot glitch,
                # the control link down) could not take it and waits for a plug-in: the EV
                # here, plugged in all along, is the one it was for.
                if await self._place_unplaced(evse_id):
                    await self._apply_locked(evse_id, lambda s, m: s.plug(m))
            if snapshot.ev_connected:
                await self._apply_locked(
                    evse_id,
                    lambda s, m: s.ev_status(
                        m,
                        requesting=snapshot.ev_requesting,
                        delivering=snapshot.delivering,
                        offering=snapshot.offered_current > 0,
                    ),
                )
        await self._after_unlock()

    async def _place_unplaced(self, evse_id: int) -> bool:
        """An EV plugged in, or an EVSE with an EV became usable again (its fault cleared):
        an authorization waiting for an EVSE takes this one (AQ-8); whether it did."""
        unplaced = self._sessions[UNPLACED]
        here = self._sessions[evse_id]
        if not unplaced.authorized or here.authorized or here.transaction is not None:
            return False
        auth = unplaced.state.authorization
        if auth is not None and not self._admits(evse_id, auth.token):
            log.info("event=authorization_not_placed evse=%s reason=reserved", evse_id)
            return False
        unplaced.state.evse_id = evse_id
        self._sessions[evse_id] = unplaced
        # The EVSE's own session (no authorization, no transaction) waits for the next one;
        # the EV it saw is the placed session's now (the caller applies the plug-in).
        if here.state.ev_connected:
            here = EvseSession(SessionState(), self._new_id)
        self._sessions[UNPLACED] = here
        here.state.evse_id = None
        self._waiting_for_ev(UNPLACED, False)
        state = json.dumps(here.state.to_json())
        await self._store.run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO transactions (evse_id, state) VALUES (?, ?)",
                (UNPLACED, state),
            )
        )
        log.info("event=authorization_placed evse=%s", evse_id)
        return True

    # -- authorization -------------------------------------------------------------------

    async def card_presented(self, uid_hex: str) -> None:
        """An ISO 14443 card was presented at the reader."""
        await self.present(Token(uid_hex.upper(), "ISO14443"))

    async def present(self, token: Token) -> None:
        """C01/C09: stop the session this token (or its group) authorized, else start one."""
        for evse_id, session in list(self._sessions.items()):
            auth = session.state.authorization
            if auth is not None and auth.token.same_as(token):
                await self._apply(
                    evse_id,
                    lambda s, m: s.end_authorization(
                        m, Trigger.StopAuthorized, Reason.Local, token
                    ),
                )
                return
        known = (
            self.local_auth.lookup(token.wire())
            if self.local_auth is not None and self._dm.get(AUTH_ENABLED)
            else None
        )
        if known is not None and known.accepted and known.group is not None:
            # C09.FR.07 (b): valid in the list or the cache with the group of a running
            # authorization: that authorization ends without asking the CSMS first,
            # whatever LocalPreAuthorize says, online or offline.
            if await self._stop_by_group(replace(token, group_id=known.group)):
                await self._used(token, known)
                return
        accepted, group = await self.authorize(token)
        if not accepted:
            log.info("event=card_refused id_token=%s", token_ref(token.id_token))
            return
        token = replace(token, group_id=group)
        if self._master_pass(group):
            # C16.FR.02/03. The group comes from the Authorize answer, or from the list or
            # the cache where `authorize` lets them decide (offline, LocalPreAuthorize,
            # DisableRemoteAuthorization: C16.FR.04/05).
            await self._stop_all_by_master_pass(token)
            return
        if group is not None and await self._stop_by_group(token):
            return
        target = self._target_for_new_authorization(None, token)
        if target is None:
            log.warning(
                "event=card_ignored id_token=%s reason='no free EVSE'", token_ref(token.id_token)
            )
            return
        reservation_id = await self._consume_reservation(token)
        placed = await self._authorize_new(
            None, token, lambda s, m: s.authorize(m, token, reservation_id=reservation_id)
        )
        if placed is None:
            log.warning(
                "event=card_ignored id_token=%s reason='no free EVSE'", token_ref(token.id_token)
            )

    async def _authorize_new(
        self, evse_id: int | None, token: Token, step: Callable[[EvseSession, Moment], list]
    ) -> int | None:
        """Apply the authorizing ``step`` to the session `_target_for_new_authorization`
        picks, picked under the lock; returns the one it went to (None: none was free).

        Picked again under the lock because the answer of the CSMS (or anything else
        awaited since the first pick) can come while an EV's plug-in waits for the lock:
        picked before, the authorization would go to the EVSE-less session while the
        plug-in, already past `_place_unplaced`, never looks at that session again (the
        EV would wait for EVConnectionTimeOut without being offered energy)."""
        guess = self._target_for_new_authorization(evse_id, token)
        if guess is not None:
            # The event's meter value is read outside the lock, as `_apply` does; a
            # plug-in that changes the pick has just read the meter itself.
            await self._fresh_reading(guess)
        async with self._lock:
            target = self._target_for_new_authorization(evse_id, token)
            if target is None:
                return None
            await self._apply_locked(target, step)
        await self._after_unlock()
        return target

    def _master_pass(self, group: str | None) -> bool:
        """Whether ``group`` is AuthCtrlr.MasterPassGroupId (idTokens compare
        case-insensitively; an empty MasterPassGroupId names no group)."""
        master = self._dm.get(MASTER_PASS_GROUP)
        return bool(master) and group is not None and group.casefold() == str(master).casefold()

    async def _stop_all_by_master_pass(self, token: Token) -> None:
        """C16.FR.02 (no UI: all of them): end every ongoing transaction as E07 does, with
        the Master Pass's idToken, triggerReason StopAuthorized and stoppedReason
        MasterPass (C16.FR.07), and every authorization waiting for an EV; start nothing
        (C16.FR.03). A transaction without authorization (started at EVConnected, never
        authorized) ends too: "all ongoing transactions"."""
        stopped = []
        for evse_id, session in list(self._sessions.items()):
            if session.transaction is None and not session.authorized:
                continue
            transaction_id = self.transaction_id(evse_id)

            def step(s: EvseSession, m: Moment) -> list:
                if s.authorized:
                    return s.end_authorization(m, Trigger.StopAuthorized, Reason.MasterPass, token)
                return s.abort(m, Trigger.StopAuthorized, Reason.MasterPass, token)

            await self._apply(evse_id, step)
            stopped.append(transaction_id)
        log.warning(
            "event=master_pass id_token=%s transactions=%s sessions_ended=%d",
            token_ref(token.id_token),
            ",".join(t for t in stopped if t is not None) or "none",
            len(stopped),
        )

    async def _stop_by_group(self, token: Token) -> bool:
        """End the authorization that a token of ``token``'s group started (C09.FR.03);
        whether there was one."""
        group = token.group_id
        if group is None:
            return False
        for evse_id, session in list(self._sessions.items()):
            auth = session.state.authorization
            if (
                auth is not None
                and auth.token.group_id is not None
                and auth.token.group_id.lower() == group.lower()
            ):
                await self._apply(
                    evse_id,
                    lambda s, m: s.end_authorization(
                        m, Trigger.StopAuthorized, Reason.Local, token
                    ),
                )
                return True
        return False

    async def authorize(self, token: Token) -> tuple[bool, str | None]:
        """The list or the cache (C12–C14), the CSMS (C01) or the offline rules (C13,
        C15); returns (accepted, group)."""
        if not self._dm.get(AUTH_ENABLED):
            return True, None
        known = self.local_auth.lookup(token.wire()) if self.local_auth is not None else None
        online = self._client.admits(Admission.NORMAL)
        if online and self._dm.get(DISABLE_REMOTE_AUTHORIZATION):
            # C-58: no AuthorizeRequest at all (it overrules C01.FR.02/05); the list and
            # the cache decide, and what they do not hold as Accepted is refused (TC_E_52).
            allowed = known is not None and known.accepted
            log.info(
                "event=authorize_local id_token=%s source=%s accepted=%s "
                "reason=DisableRemoteAuthorization",
                token_ref(token.id_token),
                known.source if known is not None else "unknown",
                allowed,
            )
            if known is not None and allowed:
                await self._used(token, known)
                return True, known.group
            return False, None
        if known is not None and online and not known.expired:
            # An expired list entry (SupportsExpiryDateTime) is disregarded online: the
            # CSMS is asked whatever its status and DisablePostAuthorize (C14.FR.05).
            if known.accepted and self._dm.get(LOCAL_PRE_AUTHORIZE):
                # C12.FR.02, C14.FR.02: start at once; the transaction's idToken lets the
                # CSMS check it (C12.FR.03).
                await self._used(token, known)
                log.info(
                    "event=authorize_local id_token=%s source=%s",
                    token_ref(token.id_token),
                    known.source,
                )
                return True, known.group
            if not known.accepted and self._dm.get(
                LIST_NO_POST_AUTHORIZE if known.source == "list" else CACHE_NO_POST_AUTHORIZE
            ):
                # LA-3 / C-59: a known invalid idToken is refused without asking.
                log.info(
                    "event=authorize_local id_token=%s source=%s status=%s",
                    token_ref(token.id_token),
                    known.source,
                    known.info.status.value,
                )
                return False, None
        if online:
            try:
                response = await self._client.call(AuthorizeRequest(id_token=token.wire()))
            except Offline:
                pass  # the connection went during the call: the offline rules below apply
            except CallTimeout as exc:
                # Part 2 "Offline": no communication possible, for OCPP-J the WebSocket is
                # not open. A CSMS that is connected but slow is not offline, so C15's
                # offline rules do not apply by themselves and Part 2 says nothing else:
                # refuse, unless the operator chose the offline rules for this case.
                if not self._dm.get(OFFLINE_RULES_ON_TIMEOUT):
                    log.warning(
                        "event=authorize_failed id_token=%s reason=%r accepted=False",
                        token_ref(token.id_token),
                        str(exc),
                    )
                    return False, None
                log.warning(
                    "event=authorize_timeout id_token=%s rules=offline", token_ref(token.id_token)
                )
            except CallFailed as exc:
                # A CALLERROR or an answer that is no AuthorizeResponse: not a verdict.
                log.warning(
                    "event=authorize_failed id_token=%s reason=%r",
                    token_ref(token.id_token),
                    str(exc),
                )
                return False, None
            else:
                assert isinstance(response, AuthorizeResponse)
                info = response.id_token_info
                if self.local_auth is not None:
                    await self.local_auth.remember(token.wire(), info)  # C10.FR.04
                group = info.group_id_token.id_token if info.group_id_token else None
                log.info(
                    "event=authorize id_token=%s status=%s",
                    token_ref(token.id_token),
                    info.status.value,
                )
                return info.status is Accepted, group
        # Offline (C13, C15): the list and the cache decide what they know, with
        # LocalAuthorizeOffline; OfflineTxForUnknownIdEnabled decides the rest.
        if not self._dm.get(LOCAL_AUTHORIZE_OFFLINE):
            allowed = False
        elif known is not None:
            # C13.FR.02/04: an entry that is not Accepted is refused; C13.FR.05/06: so is a
            # list entry past its cacheExpiryDateTime, which is no unknown id either.
            allowed = known.accepted
        else:
            allowed = bool(self._dm.get(OFFLINE_UNKNOWN))
        log.info(
            "event=authorize_offline id_token=%s accepted=%s source=%s",
            token_ref(token.id_token),
            allowed,
            known.source if known is not None else "unknown",
        )
        if allowed and known is not None:
            await self._used(token, known)
            return True, known.group
        if allowed and not self.accepted_once and not self._dm.get(OFFLINE_UNKNOWN_BEFORE_ACCEPTED):
            # A station no CSMS has ever accepted has no operator yet to bill the energy
            # or to have set OfflineTxForUnknownIdEnabled: a fresh install with a wrong
            # URL must not hand out free energy to any card. The vendor-specific
            # AuthCtrlr.OfflineTxForUnknownIdBeforeAccepted (default false) allows it.
            log.warning(
                "event=authorize_offline id_token=%s accepted=False "
                "reason='no CSMS has accepted this station yet'",
                token_ref(token.id_token),
            )
            return False, None
        return allowed, None

    async def _used(self, token: Token, known: Known) -> None:
        if known.source == "cache" and self.local_auth is not None:
            await self.local_auth.used(token.wire())  # C10.FR.08: its lifetime restarts

    def _admits(self, evse_id: int, token: Token | None) -> bool:
        """H03: reservations this idToken does not hold leave the EVSE to others."""
        if self.reservations is None or token is None:
            return True
        return self.reservations.admits(evse_id, token.id_token, token.type, token.group_id)

    async def _consume_reservation(self, token: Token) -> int | None:
        if self.reservations is None:
            return None
        return await self.reservations.consume(token.id_token, token.type, token.group_id)

    def _target_for_new_authorization(
        self, evse_id: int | None, token: Token | None = None
    ) -> int | None:
        if evse_id is not None:
            session = self._sessions.get(evse_id)
            if session is None or session.authorized or not self._usable(evse_id):
                return None
            return evse_id if self._admits(evse_id, token) else None
        waiting = [
            e
            for e, s in self._sessions.items()
            if e != UNPLACED
            and s.state.ev_connected
            and not s.authorized
            and self._usable(e)
            and self._admits(e, token)
        ]
        if waiting:
            return waiting[0]
        free = [
            e
            for e, s in self._sessions.items()
            if e != UNPLACED
            and not s.state.ev_connected
            and not s.authorized
            and self._usable(e)
            and self._admits(e, token)
        ]
        if free and not self._sessions[UNPLACED].authorized:
            return UNPLACED
        return None

    async def _on_response(
        self, message: QueuedMessage, response: TransactionEventResponse
    ) -> None:
        """C05/E05: the CSMS's verdict on the idToken of a transaction."""
        info = response.id_token_info
        if info is not None and "idToken" in message.payload and self.local_auth is not None:
            token = IdTokenType.model_validate(message.payload["idToken"])
            await self.local_auth.remember(token, info)  # C10.FR.05
        if info is None or info.status is Accepted or "idToken" not in message.payload:
            return
        for evse_id, session in list(self._sessions.items()):
            tx = session.transaction
            if tx is None or tx.transaction_id != message.transaction_id or not session.authorized:
                continue
            log.warning(
                "event=deauthorized evse=%s transaction_id=%s status=%s",
                evse_id,
                tx.transaction_id,
                info.status.value,
            )
            if self._dm.get(STOP_ON_INVALID):
                # The Deauthorized event is the reaction to the answer that just came over
                # an open connection: it did not happen offline, even while the rest of an
                # offline period is still being delivered (C15.FR.03/04; TC_C_18 step 5:
                # offline false). The SuspendedEVSE of the branch below keeps the queue's
                # rule, as TC_C_26 wants it among the emptied queue, offline.
                await self._apply(
                    evse_id,
                    lambda s, m: s.end_authorization(m, Trigger.Deauthorized, Reason.DeAuthorized),
                    answered=True,
                )
            else:
                limit = self._dm.get_float(MAX_ENERGY_ON_INVALID) or 0.0
                await self._apply(evse_id, _limiting(limit))

    # -- CSMS requests -------------------------------------------------------------------

    async def request_start(self, request: RequestStartTransactionRequest) -> Reply:
        """F01/F02: answer first; then (optionally) authorize and start."""
        from station.ocpp.messages import (
            RequestStartStopStatusEnumType,
            RequestStartTransactionResponse,
        )

        def rejected(reason: str) -> Reply:
            return Reply(
                RequestStartTransactionResponse(
                    status=RequestStartStopStatusEnumType.Rejected,
                    status_info=StatusInfoType(reason_code=reason),
                )
            )

        if self._client.boot_state is not BootState.Accepted:
            return rejected("NotAccepted")  # B02.FR.05
        if request.evse_id is not None and request.evse_id not in self._evses:
            return rejected("UnknownEvse")
        group = request.group_id_token.id_token if request.group_id_token else None
        token = Token(request.id_token.id_token, request.id_token.type.value, group)
        known = self.local_auth.lookup(request.id_token) if self.local_auth is not None else None
        if self._master_pass(group) or (
            known is not None and known.accepted and self._master_pass(known.group)
        ):
            # C16.FR.03: a Master Pass starts no transaction.
            return Reply(
                RequestStartTransactionResponse(
                    status=RequestStartStopStatusEnumType.Rejected,
                    status_info=StatusInfoType(
                        reason_code="InvalidIdToken",
                        additional_info="an idToken of MasterPassGroupId starts no transaction",
                    ),
                )
            )
        target = self._target_for_new_authorization(request.evse_id, token)
        if target is None:
            return rejected("NoFreeEvse")
        session = self._sessions[target]
        transaction_id = session.transaction.transaction_id if session.transaction else None
        profile = request.charging_profile
        if profile is not None and (self.start_profile is None or not self.start_profile.enabled()):
            profile = None  # TC_K_38: without smart charging the profile is ignored, not the start
        if profile is not None and self.start_profile is not None:
            if profile.charging_profile_purpose.value != "TxProfile":
                return rejected("InvalidProfile")  # F01.FR.09
            if profile.transaction_id is not None:
                return rejected("InvalidProfile")  # F01.FR.11
            problem = self.start_profile.check(target, profile)
            if problem is not None:
                return rejected(problem)

        async def start() -> None:
            if self._dm.get(AUTHORIZE_REMOTE_START):
                accepted, authorized_group = await self.authorize(token)
                if not accepted:
                    return
                if self._master_pass(authorized_group):
                    log.warning(  # C16.FR.03
                        "event=remote_start_refused id_token=%s reason=MasterPass",
                        token_ref(token.id_token),
                    )
                    return
            if self._sessions[target].authorized:
                return  # someone else authorized this EVSE meanwhile
            reservation_id = await self._consume_reservation(token)

            def step(s: EvseSession, m: Moment) -> list:
                return s.authorize(
                    m, token, remote_start_id=request.remote_start_id, reservation_id=reservation_id
                )

            placed: int | None = target
            if target == UNPLACED:
                # No EVSE given: an EV plugged in meanwhile takes it (see `_authorize_new`).
                placed = await self._authorize_new(None, token, step)
                if placed is None:
                    log.warning(
                        "event=remote_start_not_placed remote_start_id=%s reason='no free EVSE'",
                        request.remote_start_id,
                    )
            else:
                await self._apply(target, step)
            if placed is not None and profile is not None and self.start_profile is not None:
                # F01.FR.10: the profile is this transaction's, once it has started.
                await self.start_profile.bind(placed, profile, request.remote_start_id)

        return Reply(
            RequestStartTransactionResponse(
                status=RequestStartStopStatusEnumType.Accepted, transaction_id=transaction_id
            ),
            start,
        )

    async def request_stop(self, request: RequestStopTransactionRequest) -> Reply:
        """F03: Accepted for an active transaction, which then ends its authorization."""
        from station.ocpp.messages import (
            RequestStartStopStatusEnumType,
            RequestStopTransactionResponse,
        )

        for evse_id, session in self._sessions.items():
            tx = session.transaction
            if tx is None or tx.transaction_id != request.transaction_id:
                continue

            async def stop(evse_id: int = evse_id) -> None:
                def step(s: EvseSession, m: Moment) -> list:
                    if s.authorized:
                        return s.end_authorization(m, Trigger.RemoteStop, Reason.Remote)
                    return s.abort(m, Trigger.RemoteStop, Reason.Remote)

                await self._apply(evse_id, step)

            return Reply(
                RequestStopTransactionResponse(status=RequestStartStopStatusEnumType.Accepted), stop
            )
        return Reply(RequestStopTransactionResponse(status=RequestStartStopStatusEnumType.Rejected))

    async def transaction_status(
        self, request: GetTransactionStatusRequest
    ) -> GetTransactionStatusResponse:
        """E14."""
        from station.ocpp.messages import GetTransactionStatusResponse

        if request.transaction_id is None:
            return GetTransactionStatusResponse(messages_in_queue=self._queue.count() > 0)
        ongoing = any(
            s.transaction is not None and s.transaction.transaction_id == request.transaction_id
            for s in self._sessions.values()
        )
        return GetTransactionStatusResponse(
            ongoing_indicator=ongoing,
            messages_in_queue=self._queue.count(request.transaction_id) > 0,
        )

    async def unlock_connector(self, request: UnlockConnectorRequest) -> UnlockConnectorResponse:
        """F05 on a fixed cable: there is no lock to open."""
        from station.ocpp.messages import UnlockConnectorResponse, UnlockStatusEnumType

        if request.evse_id not in self._evses or request.connector_id != 1:
            return UnlockConnectorResponse(status=UnlockStatusEnumType.UnknownConnector)
        session = self._sessions[request.evse_id]
        if session.transaction is not None and session.authorized:
            return UnlockConnectorResponse(status=UnlockStatusEnumType.OngoingAuthorizedTransaction)
        return UnlockConnectorResponse(
            status=UnlockStatusEnumType.UnlockFailed,
            status_info=StatusInfoType(
                reason_code="FixedCable",
                additional_info="this connector has a fixed cable and no lock",
            ),
        )

    # -- ending everything ---------------------------------------------------------------

    async def abort_all(self, trigger: Trigger, reason: Reason, evse_id: int | None = None) -> None:
        """End transactions regardless of stop points (Immediate reset, B12.FR.04)."""
        for key_ in list(self._sessions):
            if evse_id is None or key_ == evse_id:
                await self._apply(key_, lambda s, m: s.abort(m, trigger, reason))

    async def wait_changed(self) -> None:
        """Wait for the next change of any session."""
        await self._changed.wait()

    def on_changed(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each change of any session, as `wait_changed` wakes:
        for a follower that reads a few fields and acts on few of the changes, without a
        task that wakes for each of them. Must not block."""
        self._change_listeners.append(listener)

    def _notify_changed(self) -> None:
        """A session changed: wake `wait_changed`, and the periodic samples of each EVSE
        whose transaction is another one now."""
        self._changed.set()
        self._changed = trio.Event()
        for listener in self._change_listeners:
            try:
                listener()
            except Exception:  # a follower's bug must not fail the event that was stored
                log.exception("event=session_listener_failed listener=%r", listener)
        for evse_id, seen in self._periodic_tx.items():
            transaction_id = self.transaction_id(evse_id)
            if transaction_id != seen:
                self._periodic_tx[evse_id] = transaction_id
                self._wake_periodic(evse_id)

    def _wake_periodic(self, *evse_ids: int) -> None:
        for evse_id in evse_ids:
            self._periodic_wake[evse_id].set()
            self._periodic_wake[evse_id] = trio.Event()

    # -- timers --------------------------------------------------------------------------

    async def run(self) -> None:
        """Timers of all sessions, for the station's lifetime."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._end_interrupted)
            nursery.start_soon(self._connection_timeouts)
            nursery.start_soon(self._aligned_meter_values)
            for evse_id in self._evses:
                nursery.start_soon(self._periodic_meter_values, evse_id)

    def interrupted(self, evse_id: int) -> bool:
        """Whether a previous run left a transaction on the EVSE, not ended yet."""
        return evse_id in self._interrupted

    def resume_interrupted(self, evse_id: int) -> None:
        """Go on with the transaction a previous run of the OCPP side left: the control
        process kept charging (it kept the authorization), so it was not interrupted.
        The next snapshots are compared with the state the store holds, so what changed
        meanwhile (the EV stopped, unplugged) still gives its transaction events."""
        state = self._interrupted.pop(evse_id)
        self._held_snapshots.pop(evse_id, None)  # the next snapshot compares with the store
        self._sessions[evse_id] = session = EvseSession(state, self._new_id)
        self._snapshots[evse_id] = EvseSnapshot(
            evse_id,
            ev_connected=state.ev_connected,
            ev_requesting=state.requesting,
            relay_closed=state.delivering,
        )
        log.warning(
            "event=transaction_resumed evse=%s transaction_id=%s",
            evse_id,
            state.transaction.transaction_id if state.transaction else None,
        )
        self._offer(evse_id, session)
        self._notify_changed()

    async def _end_interrupted(self) -> None:
        """End the transactions a previous run left (see the module docstring)."""
        if self.interrupted_gate is not None:
            await self.interrupted_gate()
        for evse_id, state in sorted(self._interrupted.items()):
            # Give the meter a moment to be read so that the end reading is real.
            with trio.move_on_after(5):
                while evse_id in self._evses and evse_id not in self._readings:
                    await self._reading_arrived.wait()
            if evse_id not in self._interrupted:
                continue  # resumed meanwhile
            self._sessions[evse_id] = EvseSession(state, self._new_id)
            state.ev_connected = state.requesting = state.delivering = False
            log.warning(
                "event=interrupted_transaction evse=%s transaction_id=%s reason=%s",
                evse_id,
                state.transaction.transaction_id if state.transaction else None,
                self.interrupted_reason.value,
            )
            await self._apply(
                evse_id, lambda s, m: s.abort(m, Trigger.AbnormalCondition, self.interrupted_reason)
            )
            snapshot = self._held_snapshots.pop(evse_id, None) or self._snapshots.get(evse_id)
            self._interrupted.pop(evse_id, None)
            if snapshot is not None and snapshot.ev_connected:
                await self.evse_changed(replace(snapshot))
        self._interrupted.clear()
        held, self._held_snapshots = self._held_snapshots, {}
        for snapshot in held.values():
            await self.evse_changed(snapshot)

    def _waiting_for_ev(self, evse_id: int, waiting: bool) -> None:
        """Whether session ``evse_id`` is authorized without an EV: its EVConnectionTimeOut
        runs from the moment it became so."""
        if waiting:
            if evse_id in self._authorized_at:
                return
            self._authorized_at[evse_id] = trio.current_time()
        elif self._authorized_at.pop(evse_id, None) is None:
            return
        self._timeouts_moved()

    def _timeouts_moved(self) -> None:
        self._timeouts_changed.set()
        self._timeouts_changed = trio.Event()

    async def _connection_timeouts(self) -> None:
        """EVConnectionTimeOut: an authorization without EV expires (E03.FR.05, F02)."""
        while True:
            timeout = self._dm.get_float(CONNECTION_TIMEOUT) or 0.0
            deadline = min((t + timeout for t in self._authorized_at.values()), default=math.inf)
            with trio.move_on_at(deadline):
                await self._timeouts_changed.wait()  # not every session change: most move none
                continue
            now = trio.current_time()
            for evse_id, since in list(self._authorized_at.items()):
                if since + timeout <= now:
                    await self._apply(
                        evse_id,
                        lambda s, m: s.end_authorization(
                            m, Trigger.EVConnectTimeout, Reason.Timeout
                        ),
                    )

    async def _periodic_meter_values(self, evse_id: int) -> None:
        """TxUpdatedInterval / TxEndedInterval samples of a running transaction (J02).
        Wakes for its own EVSE's transaction, an interval's change (in force at once) and
        its timers only, not for every change of any session."""
        while True:
            while self._sessions[evse_id].transaction is None:
                await self._periodic_wake[evse_id].wait()
            tx_id = self.transaction_id(evse_id)
            started = trio.current_time()
            updated_at = ended_at = started
            while self.transaction_id(evse_id) == tx_id:
                updated = self._sampled_interval(UPDATED_INTERVAL)
                ended = self._sampled_interval(ENDED_INTERVAL)
                next_update = updated_at + updated if updated > 0 else math.inf
                next_ended = ended_at + ended if ended > 0 else math.inf
                with trio.move_on_at(min(next_update, next_ended)):
                    await self._periodic_wake[evse_id].wait()
                    continue
                now = trio.current_time()
                # Missed by a whole interval (one just made shorter): one sample now, and
                # the next an interval later, not a burst catching up.
                if now >= next_update:
                    updated_at = next_update if now - next_update < updated else now
                    measurands = self._sampled(UPDATED_MEASURANDS)
                    await self._apply(
                        evse_id,
                        _updating(
                            Trigger.MeterValuePeriodic,
                            measurands,
                            ReadingContextEnumType.Sample_Periodic,
                        ),
                    )
                if now >= next_ended:
                    ended_at = next_ended if now - next_ended < ended else now
                    measurands = self._sampled(ENDED_MEASURANDS)
                    await self._apply(
                        evse_id,
                        _recording(measurands, ReadingContextEnumType.Sample_Periodic),
                    )

    async def _aligned_meter_values(self) -> None:
        """Clock-aligned values (J01): MeterValues for idle EVSEs, TransactionEvent with
        MeterValueClock for EVSEs in a transaction; AlignedDataTxEnded samples for Ended."""
        while True:
            interval = self._aligned_interval(ALIGNED_INTERVAL)
            ended_interval = self._aligned_interval(ALIGNED_ENDED_INTERVAL)
            now = trio.current_time()
            next_values = (
                now + self._clock.seconds_until_aligned(interval) if interval > 0 else math.inf
            )
            next_ended = (
                now + self._clock.seconds_until_aligned(ended_interval)
                if ended_interval > 0
                else math.inf
            )
            with trio.move_on_at(min(next_values, next_ended)):
                # A new interval takes effect at once.
                await self._dm_changed(ALIGNED_INTERVAL, ALIGNED_ENDED_INTERVAL, ALIGNED_ENABLED)
                continue
            now = trio.current_time()
            for evse_id in self._evses:
                await self._aligned_for(evse_id, now >= next_values, now >= next_ended)
            # Never evaluate the same aligned instant twice.
            await trio.sleep_until(min(next_values, next_ended) + 0.001)

    async def _aligned_for(self, evse_id: int, due_values: bool, due_ended: bool) -> None:
        session = self._sessions[evse_id]
        if session.transaction is not None:
            if due_values:
                measurands = self._dm.get_list(ALIGNED_MEASURANDS) or ()
                await self._apply(
                    evse_id,
                    lambda s, m: s.meter_update(
                        m, Trigger.MeterValueClock, measurands, ReadingContextEnumType.Sample_Clock
                    ),
                )
            if due_ended:
                measurands = self._dm.get_list(ALIGNED_ENDED_MEASURANDS) or ()
                await self._apply(
                    evse_id, _recording(measurands, ReadingContextEnumType.Sample_Clock)
                )
            return
        if due_values:
            await self.send_meter_values(
                evse_id,
                self._dm.get_list(ALIGNED_MEASURANDS) or (),
                ReadingContextEnumType.Sample_Clock,
            )

    async def send_meter_values(
        self,
        evse_id: int,
        measurands: tuple[str, ...],
        context: ReadingContextEnumType,
        admission: Admission = Admission.NORMAL,
    ) -> bool:
        """A MeterValuesRequest outside a transaction (not queued: dropped when offline)."""
        # The value at this moment, not the sampler's last (up to its interval old).
        await self._fresh_reading(evse_id)
        reading = self._readings.get(evse_id)
        if reading is None:
            log.info("event=meter_values_not_sent evse=%s reason='no meter reading yet'", evse_id)
            return False
        value = meter_value(reading, measurands, context)
        if value is None:
            log.info("event=meter_values_not_sent evse=%s reason='no measurand sampled'", evse_id)
            return False
        try:
            await self._client.call(
                MeterValuesRequest(evse_id=evse_id, meter_value=[value]), admission=admission
            )
        except CallFailed as exc:
            log.info("event=meter_values_not_sent evse=%s reason=%r", evse_id, str(exc))
            return False
        return True

    async def trigger_transaction_event(self, evse_id: int) -> bool:
        """TriggerMessage(TransactionEvent) for one EVSE (F06.FR.07); False if no transaction."""
        if self._sessions[evse_id].transaction is None:
            return False
        measurands = self._dm.get_list(UPDATED_MEASURANDS) or ()
        await self._apply(
            evse_id,
            lambda s, m: s.meter_update(
                m, Trigger.Trigger, measurands, ReadingContextEnumType.Trigger
            ),
        )
        return True

    async def charging_rate_changed(self, evse_id: int) -> bool:
        """The limit offered to a running transaction changed by at least
        SmartChargingCtrlr.LimitChangeSignificance: an Updated event with triggerReason
        ChargingRateChanged and the sampled values. False if no transaction runs."""
        session = self._sessions.get(evse_id)
        if session is None or session.transaction is None:
            return False
        measurands = self._sampled(UPDATED_MEASURANDS)
        await self._apply(
            evse_id,
            lambda s, m: s.meter_update(
                m, Trigger.ChargingRateChanged, measurands, ReadingContextEnumType.Other
            ),
        )
        return True

    def remote_start_id(self, evse_id: int) -> int | None:
        """The remoteStartId of the authorization in force on an EVSE, if it came from a
        RequestStartTransaction."""
        authorization = self._sessions[evse_id].state.authorization
        return authorization.remote_start_id if authorization is not None else None

    async def _dm_changed(self, *keys) -> None:
        event = trio.Event()
        unsubscribes = [self._dm.on_change(k, lambda _: event.set()) for k in keys]
        try:
            await event.wait()
        finally:
            for unsubscribe in unsubscribes:
                unsubscribe()


def _recording(
    measurands: tuple[str, ...], context: ReadingContextEnumType
) -> Callable[[EvseSession, Moment], list[TransactionEventRequest]]:
    """A session step that keeps a sample for the Ended event and sends nothing now."""

    def step(session: EvseSession, moment: Moment) -> list[TransactionEventRequest]:
        session.record_for_end(moment, measurands, context)
        return []

    return step


def _limiting(
    max_energy_wh: float,
) -> Callable[[EvseSession, Moment], list[TransactionEventRequest]]:
    """A session step that caps the energy of an invalidated idToken (E05.FR.02/03)."""

    def step(session: EvseSession, moment: Moment) -> list[TransactionEventRequest]:
        return session.limit_energy(moment, max_energy_wh)

    return step


def _updating(
    trigger: Trigger, measurands: tuple[str, ...], context: ReadingContextEnumType
) -> Callable[[EvseSession, Moment], list[TransactionEventRequest]]:
    """A session step that sends an Updated event with these meter values."""

    def step(session: EvseSession, moment: Moment) -> list[TransactionEventRequest]:
        return session.meter_update(moment, trigger, measurands, context)

    return step
