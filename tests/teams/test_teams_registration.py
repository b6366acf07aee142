"""Registration says how many people will be able to act, and refuses a team with guests."""

from __future__ import annotations

import pytest

from bot.flows.links import registered_channel
from bot.model.messages import Audience
from tests.teams import activities as act
from tests.teams.conftest import Teams

SUPERVISORS = Audience.SUPERVISORS


async def _register(teams: Teams) -> str:
    response = await teams.post(act.channel_mention(teams.service_url, act.ADMIN, "register supervisors"))
    assert response.status == 200
    return teams.connector.posts()[-1].text


async def test_the_confirmation_counts_everyone_in_the_team_over_every_page(teams: Teams) -> None:
    for n in range(120):  # three pages of 50 (Teams' smallest page)
        teams.connector.add_member(act.TEAM, f"aad-member-{n:03}")
    text = await _register(teams)
    assert "now receives the supervisors of Head office" in text
    assert "able to act on Haven's alerts here: 120 (every member of this team)" in text
    pages = teams.connector.of("members")
    assert [p.conversation for p in pages] == [act.TEAM] * len(pages) and len(pages) >= 2
    assert await registered_channel(teams.runtime.ctx, "teams", SUPERVISORS) is not None


async def test_a_team_with_a_guest_is_refused_and_nothing_is_stored(teams: Teams) -> None:
    teams.connector.add_member(act.TEAM, act.SUPERVISOR)
    teams.connector.add_member(act.TEAM, "aad-guest-0009", "Gail Guest", guest=True)
    text = await _register(teams)
    assert "1 guest member(s)" in text and "HAVEN_TEAMS_ALLOW_GUESTS=1" in text
    assert "Gail Guest" not in text and "now receives" not in text
    assert await registered_channel(teams.runtime.ctx, "teams", SUPERVISORS) is None


async def test_a_failed_member_list_registers_nothing(teams: Teams) -> None:
    teams.connector.fail(503, kind="members")
    text = await _register(teams)
    assert "couldn't read this team's members" in text
    assert await registered_channel(teams.runtime.ctx, "teams", SUPERVISORS) is None


async def test_a_stranger_is_refused_before_any_member_list_is_read(teams: Teams) -> None:
    response = await teams.post(act.channel_mention(teams.service_url, act.STRANGER, "register supervisors"))
    assert response.status == 200
    assert teams.connector.of("members") == []
    assert await registered_channel(teams.runtime.ctx, "teams", SUPERVISORS) is None


class TestGuestsAllowed:
    @pytest.fixture
    def teams_env(self) -> dict[str, str]:
        return {"HAVEN_TEAMS_ALLOW_GUESTS": "1"}

    async def test_the_operator_may_allow_guests(self, teams: Teams) -> None:
        teams.connector.add_member(act.TEAM, act.SUPERVISOR)
        teams.connector.add_member(act.TEAM, "aad-guest-0009", guest=True)
        text = await _register(teams)
        assert "now receives the supervisors of Head office" in text and ": 2 (every member" in text
        assert await registered_channel(teams.runtime.ctx, "teams", SUPERVISORS) is not None
