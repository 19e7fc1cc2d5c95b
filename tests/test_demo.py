"""`station demo`: the scripted session as a person reads it, on trio's MockClock."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from station.cli import main
from station.demo import ChargeSummary, demo, sparkline, summarize_session


def test_a_sparkline_scales_from_zero_to_the_peak():
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([7000, 7000, 0], 10) == "██▁"
    assert sparkline([0, 0], 5) == "▁▁"
    assert sparkline([], 5) == ""


def test_a_sparkline_averages_more_values_than_its_width():
    # Four buckets of two: means 0, 2, 4, 7 of a peak of 7.
    assert sparkline([0, 0, 2, 2, 4, 4, 7, 7], 4) == "▁▃▅█"


def test_the_session_summary_gives_energy_average_and_peak_power():
    samples = [(1.0, 6000.0, 100.0), (2.0, 7400.0, 102.0), (3.0, 3600.0, 104.0)]
    charge = summarize_session(samples, duration_s=10.0, start_energy_wh=100.0, end_energy_wh=120.0)
    assert charge == ChargeSummary(10.0, 20.0, 7400.0, (6000.0, 7400.0, 3600.0))
    assert charge.average_w == pytest.approx(7200.0)  # 20 Wh in 10 s
    assert dict(charge.lines()) == {
        "charging time": "10.0 s",
        "energy": "20.0 Wh",
        "power": "average 7.20 kW, peak 7.40 kW",
        "power over time": "▇█▄  0–7.4 kW",
    }


def test_a_session_without_samples_has_no_power():
    charge = summarize_session([], duration_s=0.0, start_energy_wh=5.0, end_energy_wh=5.0)
    assert (charge.energy_wh, charge.average_w, charge.peak_w) == (0.0, 0.0, 0.0)


async def test_the_demo_charges_and_ends_with_a_summary_within_100_columns(autojump_clock):
    out = io.StringIO()
    console = Console(file=out, width=100, highlight=False)
    assert await demo(console, 12.0, in_memory=True) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert re.search(r"→ CALL BootNotification +reason=PowerUp OpenCharge Demo AC 2x7kW", text)
    assert re.search(r"→ CALL TransactionEvent +Started Authorized #0", text)
    assert re.search(r"→ CALL TransactionEvent +Updated MeterValuePeriodic", text)
    assert re.search(r"→ CALL TransactionEvent +Ended StopAuthorized", text)
    summary = lines[lines.index(next(x for x in lines if x.startswith("summary"))) :]
    rows = {line[2:19].strip(): line[19:] for line in summary if line.startswith("  ")}
    duration = float(rows["charging time"].removesuffix(" s"))
    assert 12.0 <= duration < 13.0  # from the contactor closing to its opening
    energy = float(rows["energy"].removesuffix(" Wh"))
    average, peak = map(float, re.findall(r"([\d.]+) kW", rows["power"]))
    # The simulated EV draws 32 A at about 230 V: about 7.3 kW, 24 Wh in 12 s.
    assert 6.5 < average <= peak < 8.0
    assert energy == pytest.approx(average * 1000 * duration / 3600, rel=0.01)
    chart = rows["power over time"].split()[0]
    assert len(chart) == 12 and set(chart) <= set("▁▂▃▄▅▆▇█")  # one sample a second
    assert rows["events"] == "6 TransactionEvents (seqNo 0..5)"  # 2 periodic updates
    assert "station csms" in text and "try next" in text


async def test_the_demo_with_full_prints_whole_frames(autojump_clock):
    out = io.StringIO()
    assert await demo(Console(file=out, width=100), 1.0, full=True, in_memory=True) == 0
    assert '"serialNumber": "DEMO-0001"' in out.getvalue()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("-5", "argument --duration: must be above 0 and at most 86400 seconds, not -5"),
        ("0", "argument --duration: must be above 0 and at most 86400 seconds, not 0"),
        ("soon", "argument --duration: 'soon' is not a number of seconds"),
    ],
)
def test_station_demo_refuses_a_duration_that_is_not_positive(capsys, value, error):
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--duration", value])
    assert exited.value.code == 2
    assert error in capsys.readouterr().err
