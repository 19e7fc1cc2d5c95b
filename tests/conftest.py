"""Shared fixtures: station configs, an in-memory station on MockClock, the judge CSMS."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio

from station import logs
from station.app import RestartRequested, Runtime, Station
from station.clock import WallClock
from station.config import StationConfig, parse_config
from station.devicemodel.model import key
from station.offload import InlineOffload
from tests.judge import Judge
from tests.memcsms import MemoryCsms

PASSWORD = "0123456789abcdefABCDEF"
START = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)


def make_config(
    data_dir: Path, url: str = "ws://127.0.0.1:9/ocpp", *, profile: int = 1, **sections: dict
) -> StationConfig:
    """A valid station config; ``sections`` override/extend tables (e.g. csms={...})."""
    data = {
        "station": {
            "identity": "CS-TEST-01",
            "serial_number": "SN-0001",
            "vendor_name": "OpenCharge",
            "model": "AC22-2",
            "data_dir": str(data_dir),
        },
        "csms": {
            "url": url,
            "security_profile": profile,
            "basic_auth_password": PASSWORD,
            "message_timeout": 30,
        },
        "hardware": {"driver": "sim"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return parse_config(data)


@dataclass
class SimEnv:
    """A station on MockClock wired to an in-memory CSMS."""

    station: Station
    csms: MemoryCsms
    nursery: trio.Nursery
    cancel: trio.CancelScope
    #: Boot reasons of the in-process restarts that happened (after a Reset).
    restarts: list[str] = field(default_factory=list)


Setup = Callable[[Station], Awaitable[None]]


async def set_variables(station: Station, values: dict[str, object]) -> None:
    """Set device-model values by "Component.Variable[Instance]" before a run."""
    for name, value in values.items():
        component, _, variable = name.partition(".")
        instance = None
        if variable.endswith("]"):
            variable, _, instance = variable[:-1].partition("[")
        await station.device_model.set(key(component, variable, instance), str(value))


@asynccontextmanager
async def running_station(
    config: StationConfig,
    *,
    seed: int = 1,
    csms: MemoryCsms | None = None,
    variables: dict[str, object] | None = None,
    control_period: float = 0.5,
    notifier=None,
    **runtime_options: float,
) -> AsyncIterator[SimEnv]:
    """Run a station (inline store, seeded randomness, trio-derived wall clock).

    A coarse control period keeps hours of virtual time cheap; tests of the control loop
    itself pass its real period. ``runtime_options`` set other `Runtime` periods
    (meter_interval, card_interval) for runs over virtual days.
    """
    clock = WallClock(start=START)
    stations: list[Station] = []
    try:
        async with trio.open_nursery() as nursery:
            memory_csms = csms or MemoryCsms(nursery, now=lambda: _iso(clock.now()))
            runtime = Runtime(
                clock=clock,
                rng=random.Random(seed),
                offload=InlineOffload(),
                dial=memory_csms.dial,
                control_period=control_period,
                **runtime_options,
            )
            if notifier is not None:
                runtime.notifier = notifier
            station = await Station.create(config, runtime)
            stations.append(station)
            await set_variables(station, variables or {})
            scope = trio.CancelScope()

            env = SimEnv(station, memory_csms, nursery, scope)

            async def run() -> None:
                # Like `run_station`: a Reset restarts the station in-process.
                with scope:
                    while True:
                        try:
                            await env.station.run()
                            return
                        except RestartRequested as restart:
                            env.restarts.append(restart.reason.value)
                        env.station.close()
                        env.station = await Station.create(config, runtime)
                        stations.append(env.station)

            nursery.start_soon(run)
            try:
                yield env
            finally:
                nursery.cancel_scope.cancel()
    finally:
        for station in stations:
            try:
                station.close()
            except Exception:  # already closed by a restart
                pass


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@asynccontextmanager
async def live_station(
    config: StationConfig, *, seed: int = 7, variables: dict[str, object] | None = None
) -> AsyncIterator[Station]:
    """Run a station in real time with the production runtime (threads, sockets).

    A Reset restarts it in-process (like `run_station`); the new instance is reachable
    as ``station.successor`` (a chain, for several restarts).
    """
    runtime = Runtime(rng=random.Random(seed))
    station = await Station.create(config, runtime)
    stations = [station]
    try:
        async with trio.open_nursery() as nursery:
            await set_variables(station, variables or {})

            async def run() -> None:
                current = station
                while True:
                    try:
                        await current.run()
                        return
                    except RestartRequested:
                        pass
                    current.close()
                    successor = await Station.create(config, runtime)
                    stations.append(successor)
                    current.successor = successor  # type: ignore[attr-defined]
                    current = successor

            nursery.start_soon(run)
            try:
                yield station
            finally:
                nursery.cancel_scope.cancel()
    finally:
        for each in stations:
            try:
                each.close()
            except Exception:  # closed at its restart already
                pass


#: Short real-time settings for tests over sockets.
FAST = {
    "OCPPCommCtrlr.RetryBackOffWaitMinimum": 0,
    "OCPPCommCtrlr.RetryBackOffRandomRange": 0,
    "OCPPCommCtrlr.RetryBackOffRepeatTimes": 0,
    "OCPPCommCtrlr.WebSocketPingInterval": 0,
}


@pytest.fixture(autouse=True)
def _process_state_stays_with_its_test() -> Iterator[None]:
    """A test that runs a command in this process (``station run``, the demo, the fleet's
    command line) changes what the process keeps: `station.logs.configure`'s console
    handler, bound to the stderr captured for that test and closed after it, the levels
    configure set, and the umask ``station run`` makes private. They leave with the test,
    so that later tests print no "--- Logging error ---" and create files as they expect."""
    root = logging.getLogger()
    level = root.level
    noisy = {name: logging.getLogger(name).level for name in logs.NOISY_LOGGERS}
    umask = os.umask(0o077)
    os.umask(umask)
    yield
    for handler in list(root.handlers):
        if handler.get_name() == logs.CONSOLE_HANDLER:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, noisy_level in noisy.items():
        logging.getLogger(name).setLevel(noisy_level)
    os.umask(umask)


@pytest.fixture
def judge() -> Iterator[Judge]:
    """A plain ws:// judge CSMS that checks Basic auth with the test password."""
    with Judge(password=PASSWORD) as csms:
        yield csms
        assert not csms.violations, csms.violations


def connector_statuses(env, evse: int) -> list[str]:
    """Every connectorStatus an in-memory-CSMS station reported for the EVSE, in order."""
    return [
        r.payload["connectorStatus"]
        for r in env.csms.of("StatusNotification")
        if r.payload["evseId"] == evse
    ]


async def booted(env) -> None:
    """Wait until a station on the in-memory CSMS has booted and reported both connectors."""
    await env.csms.wait_for("StatusNotification", count=2)
    await trio.sleep(0.1)


async def call(env, action: str, payload: dict) -> dict:
    """Send a CALL from the in-memory CSMS; the payload of the station's CALLRESULT."""
    frame = await env.csms.call(action, payload)
    assert not hasattr(frame, "code"), frame
    return frame.payload


async def set_variable(env, component: str, variable: str, value: str) -> dict:
    """SetVariables of one value from the in-memory CSMS (as OCTT's Configuration State
    does); its result."""
    answer = await call(
        env,
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": component},
                    "variable": {"name": variable},
                    "attributeValue": value,
                }
            ]
        },
    )
    [result] = answer["setVariableResult"]
    return result
