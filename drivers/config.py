"""Hardware configuration: which driver family serves each device, and its settings.

This is the ``[hardware]`` table of the station's TOML file. It lives in ``drivers`` so
that the station can validate a configuration without importing any concrete driver.

``[hardware] driver`` picks the default family: ``"sim"`` simulates everything,
``"gpio"`` drives the pilot, the contactor and the fault inputs through the Pi's GPIO
(gpiozero, kernel PWM, an MCP3xxx ADC) and reads the meters and the card reader over
serial ports. Any device section may override the family with its own ``driver`` key,
e.g. a bench Pi without a meter sets ``[hardware.evse.meter] driver = "sim"``.

The GPIO pins and ADC channels of EVSEs 1 and 2 default to the wiring table in
`drivers.gpio`; a station with more EVSEs must name them. All pin numbers are BCM GPIO
numbers, not header pin numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drivers.wiring import DEFAULT_EVSE_IDS, evse_defaults

Family = Literal["sim", "gpio", "serial"]
#: The devices a driver family serves (`HardwareConfig.driver_for`).
Device = Literal["pilot", "relay", "faults", "meter", "rfid"]
AdcChip = Literal["MCP3002", "MCP3004", "MCP3008", "MCP3202", "MCP3204", "MCP3208"]
Pull = Literal["up", "down", "off"]

#: Channels of each supported ADC chip.
ADC_CHANNELS: dict[str, int] = {
    "MCP3002": 2,
    "MCP3004": 4,
    "MCP3008": 8,
    "MCP3202": 2,
    "MCP3204": 4,
    "MCP3208": 8,
}

#: Scaling of the reference peak-detector divider: -15...+15 V on the CP line maps to
#: 0...3.3 V at the ADC input, so ``V_cp = 30/3.3 * V_adc - 15``. Calibrate per board.
DEFAULT_CP_GAIN = 30.0 / 3.3
DEFAULT_CP_OFFSET = -15.0


def _pin() -> Any:
    """A BCM GPIO number on the 40-pin header, or None."""
    return Field(default=None, ge=0, le=27)


#: A path: TOML has no path type, so a string is what the file gives (the one field type
#: that is converted; every other value must already have its type, see `_Strict`).
ConfigPath = Annotated[Path, Field(strict=False)]


class _Strict(BaseModel):
    # strict: a value of the wrong TOML type is an error, not a guess. Without it
    # `max_current = "32"` would pass as 32.0 and `feedback = "false"` as False, and the
    # file would not say what the station does (an integer is still a valid float).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PilotConfig(_Strict):
    """``[hardware.evse.pilot]``: control-pilot output (PWM) and measurement (peak detectors)."""

    driver: Literal["sim", "gpio"] | None = None
    #: ``hardware_pwm``: the kernel's PWM through sysfs (production). ``bench_pwm``:
    #: gpiozero's software-timed PWMOutputDevice on ``pwm_pin`` (bench only).
    output: Literal["hardware_pwm", "bench_pwm"] = "hardware_pwm"
    sysfs_root: str = "/sys/class/pwm"
    pwm_chip: int = Field(default=0, ge=0)
    pwm_channel: int | None = Field(default=None, ge=0)
    #: The GPIO carrying the pilot PWM. With ``hardware_pwm`` the device-tree overlay
    #: routes it (keep the two in agreement; it is only checked against other pins);
    #: with ``bench_pwm`` gpiozero drives it.
    pwm_pin: int | None = _pin()
    #: True when the output stage inverts (GPIO high gives -12 V on the CP line).
    inverted: bool = False
    #: Optional GPIO that enables the ±12 V output stage; asserted while the driver runs.
    enable_pin: int | None = _pin()
    enable_active_high: bool = True
    adc_chip: AdcChip = "MCP3208"
    #: Chip select on SPI0: 0 = CE0 (GPIO8), 1 = CE1 (GPIO7).
    spi_device: Literal[0, 1] = 0
    adc_vref: float = Field(default=3.3, gt=0, le=5.5)
    positive_channel: int | None = Field(default=None, ge=0, le=7)
    negative_channel: int | None = Field(default=None, ge=0, le=7)
    positive_gain: float = DEFAULT_CP_GAIN
    positive_offset: float = DEFAULT_CP_OFFSET
    negative_gain: float = DEFAULT_CP_GAIN
    negative_offset: float = DEFAULT_CP_OFFSET
    reset_pin: int | None = _pin()
    reset_active_high: bool = True
    reset_time: float = Field(default=0.0015, gt=0, le=0.1)
    settle_time: float = Field(default=0.002, gt=0, le=0.1)
    #: A pilot reading older than this when the control loop decides (a slow ADC, a
    #: stuck driver) is a fault that opens the contactor. Must exceed reset + settle
    #: time plus the worker-thread hop; IEC 61851-1 leaves 100 ms for the whole reaction.
    max_reading_age: float = Field(default=0.05, gt=0, le=0.1)


class RelayConfig(_Strict):
    """``[hardware.evse.relay]``: contactor coil output and mirror-contact feedback input."""

    driver: Literal["sim", "gpio"] | None = None
    pin: int | None = _pin()
    active_high: bool = True
    feedback: bool = True
    feedback_pin: int | None = _pin()
    #: Level of the feedback input while the main contacts are closed.
    feedback_active_high: bool = True
    feedback_pull: Pull = "up"
    #: GPIO toggled every control period for the hardware interlock (a retriggerable
    #: monostable in series with the coil driver) that drops the coil and the pilot's
    #: output stage when the toggling stops. Optional: without it nothing outside the
    #: process opens the contactor when the process dies (a warning at start-up).
    heartbeat_pin: int | None = _pin()


class FaultInputsConfig(_Strict):
    """``[hardware.evse.faults]``: the residual-current device's fault output."""

    driver: Literal["sim", "gpio"] | None = None
    rcd_pin: int | None = _pin()
    #: Level of the input while the RCD reports a trip.
    rcd_active_high: bool = True
    rcd_pull: Pull = "up"


class MeterConfig(_Strict):
    """``[hardware.evse.meter]``: an Eastron SDM120/SDM230 on a Modbus RTU bus."""

    driver: Literal["sim", "serial"] | None = None
    model: Literal["SDM120", "SDM230"] = "SDM230"
    port: str = "/dev/ttyUSB0"
    #: The SDM120/SDM230 support 1200-9600 baud; 2400 is their factory setting.
    baudrate: Literal[1200, 2400, 4800, 9600] = 2400
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    unit_id: int | None = Field(default=None, ge=1, le=247)
    #: Per request. Reading 32 registers at 2400 baud takes about 0.4 s on the wire.
    timeout: float = Field(default=1.0, gt=0, le=10)
    retries: int = Field(default=1, ge=0, le=5)


class RfidConfig(_Strict):
    """``[hardware.rfid]``: the PN532 card reader on a UART (HSU mode)."""

    driver: Literal["sim", "serial"] | None = None
    port: str = "/dev/serial0"
    baudrate: Literal[9600, 19200, 38400, 57600, 115200, 230400] = 115200
    #: PN532 MxRtyPassiveActivation: activation attempts after the first (0x00-0xFE).
    max_retries: int = Field(default=2, ge=0, le=0xFE)
    ack_timeout: float = Field(default=0.1, gt=0, le=5)
    response_timeout: float = Field(default=0.5, gt=0, le=10)


class BenchConfig(_Strict):
    """``[hardware.bench]``: permissions that only make sense on a bench without mains."""

    #: Let a simulated pilot or simulated fault inputs drive a real (gpio) contactor.
    #: Then ``station sim`` commands, not a real EV, decide when the coil closes.
    allow_simulated_inputs: bool = False


class SimConfig(_Strict):
    """``[hardware.sim]``: behaviour of the simulated hardware."""

    #: The simulated EV's own maximum charging current at start (A).
    ev_max_current: float = Field(default=32.0, ge=0, le=80)
    #: How many phases the simulated EV's charger uses (it uses one on a single-phase
    #: supply).
    ev_phases: Literal[1, 3] = 3
    #: The simulated EV's battery (kWh) at start; none (the default) is an EV with no
    #: battery model, which draws what it is offered for ever and reports no SoC.
    ev_capacity_kwh: float | None = Field(default=None, ge=1, le=1000)
    #: Its state of charge at start (%), with ``ev_capacity_kwh``.
    ev_soc: float = Field(default=20.0, ge=0, le=100)
    #: How long a tapped card stays in the field (s); the first poll sees it regardless.
    card_present_for: float = Field(default=1.0, gt=0, le=60)
    #: Delay between a relay command and its mirror contact following (s).
    relay_feedback_delay: float = Field(default=0.0, ge=0, le=1)
    #: Model the hardware interlock: the simulated contactor and PWM drop when the
    #: control loop's heartbeat has not toggled for this long (s; 0.05 is the reference
    #: circuit). Off by default: a simulated station shares its host with other work,
    #: and a stall of the window would then open its contactor, as it should on a Pi.
    interlock_window: float | None = Field(default=None, gt=0, le=1)
    #: Also publish every coil command and heartbeat edge to this file (a small shared
    #: memory region, `drivers.sim.interlock`), so that another process can model the
    #: interlock and see the contactor drop when the control process is killed. Needs
    #: ``interlock_window``. Off by default.
    interlock_file: ConfigPath | None = None
    #: Keep the simulated world across the station's restarts, as real hardware would:
    #: the EVs (plugged in, state, own max current, ignoring the PWM), the meters' energy
    #: registers and a card on the reader, in ``<data_dir>/sim-world`` (`drivers.sim.world`).
    #: On by default: a station that forgets its plugged-in EV and counts from 0 Wh after
    #: a Reset sends what no real one would. A new data_dir is a fresh world; false
    #: starts every run with no EV, 0 Wh and an empty reader.
    persist_world: bool = True

    @model_validator(mode="after")
    def _file_needs_window(self) -> SimConfig:
        if self.interlock_file is not None and self.interlock_window is None:
            raise ValueError("interlock_file needs interlock_window (the modelled window)")
        return self


class EvseHardware(_Strict):
    """One EVSE: its single connector and the devices that serve it."""

    id: int = Field(ge=1)
    connector_type: str = "cType1"
    phases: Literal[1, 3] = 1
    max_current: float = Field(default=32.0, ge=6.0, le=80.0)
    nominal_voltage: float = Field(default=230.0, gt=0)
    pilot: PilotConfig = Field(default_factory=PilotConfig)
    relay: RelayConfig = Field(default_factory=RelayConfig)
    faults: FaultInputsConfig = Field(default_factory=FaultInputsConfig)
    meter: MeterConfig = Field(default_factory=MeterConfig)

    @model_validator(mode="before")
    @classmethod
    def _fill_per_evse_defaults(cls, data: Any) -> Any:
        # Pins, channels and unit ids depend on the EVSE id, so they cannot be plain
        # field defaults. Fill the keys the file left out; sections given as model
        # instances were built in code and are taken as they are.
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            return data
        data = dict(data)
        for section, defaults in evse_defaults(data["id"]).items():
            given = data.get(section, {})
            if isinstance(given, dict):
                data[section] = {**defaults, **given}
        return data


class HardwareConfig(_Strict):
    """The ``[hardware]`` table."""

    driver: Literal["sim", "gpio"] = "sim"
    rfid: RfidConfig = Field(default_factory=RfidConfig)
    bench: BenchConfig = Field(default_factory=BenchConfig)
    sim: SimConfig = Field(default_factory=SimConfig)
    evse: list[EvseHardware] = Field(
        default_factory=lambda: [EvseHardware(id=i) for i in DEFAULT_EVSE_IDS], min_length=1
    )
    #: The grid connection's current per phase (A) that the EVSEs share: the currents they
    #: offer together never exceed it (load balancing); None: each EVSE its own maximum.
    grid_max_current: float | None = Field(default=None, ge=6.0, le=1000.0)

    @model_validator(mode="after")
    def _evse_ids_are_1_to_n(self) -> HardwareConfig:
        ids = [e.id for e in self.evse]
        if ids != list(range(1, len(ids) + 1)):
            raise ValueError(f"EVSE ids must be 1..n in order without gaps, got {ids}")
        return self

    @model_validator(mode="after")
    def _real_devices_are_wired(self) -> HardwareConfig:
        _check_wiring(self)
        return self

    @model_validator(mode="after")
    def _simulated_inputs_never_close_a_real_contactor(self) -> HardwareConfig:
        if not self.bench.allow_simulated_inputs:
            for evse in self.evse:
                conflict = _simulated_input_conflict(self, evse.id)
                if conflict is not None:
                    raise ValueError(
                        f"{conflict}; set hardware.bench.allow_simulated_inputs = true "
                        "on a bench without mains"
                    )
        return self

    def safety_warnings(self) -> list[str]:
        """What this valid configuration leaves unguarded on real hardware, one line each.

        ``station check`` shows these and the station logs them when it builds its
        hardware: a contactor without a mirror contact, simulated inputs allowed to drive
        a real contactor on a bench, a simulated meter next to a real contactor.
        """
        warnings = []
        for evse in self.evse:
            if self.driver_for("relay", evse.id) != "gpio":
                continue
            where = f"evse[{evse.id}]"
            conflict = _simulated_input_conflict(self, evse.id)
            if conflict is not None:  # only reachable with the bench flag set
                warnings.append(
                    f"{conflict}; allowed by hardware.bench.allow_simulated_inputs: "
                    "bench use only, never with mains connected"
                )
            if not evse.relay.feedback:
                warnings.append(
                    f"{where}.relay.feedback = false: no mirror contact, so a welded "
                    "contactor goes undetected and the EV stays live; wire the auxiliary "
                    "contact and set feedback = true"
                )
            if self.driver_for("meter", evse.id) == "sim":
                warnings.append(
                    f'{where}: meter.driver = "sim" with a gpio relay: energy readings '
                    "are invented and an EV drawing more than offered goes unnoticed"
                )
        return warnings

    def driver_for(self, device: Device, evse_id: int = 0) -> Family:
        """The family that serves ``device`` (of EVSE ``evse_id``; not needed for ``rfid``)."""
        if device == "rfid":
            chosen = self.rfid.driver
        else:
            if not 1 <= evse_id <= len(self.evse):
                raise ValueError(
                    f"unknown EVSE {evse_id}; the configuration has 1-{len(self.evse)}"
                )
            chosen = getattr(self.evse[evse_id - 1], device).driver
        if chosen is not None:
            return chosen
        if self.driver == "sim":
            return "sim"
        return "serial" if device in ("meter", "rfid") else "gpio"

    def uses_sim(self) -> bool:
        """True when at least one device is simulated."""
        if self.driver_for("rfid") == "sim":
            return True
        devices: tuple[Device, ...] = ("pilot", "relay", "faults", "meter")
        return any(self.driver_for(d, e.id) == "sim" for e in self.evse for d in devices)


def _simulated_input_conflict(config: HardwareConfig, evse_id: int) -> str | None:
    """Why EVSE ``evse_id`` would let simulated inputs close a real contactor, or None.

    The contactor logic trusts the pilot state and the RCD input. If those come from the
    simulator while the coil is a real GPIO, ``station sim plug``/``ev-state C`` close a
    real contactor with no EV present, and a real RCD trip is never seen.
    """
    if config.driver_for("relay", evse_id) != "gpio":
        return None
    where = f"evse[{evse_id}]"
    if config.driver_for("pilot", evse_id) == "sim":
        return (
            f'{where}: pilot.driver = "sim" with a gpio relay would let simulated EV '
            "states close a real contactor"
        )
    if config.driver_for("faults", evse_id) == "sim":
        return (
            f'{where}: faults.driver = "sim" with a gpio relay would keep a real RCD trip '
            "from opening the contactor"
        )
    return None


def _check_wiring(config: HardwareConfig) -> None:
    """Reject missing pins, a GPIO used twice, clashing ADC channels and meter buses."""
    pins: dict[int, str] = dict(_reserved_pins(config))
    adc: dict[int, tuple[str, str]] = {}  # spi_device -> (chip, first user)
    channels: dict[tuple[int, int], str] = {}
    buses: dict[str, tuple[tuple[Any, ...], str]] = {}
    units: dict[tuple[str, int], str] = {}

    def claim_pin(pin: int | None, key: str, device: str) -> None:
        if pin is None:
            raise ValueError(f"{key}: required for the gpio {device} (no default for this EVSE)")
        if pin in pins:
            raise ValueError(f"{key}: GPIO{pin} is already used by {pins[pin]}")
        pins[pin] = key

    for evse in config.evse:
        where = f"evse[{evse.id}]"
        if config.driver_for("pilot", evse.id) == "gpio":
            pilot = evse.pilot
            if pilot.output == "hardware_pwm":
                if pilot.pwm_channel is None:
                    raise ValueError(f"{where}.pilot.pwm_channel: required for hardware_pwm")
                if pilot.pwm_pin is not None:
                    claim_pin(pilot.pwm_pin, f"{where}.pilot.pwm_pin", "pilot")
            else:
                claim_pin(pilot.pwm_pin, f"{where}.pilot.pwm_pin", "bench pilot")
            if pilot.enable_pin is not None:
                claim_pin(pilot.enable_pin, f"{where}.pilot.enable_pin", "pilot")
            claim_pin(pilot.reset_pin, f"{where}.pilot.reset_pin", "pilot")
            chip, first = adc.setdefault(pilot.spi_device, (pilot.adc_chip, where))
            if chip != pilot.adc_chip:
                raise ValueError(
                    f"{where}.pilot.adc_chip: {pilot.adc_chip} differs from {chip} of "
                    f"{first}.pilot on the same chip select CE{pilot.spi_device}"
                )
            for side in ("positive", "negative"):
                channel = getattr(pilot, f"{side}_channel")
                key = f"{where}.pilot.{side}_channel"
                if channel is None:
                    raise ValueError(f"{key}: required for the gpio pilot")
                if channel >= ADC_CHANNELS[pilot.adc_chip]:
                    raise ValueError(
                        f"{key}: {pilot.adc_chip} has channels 0-"
                        f"{ADC_CHANNELS[pilot.adc_chip] - 1}, got {channel}"
                    )
                slot = (pilot.spi_device, channel)
                if slot in channels:
                    raise ValueError(
                        f"{key}: channel {channel} is already used by {channels[slot]}"
                    )
                channels[slot] = key
        if config.driver_for("relay", evse.id) == "gpio":
            claim_pin(evse.relay.pin, f"{where}.relay.pin", "relay")
            if evse.relay.feedback:
                claim_pin(evse.relay.feedback_pin, f"{where}.relay.feedback_pin", "relay")
            if evse.relay.heartbeat_pin is not None:
                claim_pin(evse.relay.heartbeat_pin, f"{where}.relay.heartbeat_pin", "relay")
        if config.driver_for("faults", evse.id) == "gpio":
            claim_pin(evse.faults.rcd_pin, f"{where}.faults.rcd_pin", "fault inputs")
        if config.driver_for("meter", evse.id) == "serial":
            meter = evse.meter
            line = (meter.baudrate, meter.parity, meter.stopbits, meter.timeout, meter.retries)
            seen, first = buses.setdefault(meter.port, (line, where))
            if seen != line:
                raise ValueError(
                    f"{where}.meter: baudrate/parity/stopbits/timeout/retries differ from "
                    f"{first}.meter on the same port {meter.port}"
                )
            assert meter.unit_id is not None  # filled from the EVSE id
            unit = (meter.port, meter.unit_id)
            if unit in units:
                raise ValueError(
                    f"{where}.meter.unit_id: {meter.unit_id} on {meter.port} is already used "
                    f"by {units[unit]}"
                )
            units[unit] = f"{where}.meter"


def _reserved_pins(config: HardwareConfig) -> dict[int, str]:
    """GPIOs taken by the buses this configuration uses (SPI0 for the ADC, UART0 for the PN532)."""
    reserved: dict[int, str] = {}
    gpio_pilots = [e.pilot for e in config.evse if config.driver_for("pilot", e.id) == "gpio"]
    if gpio_pilots:
        reserved.update({9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"})
        for pilot in gpio_pilots:
            select = 8 if pilot.spi_device == 0 else 7
            reserved[select] = f"SPI0 CE{pilot.spi_device}"
    if config.driver_for("rfid") == "serial" and config.rfid.port in _UART0_PORTS:
        reserved.update({14: "UART0 TXD", 15: "UART0 RXD"})
    return reserved


_UART0_PORTS = ("/dev/serial0", "/dev/ttyAMA0", "/dev/ttyS0")
