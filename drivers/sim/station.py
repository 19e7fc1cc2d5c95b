"""`SimulatedStation`: the handle a person, a test or the control socket uses to act on
the simulated hardware of the whole charging station (every EVSE and the card reader)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.sim.card_reader import SimulatedCardReader
from drivers.sim.ev import SimulatedEv
from drivers.sim.evse import SimulatedEvse
from drivers.sim.interlock import InterlockRegion
from drivers.sim.world import FILE_NAME as WORLD_FILE_NAME
from drivers.sim.world import SimWorld

if TYPE_CHECKING:
    from drivers.config import Device, HardwareConfig

#: The faults `SimulatedStation.fault` can inject.
FAULTS = ("rcd", "diode", "welded", "clear")

_DEVICES: tuple[Device, ...] = ("pilot", "relay", "faults", "meter")
_DEVICE_NAMES = {
    "pilot": "control pilot (and so its EV)",
    "relay": "contactor",
    "faults": "RCD input",
    "meter": "meter",
}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SimulatedStation:
    """The simulated EVs, pilots, contactors, RCDs and meters of all EVSEs, and one reader.

    Every method validates its arguments and raises `ValueError` with a message meant
    for the person who typed the command.

    In a configuration that mixes families, ``real_devices`` names the devices of each
    EVSE (``pilot``, ``relay``, ``faults``, ``meter``) and ``real_card_reader`` says
    whether the reader is served by real hardware; acting on the simulated twin of a
    real device is refused, because the station would never see the effect.

    ``interlock_file`` (with ``interlock_window``) creates an `InterlockRegion` there
    that every EVSE publishes its coil commands and heartbeat edges to, so that another
    process can model the interlock when this one is gone.

    ``world_file`` keeps the world outside the station across its restarts, as real
    hardware would (`drivers.sim.world`): the EVs (plugged, state, max current, ignoring
    the PWM, phases, battery and state of charge), the meters' registers and the card on
    the reader start as an earlier simulated station on the same file left them, and are
    recorded there as they change. Without it every simulated station starts with no EV,
    0 Wh and an empty reader.

    ``phases`` (a number or one per EVSE) is the supply's; ``ev_phases``,
    ``ev_capacity_kwh`` (None: no battery model) and ``ev_soc`` describe the EV a fresh
    world starts with.
    """

    def __init__(
        self,
        *,
        now: Callable[[], float],
        wall_clock: Callable[[], datetime] = _utc_now,
        evse_ids: Sequence[int] = (1, 2),
        nominal_voltage: float | Mapping[int, float] = 230.0,
        ev_max_current: float = 32.0,
        card_present_for: float = 1.0,
        relay_feedback_delay: float = 0.0,
        interlock_window: float | None = None,
        interlock_file: Path | None = None,
        real_devices: Mapping[int, Collection[str]] | None = None,
        real_card_reader: bool = False,
        world_file: Path | None = None,
        phases: int | Mapping[int, int] = 1,
        ev_phases: int = 3,
        ev_capacity_kwh: float | None = None,
        ev_soc: float = 20.0,
    ) -> None:
        if list(evse_ids) != list(range(1, len(evse_ids) + 1)):
            raise ValueError(f"EVSE ids must be 1..n in order, got {list(evse_ids)}")

        def voltage(evse_id: int) -> float:
            if isinstance(nominal_voltage, Mapping):
                return nominal_voltage[evse_id]
            return nominal_voltage

        def supply(evse_id: int) -> int:
            return phases[evse_id] if isinstance(phases, Mapping) else phases

        if interlock_file is not None and interlock_window is None:
            raise ValueError("an interlock file needs an interlock window")
        self.world: SimWorld | None = None
        if world_file is not None:
            self.world = SimWorld.open(world_file, len(evse_ids))
        self.interlock_region: InterlockRegion | None = None
        if interlock_file is not None:
            assert interlock_window is not None
            try:
                self.interlock_region = InterlockRegion.create(
                    interlock_file, len(evse_ids), interlock_window
                )
            except BaseException:
                if self.world is not None:
                    self.world.close()
                raise
        self._evses = {
            evse_id: SimulatedEvse(
                evse_id,
                now=now,
                wall_clock=wall_clock,
                nominal_voltage=voltage(evse_id),
                ev_max_current=ev_max_current,
                relay_feedback_delay=relay_feedback_delay,
                interlock_window=interlock_window,
                interlock_region=self.interlock_region,
                world=self.world,
                phases=supply(evse_id),
                ev_phases=ev_phases,
                ev_capacity_kwh=ev_capacity_kwh,
                ev_soc=ev_soc,
            )
            for evse_id in evse_ids
        }
        self.card_reader = SimulatedCardReader(now=now, present_for=card_present_for)
        if self.world is not None:
            if self.world.card is not None and not real_card_reader:
                self.card_reader.hold(self.world.card)
            self.card_reader.on_change = self._keep_card
        self._real = {
            evse_id: frozenset((real_devices or {}).get(evse_id, ())) for evse_id in evse_ids
        }
        self._real_card_reader = real_card_reader

    @classmethod
    def from_config(
        cls,
        config: HardwareConfig,
        *,
        now: Callable[[], float],
        wall_clock: Callable[[], datetime] = _utc_now,
        data_dir: Path | None = None,
    ) -> SimulatedStation:
        """Build the simulation for the EVSEs of ``config`` with its ``[hardware.sim]`` settings.

        With ``data_dir`` and ``persist_world`` on, the world is kept in
        ``data_dir / "sim-world"``; without a ``data_dir`` nothing is kept."""
        world_file = None
        if data_dir is not None and config.sim.persist_world:
            world_file = data_dir / WORLD_FILE_NAME
        return cls(
            now=now,
            wall_clock=wall_clock,
            evse_ids=[evse.id for evse in config.evse],
            nominal_voltage={evse.id: evse.nominal_voltage for evse in config.evse},
            phases={evse.id: evse.phases for evse in config.evse},
            ev_max_current=config.sim.ev_max_current,
            ev_phases=config.sim.ev_phases,
            ev_capacity_kwh=config.sim.ev_capacity_kwh,
            ev_soc=config.sim.ev_soc,
            card_present_for=config.sim.card_present_for,
            relay_feedback_delay=config.sim.relay_feedback_delay,
            interlock_window=config.sim.interlock_window,
            interlock_file=config.sim.interlock_file,
            real_devices={
                evse.id: [d for d in _DEVICES if config.driver_for(d, evse.id) != "sim"]
                for evse in config.evse
            },
            real_card_reader=config.driver_for("rfid") != "sim",
            world_file=world_file,
        )

    def _keep_card(self) -> None:
        if self.world is not None:
            self.world.write_card(self.card_reader.held())

    def close(self) -> None:
        """Record the world as it is now and release the world file and the interlock
        region (after the devices published their last state), so that a simulated
        station started later in this process (after a Reset) can take them."""
        if self.world is not None:
            for evse in self._evses.values():
                evse.keep_in_world()
                evse.detach_world()
            self._keep_card()
            self.world.close()
            self.world = None
        if self.interlock_region is not None:
            for evse in self._evses.values():
                evse.detach_interlock_region()
            self.interlock_region.close()
            self.interlock_region = None

    @property
    def evse_ids(self) -> list[int]:
        """The EVSE ids, 1..n."""
        return list(self._evses)

    def evse(self, evse_id: int) -> SimulatedEvse:
        """One EVSE's simulated hardware: ``pilot``, ``relay``, ``faults``, ``meter``, ``ev``."""
        if isinstance(evse_id, bool) or not isinstance(evse_id, int) or evse_id not in self._evses:
            count = len(self._evses)
            has = "EVSE 1" if count == 1 else f"EVSEs 1-{count}"
            raise ValueError(f"unknown EVSE {evse_id}; this station has {has}")
        return self._evses[evse_id]

    def _simulated(self, evse: int, device: str) -> SimulatedEvse:
        target = self.evse(evse)
        if device in self._real[evse]:
            raise ValueError(
                f"EVSE {evse}'s {_DEVICE_NAMES[device]} is real hardware here; "
                "its simulated twin would change nothing"
            )
        return target

    def plug(self, evse: int) -> None:
        """Plug the EV in: it presents state B (connected, not ready)."""
        self._simulated(evse, "pilot").set_ev_state("B")

    def unplug(self, evse: int) -> None:
        """Unplug the EV: state A."""
        self._simulated(evse, "pilot").set_ev_state("A")

    def set_ev_state(self, evse: int, state: str) -> None:
        """Put the EV into state A-F: B pauses, C/D ask for power, E shorts the pilot."""
        target = self._simulated(evse, "pilot")
        if not isinstance(state, str) or state.upper() not in ("A", "B", "C", "D", "E", "F"):
            raise ValueError(f"ev-state must be one of A-F, got {state!r}")
        target.set_ev_state(state.upper())

    def set_ev_max_current(self, evse: int, amps: float) -> None:
        """Set the EV's own maximum current; 0 A keeps it in C/D without drawing power."""
        self._simulated(evse, "pilot").set_ev_max_current(amps)

    def configure_ev(
        self,
        evse: int,
        *,
        capacity_kwh: float | None = None,
        max_current: float | None = None,
        phases: int | None = None,
        soc: float | None = None,
    ) -> str:
        """Change EVSE ``evse``'s EV (the next one to arrive, or the one plugged in):
        battery capacity (kWh; 0 removes the battery model), own maximum current (A per
        phase), phases (1 or 3) and state of charge (%). Arguments left None stay; a bad
        value changes nothing. Returns the EV as it is now, in words."""
        target = self._simulated(evse, "pilot")
        target.configure_ev(
            capacity_kwh=capacity_kwh, max_current=max_current, phases=phases, soc=soc
        )
        return describe_ev(target.ev)

    def set_ev_soc(self, evse: int, percent: float) -> None:
        """Set the state of charge (%) of EVSE ``evse``'s EV (it needs a battery model)."""
        self._simulated(evse, "pilot").set_ev_soc(percent)

    def inject_pilot_voltage(self, evse: int, high: float, low: float) -> None:
        """Make EVSE ``evse``'s pilot read ``high``/``low`` volts (positive/negative
        plateau), whatever the EV and the output do, until `release_pilot_voltage`."""
        self._simulated(evse, "pilot").inject_pilot_voltage(high, low)

    def release_pilot_voltage(self, evse: int) -> None:
        """The pilot of EVSE ``evse`` reads the modelled EV again."""
        self._simulated(evse, "pilot").release_pilot_voltage()

    def set_ev_ignores_pwm(self, evse: int, ignores: bool) -> None:
        """The EV draws its own maximum current whatever the PWM offers (or behaves again)."""
        if not isinstance(ignores, bool):
            raise ValueError(f"ignore-pwm must be on or off, got {ignores!r}")
        self._simulated(evse, "pilot").set_ev_ignores_pwm(ignores)

    def tap(self, uid_hex: str) -> str:
        """Hold a card to the reader; returns the UID as the reader reports it."""
        if self._real_card_reader:
            raise ValueError("the card reader is real hardware here; tap a real card")
        return self.card_reader.tap(uid_hex)

    def fault(self, evse: int, kind: str) -> None:
        """Inject a fault into one EVSE, or clear all of its faults.

        ``rcd`` trips the RCD, ``diode`` shorts the EV's pilot diode, ``welded`` welds the
        contactor (its contacts stay closed after an open command), ``clear`` undoes them.
        """
        target = self.evse(evse)
        if kind == "rcd":
            self._simulated(evse, "faults").set_rcd_tripped(True)
        elif kind == "diode":
            self._simulated(evse, "pilot").set_diode_fault(True)
        elif kind == "welded":
            self._simulated(evse, "relay").set_welded(True)
        elif kind == "clear":
            target.clear_faults()
        else:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}, got {kind!r}")

    def status(self) -> dict[str, Any]:
        """The hardware side of every EVSE and the card in the field, as a JSON-able dict."""
        evses = {}
        for evse_id, evse in self._evses.items():
            evses[str(evse_id)] = {
                **evse.status(),
                "simulated": [d for d in _DEVICES if d not in self._real[evse_id]],
            }
        return {
            "evses": evses,
            "card_reader": {
                "simulated": not self._real_card_reader,
                "present": self.card_reader.present(),
            },
        }


def describe_ev(ev: SimulatedEv) -> str:
    """An EV's settings in one line (what ``station sim ev`` prints)."""
    battery = (
        "no battery model"
        if ev.battery is None
        else f"{ev.battery.capacity_kwh:g} kWh at {ev.battery.soc:.1f} %"
    )
    return f"{battery}, max {ev.max_current:g} A, {ev.phases} phase{'s' if ev.phases > 1 else ''}"
