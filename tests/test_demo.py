"""`station demo` runs a full session end to end (real time, a few seconds)."""

from station.demo import run_demo


def test_demo_charges_and_prints_a_summary(capsys):
    assert run_demo(duration=1.0) == 0
    out = capsys.readouterr().out
    assert "BootNotification" in out
    assert "Started trigger=Authorized" in out
    assert "Ended trigger=StopAuthorized" in out
    assert "energy delivered:" in out
