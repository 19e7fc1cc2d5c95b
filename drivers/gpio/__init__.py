"""Raspberry Pi drivers: the kernel's hardware PWM, gpiozero pins and an MCP3xxx ADC.

Wiring of the reference board and the defaults of `drivers.config` (BCM GPIO numbers,
header pin in brackets):

    Signal                       EVSE 1           EVSE 2           Notes
    ---------------------------  ---------------  ---------------  -------------------------
    Pilot PWM (kernel PWM)       GPIO18 [12]      GPIO19 [35]      pwmchip0 ch 0/1 with
                                 PWM0             PWM1             dtoverlay=pwm-2chan
    Pilot output-stage enable    none             none             optional, e.g. GPIO16 [36]
                                                                   / GPIO26 [37]
    Peak-detector reset          GPIO5 [29]       GPIO6 [31]       active high
    ADC positive peak            MCP3208 ch 0     MCP3208 ch 2     one ADC on SPI0 CE0
    ADC negative peak            MCP3208 ch 1     MCP3208 ch 3     (see below)
    Contactor coil               GPIO17 [11]      GPIO27 [13]      active high
    Contactor mirror contact     GPIO22 [15]      GPIO23 [16]      pull-up; high = closed
    Interlock heartbeat          none             none             optional (heartbeat_pin),
                                                                   e.g. GPIO20 [38] / GPIO21 [40]
    RCD fault output             GPIO24 [18]      GPIO25 [22]      pull-up; high = tripped

    Shared buses
    SPI0 (ADC)        SCLK GPIO11 [23], MOSI GPIO10 [19], MISO GPIO9 [21], CE0 GPIO8 [24]
                      (CE1 GPIO7 [26] for a second ADC); dtparam=spi=on
    UART0 (PN532)     TXD GPIO14 [8], RXD GPIO15 [10]; /dev/serial0, 115200 8N1, the
                      PN532's mode switches set to HSU; enable_uart=1, no serial console
    RS-485 (meters)   USB adapter /dev/ttyUSB0; Eastron SDM230/SDM120 units 1 and 2,
                      2400 8N1

Notes on the choices:

* PWM: the two channels of the BCM283x/BCM2711 PWM block give one pilot each. The
  overlay ``dtoverlay=pwm-2chan,pin=12,func=4,pin2=13,func2=4`` moves them to GPIO12/13
  (set ``pwm_pin`` to match). The PWM block also drives the analogue audio output, so
  disable audio. On a Pi 5 the RP1 PWM appears under another ``pwmchipN``; look it up
  in ``/sys/class/pwm`` and set ``pwm_chip``/``pwm_channel``.
* GPIO5/6 are pulled up at boot, so the peak detectors stay in reset until the driver
  runs; GPIO17/27 are pulled down at boot, so the contactors stay off.
* The mirror contact is the force-guided NC auxiliary contact wired to ground: it opens
  when the main contacts close, so the pulled-up input reads high = closed, and a
  broken wire reads "closed" while the contactor is commanded open: a detected fault.
* The RCD input reads high = tripped with its pull-up, so a missing module or a broken
  wire trips; the module must pull the line low while it is healthy.

Every pin gpiozero drives is released when its driver closes; the board must hold each
output at its safe level while released (coil off, output stage disabled). A Linux
process cannot guarantee the pilot's 100 ms reaction time: the contactor coil should
also need a hardware "CP in C/D" comparator, a healthy RCD and a live heartbeat. These
drivers mirror that logic; they never replace it.
"""

from drivers.gpio.peak_detector import ChannelScale, PeakDetectorSensor
from drivers.gpio.pilot import GpioControlPilot
from drivers.gpio.pwm import PERIOD_NS, BenchPilotPwm, PilotPwm, SysfsPilotPwm, SysfsPwmChannel
from drivers.gpio.relay import GpioContactorRelay, GpioFaultInputs, GpioHeartbeat

__all__ = [
    "PERIOD_NS",
    "BenchPilotPwm",
    "ChannelScale",
    "GpioContactorRelay",
    "GpioControlPilot",
    "GpioFaultInputs",
    "GpioHeartbeat",
    "PeakDetectorSensor",
    "PilotPwm",
    "SysfsPilotPwm",
    "SysfsPwmChannel",
]
