"""What /api/messages answers before the Agents SDK sees a request: 415, 401, 400, 403, never 500.

These tests cover every refusal Haven makes itself, with an app id configured and in
emulator mode; real and forged tokens are in test_teams_tokens.py.
"""

from __future__ import annotations

import json

import pytest

from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams

NOT_A_JWT = {"Authorization": "Bearer not-a-token"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
async def test_a_wrong_content_type_is_415(teams: Teams, content_type: str | None) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    response = await teams.post(json.dumps(activity), content_type=content_type)
    assert response.status == 415
    assert teams.connector.calls == []


@pytest.mark.parametrize("body", [
    b"{not json", b"\xff\xfe", b"[]", b"\"text\"", b"{}",
    json.dumps({"type": "message", "text": "abuse x"}).encode(),  # no conversation or serviceUrl
    json.dumps({"type": "message", "serviceUrl": "http://x/", "conversation": "not-an-object"}).encode(),
    json.dumps({"type": 5, "serviceUrl": ["x"], "conversation": {"id": 7}}).encode(),
])
async def test_a_broken_body_is_400_never_500(teams: Teams, body: bytes) -> None:
    response = await teams.post(body)
    assert response.status == 400
    assert teams.connector.calls == []


async def test_in_emulator_mode_a_malformed_bearer_is_401_and_a_missing_one_allowed(teams: Teams) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    refused = await teams.post(activity, headers=NOT_A_JWT)
    assert refused.status == 401
    assert await detail(teams.runtime.db, "INC-2026-000001") is None
    basic = await teams.post(activity, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status == 401
    accepted = await teams.post(activity)
    assert accepted.status == 200
    assert await detail(teams.runtime.db, "INC-2026-000001") is not None


async def test_a_conversation_of_an_unexpected_type_is_answered_calmly(teams: Teams) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    activity["conversation"]["conversationType"] = "groupChat"
    response = await teams.post(activity)
    assert response.status == 200  # help text, not a report and not a 500
    assert "register supervisors" in teams.connector.posts()[-1].text
    assert await detail(teams.runtime.db, "INC-2026-000001") is None


async def test_an_unknown_invoke_is_answered_without_a_500(teams: Teams) -> None:
    activity = act.card_action(teams.service_url, act.REPORTER, {"action": "x"}, channel=None)
    activity["name"] = "task/fetch"
    response = await teams.post(activity)
    assert response.status == 200


class TestWithAnAppId:
    @pytest.fixture
    def teams_env(self) -> dict[str, str]:
        return {"HAVEN_TEAMS_EMULATOR": "0", "MICROSOFT_APP_ID": "00000000-aaaa-bbbb-cccc-000000000001",
                "MICROSOFT_APP_PASSWORD": "not-a-real-secret", "MICROSOFT_APP_TENANT_ID": act.TENANT}

    @pytest.mark.parametrize("headers", [{}, NOT_A_JWT, {"Authorization": "Bearer "},
                                         {"Authorization": "eyJhbGciOi.eyJzdWIi.c2ln"}])
    async def test_no_token_or_a_non_jwt_bearer_is_401_and_nothing_changes(
            self, teams: Teams, headers: dict[str, str]) -> None:
        response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse x"), headers=headers)
        assert response.status == 401
        assert teams.connector.calls == []
        assert await detail(teams.runtime.db, "INC-2026-000001") is None

    async def test_a_card_action_without_a_token_is_401(self, teams: Teams) -> None:
        data = {"action": "acknowledge", "incident": "INC-2026-000001"}
        response = await teams.post(act.card_action(teams.service_url, act.SUPERVISOR, data))
        assert response.status == 401


class TestSingleTenant:
    @pytest.fixture
    def teams_env(self) -> dict[str, str]:
        return {"MICROSOFT_APP_TENANT_ID": act.TENANT}

    async def test_an_activity_from_another_tenant_is_refused(self, teams: Teams) -> None:
        other = act.channel_mention(teams.service_url, act.ADMIN, "register supervisors",
                                    tenant="11111111-2222-3333-4444-555555555555")
        response = await teams.post(other)
        assert response.status == 403
        assert teams.connector.calls == []
        await teams.register()  # the configured tenant is served
        assert "now receives the supervisors of Head office" in teams.connector.posts()[-1].text
