"""idTokens in operator lines are references nobody can reverse; a CustomerInformation
clear (N10) leaves nothing of the customer in what the station holds, and unlinks what
journald holds (docs/security.md, "Secrets in logs and customer data")."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import trio

from station import privacy
from station.logs import recent_records
from station.ocpp.messages import LogEnumType
from station.privacy import KEY_FILE, reference, token_ref
from tests.conftest import START, make_config, running_station

CARD = "04A1B2C3"


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path / "data")


def test_a_reference_is_keyed_case_blind_and_not_the_token(tmp_path):
    privacy.load_key(tmp_path)
    ref = reference(CARD)
    assert ref.startswith("idt-") and len(ref) == 16 and CARD.lower() not in ref.lower()
    assert reference(CARD.lower()) == ref  # idTokens compare without regard to case
    assert str(token_ref(CARD)) == ref and f"{token_ref(CARD)!r}" == ref
    privacy.load_key(tmp_path)  # the same key after a restart
    assert reference(CARD) == ref
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    privacy.rotate_key(tmp_path)
    assert reference(CARD) != ref


async def test_N10_clear_purges_the_station_and_unlinks_journald(config, autojump_clock, caplog):
    """A card is presented: operator lines (journald's copy here: caplog) carry only its
    reference. A clear removes the lines from the DiagnosticsLog buffer and the message
    log, and replaces the key: the reference in journald no longer matches the card."""
    caplog.set_level(logging.INFO)
    async with running_station(config) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        env.station.hardware.sim.tap(CARD)
        await env.csms.wait_for("Authorize")
        await trio.sleep(2)
        before = reference(CARD)
        assert before in caplog.text and CARD not in caplog.text
        assert any(before in line for line in recent_records().between(None, None))
        key_before = (config.station.data_dir / KEY_FILE).read_bytes()

        answer = await env.csms.call(
            "CustomerInformation",
            {
                "requestId": 9,
                "report": False,
                "clear": True,
                "idToken": {"idToken": CARD.lower(), "type": "ISO14443"},
            },
        )
        assert answer.payload["status"] == "Accepted"
        (notify,) = await env.csms.wait_for("NotifyCustomerInformation", timeout=60)
        assert "cleared:" in notify.payload["data"] and "log lines" in notify.payload["data"]

        assert not any(before in line for line in recent_records().between(None, None))
        assert reference(CARD) != before  # journald's lines name a key that is gone
        assert (config.station.data_dir / KEY_FILE).read_bytes() != key_before
        log_text = (config.station.data_dir / "ocpp-messages.log").read_text()
        assert CARD not in log_text
        diagnostics = await env.station._build_log(
            LogEnumType.DiagnosticsLog, START - timedelta(days=1), START + timedelta(days=1)
        )
        assert CARD.encode() not in diagnostics and before.encode() not in diagnostics
    assert CARD not in caplog.text


async def test_operator_lines_of_a_charge_never_hold_the_token(config, autojump_clock, caplog):
    caplog.set_level(logging.DEBUG)
    async with running_station(config, control_period=0.05) as env:
        await env.csms.wait_for("StatusNotification", count=2)
        sim = env.station.hardware.sim
        sim.plug(1)
        await trio.sleep(0.1)
        sim.tap(CARD)
        await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is not None)
        sim.unplug(1)
        await env.csms.wait(lambda: env.station.transactions.transaction_id(1) is None, 60)
        await trio.sleep(1)
    assert reference(CARD) in caplog.text
    assert CARD.lower() not in caplog.text.lower()
