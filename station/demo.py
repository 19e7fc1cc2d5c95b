"""``station demo``: a simulated station charges an EV against a local CSMS.

Everything runs in one process: the development CSMS of `station.devcsms`, and a
station on simulated hardware (the `sim` driver family). A scripted driver plugs in,
taps a card, charges for ``--duration`` seconds with meter values, taps again to stop
and unplugs, while every OCPP message is printed as it crosses the WebSocket: one line
each within 100 columns (the full frames with ``--full``). On a terminal a spinner says
what the demo waits for. The run ends with a summary: duration, energy, average and peak
power, a sparkline of the power over time, and what to try next.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trio
from rich.console import Console
from rich.live import Live
from rich.rule import Rule
from rich.spinner import Spinner
from rich.text import Text

from station import logs
from station.app import Runtime, Station
from station.clock import WallClock
from station.config import parse_config
from station.devcsms.server import DevCsms, StationEvent, Traffic
from station.devicemodel.model import key
from station.ocpp.summary import summarize
from station.offload import InlineOffload

CARD = "04A1B2C3"
IDENTITY = "DEMO-STATION-1"
#: Seconds of charging when ``--duration`` is not given.
DEFAULT_DURATION = 12.0
#: The widest line the demo prints (a wider terminal still gets 100-column lines).
MAX_WIDTH = 100

#: Short intervals so that a person sees meter values within seconds.
DEMO_SETTINGS = {
    ("SampledDataCtrlr", "TxUpdatedInterval"): "5",
    (
        "SampledDataCtrlr",
        "TxUpdatedMeasurands",
    ): "Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage",
    ("AlignedDataCtrlr", "Interval"): "0",
    ("OCPPCommCtrlr", "RetryBackOffWaitMinimum"): "1",
}

TRY_NEXT = [
    ("station demo --full", "the same session, every frame in full"),
    ("station csms", "a CSMS of your own (README: Development CSMS)"),
    ("station run --config station.toml", "in a second terminal: a station against it"),
    ("station top --config station.toml", "a live view of that station"),
    ("station sim --config station.toml plug 1", "plug in its simulated EV"),
]

SPARK = "▁▂▃▄▅▆▇█"
#: The wall-clock start of an in-memory run (its timestamps are then the same every run).
_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


# -- the summary (pure) --------------------------------------------------------------------


def sparkline(values: list[float], width: int) -> str:
    """``values`` as a line of at most ``width`` block characters, lowest ▁ to highest █.

    More values than ``width`` are averaged in equal buckets; all-zero values give ▁s.
    """
    if not values or width <= 0:
        return ""
    buckets = min(width, len(values))
    means = []
    for i in range(buckets):
        part = values[i * len(values) // buckets : (i + 1) * len(values) // buckets]
        means.append(sum(part) / len(part))
    top = max(means)
    if top <= 0:
        return SPARK[0] * buckets
    return "".join(SPARK[min(round(m / top * (len(SPARK) - 1)), len(SPARK) - 1)] for m in means)


@dataclass(frozen=True)
class ChargeSummary:
    """What a charging session delivered, from power samples and the energy register."""

    duration_s: float
    energy_wh: float
    peak_w: float
    power_w: tuple[float, ...]

    @property
    def average_w(self) -> float:
        """Mean power over the session: energy / duration."""
        return self.energy_wh * 3600 / self.duration_s if self.duration_s > 0 else 0.0

    def lines(self, width: int = MAX_WIDTH) -> list[tuple[str, str]]:
        """(label, value) rows of the summary table."""
        chart_width = max(min(width - 30, 60), 10)
        return [
            ("charging time", f"{self.duration_s:.1f} s"),
            ("energy", f"{self.energy_wh:.1f} Wh"),
            ("power", f"average {self.average_w / 1000:.2f} kW, peak {self.peak_w / 1000:.2f} kW"),
            (
                "power over time",
                f"{sparkline(list(self.power_w), chart_width)}  0–{self.peak_w / 1000:.1f} kW",
            ),
        ]


def summarize_session(
    samples: list[tuple[float, float, float]],
    *,
    duration_s: float,
    start_energy_wh: float,
    end_energy_wh: float,
) -> ChargeSummary:
    """The summary of a session: its power ``samples`` (trio time, power W, energy
    register Wh; oldest first) and the energy register when it started and stopped."""
    powers = tuple(power for _, power, _ in samples)
    return ChargeSummary(
        duration_s, end_energy_wh - start_energy_wh, max(powers, default=0.0), powers
    )


# -- printing ------------------------------------------------------------------------------


class DemoPrinter:
    """Prints the demo's lines: elapsed time, the frames, the narrator, the summary."""

    def __init__(self, console: Console, *, full: bool = False) -> None:
        self.console = console
        self.full = full
        self.start = trio.current_time()
        self.messages = 0
        #: What the spinner line says (on a terminal); None hides it.
        self.waiting: Callable[[], str] | None = None

    @property
    def width(self) -> int:
        """The width lines are cut to."""
        return min(self.console.width, MAX_WIDTH)

    def _stamp(self) -> Text:
        stamp = Text()
        stamp.append(f"{trio.current_time() - self.start:6.1f}s ", style="dim")
        return stamp

    def frame(self, event: Traffic | StationEvent) -> None:
        """One line per frame (the CSMS's observer)."""
        if isinstance(event, StationEvent):
            return  # the narrator tells the connection story
        self.messages += 1
        line = self._stamp()
        arrow = "→" if event.direction == "in" else "←"
        style = "bold red" if event.kind == "ERROR" else "cyan" if arrow == "→" else "green"
        kind = {"CALL": "CALL", "RESULT": "RES ", "ERROR": "ERR "}[event.kind]
        line.append(f"{arrow} {kind} {event.action:<18} ", style=style)
        if self.full:
            self.console.print(line, end="")
            self.console.print_json(json.dumps(event.payload))
            return
        room = max(self.width - len(line), 20)
        if event.kind == "ERROR":
            text = f"{event.payload.get('code')} {event.payload.get('description')}"[:room]
        else:
            text = summarize(
                event.action, event.payload, response=event.kind == "RESULT", width=room
            )
        line.append(text)
        self.console.print(line, soft_wrap=True)

    def say(self, text: str) -> None:
        """A line of the narrator."""
        line = self._stamp()
        line.append(f"── {text}", style="bold yellow")
        self.console.print(line, soft_wrap=True)

    def summary(self, facts: list[tuple[str, str]], charge: ChargeSummary) -> None:
        """The closing table and what to try next."""
        console = self.console
        console.print()
        console.print(Rule("[bold]summary", align="left", style="yellow"), width=self.width)
        for label, value in [
            *facts,
            *charge.lines(self.width),
            ("OCPP messages", str(self.messages)),
        ]:
            row = Text(f"  {label:<17}", style="bold")
            row.append(value, style="magenta" if label == "power over time" else "")
            console.print(row, soft_wrap=True)
        console.print(Rule("[bold]try next", align="left", style="yellow"), width=self.width)
        for command, what in TRY_NEXT:
            row = Text(f"  {command:<42}", style="bold cyan")  # longest command + 2
            row.append(what)
            console.print(row, soft_wrap=True)

    async def animate(self) -> None:
        """On a terminal, keep a spinner line saying what the demo waits for."""
        if not self.console.is_terminal:
            return
        spinner = Spinner("dots", style="yellow")
        with Live(console=self.console, auto_refresh=False, transient=True) as live:
            while True:
                if self.waiting is None:
                    live.update(Text(""), refresh=True)
                else:
                    spinner.update(text=Text(self.waiting(), style="dim"))
                    live.update(spinner, refresh=True)
                await trio.sleep(0.1)


# -- the session ---------------------------------------------------------------------------


async def demo(
    console: Console,
    charge_seconds: float = DEFAULT_DURATION,
    *,
    full: bool = False,
    in_memory: bool = False,
) -> int:
    """Run the scripted session; ``in_memory`` connects without a socket and runs the
    station's storage inline (for a run on trio's MockClock)."""
    if not charge_seconds > 0 or math.isinf(charge_seconds):
        raise ValueError(f"charge_seconds must be a positive number, not {charge_seconds}")
    printer = DemoPrinter(console, full=full)
    csms = DevCsms()
    csms.observers.append(printer.frame)
    with tempfile.TemporaryDirectory(prefix="station-demo-") as directory:
        data = Path(directory)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(printer.animate)
            await nursery.start(csms.run)
            config = parse_config(
                {
                    "station": {
                        "identity": IDENTITY,
                        "serial_number": "DEMO-0001",
                        "vendor_name": "OpenCharge",
                        "model": "Demo AC 2x7kW",
                        "data_dir": str(data),
                        "control_socket": str(data / "s.sock"),
                    },
                    "csms": {
                        "url": csms.url,
                        "security_profile": 1,
                        "basic_auth_password": "demo-password-0001",
                    },
                    "hardware": {"driver": "sim"},
                }
            )
            csms.password = config.csms.basic_auth_password
            runtime = (
                Runtime(
                    clock=WallClock(start=_START),
                    rng=random.Random(1),
                    offload=InlineOffload(),
                    dial=csms.dial,
                )
                if in_memory
                else Runtime()
            )
            where = "in memory" if in_memory else f"at {csms.url}"
            printer.say(f"a local CSMS listens {where}; the simulated station starts")
            console.print(
                Text("         → station to CSMS, ← CSMS to station", style="dim"), soft_wrap=True
            )
            station = await Station.create(config, runtime)
            for (component, variable), value in DEMO_SETTINGS.items():
                await station.device_model.set(key(component, variable), value)
            scope = trio.CancelScope()

            async def run_station() -> None:
                with scope:
                    await station.run()

            nursery.start_soon(run_station)
            try:
                facts, charge = await _script(station, csms, printer, charge_seconds)
            finally:
                scope.cancel()
                nursery.cancel_scope.cancel()
        station.close()
    printer.summary(facts, charge)
    return 0


async def _script(
    station: Station, csms: DevCsms, printer: DemoPrinter, charge_seconds: float
) -> tuple[list[tuple[str, str]], ChargeSummary]:
    # The demo station runs its control side in-process, on simulated hardware.
    assert station.hardware is not None and station.cards is not None
    sim = station.hardware.sim
    assert sim is not None
    cards = station.cards
    client = station.client
    printer.waiting = lambda: "waiting for the station to connect and boot"
    with trio.fail_after(30):
        await client.wait_until(lambda: client.boot_state.value == "Accepted")
        await trio.sleep(0.5)
    printer.waiting = None
    printer.say("the driver plugs the EV into EVSE 1 (pilot state B)")
    sim.plug(1)
    await trio.sleep(1)
    printer.say(f"the driver taps card {CARD}")
    printer.waiting = lambda: "waiting for the CSMS to authorize the card"
    sim.tap(CARD)
    with trio.fail_after(10):
        while station.transactions.transaction_id(1) is None:
            await station.transactions.wait_changed()
    printer.waiting = None
    await trio.sleep(1)
    printer.say("the EV asks for power (pilot state C): the contactor closes")
    sim.set_ev_state(1, "C")
    evse, sampler = station.evses[1], station.samplers[1]
    with trio.fail_after(10):
        while not evse.snapshot.relay_closed:
            await evse.wait_snapshot()
        # Nothing flowed before the contactor closed: the last reading's register holds.
        reading = sampler.latest or await sampler.next_reading()
    started = trio.current_time()
    start_energy = reading.sample.energy_import_wh
    samples: list[tuple[float, float, float]] = []

    def charging() -> str:
        power, energy = (samples[-1][1], samples[-1][2]) if samples else (0.0, start_energy)
        elapsed = trio.current_time() - started
        return (
            f"charging: {power / 1000:.1f} kW, {energy - start_energy:.1f} Wh, "
            f"{elapsed:.0f} of {charge_seconds:.0f} s"
        )

    printer.waiting = charging
    # One power sample a second: the sparkline's data.
    deadline = started + charge_seconds
    while trio.current_time() < deadline:
        await trio.sleep_until(min(deadline, (samples[-1][0] if samples else started) + 1.0))
        latest = sampler.latest
        assert latest is not None  # a sampler keeps its last reading once it has one
        samples.append((trio.current_time(), latest.sample.power, latest.sample.energy_import_wh))
    await cards.wait_card_gone()  # a card held to the reader counts only once
    printer.say(f"charging at {samples[-1][1] / 1000:.1f} kW; the driver taps the card again")
    sim.tap(CARD)
    printer.waiting = lambda: "waiting for the transaction to end"
    with trio.fail_after(10):
        while station.transactions.transaction_id(1) is not None:
            await station.transactions.wait_changed()
    printer.say("the EV sees the pilot's PWM stop and stops drawing (state B): the contactor opens")
    sim.set_ev_state(1, "B")
    with trio.fail_after(10):
        while evse.snapshot.relay_closed:
            await evse.wait_snapshot()
        duration = trio.current_time() - started
        # A reading taken after the contactor opened holds all the energy delivered.
        end_energy = (await sampler.next_reading()).sample.energy_import_wh
    printer.waiting = None
    await trio.sleep(1)
    printer.say("the driver unplugs")
    sim.unplug(1)
    printer.waiting = lambda: "the station sends what is left in its queue"
    await trio.sleep(1.5)
    with trio.fail_after(10):
        await station.queue.drained()
    printer.waiting = None
    charge = summarize_session(
        samples, duration_s=duration, start_energy_wh=start_energy, end_energy_wh=end_energy
    )
    events = [t.payload for t in csms.received if t.action == "TransactionEvent"]
    if not events:
        return [("transaction", "none took place")], charge
    first, last = events[0], events[-1]
    return [
        ("transaction", first["transactionInfo"]["transactionId"]),
        ("events", f"{len(events)} TransactionEvents (seqNo {first['seqNo']}..{last['seqNo']})"),
    ], charge


def run_demo(
    *, duration: float | None = None, full: bool = False, console: Console | None = None
) -> int:
    """Entry point of ``station demo``; ``duration`` = seconds of charging (default 12)."""
    logs.configure("error")
    console = console or Console(highlight=False)
    try:
        return trio.run(
            lambda: demo(console, duration if duration is not None else DEFAULT_DURATION, full=full)
        )
    except KeyboardInterrupt:
        return 130  # Ctrl-C: the shell's status for SIGINT, without a traceback
    except BaseExceptionGroup as group:
        # rich raises SystemExit(1) when stdout is closed (`station demo | head`).
        exits, rest = group.split((SystemExit, KeyboardInterrupt))
        if rest is not None or exits is None:
            raise
        return 1 if exits.split(SystemExit)[0] is not None else 130
