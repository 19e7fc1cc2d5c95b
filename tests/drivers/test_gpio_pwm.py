"""The kernel PWM channel behind the pilot, against a fake /sys/class/pwm tree."""

from __future__ import annotations

import pytest
from fake_sysfs import FakePwmSysfs

from drivers.gpio import SysfsPilotPwm, SysfsPwmChannel
from drivers.interfaces import DeviceUnavailable, DriverError


@pytest.fixture
def sysfs(tmp_path):
    return FakePwmSysfs(tmp_path)


def test_opening_exports_the_channel_and_starts_at_plus_12_volts(sysfs):
    SysfsPilotPwm(0, 1, root=sysfs.root, sleep=sysfs.materialize)

    assert sysfs.value(1, "period") == "1000000"
    assert sysfs.value(1, "duty_cycle") == "1000000"
    assert sysfs.value(1, "enable") == "1"
    assert sysfs.sleeps, "the driver waited for the kernel to create pwm1"


def test_an_exported_channel_is_reused_without_exporting_again(sysfs):
    sysfs.export(0, period=1_000_000, duty=400_000, enable=1)

    SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)

    assert (sysfs.chip_dir / "export").read_text() == ""
    assert sysfs.value(0, "duty_cycle") == "1000000"


def test_a_longer_old_period_is_shortened_after_the_duty_cycle(sysfs, monkeypatch):
    # The kernel refuses a duty cycle longer than the period: with a 20 ms period and
    # 5 ms duty left behind, the duty cycle must be written before the shorter period.
    sysfs.export(0, period=20_000_000, duty=5_000_000, enable=1)
    writes = []
    original = SysfsPwmChannel._write

    def record(self, path, value):
        writes.append((path.name, value))
        original(self, path, value)

    monkeypatch.setattr(SysfsPwmChannel, "_write", record)

    SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)

    assert writes[:2] == [("duty_cycle", 1_000_000), ("period", 1_000_000)]


def test_inversed_polarity_is_reset_to_normal_while_disabled(sysfs, monkeypatch):
    sysfs.export(0, period=1_000_000, duty=0, enable=1, polarity="inversed")
    writes = []
    original = SysfsPwmChannel._write

    def record(self, path, value):
        writes.append((path.name, value))
        original(self, path, value)

    monkeypatch.setattr(SysfsPwmChannel, "_write", record)

    SysfsPilotPwm(0, 0, root=sysfs.root)

    assert writes[:2] == [("enable", 0), ("polarity", "normal")]
    assert writes[-1] == ("enable", 1)
    assert sysfs.value(0, "polarity") == "normal"


@pytest.mark.parametrize(
    ("percent", "high_ns"),
    [(100.0, 1_000_000), (0.0, 0), (26.666666, 266_666), (10.0, 100_000), (5.0, 50_000)],
)
def test_cp_duty_is_the_high_time_rounded_down(sysfs, percent, high_ns):
    pwm = SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)

    pwm.set_cp_duty(percent)

    assert sysfs.value(0, "duty_cycle") == str(high_ns)


def test_an_inverting_output_stage_gets_the_complement(sysfs):
    pwm = SysfsPilotPwm(0, 0, inverted=True, root=sysfs.root, sleep=sysfs.materialize)
    assert sysfs.value(0, "duty_cycle") == "0"  # +12 V through the inverter

    pwm.set_cp_duty(25.0)
    assert sysfs.value(0, "duty_cycle") == "750000"

    pwm.set_cp_duty(0.0)
    assert sysfs.value(0, "duty_cycle") == "1000000"  # -12 V


def test_missing_pwm_chip_names_the_path_and_the_overlay(tmp_path):
    with pytest.raises(DeviceUnavailable, match=r"pwmchip0 does not exist.*dtoverlay=pwm-2chan"):
        SysfsPilotPwm(0, 0, root=tmp_path)


def test_channel_beyond_the_chip_is_unavailable(sysfs):
    with pytest.raises(DeviceUnavailable, match="has 2 channel"):
        SysfsPilotPwm(0, 2, root=sysfs.root)


def test_export_that_never_appears_times_out(sysfs):
    with pytest.raises(DeviceUnavailable, match=r"did not become writable within 0\.05 s"):
        SysfsPilotPwm(0, 0, root=sysfs.root, export_timeout=0.05, sleep=lambda s: None)


def test_a_write_the_kernel_rejects_is_a_driver_error(sysfs):
    pwm = SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)
    duty = sysfs.chip_dir / "pwm0" / "duty_cycle"
    duty.unlink()
    duty.mkdir()  # writing now fails with EISDIR, like an attribute the driver rejects

    with pytest.raises(DriverError, match=r"writing 500000 to .*duty_cycle failed"):
        pwm.set_cp_duty(50.0)


def test_duty_outside_0_to_100_is_rejected(sysfs):
    pwm = SysfsPilotPwm(0, 0, root=sysfs.root, sleep=sysfs.materialize)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        pwm.set_cp_duty(100.5)
