"""The pieces of the CitrineOS interop suite that can be checked without CitrineOS: the
station config it writes, how it reads CitrineOS's log, and how it reports a failure."""

from __future__ import annotations

import json

from station.config import load_config
from tools.interop.citrineos_log import (
    KNOWN_CITRINE_ERRORS,
    busy_answers,
    error_blocks,
    explained_busy_block,
)
from tools.interop.report import CheckFailed, Report
from tools.interop.station_process import Frame, StationConfig


def test_the_suites_station_config_is_a_valid_two_evse_sim_station(tmp_path):
    config = StationConfig(
        identity="CS-INTEROP-1",
        url="wss://localhost:8443/",
        security_profile=3,
        ca_file=tmp_path / "root.pem",
        cert_file=tmp_path / "station.pem",
        key_file=tmp_path / "station.key",
    )
    path = tmp_path / "station.toml"
    path.write_text(config.toml(tmp_path / "data", tmp_path / "s.sock"))
    loaded = load_config(path)
    assert loaded.station.identity == "CS-INTEROP-1"
    assert loaded.csms.security_profile == 3
    assert loaded.csms.url.rstrip("/") == "wss://localhost:8443"
    assert [e.id for e in loaded.hardware.evse] == [1, 2]


def test_citrineos_error_entries_are_cut_out_with_their_continuation_lines():
    log = (
        "\x1b[37m2026-12-04 23:01:29.260\x1b[39m\tERROR\tCostCalculator.js:47\t"
        "Tariff not found for CS-1 station\n"
        "2026-12-04 23:01:29.300\tDEBUG\tx.js:1\tsomething else\n"
        "2026-12-04 23:01:40.908\tERROR\tAbstractModule.js:115\tFailed handling message: {\n"
        "  status: 'Accepted'\n"
        ' null value in column "hashAlgorithm" of relation "InstalledCertificates"\n'
        "2026-12-04 23:01:41.000\tERROR\trouter.js:1\tsomething new\n"
    )
    blocks = error_blocks(log)
    assert len(blocks) == 3
    assert "Tariff not found" in blocks[0] and "something else" not in blocks[0]
    assert "hashAlgorithm" in blocks[1]
    known = [any(p in b for p, _ in KNOWN_CITRINE_ERRORS) for b in blocks]
    assert known == [True, True, False], "an error nobody explained must stay unexplained"


def frame(index: int, direction: str, raw_frame: list) -> Frame:
    entry = {
        "time": "2026-12-04T23:00:00.000Z",
        "direction": direction,
        "action": "Authorize",
        "id": raw_frame[1],
        "size": len(json.dumps(raw_frame)),
        "frame": raw_frame,
    }
    return Frame(index, entry["time"], direction, "Authorize", raw_frame[1], raw_frame, entry)


def test_a_busy_answer_is_explained_only_after_a_call_citrineos_never_answered():
    busy = [4, "m2", "RpcFrameworkError", "Call already in progress", {}]
    frames = [
        frame(0, "out", [2, "m1", "StatusNotification", {}]),  # never answered
        frame(1, "out", [2, "m2", "TransactionEvent", {}]),  # sent after the timeout
        frame(2, "in", busy),
        frame(3, "out", [2, "m3", "Heartbeat", {}]),
        frame(4, "in", [3, "m3", {"currentTime": "2026-12-04T23:00:00.000Z"}]),
        frame(5, "out", [2, "m4", "Heartbeat", {}]),
        frame(6, "in", [4, "m4", "RpcFrameworkError", "Call already in progress", {}]),
        frame(7, "out", [2, "m5", "Heartbeat", {}]),
        frame(8, "in", [4, "m5", "InternalError", "Call failed", {}]),
    ]
    # m4's predecessor (m3) was answered, so CitrineOS had no call in progress: not
    # explained; m5's error is another error.
    assert busy_answers(frames) == ["m2"]
    assert busy_answers(frames[1:]) == [], "no unanswered CALL before m2"
    block = (
        "2026-12-05 19:53:18.769\tERROR\trouter.js:174\tError processing message: "
        '[2,"m2","TransactionEvent",{}]\n OcppError  Call already in progress, m2'
    )
    assert explained_busy_block(block, ["m2"])
    assert not explained_busy_block(block, ["m4"])
    assert not explained_busy_block(block.replace("Call already in progress", "x"), ["m2"])


def test_a_busy_answer_is_explained_after_a_call_citrineos_answered_too_late():
    """A station CALL that crossed one of CitrineOS's own is answered only after 30 s,
    after the station's timeout: the station's next CALL, sent before that late answer,
    meets the busy mark. Sent after it, it does not."""
    late = [
        frame(0, "out", [2, "s1", "StatusNotification", {}]),
        frame(1, "in", [2, "t1", "TriggerMessage", {"requestedMessage": "StatusNotification"}]),
        frame(2, "out", [3, "t1", {"status": "Accepted"}]),
        frame(3, "out", [2, "s2", "StatusNotification", {}]),  # s1 timed out
        frame(4, "in", [3, "s1", {}]),  # s1 answered late
        frame(5, "in", [4, "s2", "RpcFrameworkError", "Call already in progress", {}]),
    ]
    assert busy_answers(late) == ["s2"]
    in_time = [late[0], late[1], late[2], late[4], late[3], late[5]]
    assert busy_answers(in_time) == [], "s1 was answered before s2 was sent"


def test_a_failed_check_is_recorded_with_the_frames_of_its_time_and_the_run_goes_on():
    lines: list[str] = []
    report = Report(out=lines.append)
    frames = [frame(0, "out", [2, "m1", "Authorize", {"idToken": {"idToken": "X"}}])]
    with report.check("first", lambda: frames):
        frames.append(frame(1, "in", [4, "m1", "FormatViolation", "bad", {}]))
        raise CheckFailed("the CSMS answered with FormatViolation")
    with report.check("second", lambda: frames) as notes:
        notes.append("fine")
    assert [o.status for o in report.outcomes] == ["FAIL", "PASS"]
    summary = report.summary("test", 1.0)
    assert "1 passed, 1 failed" in summary
    assert "FAILED first: CheckFailed: the CSMS answered with FormatViolation" in summary
    # Only the frame logged while the check ran is shown, as `station log --full` prints it.
    shown = report.outcomes[0].frames
    assert len(shown) == 1 and "ERROR" in shown[0] and "FormatViolation" in shown[0]


def test_the_default_tarball_is_found_beside_the_repository_or_from_the_environment(
    monkeypatch, tmp_path
):
    from tools.interop import citrineos_server

    monkeypatch.delenv(citrineos_server.TARBALL_ENV, raising=False)
    default = citrineos_server.default_tarball()
    assert default == (
        citrineos_server.REPO_ROOT / ".." / "shared" / "interop" / "citrineos-core-1.8.3.tar.gz"
    )
    monkeypatch.setenv(citrineos_server.TARBALL_ENV, str(tmp_path / "x.tar.gz"))
    assert citrineos_server.default_tarball() == tmp_path / "x.tar.gz"
