"""`build_hardware`: turn a `HardwareConfig` into driver objects.

Concrete families are imported only when the configuration uses them, so importing
`drivers` never loads gpiozero's pin backends, pyserial or pymodbus, and never opens a
port. Devices are created in wiring order; if one cannot be created, everything
created so far is closed again (contactors first) before the error propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.config import EvseHardware, HardwareConfig
from drivers.interfaces import (
    CardReader,
    ContactorRelay,
    ControlPilot,
    DriverError,
    EnergyMeter,
    FaultInputs,
    HeartbeatOutput,
)

if TYPE_CHECKING:
    from drivers.serial.modbus_bus import ModbusRtuBus
    from drivers.sim.station import SimulatedStation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvseDevices:
    """The devices of one EVSE."""

    id: int
    pilot: ControlPilot
    relay: ContactorRelay
    faults: FaultInputs
    meter: EnergyMeter
    #: The output the hardware interlock watches; None when the board has none.
    heartbeat: HeartbeatOutput | None = None


@dataclass(frozen=True)
class Hardware:
    """Everything the station drives: per EVSE its devices, the card reader, and the
    simulation handle when any device is simulated (else None)."""

    evses: tuple[EvseDevices, ...]
    card_reader: CardReader
    sim: SimulatedStation | None = None

    def evse(self, evse_id: int) -> EvseDevices:
        """The devices of EVSE ``evse_id`` (1..n)."""
        if not 1 <= evse_id <= len(self.evses):
            raise ValueError(f"unknown EVSE {evse_id}; this station has EVSEs 1-{len(self.evses)}")
        return self.evses[evse_id - 1]

    def close(self) -> None:
        """Open every contactor, then release all devices; raises one `DriverError` at the end
        naming every device that failed to close."""
        try:
            _close_all(
                [e.relay for e in self.evses]
                + [e.pilot for e in self.evses]
                + [e.faults for e in self.evses]
                + [e.meter for e in self.evses]
                + [e.heartbeat for e in self.evses if e.heartbeat is not None]
                + [self.card_reader]
            )
        finally:
            if self.sim is not None:
                self.sim.close()


def _close_all(devices: list[Any]) -> None:
    failures = []
    for device in devices:
        try:
            device.close()
        except Exception as exc:  # keep releasing the rest; report them all below
            failures.append(f"{type(device).__name__}: {exc}")
    if failures:
        raise DriverError("closing hardware failed: " + "; ".join(failures))


def build_hardware(
    config: HardwareConfig,
    *,
    now: Callable[[], float],
    wall_clock: Callable[[], datetime],
    pin_factory: object | None = None,
    data_dir: Path | None = None,
) -> Hardware:
    """Create the devices ``config`` asks for.

    ``now`` is the monotonic clock of the simulated devices (``trio.current_time``),
    ``wall_clock`` stamps meter samples. ``pin_factory`` is a gpiozero pin factory for
    the gpio devices; by default gpiozero picks one (``GPIOZERO_PIN_FACTORY``).
    ``data_dir`` is the station's data directory, where the simulated devices keep their
    world across restarts (``[hardware.sim] persist_world``); None keeps nothing.
    Raises `DriverError` (usually `DeviceUnavailable`) naming the device that failed.
    Logs each of the configuration's `HardwareConfig.safety_warnings` first.
    """
    for warning in config.safety_warnings():
        log.warning("event=hardware_safety_warning detail=%r", warning)
    builder = _Builder(
        config, now=now, wall_clock=wall_clock, pin_factory=pin_factory, data_dir=data_dir
    )
    try:
        return builder.build()
    except BaseException:
        builder.abandon()
        raise


class _Builder:
    def __init__(
        self,
        config: HardwareConfig,
        *,
        now: Callable[[], float],
        wall_clock: Callable[[], datetime],
        pin_factory: object | None,
        data_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.data_dir = data_dir
        self.now = now
        self.wall_clock = wall_clock
        self.pin_factory = pin_factory
        self.sim: SimulatedStation | None = None
        self.buses: dict[str, ModbusRtuBus] = {}
        self.created: list[Any] = []

    def build(self) -> Hardware:
        if self.config.uses_sim():
            from drivers.sim import SimulatedStation

            self.sim = SimulatedStation.from_config(
                self.config, now=self.now, wall_clock=self.wall_clock, data_dir=self.data_dir
            )
        evses = tuple(self._evse(evse) for evse in self.config.evse)
        card_reader = self._keep(self._card_reader())
        return Hardware(evses=evses, card_reader=card_reader, sim=self.sim)

    def abandon(self) -> None:
        relays_first = sorted(self.created, key=lambda d: not isinstance(d, ContactorRelay))
        try:
            _close_all(relays_first)
        except DriverError:
            pass  # the error that stopped the build is the one to report
        finally:
            if self.sim is not None:
                # Releases the world file and the interlock region, so that a retry in
                # this process can take them again.
                self.sim.close()

    def _keep(self, device: Any) -> Any:
        self.created.append(device)
        return device

    def _evse(self, evse: EvseHardware) -> EvseDevices:
        return EvseDevices(
            id=evse.id,
            relay=self._keep(self._relay(evse)),
            pilot=self._keep(self._pilot(evse)),
            faults=self._keep(self._faults(evse)),
            meter=self._keep(self._meter(evse)),
            heartbeat=self._keep_optional(self._heartbeat(evse)),
        )

    def _keep_optional(self, device: Any) -> Any:
        return None if device is None else self._keep(device)

    def _heartbeat(self, evse: EvseHardware) -> HeartbeatOutput | None:
        # The interlock sits in the coil's circuit, so the relay's family serves it.
        if self.config.driver_for("relay", evse.id) == "sim":
            return self._sim_evse(evse.id).heartbeat
        pin = evse.relay.heartbeat_pin
        if pin is None:
            log.warning(
                "event=no_heartbeat_output evse=%s hint=%r",
                evse.id,
                "set relay.heartbeat_pin and fit the interlock: without it a dead process "
                "leaves the contactor as it was",
            )
            return None
        from drivers.gpio import GpioHeartbeat

        return GpioHeartbeat(
            pin, pin_factory=self.pin_factory, name=f"EVSE {evse.id} heartbeat on GPIO{pin}"
        )

    def _sim_evse(self, evse_id: int) -> Any:
        assert self.sim is not None
        return self.sim.evse(evse_id)

    def _relay(self, evse: EvseHardware) -> ContactorRelay:
        if self.config.driver_for("relay", evse.id) == "sim":
            return self._sim_evse(evse.id).relay
        from drivers.gpio import GpioContactorRelay

        relay = evse.relay
        assert relay.pin is not None  # checked by HardwareConfig
        return GpioContactorRelay(
            relay.pin,
            active_high=relay.active_high,
            feedback_pin=relay.feedback_pin if relay.feedback else None,
            feedback_active_high=relay.feedback_active_high,
            feedback_pull=relay.feedback_pull,
            pin_factory=self.pin_factory,
            name=f"EVSE {evse.id} contactor",
        )

    def _pilot(self, evse: EvseHardware) -> ControlPilot:
        if self.config.driver_for("pilot", evse.id) == "sim":
            return self._sim_evse(evse.id).pilot
        from drivers.gpio import (
            BenchPilotPwm,
            ChannelScale,
            GpioControlPilot,
            PeakDetectorSensor,
            SysfsPilotPwm,
        )

        pilot = evse.pilot
        name = f"EVSE {evse.id} control pilot"
        pwm: Any
        if pilot.output == "hardware_pwm":
            assert pilot.pwm_channel is not None
            pwm = SysfsPilotPwm(
                pilot.pwm_chip,
                pilot.pwm_channel,
                inverted=pilot.inverted,
                root=pilot.sysfs_root,
                name=f"{name} PWM",
            )
        else:
            assert pilot.pwm_pin is not None
            pwm = BenchPilotPwm(
                pilot.pwm_pin,
                inverted=pilot.inverted,
                pin_factory=self.pin_factory,
                name=f"{name} PWM",
            )
        try:
            assert pilot.positive_channel is not None and pilot.negative_channel is not None
            assert pilot.reset_pin is not None
            sensor = PeakDetectorSensor(
                positive_channel=pilot.positive_channel,
                negative_channel=pilot.negative_channel,
                reset_pin=pilot.reset_pin,
                adc_chip=pilot.adc_chip,
                spi_device=pilot.spi_device,
                vref=pilot.adc_vref,
                positive_scale=ChannelScale(pilot.positive_gain, pilot.positive_offset),
                negative_scale=ChannelScale(pilot.negative_gain, pilot.negative_offset),
                reset_active_high=pilot.reset_active_high,
                reset_time=pilot.reset_time,
                settle_time=pilot.settle_time,
                pin_factory=self.pin_factory,
                name=f"{name} peak detectors",
            )
        except BaseException:
            pwm.close()
            raise
        return GpioControlPilot(
            pwm,
            sensor,
            enable_pin=pilot.enable_pin,
            enable_active_high=pilot.enable_active_high,
            pin_factory=self.pin_factory,
            name=name,
        )

    def _faults(self, evse: EvseHardware) -> FaultInputs:
        if self.config.driver_for("faults", evse.id) == "sim":
            return self._sim_evse(evse.id).faults
        from drivers.gpio import GpioFaultInputs

        faults = evse.faults
        assert faults.rcd_pin is not None
        return GpioFaultInputs(
            faults.rcd_pin,
            rcd_active_high=faults.rcd_active_high,
            rcd_pull=faults.rcd_pull,
            pin_factory=self.pin_factory,
            name=f"EVSE {evse.id} fault inputs",
        )

    def _meter(self, evse: EvseHardware) -> EnergyMeter:
        if self.config.driver_for("meter", evse.id) == "sim":
            return self._sim_evse(evse.id).meter
        from drivers.serial import ModbusRtuBus, SdmMeter

        meter = evse.meter
        bus = self.buses.get(meter.port)
        if bus is None:
            bus = self.buses[meter.port] = ModbusRtuBus(
                meter.port,
                baudrate=meter.baudrate,
                parity=meter.parity,
                stopbits=meter.stopbits,
                timeout=meter.timeout,
                retries=meter.retries,
            )
        assert meter.unit_id is not None
        return SdmMeter(bus, meter.unit_id, model=meter.model, wall_clock=self.wall_clock)

    def _card_reader(self) -> CardReader:
        if self.config.driver_for("rfid") == "sim":
            assert self.sim is not None
            return self.sim.card_reader
        from drivers.serial import Pn532CardReader

        rfid = self.config.rfid
        return Pn532CardReader(
            rfid.port,
            baudrate=rfid.baudrate,
            max_retries=rfid.max_retries,
            ack_timeout=rfid.ack_timeout,
            response_timeout=rfid.response_timeout,
        )
