"""App Home and each person's language (users.info with include_locale)."""

from __future__ import annotations

import time

from tests.slack.support import EMPLOYEE, Haven, all_text


async def _open_home(haven: Haven, user: str, event_id: str) -> dict:
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    status, _ = await haven.event(event, event_id)
    assert status == 200
    calls = await haven.fake.wait_for("views.publish", len(haven.fake.calls_to("views.publish")) + 1)
    assert calls[-1].args["user_id"] == user
    return calls[-1].args["view"]


async def test_app_home_shows_an_employee_their_reports_and_the_lines_open_now(haven: Haven) -> None:
    await haven.command("he shouted at me")
    view = await _open_home(haven, EMPLOYEE, "EvHome1")
    assert view["type"] == "home"
    text = all_text(view["blocks"])
    assert text.index("First, take care of yourself") < text.index("Your reports")
    assert "INC-2026-000001" in text and "open now" in text
    assert "Open incidents" not in text
    assert "he shouted at me" not in text  # no free text on App Home


async def test_app_home_shows_supervisors_the_open_incidents_with_age_and_state(haven: Haven) -> None:
    await haven.command("he shouted at me")
    view = await _open_home(haven, "USUP1", "EvHome2")
    text = all_text(view["blocks"])
    assert "Open incidents (supervisors)" in text
    assert "INC-2026-000001" in text and "waiting for a supervisor" in text and "open for 0 min" in text


async def test_a_japanese_user_is_answered_in_japanese(haven: Haven) -> None:
    haven.fake.add_user(EMPLOYEE, "ja-JP")
    status, body = await haven.command("怒鳴られました")
    assert status == 200
    assert body["blocks"][0]["text"]["text"] == "まず、ご自身を大切にしてください"
    assert "INC-2026-000001" in all_text(body["blocks"])
    [info] = haven.fake.calls_to("users.info")
    assert info.args["user"] == EMPLOYEE and info.args["include_locale"] in ("1", "true", "True")


async def test_the_language_is_looked_up_once(haven: Haven) -> None:
    haven.fake.add_user(EMPLOYEE, "ja-JP")
    await haven.command("一回目")
    await haven.command("二回目", trigger="trig-2")
    assert len(haven.fake.calls_to("users.info")) == 1


async def test_a_slow_first_language_lookup_gets_the_default_language_at_once(haven: Haven) -> None:
    haven.fake.add_user(EMPLOYEE, "ja-JP")
    haven.fake.delay("users.info", 1.0)
    started = time.monotonic()
    status, body = await haven.command("he shouted at me")
    assert status == 200 and time.monotonic() - started < 0.9
    assert body["blocks"][0]["text"]["text"] == "First, take care of yourself"
