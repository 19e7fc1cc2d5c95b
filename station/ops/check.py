"""``station check``: is this station ready to run? Config, devices and CSMS, one table.

Validates the configuration, then probes every configured device — the pilot reads +12 V
with no EV, the contactor's mirror contact agrees with "open", the meter answers with
plausible values, the card reader answers, serial ports exist and are free — and the CSMS
(the host resolves, the port answers, and for wss:// the TLS chain verifies against the
configured roots). Each line says OK, FAIL or SKIP, with the fix for a failure; the exit
status is 1 when anything failed. Contactors are commanded open before and after.

A configuration that is valid but leaves real hardware unguarded (a contactor without a
mirror contact, simulated inputs next to a real contactor on a bench, a simulated meter)
gets a WARN line per finding and a verdict that says so; warnings alone do not fail.

The CSMS probed is the one ``station run`` will use: after the first start that is the
store's network profile (the CSMS may have changed it), with the store's CSMS roots; each
seeded value where file and store differ gets a NOTE line saying which is used and why
(`station.seeding`). A NOTE also states the offline-authorization rules in force, which
decide whether a card the station cannot check charges while the CSMS is unreachable.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import trio

from drivers.interfaces import DriverError
from station.config import StationConfig

EXIT_FAILED = 1


@dataclass(frozen=True)
class Result:
    """One line of the report."""

    item: str
    verdict: str  # OK, FAIL, SKIP, WARN, NOTE
    detail: str
    fix: str = ""


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``station check`` to the CLI."""
    check = commands.add_parser(
        "check",
        help="check config, devices and CSMS before running",
        description="Validate the config and probe every device and "
        "the CSMS; exit 1 if anything fails.",
    )
    check.add_argument("--config", type=Path, required=True, help="station TOML file")
    check.add_argument("--timeout", type=float, default=5.0, help="seconds per network probe")
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run all checks and print the table."""
    from station.cli import load_or_exit

    config = load_or_exit(args.config)  # exits 2 with the key and reason if invalid
    # The WARN lines below say what the driver factory would also log; without a
    # handler, Python would print those log lines after the table a second time.
    logging.getLogger("drivers.factory").addHandler(logging.NullHandler())
    results = [Result("configuration", "OK", str(args.config))]
    results += safety_warnings(config)
    results += offline_authorization(config)
    results += energy_manager(config)
    results += trio.run(_probe_all, config, args.timeout)
    print(render(results))
    return EXIT_FAILED if any(r.verdict == "FAIL" for r in results) else 0


def safety_warnings(config: StationConfig) -> list[Result]:
    """One WARN line per `HardwareConfig.safety_warnings` finding."""
    return [Result("SAFETY", "WARN", line) for line in config.hardware.safety_warnings()]


def energy_manager(config: StationConfig) -> list[Result]:
    """``[ems]``: whether the Modbus TCP port can be had, and a NOTE when it listens
    beyond this machine (Modbus TCP has no authentication)."""
    import errno
    import ipaddress
    import socket

    ems = config.ems
    if not ems.enabled:
        return []
    where = f"{ems.bind}:{ems.port}"
    failsafe = (
        "off"
        if not ems.failsafe_timeout
        else f"after {ems.failsafe_timeout} s, "
        + (
            f"{ems.failsafe_current:g} A"
            if ems.failsafe_current is not None
            else "local limits released"
        )
    )
    results = []
    family = socket.AF_INET6 if ipaddress.ip_address(ems.bind).version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((ems.bind, ems.port))
        results.append(
            Result(
                "energy manager",
                "OK",
                f"Modbus TCP on {where}, unit {ems.unit_id}; failsafe {failsafe}",
            )
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            results.append(
                Result("energy manager", "NOTE", f"{where} is in use (a running station?)")
            )
        else:
            results.append(
                Result(
                    "energy manager",
                    "FAIL",
                    f"cannot listen on {where}: {exc.strerror}",
                    "use a port above 1023, or an address of this machine",
                )
            )
    if not ipaddress.ip_address(ems.bind).is_loopback:
        results.append(
            Result(
                "energy manager",
                "NOTE",
                f"ems.bind {ems.bind}: Modbus TCP has no authentication; anyone who reaches "
                "that address can limit the station (a trusted network only)",
            )
        )
    return results


#: The device-model variables of the offline rules (C15) and their meaning, for the NOTE.
_OFFLINE_VARIABLES = (
    "LocalAuthorizeOffline",
    "OfflineTxForUnknownIdEnabled",
    "OfflineTxForUnknownIdBeforeAccepted",
)


def offline_authorization(config: StationConfig) -> list[Result]:
    """A NOTE with the offline-authorization rules in force (the store's values, or the
    defaults before the first start) and whether a CSMS has accepted the station yet."""
    from station.app import build_device_model
    from station.devicemodel.model import Attribute, key, store_key
    from station.seeding import query_read_only
    from station.transactions.service import FIRST_ACCEPTED_META

    model = build_device_model(config, None)
    keys = {name: key("AuthCtrlr", name) for name in _OFFLINE_VARIABLES}

    def read(db: sqlite3.Connection) -> tuple[dict[str, str], bool]:
        values = {}
        for name, variable_key in keys.items():
            row = db.execute(
                "SELECT value FROM variables WHERE key = ?",
                (store_key(variable_key, Attribute.Actual),),
            ).fetchone()
            if row is not None:
                values[name] = row[0]
        accepted = db.execute(
            "SELECT 1 FROM meta WHERE name = ?", (FIRST_ACCEPTED_META,)
        ).fetchone()
        return values, accepted is not None

    try:
        found = query_read_only(config, read)
    except sqlite3.Error as exc:
        return [Result("offline authorization", "NOTE", f"store unreadable ({exc})")]
    stored, accepted = found if found is not None else ({}, False)
    values = {
        name: stored.get(name, model.declaration(k).default or "") == "true"
        for name, k in keys.items()
    }
    settings = ", ".join(
        f"{name}={'true' if values[name] else 'false'}" for name in _OFFLINE_VARIABLES
    )
    if not (values["LocalAuthorizeOffline"] and values["OfflineTxForUnknownIdEnabled"]):
        meaning = "unknown cards are refused while the CSMS is unreachable"
    elif values["OfflineTxForUnknownIdBeforeAccepted"]:
        meaning = "any card charges while the CSMS is unreachable, even before a first accept"
    elif accepted:
        meaning = "any card charges while the CSMS is unreachable (a CSMS accepted this station)"
    else:
        meaning = (
            "unknown cards are refused offline until a CSMS has accepted this station once; "
            "after that any card charges while the CSMS is unreachable"
        )
    source = "store" if found is not None else "defaults: first start"
    return [
        Result(
            "offline authorization",
            "NOTE",
            f"{meaning} (AuthCtrlr {settings}; {source})",
            "change with `station config set AuthCtrlr.<variable> true|false` on the "
            "stopped station, or SetVariables from the CSMS",
        )
    ]


def render(results: list[Result]) -> str:
    """The report table and a verdict line."""
    width = max(len(r.item) for r in results)
    lines = [f"{'item':<{width}}  result  detail"]
    for r in results:
        lines.append(f"{r.item:<{width}}  {r.verdict:<6}  {r.detail}")
        if r.fix:
            label = "how" if r.verdict == "NOTE" else "fix"
            lines.append(f"{'':<{width}}          {label}: {r.fix}")
    failed = [r.item for r in results if r.verdict == "FAIL"]
    warned = sum(r.verdict == "WARN" for r in results)
    verdict = (
        "READY" if not failed else f"NOT READY ({len(failed)} failed: " + ", ".join(failed) + ")"
    )
    if warned:
        verdict += (
            f" WITH {warned} SAFETY WARNING{'S' if warned > 1 else ''}: "
            "read the WARN lines before connecting mains"
        )
    lines.append("verdict: " + verdict)
    return "\n".join(lines)


async def _probe_all(config, timeout: float) -> list[Result]:
    results: list[Result] = []
    results += _serial_ports(config)
    results += await _devices(config)
    results += await _csms(config, timeout)
    return results


def _serial_ports(config) -> list[Result]:
    ports: dict[str, str] = {}
    hardware = config.hardware
    family = hardware.driver
    if (hardware.rfid.driver or ("serial" if family == "gpio" else "sim")) == "serial":
        ports[hardware.rfid.port] = "card reader"
    for evse in hardware.evse:
        if (evse.meter.driver or ("serial" if family == "gpio" else "sim")) == "serial":
            ports.setdefault(evse.meter.port, f"meter of EVSE {evse.id}")
    results = []
    for port, user in ports.items():
        item = f"serial port {port}"
        if not Path(port).exists():
            results.append(
                Result(
                    item,
                    "FAIL",
                    f"missing ({user})",
                    "plug the adapter in, enable the UART (raspi-config) or fix "
                    "the port in the config",
                )
            )
            continue
        try:
            import serial

            with serial.Serial(port, exclusive=True, timeout=0):
                pass
        except (OSError, ValueError) as exc:
            results.append(
                Result(
                    item,
                    "FAIL",
                    f"cannot open ({user}): {exc}",
                    "stop whatever holds the port (e.g. a serial console) and "
                    "check the user is in the dialout group",
                )
            )
            continue
        results.append(Result(item, "OK", f"present and free ({user})"))
    return results


async def _devices(config) -> list[Result]:
    from drivers import build_hardware

    try:
        hardware = build_hardware(
            config.hardware, now=trio.current_time, wall_clock=lambda: datetime.now(UTC)
        )
    except (DriverError, OSError, ValueError, ImportError) as exc:
        return [
            Result(
                "hardware",
                "FAIL",
                f"cannot set up the drivers: {exc}",
                "check the [hardware] section, the pin factory (gpio extra) and that "
                "SPI/PWM overlays are enabled",
            )
        ]
    results: list[Result] = []
    try:
        for devices in hardware.evses:
            name = f"EVSE {devices.id}"
            for item, probe, device in (
                ("contactor", _relay, devices.relay),
                ("pilot", _pilot, devices.pilot),
                ("RCD input", _rcd, devices.faults),
                ("meter", _meter, devices.meter),
            ):
                results.append(await _probe(f"{name} {item}", probe, device))
        results.append(await _probe("card reader", _reader, hardware.card_reader))
    finally:
        hardware.close()  # contactors open first
    return results


async def _probe(item: str, probe: Callable[[object], tuple[str, str, str]], device) -> Result:
    try:
        if getattr(device, "blocking", True):
            outcome = await trio.to_thread.run_sync(probe, device)
        else:
            outcome = probe(device)
    except DriverError as exc:
        return Result(item, "FAIL", str(exc), "check the wiring and the device's settings")
    except Exception as exc:  # a probe must never stop the others
        return Result(item, "FAIL", f"{type(exc).__name__}: {exc}", "see the station log")
    verdict, detail, fix = outcome
    return Result(item, verdict, detail, fix)


def _relay(relay) -> tuple[str, str, str]:
    relay.set_closed(False)
    feedback = relay.feedback()
    if feedback is None:
        return "SKIP", "commanded open; no mirror contact wired", ""
    if feedback:
        return (
            "FAIL",
            "commanded open but the mirror contact reports closed",
            "the contactor may be welded or the feedback wiring inverted: inspect before use",
        )
    return "OK", "open, mirror contact agrees", ""


def _pilot(pilot) -> tuple[str, str, str]:
    pilot.set_high()
    reading = pilot.read()
    pilot.set_negative()
    if 11.0 <= reading.high <= 13.0:
        return "OK", f"+{reading.high:.1f} V with no EV (state A)", ""
    if 2.0 <= reading.high < 11.0:
        return (
            "FAIL",
            f"{reading.high:.1f} V: an EV seems to be connected",
            "unplug the EV and run the check again",
        )
    return (
        "FAIL",
        f"implausible plateau {reading.high:.1f} V / {reading.low:.1f} V",
        "check the ±12 V supply, the peak detectors and the ADC gain/offset in the config",
    )


def _rcd(faults) -> tuple[str, str, str]:
    if faults.rcd_tripped():
        return "FAIL", "the RCD reports a trip", "reset the RCD; check its fault output wiring"
    return "OK", "not tripped", ""


def _meter(meter) -> tuple[str, str, str]:
    sample = meter.sample()
    problems = []
    if not 180.0 <= sample.voltage <= 260.0:
        problems.append(f"voltage {sample.voltage:.1f} V")
    if not 45.0 <= sample.frequency <= 65.0:
        problems.append(f"frequency {sample.frequency:.1f} Hz")
    if sample.energy_import_wh < 0:
        problems.append(f"import register {sample.energy_import_wh} Wh")
    if problems:
        return (
            "FAIL",
            "implausible: " + ", ".join(problems),
            "check the meter's wiring, unit id and baud rate",
        )
    return (
        "OK",
        f"{sample.voltage:.1f} V, {sample.frequency:.2f} Hz, "
        f"{sample.energy_import_wh / 1000:.3f} kWh",
        "",
    )


def _reader(reader) -> tuple[str, str, str]:
    version = getattr(reader, "firmware_version", None)
    if version is None:
        reader.poll()
        return "OK", "answers (simulated reader)", ""
    firmware = version()
    return "OK", f"PN532 firmware {firmware}", ""


async def _csms(config: StationConfig, timeout: float) -> list[Result]:
    from station.seeding import differences, read_only

    results: list[Result] = []
    url: str = config.csms.url
    security_profile: int = config.csms.security_profile
    certificates = config.station.data_dir / "certificates"
    ca_file = config.csms.ca_file
    cert_file, key_file = config.csms.cert_file, config.csms.key_file
    try:
        state = read_only(config)
    except sqlite3.Error as exc:
        state = None
        results.append(
            Result(
                "CSMS profile",
                "FAIL",
                f"the store cannot be read ({exc}); probing the file's csms.url",
                "check data_dir and its permissions",
            )
        )
    slot = state.slot_in_use() if state is not None else None
    if state is None or slot is None:
        if not results:
            results.append(
                Result("CSMS profile", "OK", f"{url}: the file's (it seeds the first start)")
            )
    else:
        url, security_profile = state.profiles[slot]
        results.append(
            Result(
                "CSMS profile",
                "OK",
                f"{url} (security profile {security_profile}): the store's network profile "
                f"slot {slot}, what `station run` uses",
            )
        )
        results += [Result("config vs store", "NOTE", d.line) for d in differences(state)]
        # What the station connects with: the certificates in the store, once imported.
        if (certificates / "csms-roots.pem").exists():
            ca_file = certificates / "csms-roots.pem"
        if (certificates / "station" / "chain.pem").exists():
            cert_file = certificates / "station" / "chain.pem"
            key_file = certificates / "station" / "key.pem"
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        await trio.to_thread.run_sync(lambda: socket.getaddrinfo(host, port))
    except OSError as exc:
        results.append(
            Result(
                "CSMS address",
                "FAIL",
                f"{host} does not resolve: {exc}",
                "check csms.url and the DNS settings",
            )
        )
        return results
    results.append(Result("CSMS address", "OK", f"{host} resolves"))
    if parts.scheme == "ws":
        results.append(await _tcp(host, port, timeout))
        return results
    from station.ocpp.tls import CsmsConnectError, TlsConfigError, client_context, open_tls_stream

    try:
        context = client_context(
            ca_files=[ca_file] if ca_file else [],
            cert_file=cert_file if security_profile == 3 else None,
            key_file=key_file if security_profile == 3 else None,
        )
    except TlsConfigError as exc:
        results.append(
            Result(
                "TLS files",
                "FAIL",
                str(exc),
                "point ca_file/cert_file/key_file at readable PEM files",
            )
        )
        return results
    try:
        from station.ocpp.revocation import CrlChecker

        revocation = CrlChecker() if config.security.csms_revocation_check == "crl" else None
        stream = await open_tls_stream(
            host, port, context, connect_timeout=timeout, revocation=revocation
        )
    except CsmsConnectError as exc:
        results.append(
            Result(
                "CSMS TLS",
                "FAIL",
                exc.detail,
                "install the CSMS root that signed the server certificate "
                "(ca_file), check the host name and the clock",
            )
        )
        return results
    await stream.aclose()
    results.append(Result("CSMS TLS", "OK", f"{host}:{port} certificate verifies"))
    return results


async def _tcp(host: str, port: int, timeout: float) -> Result:
    from station.ocpp import failures

    peer = f"{host}:{port}"
    try:
        with trio.fail_after(timeout):
            stream = await trio.open_tcp_stream(host, port)
        await stream.aclose()
    except trio.TooSlowError:
        detail = failures.tcp_timeout(peer, timeout)
    except OSError as exc:
        detail = failures.tcp_error(exc, peer)
    else:
        return Result("CSMS port", "OK", f"{peer} accepts connections")
    return Result("CSMS port", "FAIL", detail, "check csms.url, the CSMS and the firewall")
