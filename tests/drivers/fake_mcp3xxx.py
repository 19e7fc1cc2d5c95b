"""A bit-level MCP3xxx ADC on gpiozero's mock SPI pins, written from the Microchip data sheets.

The chip waits for a start bit on DIN, then takes SGL/DIFF and the channel bits (three
for the 4/8-channel parts; ODD/SIGN and MSBF for the MCP3x02), samples, and shifts out a
null bit and the result MSB first. Reads of gpiozero's own MCP3xxx classes go through
this slave bit by bit, so the tests exercise the real gpiozero code.
"""

from __future__ import annotations

from gpiozero.pins.mock import MockSPIDevice

_LAYOUT = {
    # chip: (channels, bits, channel bits after SGL/DIFF)
    "MCP3002": (2, 10, 2),
    "MCP3004": (4, 10, 3),
    "MCP3008": (8, 10, 3),
    "MCP3202": (2, 12, 2),
    "MCP3204": (4, 12, 3),
    "MCP3208": (8, 12, 3),
}


class FakeMcp3xxx(MockSPIDevice):
    """Slave on SPI0 CE``device`` whose channel inputs are set in volts (``channels[n]``)."""

    def __init__(self, chip: str = "MCP3208", *, device: int = 0, vref: float = 3.3) -> None:
        select = 8 if device == 0 else 7
        super().__init__(11, 10, 9, select)
        count, self.bits, self._address_bits = _LAYOUT[chip]
        self.chip = chip
        self.vref = vref
        self.channels = [0.0] * count
        self.conversions: list[int] = []  # channels converted, in order
        self._state = "idle"

    def code(self, volts: float) -> int:
        """The output code for an input voltage: 2**bits * Vin / Vref, clamped."""
        top = 2**self.bits - 1
        return max(0, min(top, int(volts * 2**self.bits / self.vref)))

    def on_start(self) -> None:
        super().on_start()
        self._state = "idle"

    def on_bit(self) -> None:
        if self._state == "idle":
            if self.rx_buf[-1]:
                self._state = "address"
                self.rx_buf = []
        elif self._state == "address":
            if len(self.rx_buf) == 1 + self._address_bits:
                single, *address = self.rx_buf
                assert single, "the driver must read single-ended channels"
                if self.chip.endswith("02"):
                    channel, msb_first = address
                    assert msb_first, "MCP3x02 reads must set MSBF"
                    leading = 1  # null bit
                else:
                    channel = address[0] << 2 | address[1] << 1 | address[2]
                    leading = 2  # sample bit, null bit
                self.conversions.append(channel)
                self.tx_word(self.code(self.channels[channel]), self.bits + leading)
                self._state = "result"
        elif self._state == "result" and not self.tx_buf:
            self._state = "idle"
            self.rx_buf = []
