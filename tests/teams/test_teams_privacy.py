"""No report text in any log line from the Teams side (Haven's loggers and the Agents SDK's)."""

from __future__ import annotations

import logging

import pytest

from tests.teams import activities as act
from tests.teams.conftest import Teams

CANARY = "Canary-T3m-カナリア"


async def test_the_canary_is_in_no_log_line_through_a_teams_report_and_a_decision(
        teams: Teams, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("microsoft_agents", "aiohttp.access", "haven.teams"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    await teams.register()
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    await teams.post(act.personal(teams.service_url, act.REPORTER, f"abuse he said {CANARY} twice"))
    await teams.drain()
    alert = [c for c in teams.connector.posts_to(act.CHANNEL) if "INC-2026-000001" in c.text]
    assert alert and CANARY in alert[0].text, "the flow really carried the canary"
    # a failed card refresh is logged; the Bot Connector's error message quotes what it was sent
    teams.connector.fail(400, kind="update", code="BadSyntax", message=f"cannot render '{CANARY}'")
    data = {"action": "acknowledge", "incident": "INC-2026-000001"}
    assert (await teams.post(act.card_action(teams.service_url, act.SUPERVISOR, data))).status == 200
    await teams.drain()
    assert any(r.name.startswith("microsoft_agents") for r in caplog.records), "the SDK's DEBUG lines were captured"
    assert CANARY not in caplog.text and CANARY[:10] not in caplog.text
    assert all(CANARY not in r.getMessage() for r in caplog.records)
