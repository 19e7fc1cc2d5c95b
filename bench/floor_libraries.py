"""The libraries' floor: a station process that loads only what the OCPP side cannot do
without, and does nothing else.

    python -m bench.floor_libraries URL IDENTITY PASSWORD

It imports the libraries the design fixes for the OCPP side (trio, trio-websocket and with
it `ssl`, pydantic) and `sqlite3` (the store), builds the one pydantic model it sends (a
strict BootNotification request, as the station's are), opens an SQLite database, dials
the CSMS, sends BootNotification and then answers every CALL with an empty CALLRESULT.

`bench.footprint` measures its start → BootNotification and its RSS after boot beside the
station's OCPP side: whatever a station built on these libraries does, it starts no
faster and holds no less memory; ours minus this floor is what the station's own code and
state cost. It imports nothing from `bench` or `station`, whose modules would count.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import sys

import trio
import trio_websocket
from pydantic import BaseModel, ConfigDict


class ChargingStation(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    model: str
    vendorName: str  # the wire's names: no aliases to build


class BootNotification(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    chargingStation: ChargingStation
    reason: str


async def run(url: str, identity: str, password: str) -> None:
    store = sqlite3.connect(":memory:", isolation_level=None)
    store.execute("CREATE TABLE variables (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    boot = BootNotification.model_validate(
        {"chargingStation": {"model": "Floor", "vendorName": "Bench"}, "reason": "PowerUp"}
    )
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    headers = [(b"Authorization", f"Basic {token}".encode())]
    async with trio_websocket.open_websocket_url(
        f"{url}/{identity}", subprotocols=["ocpp2.0.1"], extra_headers=headers
    ) as ws:
        await ws.send_message(f'[2,"boot","BootNotification",{boot.model_dump_json()}]')
        while True:
            frame = json.loads(await ws.get_message())
            if frame[0] == 2:
                await ws.send_message(json.dumps([3, frame[1], {}]))


def main() -> None:
    url, identity, password = sys.argv[1:4]
    try:
        trio.run(run, url, identity, password)
    except (KeyboardInterrupt, trio_websocket.ConnectionClosed):
        pass


if __name__ == "__main__":
    main()
