"""People's and channels' names: shown in mentions, never stored in the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.model.messages import Audience, Kind, Message
from bot.model.ports import Meta, Target
from tests.teams import activities as act
from tests.teams.conftest import Teams

REF = "INC-2026-000001"
PERSON = "Canary Kanariya-Person"
CHANNEL = "Canary Harassment Desk"


def _named(activity: dict[str, Any]) -> dict[str, Any]:
    activity["from"]["name"] = PERSON
    channel = (activity.get("channelData") or {}).get("channel")
    if channel is not None:
        channel["name"] = CHANNEL
    return activity


async def _database_text(teams: Teams) -> str:
    """Every value of every table, as text."""
    dump: list[str] = []
    async with teams.runtime.db.session() as session:
        tables = (await session.exec(text("SELECT name FROM sqlite_master WHERE type = 'table'"))).all()  # type: ignore[call-overload]
        for (table,) in tables:
            rows = (await session.exec(text(f'SELECT * FROM "{table}"'))).all()  # type: ignore[call-overload]
            dump.extend(json.dumps([str(v) for v in row], ensure_ascii=False) for row in rows)
    return "\n".join(dump)


async def test_no_display_or_channel_name_reaches_the_database(teams: Teams, tmp_path: Path) -> None:
    url = teams.service_url
    await teams.post(_named(act.channel_mention(url, act.ADMIN, "register supervisors")))
    await teams.post(_named(act.personal(url, act.REPORTER, "abuse he threatened me")))
    await teams.drain()
    teams.connector.add_member(act.TEAM, act.SUPERVISOR, name=PERSON)
    await teams.post(_named(act.card_action(url, act.SUPERVISOR, {"action": "acknowledge", "incident": REF})))
    await teams.drain()
    assert any(PERSON in c.text for c in teams.connector.posts_to(act.CHANNEL))  # mentions still show names
    stored = await _database_text(teams)
    assert act.REPORTER in stored and act.CHANNEL in stored  # ids are kept
    assert "Canary" not in stored
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("haven.db*"))
    assert b"Canary" not in raw


async def test_a_name_not_in_memory_is_asked_of_the_bot_connector(teams: Teams) -> None:
    await teams.register()
    await teams.post(act.personal(teams.service_url, act.REPORTER, "help"))
    messenger = teams.runtime.ctx.messengers["teams"]
    messenger.people._people.items.clear()  # as after a restart
    teams.connector.add_member(f"a:personal-{act.REPORTER}", act.REPORTER, name=PERSON)
    hello = Message(kind=Kind.ALERT, text=f"from <@{act.REPORTER}>", title="Title")
    await messenger.post(Target(Audience.SUPERVISORS), hello, meta=Meta("alert", None, 1))
    card = teams.connector.posts_to(act.CHANNEL)[-1].cards[0]
    assert f"<at>{PERSON}</at>" in json.dumps(card, ensure_ascii=False)
    assert [c.conversation for c in teams.connector.of("member")] == [f"a:personal-{act.REPORTER}"]


async def test_a_critical_alert_mentions_the_channel_by_the_name_teams_last_sent(teams: Teams) -> None:
    await teams.post(_named(act.channel_mention(teams.service_url, act.ADMIN, "register supervisors")))
    await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse he hit me"))
    await teams.drain()
    await teams.post(act.card_action(teams.service_url, act.REPORTER, {"action": "in_danger", "incident": REF},
                                     channel=None))
    await teams.drain()
    here = [c for c in teams.connector.posts() if (c.conversation or "").startswith(act.CHANNEL)
            and c.body.get("entities")]
    assert here and here[-1].body["text"] == f"<at>{CHANNEL}</at>"
    assert here[-1].body["entities"][0]["mentioned"]["conversationIdentityType"] == "channel"
