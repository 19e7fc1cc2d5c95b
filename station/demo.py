"""``station demo``: a simulated station charges an EV against a local CSMS.

Everything runs in one process: the small development CSMS of `station.devcsms`, and a
station on simulated hardware (the `sim` driver family). A scripted driver plugs in,
taps a card, charges with meter values, stops and unplugs, while every OCPP message is
printed as it crosses the WebSocket. The run ends with a summary.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import trio

from station import logs
from station.app import Runtime, Station
from station.config import parse_config
from station.devcsms import DevCsms

CARD = "04A1B2C3"
IDENTITY = "DEMO-STATION-1"

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


def _summary(action: str, payload: dict) -> str:
    """A readable line for a payload: the fields that tell the story, else compact JSON."""
    if action == "TransactionEvent" and "eventType" in payload:
        info = payload["transactionInfo"]
        parts = [
            payload["eventType"],
            f"trigger={payload['triggerReason']}",
            f"seqNo={payload['seqNo']}",
        ]
        if "chargingState" in info:
            parts.append(f"state={info['chargingState']}")
        if "stoppedReason" in info:
            parts.append(f"stoppedReason={info['stoppedReason']}")
        for value in payload.get("meterValue", [])[-1:]:
            for sampled in value["sampledValue"]:
                unit = sampled.get("unitOfMeasure", {}).get("unit", "Wh")
                parts.append(f"{sampled.get('measurand', 'Energy')}={sampled['value']}{unit}")
        return " ".join(parts)
    text = json.dumps(payload, separators=(",", ":"))
    return text if len(text) <= 140 else text[:137] + "..."


class _Printer:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.messages = 0

    def message(self, direction: str, action: str, message_id: str, payload: dict) -> None:
        self.messages += 1
        arrow = "station → CSMS" if direction == "in" else "CSMS → station"
        text = _summary(action, payload)
        print(
            f"{time.monotonic() - self.start:6.1f}s  {arrow}  {action:<26} {text}",
            file=sys.stdout,
            flush=True,
        )

    def say(self, text: str) -> None:
        print(f"{time.monotonic() - self.start:6.1f}s  ── {text}", file=sys.stdout, flush=True)


async def _demo(charge_seconds: float) -> int:
    printer = _Printer()
    csms = DevCsms()
    responses_seen: set[tuple[str, str]] = set()

    def observe(direction: str, action: str, message_id: str, payload: dict) -> None:
        # Print each request once and each response once (by message id).
        key = (direction, message_id)
        if key in responses_seen:
            return
        responses_seen.add(key)
        printer.message(direction, action, message_id, payload)

    csms.observers.append(observe)
    with tempfile.TemporaryDirectory(prefix="station-demo-") as directory:
        data = Path(directory)
        async with trio.open_nursery() as nursery:
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
            printer.say(f"local CSMS listening at {csms.url}; starting the simulated station")
            station = await Station.create(config, Runtime())
            from station.devicemodel.model import key

            for (component, variable), value in DEMO_SETTINGS.items():
                await station.device_model.set(key(component, variable), value)
            scope = trio.CancelScope()

            async def run_station() -> None:
                with scope:
                    await station.run()

            nursery.start_soon(run_station)
            try:
                summary = await _script(station, csms, printer, charge_seconds)
            finally:
                scope.cancel()
                nursery.cancel_scope.cancel()
        station.close()
    printer.say("summary")
    for line in summary:
        print(f"         {line}")
    print(f"         OCPP messages exchanged: {printer.messages}")
    return 0


async def _script(
    station: Station, csms: DevCsms, printer: _Printer, charge_seconds: float
) -> list[str]:
    # The demo station runs its control side in-process, on simulated hardware.
    assert station.hardware is not None and station.cards is not None
    sim = station.hardware.sim
    assert sim is not None
    cards = station.cards
    client = station.client
    with trio.fail_after(30):
        await client.wait_until(lambda: client.boot_state.value == "Accepted")
        await trio.sleep(0.5)
    printer.say("the driver plugs the EV into EVSE 1 (pilot state B)")
    sim.plug(1)
    await trio.sleep(1)
    printer.say(f"the driver taps card {CARD}")
    sim.tap(CARD)
    with trio.fail_after(10):
        while station.transactions.transaction_id(1) is None:
            await station.transactions.wait_changed()
    await trio.sleep(1)
    printer.say("the EV is ready to charge (pilot state C): the contactor closes")
    sim.set_ev_state(1, "C")
    started = trio.current_time()
    with trio.fail_after(10):
        reading = await station.samplers[1].next_reading()
    start_energy = reading.sample.energy_import_wh
    await trio.sleep(charge_seconds)
    await cards.wait_card_gone()  # a card held to the reader counts only once
    latest = station.samplers[1].latest
    assert latest is not None  # a sampler keeps its last reading once it has one
    reading = latest
    printer.say(f"charging at {reading.sample.power / 1000:.1f} kW; the driver taps the card again")
    sim.tap(CARD)
    await trio.sleep(1.5)
    printer.say("the EV stops drawing (state B) and the driver unplugs")
    sim.set_ev_state(1, "B")
    await trio.sleep(1)
    latest = station.samplers[1].latest
    assert latest is not None
    energy = latest.sample.energy_import_wh - start_energy
    duration = trio.current_time() - started
    sim.unplug(1)
    await trio.sleep(1.5)
    with trio.fail_after(10):
        await station.queue.drained()
    events = [p for a, p in csms.received if a == "TransactionEvent"]
    if not events:
        return ["no transaction took place", f"energy delivered: {energy:.1f} Wh"]
    first, last = events[0], events[-1]
    return [
        f"transaction: {first['transactionInfo']['transactionId']}",
        f"transaction events: {len(events)} (seqNo {first['seqNo']}..{last['seqNo']})",
        f"energy delivered: {energy:.1f} Wh in {duration:.0f} s",
    ]


def run_demo(*, duration: float | None = None) -> int:
    """Entry point of ``station demo``; ``duration`` = seconds of charging (default 12)."""
    logs.configure("error")
    return trio.run(_demo, duration if duration is not None else 12.0)
