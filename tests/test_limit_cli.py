"""`station limit …` sets and clears a local limit on a running station, judged by a CSMS
on the `ocpp` library over a real WebSocket."""

from __future__ import annotations

from tests.conftest import FAST, live_station, make_config
from tests.test_sim_cli import cli, write_config


async def test_limit_set_and_clear_through_the_cli(tmp_path, judge, capsys):
    path = write_config(tmp_path, judge.url)
    config = make_config(
        tmp_path / "data", judge.url, station={"control_socket": str(tmp_path / "s.sock")}
    )
    async with live_station(config, variables=FAST) as station:
        await judge.wait_for("StatusNotification", count=2)
        assert await cli("limit", "set", "--config", str(path), "2", "11") == 0
        [notify] = await judge.wait_for("NotifyChargingLimit")
        assert notify.payload["evseId"] == 2
        assert notify.payload["chargingLimit"]["chargingLimitSource"] == "EMS"
        assert "EVSE 2: limited to 11 A by EMS; CSMS notified" in capsys.readouterr().out
        assert station.smart_charging.limit(2) == 11
        assert await cli("limit", "clear", "--config", str(path), "2") == 0
        [cleared] = await judge.wait_for("ClearedChargingLimit")
        assert cleared.payload == {"chargingLimitSource": "EMS", "evseId": 2}
        assert station.smart_charging.limit(2) == 32
        assert await cli("limit", "set", "--config", str(path), "7", "11") == 1
        assert "evse 7 does not exist" in capsys.readouterr().err
