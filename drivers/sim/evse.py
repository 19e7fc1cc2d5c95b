"""The simulated hardware of one EVSE, and the physics that ties its devices together.

One `SimulatedEvse` holds the state of the line: what the pilot drives, where the
contactor's contacts are, whether the RCD tripped, which EV is plugged in and how much
energy has flowed. The four device objects (`SimulatedPilot`, `SimulatedRelay`,
`SimulatedFaultInputs`, `SimulatedMeter`) are thin views on it that implement the
driver interfaces, so the current the meter sees always follows from what the
controller did to the pilot and the relay and from what the EV asks for.

Energy is integrated lazily: every change that can alter the current first accounts for
the time since the previous change, using the injected monotonic clock. With trio's
MockClock the numbers are exactly reproducible. An EV with a battery (`drivers.sim.ev`)
stores the share of that metered energy its charger passes on, so its state of charge
follows exactly what the meter counts; while the battery tapers the integration takes
steps of at most `_TAPER_STEP` seconds, and it stops at the moment the battery is full
(the EV then leaves state C for B by itself).

While current flows, the EV follows a new PWM offer after `drivers.sim.ev.RESPONSE_TIME`
(IEC 61851-1 allows 5 s), so a lowered offer shows on the meter a moment later, as on a
real car. The offer an EV sees before it draws anything takes effect at once.

With ``interlock_window`` set, the EVSE also models the hardware interlock of the
reference circuit: a retriggerable monostable fed by the control loop's heartbeat output
(`SimulatedHeartbeat`). While it sees an edge at least every ``interlock_window``
seconds, the contactor coil and the pilot follow their commands; once the edges stop
for longer, the coil drops (the contacts open unless welded) and the pilot output stage
shows a steady +12 V ("no energy offered": state A, or B1/C1 with an EV), whatever the
software commands, until the edges come back. Before the first edge the interlock is
open, as on the real board. A control loop at its idle rate sends no edges: it commands
what the open interlock holds (coil off, +12 V), so the line reads the same.

With an `InterlockRegion` as well, every coil command and heartbeat edge is also
published there, so that a process other than this one can model the interlock (and see
it drop when this process is killed); see `drivers.sim.interlock`.

With a `SimWorld`, the EV (with its battery) and the meter's registers start as the world
file left them and are recorded there as they change (the registers and the state of
charge on every meter sample), so that they survive a restart of the station; see
`drivers.sim.world`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from drivers.interfaces import (
    DeviceTimeout,
    DeviceUnavailable,
    MeterSample,
    PilotReading,
    ProtocolFault,
)
from drivers.sim.ev import (
    CHARGER_EFFICIENCY,
    EV_STATES,
    KNEE_SOC,
    MAX_CAPACITY_KWH,
    MAX_PILOT_CURRENT,
    RESPONSE_TIME,
    Battery,
    PilotOutput,
    SimulatedEv,
    offered_current,
    pilot_levels,
)
from drivers.sim.world import EvseWorld, SimWorld

if TYPE_CHECKING:
    from drivers.sim.interlock import InterlockRegion

#: Power factor of the simulated on-board charger while it draws current.
_CHARGING_POWER_FACTOR = 0.99
#: Source impedance of the simulated supply (V per A): the voltage sags under load.
_SUPPLY_DROP_PER_AMP = 0.03
#: Longest integration step while the battery tapers (s): the current changes with the
#: state of charge, so it is taken as constant over this long at most.
_TAPER_STEP = 10.0


class ContactorInputs(NamedTuple):
    """The hardware facts the contactor's conditions depend on (`contactor_inputs`)."""

    contacts_closed: bool
    welded: bool
    ev_state: str
    diode_fault: bool
    rcd_tripped: bool
    pwm_on: bool  # the pilot offers a PWM duty cycle


class SimulatedEvse:
    """Simulated pilot, contactor, RCD, meter and EV of one EVSE.

    ``now`` is a monotonic clock in seconds (the station passes ``trio.current_time``),
    ``wall_clock`` gives the timestamps of meter samples. ``relay_feedback_delay`` is the
    time the mirror contact takes to follow a command. ``interlock_region`` receives
    the coil commands and heartbeat edges (slot ``evse_id``) for outside observers.
    ``world`` restores the EV and the meter registers of a previous run and keeps them.
    ``phases`` is the supply's (1 or 3); the EV draws on as many of them as its own
    ``ev_phases`` allow. ``ev_capacity_kwh`` (None: no battery model) and ``ev_soc`` are
    the battery a fresh EV starts with.
    """

    def __init__(
        self,
        evse_id: int,
        *,
        now: Callable[[], float],
        wall_clock: Callable[[], datetime],
        nominal_voltage: float = 230.0,
        ev_max_current: float = 32.0,
        relay_feedback_delay: float = 0.0,
        interlock_window: float | None = None,
        interlock_region: InterlockRegion | None = None,
        world: SimWorld | None = None,
        phases: int = 1,
        ev_phases: int = 3,
        ev_capacity_kwh: float | None = None,
        ev_soc: float = 20.0,
    ) -> None:
        self.id = evse_id
        self.ev = SimulatedEv(
            max_current=ev_max_current,
            phases=ev_phases,
            battery=None if ev_capacity_kwh is None else Battery(ev_capacity_kwh, ev_soc),
        )
        self._supply_phases = phases
        self._now = now
        self._wall_clock = wall_clock
        self._nominal_voltage = nominal_voltage
        self._feedback_delay = relay_feedback_delay
        self._output = PilotOutput.HIGH
        self._duty: float | None = None
        self._commanded = False
        self._contacts = False
        self._pending: tuple[float, bool] | None = None  # (when, contacts closed)
        self._welded = False
        self._rcd_tripped = False
        #: None, or how the meter fails: "error" (it answers garbage) or "hang" (it does
        #: not answer; a real driver's call then times out).
        self.meter_failure: str | None = None
        self._energy_wh = 0.0
        self._export_wh = 0.0
        self._world = world
        #: What `_keep` wrote last: the same again is not written (an idle EVSE's
        #: registers, sampled every meter interval, do not move).
        self._kept: EvseWorld | None = None
        kept = world.evse(evse_id) if world is not None else None
        if kept is not None:
            self.ev = SimulatedEv(
                state=kept.ev_state,
                max_current=kept.ev_max_current,
                ignores_pwm=kept.ev_ignores_pwm,
                phases=kept.ev_phases,
                battery=None if kept.battery_kwh is None else Battery(kept.battery_kwh, kept.soc),
                full=kept.ev_full,
            )
            self._energy_wh = kept.energy_import_wh
            self._export_wh = kept.energy_export_wh
        #: The PWM offer as the EV has taken it in (A), and a newer one it will follow
        #: at (when, amperes).
        self._ev_offer = 0.0
        self._offer_change: tuple[float, float] | None = None
        self._last = now()
        self._injected: tuple[float, float] | None = None  # raw (high, low) plateaus
        self._interlock_window = interlock_window
        self._last_beat: float | None = None
        self._interlock_open = interlock_window is not None
        self.interlock_opened_at: float | None = None
        self._region = interlock_region
        self.pilot = SimulatedPilot(self)
        self.relay = SimulatedRelay(self)
        self.faults = SimulatedFaultInputs(self)
        self.meter = SimulatedMeter(self)
        self.heartbeat = SimulatedHeartbeat(self)
        #: Called after every change of the inputs a control loop reads (EV state, a
        #: fault, an injected voltage): a loop that sleeps while idle wakes on it.
        self.on_input: Callable[[], None] | None = None
        self._keep()  # a fresh world starts with this EV (the configured max current)

    # -- what a person or a test does to the hardware ---------------------------------

    def set_ev_state(self, state: str) -> None:
        """Put the EV into IEC 61851-1 state ``state`` (A unplugs it, B-F plug it in).

        An EV whose battery is full does not ask for power: C or D leave it in B."""
        if state not in EV_STATES:
            raise ValueError(f"ev-state must be one of A-F, got {state!r}")
        self._advance()
        self.ev.state = state
        self.ev.full = False
        self._settle_battery()
        self._keep()
        self._input()

    def configure_ev(
        self,
        *,
        capacity_kwh: float | None = None,
        max_current: float | None = None,
        phases: int | None = None,
        soc: float | None = None,
    ) -> None:
        """Change the EV: its battery's capacity (0: no battery model), its own maximum
        current, its phases, its state of charge. Arguments left None stay as they are;
        every value is checked before any is applied, so a bad one changes nothing."""
        capacity = _capacity(capacity_kwh) if capacity_kwh is not None else None
        amps = _max_current(max_current) if max_current is not None else None
        if phases is not None and (isinstance(phases, bool) or phases not in (1, 3)):
            raise ValueError(f"phases must be 1 or 3, got {phases!r}")
        percent = _soc(soc) if soc is not None else None
        has_battery = self.ev.battery is not None if capacity is None else capacity > 0
        if percent is not None and not has_battery:
            raise ValueError(
                f"EVSE {self.id}'s EV has no battery model; give it a capacity to set its SoC"
            )
        self._advance()
        if capacity is not None:
            if capacity == 0:
                self.ev.battery = None
            elif self.ev.battery is None:
                self.ev.battery = Battery(capacity, percent if percent is not None else 20.0)
            else:
                self.ev.battery.capacity_kwh = capacity
        if amps is not None:
            self.ev.max_current = amps
        if phases is not None:
            self.ev.phases = phases
        if percent is not None:
            assert self.ev.battery is not None
            self.ev.battery.soc = percent
        self._settle_battery()
        self._keep()
        self._input()

    def set_ev_soc(self, percent: float) -> None:
        """Set the EV's state of charge (%); needs a battery model."""
        self.configure_ev(soc=percent)

    def set_ev_max_current(self, amps: float) -> None:
        """Set the EV's own current limit (0 A: stays in C/D but draws nothing)."""
        self.configure_ev(max_current=amps)

    def set_diode_fault(self, failed: bool) -> None:
        """Short (``True``) or repair the EV's pilot diode."""
        self._advance()
        self.ev.diode_fault = failed
        self._input()

    def set_rcd_tripped(self, tripped: bool) -> None:
        """Trip or reset the residual-current device; a trip interrupts the supply."""
        self._advance()
        self._rcd_tripped = tripped
        self._input()

    def set_welded(self, welded: bool) -> None:
        """Weld the contactor (its contacts no longer open) or free it again."""
        self._advance()
        self._welded = welded
        if welded:
            if self._contacts and self._pending is not None and not self._pending[1]:
                self._pending = None  # an opening in progress never completes
        elif self._contacts and (not self._commanded or self._interlock_open):
            self._pending = None
            self._contacts = False
        self._input()

    def inject_pilot_voltage(self, high: float, low: float) -> None:
        """Make the peak detectors read ``high``/``low`` volts (positive/negative plateau)
        whatever the EV and the output do, until `release_pilot_voltage`."""
        for name, value in (("positive", high), ("negative", low)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} plateau must be a number of volts, got {value!r}")
            if not (math.isfinite(value) and -15.0 <= value <= 15.0):
                raise ValueError(f"{name} plateau must be between -15 and 15 V, got {value}")
        self._injected = (float(high), float(low))
        self._input()

    def release_pilot_voltage(self) -> None:
        """Readings follow the modelled EV again."""
        self._injected = None
        self._input()

    def set_ev_ignores_pwm(self, ignores: bool) -> None:
        """An EV that draws its own maximum current whatever the PWM offers (a broken or
        misreading on-board charger), as long as the contactor is closed and it is in C/D."""
        self._advance()
        self.ev.ignores_pwm = bool(ignores)
        self._keep()
        self._input()

    def _input(self) -> None:
        if self.on_input is not None:
            self.on_input()

    def keep_in_world(self) -> None:
        """Record the EV and the registers as they are now (before the world closes)."""
        self._advance()
        self._keep()

    def detach_world(self) -> None:
        """Stop recording to the world file (it is being closed)."""
        self._world = None

    def _keep(self) -> None:
        if self._world is None:
            return
        state = EvseWorld(
            ev_state=self.ev.state,
            ev_max_current=self.ev.max_current,
            ev_ignores_pwm=self.ev.ignores_pwm,
            energy_import_wh=self._energy_wh,
            energy_export_wh=self._export_wh,
            ev_phases=self.ev.phases,
            battery_kwh=None if self.ev.battery is None else self.ev.battery.capacity_kwh,
            soc=0.0 if self.ev.battery is None else self.ev.battery.soc,
            ev_full=self.ev.full,
        )
        if state != self._kept:
            self._world.write_evse(self.id, state)
            self._kept = state

    def detach_interlock_region(self) -> None:
        """Stop publishing to the interlock region (it is being closed)."""
        self._region = None

    def clear_faults(self) -> None:
        """Reset the RCD, repair the EV's diode and free a welded contactor."""
        self.set_rcd_tripped(False)
        self.set_diode_fault(False)
        self.set_welded(False)

    def contactor_inputs(self) -> ContactorInputs:
        """What decides whether the contactor may be closed, as it is now: `status`
        without the meter's figures (checked after every step by the simulator)."""
        self._advance()
        return ContactorInputs(
            contacts_closed=self._contacts,
            welded=self._welded,
            ev_state=self.ev.state,
            diode_fault=self.ev.diode_fault,
            rcd_tripped=self._rcd_tripped,
            pwm_on=self._effective_output() is PilotOutput.PWM
            and self._duty is not None
            and not self._interlock_open,
        )

    def next_change_at(self) -> float:
        """When what a control loop reads here next changes by itself: contacts that
        finish moving, the EV following a new offer, the battery reaching its knee, a
        step of its taper or full (the EV then stops asking: C becomes B); inf if
        nothing is under way. Every other change comes from outside and calls
        `on_input`."""
        self._advance()
        moment = math.inf
        if self._pending is not None:
            moment = self._pending[0]
        if self._offer_change is not None:
            moment = min(moment, self._offer_change[0])
        battery = self.ev.battery
        current = self._current()
        if battery is not None and current > 0:
            # As `_integrate` steps: to the knee, or to full a taper step at most.
            reach, _ = self._battery_reach(battery, current)
            if battery.soc >= KNEE_SOC:
                reach = min(reach, self._last + _TAPER_STEP)
            moment = min(moment, reach)
        return moment

    def _battery_reach(self, battery: Battery, current: float) -> tuple[float, float]:
        """When the battery, charged at ``current`` from now on, reaches the next state of
        charge where its current changes (the knee, or full), and that state of charge."""
        target = KNEE_SOC if battery.soc < KNEE_SOC else 100.0
        power = self._power(self._voltage(self._last, current), current)
        stored_wh = (target - battery.soc) / 100.0 * battery.capacity_kwh * 1000.0
        return self._last + stored_wh / (power * CHARGER_EFFICIENCY) * 3600.0, target

    def contacts_open_at_rest(self) -> bool:
        """The contacts are open and no closing is under way: what `contactor_inputs`
        would say about them, without accounting for the time since the last change
        (cheap enough for the simulator's check after every step)."""
        return not self._contacts and (self._pending is None or not self._pending[1])

    def status(self) -> dict[str, Any]:
        """The hardware side of this EVSE as a JSON-able dict."""
        self._advance()
        high, low = self._pilot_levels()
        current = self._current()
        voltage = self._voltage(self._last, current)
        battery = self.ev.battery
        result: dict[str, Any] = {
            "ev": {
                "state": self.ev.state,
                "plugged": self.ev.plugged,
                "max_current": self.ev.max_current,
                "diode_fault": self.ev.diode_fault,
                "ignores_pwm": self.ev.ignores_pwm,
                "phases": self.ev.phases,
                "capacity_kwh": None if battery is None else battery.capacity_kwh,
                "soc": None if battery is None else round(battery.soc, 2),
                "full": self.ev.full,
            },
            "pilot": {
                "output": self._effective_output().value,
                "duty": self._duty if not self._interlock_open else None,
                "high": high,
                "low": low,
                "injected": self._injected is not None,
            },
            "relay": {
                "commanded": self._commanded,
                "feedback": self._contacts,
                "welded": self._welded,
            },
            "rcd_tripped": self._rcd_tripped,
            "meter": {
                "voltage": round(voltage, 2),
                "current": round(current, 3),
                "power": round(self._power(voltage, current), 1),
                "energy_import_wh": round(self._energy_wh, 3),
                "energy_export_wh": round(self._export_wh, 3),
            },
        }
        if self._interlock_window is not None:
            result["interlock"] = {
                "window": self._interlock_window,
                "open": self._interlock_open,
                "opened_at": self.interlock_opened_at,
            }
        return result

    # -- physics ----------------------------------------------------------------------

    def _advance(self) -> None:
        """Account for the time since the last change, including a contact movement and
        the interlock dropping, in the order they happened."""
        moment = self._now()
        drop = self._interlock_deadline()
        if (
            (self._pending is None or self._pending[0] > moment)
            and (drop is None or drop > moment)
            and (self._offer_change is None or self._offer_change[0] > moment)
        ):
            # Nothing moved: the common case, read many times (three times a control
            # period, at the same moment after the first).
            if moment > self._last:
                self._integrate(moment)
            return
        changes: list[tuple[float, str]] = []
        if self._pending is not None and self._pending[0] <= moment:
            changes.append((self._pending[0], "contacts"))
        if drop is not None and drop <= moment:
            changes.append((drop, "interlock"))
        if self._offer_change is not None and self._offer_change[0] <= moment:
            changes.append((self._offer_change[0], "offer"))
        for when, change in sorted(changes):
            self._integrate(when)
            if change == "offer":
                assert self._offer_change is not None
                self._ev_offer = self._offer_change[1]
                self._offer_change = None
            elif change == "contacts":
                assert self._pending is not None
                closed = self._pending[1]
                self._pending = None
                self._contacts = closed and not self._interlock_open
            else:
                self._interlock_open = True
                self.interlock_opened_at = when
                if not self._welded:
                    self._contacts = False
                    self._pending = None
        self._integrate(moment)

    def _interlock_deadline(self) -> float | None:
        if self._interlock_window is None or self._interlock_open or self._last_beat is None:
            return None
        return self._last_beat + self._interlock_window

    def _beat(self) -> None:
        """One heartbeat edge: the monostable is retriggered (and re-enables the coil)."""
        self._advance()
        self._last_beat = self._last
        if self._region is not None:
            self._region.publish_edge(self.id)
        if self._interlock_open and self._interlock_window is not None:
            self._interlock_open = False
            self._move_contacts(self._commanded)

    def _effective_output(self) -> PilotOutput:
        # The open interlock forces the output stage's input high (PWM OR NOT Q): the
        # line sits at a steady +12 V whatever the software drives.
        return PilotOutput.HIGH if self._interlock_open else self._output

    def _pilot_levels(self) -> tuple[float, float]:
        if self._injected is not None:
            return self._injected
        return pilot_levels(self._effective_output(), self.ev)

    def _integrate(self, moment: float) -> None:
        while moment > self._last:
            current = self._current()
            end = moment
            battery = self.ev.battery
            if current <= 0:
                self._last = end
                return
            boundary = None  # the state of charge this step ends at, when it reaches one
            if battery is not None:
                # Steps end where the current changes: at the knee, at full, and every
                # _TAPER_STEP while it tapers.
                reach, target = self._battery_reach(battery, current)
                if battery.soc >= KNEE_SOC:
                    end = min(end, self._last + _TAPER_STEP)
                if reach <= end:
                    end, boundary = reach, target
            middle = (self._last + end) / 2
            energy = self._power(self._voltage(middle, current), current) * (end - self._last)
            self._energy_wh += energy / 3600.0
            if battery is not None:
                battery.charge(energy / 3600.0 * CHARGER_EFFICIENCY)
                if boundary is not None:
                    battery.soc = boundary  # no rounding dust at the knee or at full
            self._last = max(end, math.nextafter(self._last, math.inf))
            self._settle_battery()

    def _settle_battery(self) -> None:
        """A full battery makes the EV open S2 (C/D -> B): it stops drawing, and the
        station sees an EV that takes no current (SuspendedEV). An EV that stopped full
        asks again once its state of charge is set lower."""
        battery = self.ev.battery
        if battery is not None and battery.full and self.ev.wants_power:
            self.ev.state = "B"
            self.ev.full = True
            self._keep()
        elif self.ev.full and (battery is None or not battery.full):
            self.ev.full = False
            if self.ev.state == "B":
                self.ev.state = "C"
            self._keep()

    def _flowing(self) -> bool:
        return self._contacts and not self._rcd_tripped and self.ev.wants_power

    def _current(self) -> float:
        """Current per phase (A)."""
        if not self._flowing():
            return 0.0
        limit = self.ev.current_limit()
        if self.ev.ignores_pwm:
            return limit
        if self._effective_output() is not PilotOutput.PWM or self._duty is None:
            return 0.0
        return min(limit, self._ev_offer)

    def _phases(self) -> int:
        return min(self.ev.phases, self._supply_phases)

    def _power(self, voltage: float, current: float) -> float:
        """Active power (W) of ``current`` A per phase on the phases the EV uses."""
        return voltage * current * self._power_factor(current) * self._phases()

    def _voltage(self, moment: float, current: float) -> float:
        # A slow, deterministic wander of ±0.5 % plus the sag under load.
        wander = 0.005 * math.sin(2 * math.pi * moment / 300.0)
        return self._nominal_voltage * (1 + wander) - _SUPPLY_DROP_PER_AMP * current

    @staticmethod
    def _frequency(moment: float) -> float:
        return 50.0 + 0.02 * math.sin(2 * math.pi * moment / 120.0)

    @staticmethod
    def _power_factor(current: float) -> float:
        return _CHARGING_POWER_FACTOR if current > 0 else 1.0

    # -- used by the device views -----------------------------------------------------

    def _drive_pilot(self, output: PilotOutput, duty: float | None) -> None:
        self._advance()
        self._output = output
        self._duty = duty
        offer = offered_current(duty) if output is PilotOutput.PWM and duty is not None else 0.0
        if not self._flowing():
            # Nothing to follow yet: the EV sees the duty as it is when it starts drawing.
            self._ev_offer, self._offer_change = offer, None
        elif offer == self._ev_offer:
            self._offer_change = None
        elif self._offer_change is None or self._offer_change[1] != offer:
            self._offer_change = (self._last + RESPONSE_TIME, offer)

    def _command_relay(self, closed: bool) -> None:
        self._advance()
        self._commanded = closed
        if self._region is not None:
            self._region.publish_coil(self.id, closed)
        self._move_contacts(closed)

    def _move_contacts(self, closed: bool) -> None:
        closed = closed and not self._interlock_open  # no coil current without the interlock
        if self._welded and self._contacts:
            self._pending = None
            return
        if self._feedback_delay <= 0:
            self._pending = None
            self._contacts = closed
        elif closed != self._contacts:
            self._pending = (self._last + self._feedback_delay, closed)
        else:
            self._pending = None

    def _contacts_closed(self) -> bool:
        self._advance()
        return self._contacts

    def _sample(self) -> MeterSample:
        self._advance()
        current = self._current()
        voltage = self._voltage(self._last, current)
        power_factor = self._power_factor(current)
        # The registers go to the world file once per sample: after a SIGKILL the meter
        # resumes at the last value the station read, never below it.
        self._keep()
        return MeterSample(
            timestamp=self._wall_clock(),
            voltage=voltage,
            current=current,
            power=self._power(voltage, current),
            power_factor=power_factor,
            frequency=self._frequency(self._last),
            energy_import_wh=self._energy_wh,
            energy_export_wh=self._export_wh,
            # What an ISO 15118 EV would tell the station; unknown without a battery model.
            soc=self.ev.soc,
        )


def _capacity(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"capacity must be a number of kWh, got {value!r}")
    if value != 0 and not 1 <= value <= MAX_CAPACITY_KWH:
        raise ValueError(
            f"capacity must be between 1 and {MAX_CAPACITY_KWH:g} kWh (0: no battery model), "
            f"got {value:g}"
        )
    return float(value)


def _max_current(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"max-current must be a number of amperes, got {value!r}")
    if not 0 <= value <= MAX_PILOT_CURRENT:
        raise ValueError(f"max-current must be between 0 and 80 A, got {value:g}")
    return float(value)


def _soc(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"soc must be a number of percent, got {value!r}")
    if not 0 <= value <= 100:
        raise ValueError(f"soc must be between 0 and 100 %, got {value:g}")
    return float(value)


class _View:
    """Common part of the device views: a name for messages and the closed flag."""

    blocking: ClassVar[bool] = False
    _kind: ClassVar[str] = "device"

    def __init__(self, evse: SimulatedEvse) -> None:
        self._evse = evse
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise DeviceUnavailable(f"simulated {self._kind} of EVSE {self._evse.id} is closed")


class SimulatedPilot(_View):
    """`ControlPilot` whose readings follow the simulated EV and the commanded output."""

    _kind = "control pilot"

    def set_high(self) -> None:
        """Drive a steady +12 V."""
        self._check_open()
        self._evse._drive_pilot(PilotOutput.HIGH, None)

    def set_duty(self, percent: float) -> None:
        """Drive 1 kHz PWM with ``percent`` positive duty (0 < percent < 100)."""
        self._check_open()
        if isinstance(percent, bool) or not isinstance(percent, int | float):
            raise ValueError(f"duty must be a number of percent, got {percent!r}")
        if not (math.isfinite(percent) and 0 < percent < 100):
            raise ValueError(f"duty must be above 0 and below 100 %, got {percent}")
        self._evse._drive_pilot(PilotOutput.PWM, float(percent))

    def set_negative(self) -> None:
        """Drive a steady -12 V (state F)."""
        self._check_open()
        self._evse._drive_pilot(PilotOutput.NEGATIVE, None)

    def read(self) -> PilotReading:
        """The plateaus the peak detectors would hold right now."""
        self._check_open()
        evse = self._evse
        evse._advance()
        high, low = evse._pilot_levels()
        return PilotReading(high=high, low=low)

    def close(self) -> None:
        """Leave the pilot at -12 V (EVSE not available)."""
        if not self._closed:
            self._evse._drive_pilot(PilotOutput.NEGATIVE, None)
        self._closed = True


class SimulatedRelay(_View):
    """`ContactorRelay` with a mirror contact; can be welded by `SimulatedEvse.set_welded`."""

    _kind = "contactor"

    def set_closed(self, closed: bool) -> None:
        """Command the contactor closed or open."""
        self._check_open()
        self._evse._command_relay(bool(closed))

    def feedback(self) -> bool:
        """True while the contacts are closed (welded contacts stay closed)."""
        self._check_open()
        return self._evse._contacts_closed()

    def close(self) -> None:
        """Command the contactor open and release it."""
        if not self._closed:
            self._evse._command_relay(False)
        self._closed = True


class SimulatedHeartbeat(_View):
    """`HeartbeatOutput` that retriggers the EVSE's simulated interlock."""

    _kind = "heartbeat output"

    def toggle(self) -> None:
        """One edge."""
        self._check_open()
        self._evse._beat()

    def close(self) -> None:
        """Stop toggling: the interlock drops after its window."""
        self._closed = True


class SimulatedFaultInputs(_View):
    """`FaultInputs` whose RCD trips through `SimulatedEvse.set_rcd_tripped`."""

    _kind = "fault inputs"

    def rcd_tripped(self) -> bool:
        """True while the simulated RCD is tripped."""
        self._check_open()
        return self._evse._rcd_tripped

    def close(self) -> None:
        """Release the inputs."""
        self._closed = True


class SimulatedMeter(_View):
    """`EnergyMeter` that measures the simulated EV's current and integrates energy."""

    _kind = "energy meter"

    def sample(self) -> MeterSample:
        """Voltage, current, power and the cumulative energy at this moment."""
        self._check_open()
        failure = self._evse.meter_failure
        if failure == "error":
            raise ProtocolFault(f"simulated energy meter of EVSE {self._evse.id}: bad frame")
        if failure == "hang":
            raise DeviceTimeout(f"simulated energy meter of EVSE {self._evse.id} did not answer")
        return self._evse._sample()

    def close(self) -> None:
        """Release the meter."""
        self._closed = True
