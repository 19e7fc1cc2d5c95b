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
    "control_idle",
}
#: The rows of the performance table that `run_all` must print with goal and baseline.
ROWS = (
    "start → BootNotification p50",
    "`station sim status` p50",
    "`station status` p50",
    "`station log` p50",
    "`station config get` p50",
    "RSS after boot, control process",
    "RSS after boot, ocpp side process",
    "  the libraries' floor's RSS after boot (no station code)",
    "idle CPU, station (both processes), 2 EVSEs",
    "idle CPU, control service alone, 2 EVSEs",
    "response p99 ÷ transport floor p99",
    "  floor storing SetVariables (floor-durable) p99 ÷ floor p99",
    "  response p99 ÷ floor-durable p99",
    "SetVariables p99",
    "ChangeAvailability p99",
    "ChangeAvailability (a change) p99",
    "FullInventory report p50 ÷ ocpp-library station p50",
    "FullInventory report p50 ÷ ocpp-library station p50 (its report empty)",
)


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m ARGS`` in the repository; fails the test if it exits non-zero."""
    result = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_every_harness_runs_and_reports(tmp_path):
    bench("bench.run_all", "--quick", "--out", str(tmp_path))
    report = json.loads((tmp_path / "results.json").read_text())
    assert set(report["results"]) == HARNESSES
    for name, data in report["results"].items():
        assert data["name"] == name and data["text"].startswith("## ")
    # Every figure the harnesses compare came out as a number.
    assert all(isinstance(t["measured"], float) for t in report["targets"])
    loop = report["results"]["control_loop"]["results"]
    assert all(s["lateness_ms"]["n"] > 0 and s["reaction_ms"]["n"] > 0 for s in loop.values())
    rows = {t["target"]: t for t in report["targets"]}
    for row in ROWS:
        assert row in rows, row
        assert rows[row]["goal ≤"] > 0 and rows[row]["met"] in ("yes", "no")
    # A durable answer's floor is one SQLite commit on the same disk, measured in the run.
    for row in ("SetVariables p99", "ChangeAvailability (a change) p99"):
        assert rows[row]["baseline"] == "SQLite commit p99"
        assert rows[row]["baseline value"] > 0
    # The report baselines send the items our station sent.
    triggered = report["results"]["triggered"]
    assert triggered["report_items"] > 0
    markdown = (tmp_path / "results.md").read_text()
    assert "## Targets" in markdown and "## footprint" in markdown


def test_profile_writes_a_flame_graph_or_profile_statistics(tmp_path):
    bench(
        *("bench.run_all", "--quick", "--only", "control_idle"),
        *("--profile", "control_idle", "--out", str(tmp_path)),
    )
    written = {p.name for p in tmp_path.iterdir()}
    assert written & {"profile-control_idle.svg", "profile-control_idle.pstats"}
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["results"]["control_idle"]["results"]["idle"]["cpu_percent"] > 0


def test_station_profile_of_a_response_harness(tmp_path):
    profile = tmp_path / "station.pstats"
    result = bench("bench.triggered", "--samples", "1", "--profile", str(profile))
    assert "FullInventory" in result.stdout and "function calls" in result.stderr
    # The station's message path is in it: it ran under cProfile until it stopped.
    import pstats

    profiled = {name for _, _, name in pstats.Stats(str(profile)).stats}  # type: ignore[attr-defined]
    assert {"_dispatch", "send_report"} <= profiled


def test_the_steps_of_a_station_under_a_response_harness(tmp_path):
    steps = tmp_path / "steps.txt"
    result = bench("bench.response_latency", "--samples", "2", "--idle", "--steps", str(steps))
    assert "ours (one process): GetVariables×100" in result.stdout
    # Written when the station stopped: the collector ran, and its passes are counted.
    text = steps.read_text()
    assert text.startswith("task steps of at least 0.3 ms, by task (ms):")
    assert "garbage collector passes, by generation (ms):\n  gen0 n=" in text


def test_the_steps_report_names_tasks_and_generations():
    from bench.steps import CollectorPauses, StepTimes, report

    steps, pauses = StepTimes(), CollectorPauses()
    steps.long["station.ocpp.client._dispatch_calls".rsplit(".", 1)[-1]] += [0.002, 0.0005]
    pauses("start", {"generation": 1})
    pauses("stop", {"generation": 1})
    text = report(steps, pauses)
    assert "_dispatch_calls" in text and "n=2" in text and "max=2.00" in text
    assert "gen1 n=1" in text


def test_the_durable_floor_stores_each_set_variables_value_durably(tmp_path):
    from bench.peers import commit_rows, durable_store, stored_rows

    store = durable_store(str(tmp_path))
    try:
        # As the station's store: a write-ahead log, and every commit waits for the disk.
        assert store.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        item = {
            "attributeValue": "7",
            "component": {"name": "SampledDataCtrlr"},
            "variable": {"name": "TxUpdatedInterval"},
        }
        rows = stored_rows([2, "m1", "SetVariables", {"setVariableData": [item, item]}])
        assert rows == [("SampledDataCtrlr/TxUpdatedInterval", "7")] * 2
        commit_rows(store, rows)
        stored = "SELECT value FROM variables WHERE key = 'SampledDataCtrlr/TxUpdatedInterval'"
        assert store.execute(stored).fetchone() == ("7",)
        assert not store.in_transaction
        # Nothing else is stored: the other requests of the mix answer at once.
        assert stored_rows([2, "m2", "GetVariables", {"getVariableData": [item]}]) == []
    finally:
        store.close()
