"""Raspberry Pi drivers: the kernel's hardware PWM, gpiozero pins and an MCP3xxx ADC.

Wiring of the reference board (BCM GPIO numbers; defaults of `drivers.config`):

=============================  ==========  ==========  ==================================
Signal                         EVSE 1      EVSE 2      Notes
=============================  ==========  ==========  ==================================
Pilot PWM (hardware)           GPIO18      GPIO19      PWM0/PWM1 with ``dtoverlay=pwm-2chan``
                               pin 12      pin 35      (pwmchip0 channels 0/1; or GPIO12/13
                                                       with ``pin=12,func=4,pin2=13,func2=4``;
                                                       Pi 5: check which pwmchipN owns them).
                                                       Disable analogue audio (same PWM).
Pilot output enable (option)   --          --          e.g. GPIO16 / GPIO26 (pins 36 / 37)
Peak-detector reset            GPIO5       GPIO6       pins 29 / 31; pulled up at boot, so
                               pin 29      pin 31      the detectors stay reset until used
ADC positive peak              MCP3208 ch0 ch2         SPI0 CE0 (GPIO8, pin 24),
ADC negative peak              ch1         ch3         SCLK GPIO11 (23), MOSI GPIO10 (19),
                                                       MISO GPIO9 (21); ``dtparam=spi=on``
Contactor coil                 GPIO17      GPIO27      pins 11 / 13; pulled down at boot;
                               pin 11      pin 13      active high through a driver stage
Contactor mirror contact       GPIO22      GPIO23      pins 15 / 16; internal pull-up; NC
                               pin 15      pin 16      mirror contact to GND: high = closed
RCD fault output               GPIO24      GPIO25      pins 18 / 22; internal pull-up;
                               pin 18      pin 22      high = tripped (a broken wire trips)
PN532 (HSU)                    UART0: TXD GPIO14 (pin 8), RXD GPIO15 (pin 10), /dev/serial0,
                               115200 8N1; PN532 mode switches set to HSU
Energy meters                  USB-RS485 adapter /dev/ttyUSB0, Eastron SDM230 (or SDM120)
                               Modbus unit 1 (EVSE 1) and 2 (EVSE 2), 2400 8N1
=============================  ==========  ==========  ==================================

The pins that gpiozero drives are released when the driver closes; the board must hold
every output at its safe level while released (coil off, output stage disabled).
A Linux process cannot guarantee the pilot's 100 ms reaction time: the contactor coil
should also need a hardware "CP in C/D" comparator, the RCD being healthy, and a live
heartbeat. These drivers mirror that logic; they never replace it.
"""

from drivers.gpio.peak_detector import ChannelScale, PeakDetectorSensor
from drivers.gpio.pilot import GpioControlPilot
from drivers.gpio.pwm import PERIOD_NS, BenchPilotPwm, PilotPwm, SysfsPilotPwm, SysfsPwmChannel
from drivers.gpio.relay import GpioContactorRelay, GpioFaultInputs

__all__ = [
    "PERIOD_NS",
    "BenchPilotPwm",
    "ChannelScale",
    "GpioContactorRelay",
    "GpioControlPilot",
    "GpioFaultInputs",
    "PeakDetectorSensor",
    "PilotPwm",
    "SysfsPilotPwm",
    "SysfsPwmChannel",
]
