"""The device model of the station a config file describes, and what the file seeds in it.

Shared by the station at start-up and by ``station config`` (which reads and writes the
store of a stopped station), so that both see the same variables and first-boot values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.devicemodel.catalogue import EvseTopology, build_catalogue
from station.devicemodel.model import DeviceModel, key

if TYPE_CHECKING:
    from station.config import StationConfig
    from station.store import Store

SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")
ORGANIZATION = key("SecurityCtrlr", "OrganizationName")


def build_device_model(config: StationConfig, store: Store | None) -> DeviceModel:
    """The device model of the station the config describes (values not loaded yet)."""
    topology = [
        EvseTopology(e.id, e.connector_type, e.phases, e.max_current * e.nominal_voltage * e.phases)
        for e in config.hardware.evse
    ]
    return DeviceModel(build_catalogue(topology, identity=config.station.identity), store)


def config_seeds(config: StationConfig) -> dict:
    """The values the TOML file gives the device model on the first start only."""
    seeds = {
        SECURITY_PROFILE: str(config.csms.security_profile),
        ORGANIZATION: config.station.organization_name or config.station.vendor_name,
    }
    if config.csms.basic_auth_password:
        seeds[PASSWORD] = config.csms.basic_auth_password
    return seeds
