"""Serial-port drivers: the PN532 card reader (HSU) and Eastron meters (Modbus RTU).

Every call blocks on the port, so these drivers set ``blocking = True`` and the station
runs them in worker threads. Ports open on first use and re-open after any error.
"""

from drivers.serial.modbus_bus import ModbusRtuBus
from drivers.serial.pn532 import Pn532CardReader, Pn532Firmware
from drivers.serial.sdm_meter import SdmMeter

__all__ = ["ModbusRtuBus", "Pn532CardReader", "Pn532Firmware", "SdmMeter"]
