"""Smoke test of the benchmark harnesses: each runs once with tiny samples and writes its
report. No timing is asserted here (machines differ; bench/ prints figures)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARNESSES = {
    "response_latency",
    "triggered",
    "remote_start_stop",
    "ping",
    "control_loop",
    "footprint",
}


def test_every_harness_runs_and_reports(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench.run_all", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text())
    assert set(report["results"]) == HARNESSES
    for name, data in report["results"].items():
        assert data["name"] == name and data["text"].startswith("## ")
    # Every figure the harnesses compare came out as a number.
    assert all(isinstance(t["measured"], float) for t in report["targets"])
    loop = report["results"]["control_loop"]["results"]
    assert all(s["lateness_ms"]["n"] > 0 and s["reaction_ms"]["n"] > 0 for s in loop.values())
    markdown = (tmp_path / "results.md").read_text()
    assert "## Targets" in markdown and "## footprint" in markdown
