"""Local limits from an energy manager over Modbus TCP (`station.ems`): a pymodbus client
against the station, a CSMS on the `ocpp` library judging what the station tells it, the
failsafe on MockClock, and the Modbus exceptions a bad request gets."""

from __future__ import annotations

import functools
import re
import socket
from collections.abc import Callable
from pathlib import Path

import trio
import trio.testing
from pymodbus.client import ModbusTcpClient
from pymodbus.framer import FramerSocket
from pymodbus.pdu import DecodePDU, ModbusPDU
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersRequest,
    ReadInputRegistersRequest,
    WriteMultipleRegistersRequest,
    WriteSingleRegisterRequest,
)

from station.ems.registers import NO_LIMIT, EvseInput, Holding, StationInput
from station.ems.service import EmsService, evse_facts_reader
from tests.conftest import FAST, booted, live_station, make_config, running_station

EVSE1 = 100  # EVSE 1's block
ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE = 1, 2, 3


def ems_config(tmp_path, url, **ems):
    return make_config(
        tmp_path / "data",
        url,
        ems={"enabled": True, "port": 0, **ems},
    )


class Client:
    """pymodbus's synchronous TCP client, each request in a worker thread."""

    def __init__(self, port: int) -> None:
        self.modbus = ModbusTcpClient("127.0.0.1", port=port, timeout=5, retries=0)

    async def __call__(self, method: str, *args, **kwargs):
        call: Callable = functools.partial(getattr(self.modbus, method), *args, **kwargs)
        return await trio.to_thread.run_sync(call)


async def charging_on_evse_1(station) -> None:
    sim, loop = station.hardware.sim, station.loops[1]
    sim.plug(1)
    sim.tap("04000001")
    sim.set_ev_state(1, "C")
    with trio.fail_after(20):
        while not loop.snapshot.relay_closed:
            await loop.wait_snapshot()


async def test_an_energy_manager_limits_an_evse_over_modbus_and_the_csms_is_told(tmp_path, judge):
    config = ems_config(tmp_path, judge.url)
    async with live_station(config, variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        with trio.fail_after(10):
            await station.ems.serving.wait()
        port = station.ems.listeners[0].socket.getsockname()[1]
        await charging_on_evse_1(station)
        client = Client(port)
        try:
            answer = await client("write_register", EVSE1 + Holding.LIMIT, 100)  # 10.0 A
            assert not answer.isError(), answer
            [notify] = await judge.wait_for("NotifyChargingLimit")
            assert notify.payload["evseId"] == 1
            assert notify.payload["chargingLimit"]["chargingLimitSource"] == "EMS"
            loop = station.loops[1]
            with trio.fail_after(10):
                while loop.snapshot.duty != 16.6:  # IEC 61851-1: 10 A / 0.6
                    await loop.wait_snapshot()
            inputs = await client("read_input_registers", EVSE1, count=len(EvseInput))
            assert inputs.registers[EvseInput.PILOT_STATE] == 3  # C
            assert inputs.registers[EvseInput.CONNECTOR_STATUS] == 1  # Occupied
            assert inputs.registers[EvseInput.OFFERED] == 100
            assert inputs.registers[EvseInput.EFFECTIVE_LIMIT] == 100
            assert inputs.registers[EvseInput.CONTACTOR] == 1
            assert inputs.registers[EvseInput.LOCAL_LIMIT] == 100
            held = await client("read_holding_registers", EVSE1, count=3)
            assert held.registers == [100, 0, NO_LIMIT]  # limit, source EMS, no failsafe

            answer = await client("write_register", EVSE1 + Holding.LIMIT, NO_LIMIT)
            assert not answer.isError(), answer
            [cleared] = await judge.wait_for("ClearedChargingLimit")
            assert cleared.payload == {"chargingLimitSource": "EMS", "evseId": 1}
            assert station.smart_charging.limit(1) == 32
            assert station.smart_charging.external_limit(1) is None
        finally:
            client.modbus.close()


async def test_a_solar_limit_with_its_source_in_one_write(tmp_path, judge):
    config = ems_config(tmp_path, judge.url)
    async with live_station(config, variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        with trio.fail_after(10):
            await station.ems.serving.wait()
        client = Client(station.ems.listeners[0].socket.getsockname()[1])
        try:
            # Source SO (1) written with the limit at 0 (the station): the limit is the SO's.
            answer = await client("write_registers", Holding.LIMIT, [160, 1])
            assert not answer.isError(), answer
            [notify] = await judge.wait_for("NotifyChargingLimit")
            assert notify.payload["evseId"] == 0
            assert notify.payload["chargingLimit"]["chargingLimitSource"] == "SO"
            assert station.smart_charging.external_limit(0) == (16.0, "SO")
            assert station.smart_charging.limit(2) == 16
        finally:
            client.modbus.close()


async def test_bad_requests_get_modbus_exceptions_and_change_nothing(tmp_path, judge):
    config = ems_config(tmp_path, judge.url)
    async with live_station(config, variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        with trio.fail_after(10):
            await station.ems.serving.wait()
        port = station.ems.listeners[0].socket.getsockname()[1]
        client = Client(port)
        try:
            refused = [
                # (what, method, arguments, keyword arguments, exception code)
                ("40 A on a 32 A EVSE", "write_register", (EVSE1, 400), {}, ILLEGAL_VALUE),
                ("source 3", "write_register", (EVSE1 + Holding.SOURCE, 3), {}, ILLEGAL_VALUE),
                ("a measured value", "write_register", (EVSE1 + 52, 60), {}, ILLEGAL_ADDRESS),
                ("no such register", "write_register", (EVSE1 + 7, 60), {}, ILLEGAL_ADDRESS),
                ("no EVSE 3", "read_input_registers", (300,), {}, ILLEGAL_ADDRESS),
                ("past the block", "read_input_registers", (EVSE1 + 11,), {"count": 2}, 2),
                ("coils", "read_coils", (0,), {}, ILLEGAL_FUNCTION),
                ("another unit", "read_input_registers", (0,), {"device_id": 9}, 0x0B),
                # One bad value in a multiple write: the good limit before it is not applied.
                ("half good", "write_registers", (EVSE1, [100, 9]), {}, ILLEGAL_VALUE),
            ]
            for what, method, args, kwargs, code in refused:
                answer = await client(method, *args, **kwargs)
                assert answer.isError(), what
                assert answer.exception_code == code, what
            assert station.smart_charging.external_limit(1) is None
            assert station.ems.settings.sources[1] == 0

            # A read of 126 registers (the most is 125), sent raw: pymodbus's client
            # will not encode it.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                raw.sendall(bytes.fromhex("0007 0000 0006 01 04 0000 007e"))
                reply = await trio.to_thread.run_sync(raw.recv, 64)
            assert reply == bytes.fromhex("0007 0000 0003 01 84 03")
            # A frame that is not Modbus TCP (protocol id 1): the connection is closed.
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                raw.sendall(bytes.fromhex("0008 0001 0006 01 04 0000 0001"))
                assert await trio.to_thread.run_sync(raw.recv, 64) == b""
            # The server serves on.
            answer = await client("read_input_registers", 0, count=2)
            assert answer.registers == [1, 2]  # map version, EVSEs
        finally:
            client.modbus.close()


# -- on MockClock: the failsafe ----------------------------------------------------------


class FrameClient:
    """A Modbus TCP client over a trio stream, with pymodbus's framer and PDUs."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.framer = FramerSocket(DecodePDU(is_server=False))
        self.tid = 0

    async def request(self, pdu: ModbusPDU) -> ModbusPDU:
        self.tid += 1
        pdu.transaction_id, pdu.dev_id = self.tid, 1
        await self.stream.send_all(self.framer.buildFrame(pdu))
        data = b""
        while True:
            data += await self.stream.receive_some(1024)
            _, answer = self.framer.handleFrame(data, 0, 0)
            if answer is not None:
                assert answer.transaction_id == self.tid
                return answer

    async def write(self, address: int, *values: int) -> ModbusPDU:
        if len(values) == 1:
            return await self.request(WriteSingleRegisterRequest(address=address, registers=values))
        return await self.request(WriteMultipleRegistersRequest(address=address, registers=values))

    async def inputs(self, address: int, count: int) -> list[int]:
        answer = await self.request(ReadInputRegistersRequest(address=address, count=count))
        return list(answer.registers)

    async def holding(self, address: int, count: int) -> list[int]:
        answer = await self.request(ReadHoldingRegistersRequest(address=address, count=count))
        return list(answer.registers)


def ems_for(station, **options) -> EmsService:
    """An EMS interface on a station, as `Station` builds it for ``[ems]``."""
    return EmsService(
        limits=station.smart_charging,
        evse_facts=evse_facts_reader(
            lambda e: station.evses[e].snapshot,
            lambda e: station.meters[e].latest,
            lambda e: station.availability.status(e).value,
            station.smart_charging.applied,
        ),
        max_currents={1: 32.0, 2: 32.0},
        station_max=64.0,  # the two EVSEs together, as the config gives it
        **options,
    )


async def test_the_failsafe_limit_applies_when_the_energy_manager_falls_silent(
    tmp_path, autojump_clock
):
    async with running_station(make_config(tmp_path)) as env:
        await booted(env)
        station = env.station
        ems = ems_for(station, failsafe_timeout=30, failsafe_current=8.0)
        ours, theirs = trio.testing.memory_stream_pair()
        env.nursery.start_soon(ems.run_on, theirs)
        client = FrameClient(ours)

        await client.write(EVSE1 + Holding.LIMIT, 160)
        await env.csms.wait_for("NotifyChargingLimit")
        assert station.smart_charging.limit(1) == 16
        await trio.sleep(29)
        await client.write(Holding.HEARTBEAT, 1)  # alive: the timer starts again
        await trio.sleep(29)
        assert station.smart_charging.external_limit(1) == (16.0, "EMS")
        assert await client.inputs(StationInput.FAILSAFE_ACTIVE, 2) == [0, 1]  # 1 s left

        silent_from = trio.current_time()
        await env.csms.wait_for("ClearedChargingLimit")
        assert abs(trio.current_time() - silent_from - 1) < 1e-6  # 30 s after the last write
        # The station's failsafe limit (8 A) stands in; EVSE 1's own (none) is released.
        assert station.smart_charging.external_limit(0) == (8.0, "EMS")
        assert station.smart_charging.external_limit(1) is None
        assert station.smart_charging.limit(1) == 8
        [cleared] = env.csms.of("ClearedChargingLimit")
        assert cleared.payload == {"chargingLimitSource": "EMS", "evseId": 1}
        await env.csms.wait_for("NotifyChargingLimit", count=2)
        assert env.csms.of("NotifyChargingLimit")[1].payload["evseId"] == 0
        assert await client.inputs(StationInput.FAILSAFE_ACTIVE, 2) == [1, NO_LIMIT]

        # The EMS is back: its next write ends the failsafe and sets what it writes.
        await client.write(Holding.LIMIT, NO_LIMIT)
        await client.write(EVSE1 + Holding.LIMIT, 120)
        assert await client.inputs(StationInput.FAILSAFE_ACTIVE, 1) == [0]
        assert station.smart_charging.external_limit(0) is None
        assert station.smart_charging.limit(1) == 12


async def test_the_failsafe_settings_are_registers_the_energy_manager_writes(
    tmp_path, autojump_clock
):
    async with running_station(make_config(tmp_path)) as env:
        await booted(env)
        station = env.station
        ems = ems_for(station, failsafe_timeout=0)  # off until the EMS turns it on
        ours, theirs = trio.testing.memory_stream_pair()
        env.nursery.start_soon(ems.run_on, theirs)
        client = FrameClient(ours)

        await client.write(EVSE1 + Holding.LIMIT, 200)
        await trio.sleep(3600)
        assert station.smart_charging.external_limit(1) == (20.0, "EMS")  # timer off
        # EVSE 1 falls back to 6 A, after 10 s.
        await client.write(EVSE1 + Holding.FAILSAFE_LIMIT, 60)
        await client.write(Holding.FAILSAFE_TIMEOUT, 10)
        assert await client.holding(Holding.LIMIT, 5) == [NO_LIMIT, 0, NO_LIMIT, 10, 0]
        assert await client.holding(EVSE1, 3) == [200, 0, 60]
        await trio.sleep(10.5)
        assert station.smart_charging.external_limit(1) == (6.0, "EMS")
        assert station.smart_charging.external_limit(0) is None


def test_the_register_map_in_the_docs_is_the_one_the_station_serves():
    text = (Path(__file__).parent.parent / "docs" / "smart-charging.md").read_text()
    tables: dict[str, list[tuple[int, str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("#### "):
            heading = line[5:].split(" (")[0]
        found = re.match(r"\| (\d+) \| `(\w+)` \|", line)
        if found:
            tables.setdefault(heading, []).append((int(found[1]), found[2]))
    assert tables["Holding registers"] == [(r.value, r.name) for r in Holding]
    assert tables["Station input registers"] == [(r.value, r.name) for r in StationInput]
    assert tables["EVSE input registers"] == [(r.value, r.name) for r in EvseInput]


async def test_a_port_in_use_is_retried_and_the_failsafe_still_applies(tmp_path, autojump_clock):
    async with running_station(make_config(tmp_path)) as env:
        await booted(env)
        station = env.station
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            ems = ems_for(station, port=port, failsafe_timeout=10, failsafe_current=6.0)
            env.nursery.start_soon(ems.run)
            await trio.sleep(11)
            assert not ems.serving.is_set()
            assert station.smart_charging.external_limit(0) == (6.0, "EMS")
        await trio.sleep(30)  # the next attempt finds the port free
        assert ems.serving.is_set()


async def test_frames_are_taken_one_at_a_time_however_the_bytes_arrive(tmp_path, autojump_clock):
    async with running_station(make_config(tmp_path)) as env:
        await booted(env)
        ems = ems_for(env.station)
        ours, theirs = trio.testing.memory_stream_pair()
        env.nursery.start_soon(ems.run_on, theirs)
        # Function 07 (no data: a 2-byte PDU) and a read of the map version in one send,
        # then a read split in the middle of its header.
        await ours.send_all(bytes.fromhex("0001 0000 0002 01 070002 0000 0006 01 04 0000 0001"))
        await ours.send_all(bytes.fromhex("0003 0000"))
        await ours.send_all(bytes.fromhex("0006 01 04 0001 0001"))
        expected = bytes.fromhex(
            "0001 0000 0003 01 87 01"  # illegal function
            "0002 0000 0005 01 04 02 0001"  # map version 1
            "0003 0000 0005 01 04 02 0002"  # 2 EVSEs
        )
        received = b""
        while len(received) < len(expected):
            received += await ours.receive_some(1024)
        assert received == expected
