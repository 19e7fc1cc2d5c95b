"""The development CSMS: a server for stations (`server`), its card list (`cards`), its
local HTTP endpoint (`api`) and the ``station csms`` command (`cli`)."""

from station.devcsms.cards import Card, CardList, CardListError, parse_cards
from station.devcsms.server import (
    CSMS_ACTIONS,
    STATION_ACTIONS,
    CallFailed,
    DevCsms,
    NotACsmsRequest,
    NotConnected,
    StationEvent,
    StationSession,
    Traffic,
)

__all__ = [
    "CSMS_ACTIONS",
    "STATION_ACTIONS",
    "CallFailed",
    "Card",
    "CardList",
    "CardListError",
    "DevCsms",
    "NotACsmsRequest",
    "NotConnected",
    "StationEvent",
    "StationSession",
    "Traffic",
    "parse_cards",
]
