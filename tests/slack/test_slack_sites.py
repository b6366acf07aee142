"""Sites and registration over real HTTP (spec 8.2): each site's channel gets its own
reports and only those; only the admins register; ``/abuse`` only reports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app.records import detail
from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import start_in_process
from tests.slack.support import (
    EMPLOYEE, SUPERVISORS, Haven, all_text, form_state, payload_body, press_payload, select_value, text_value,
    view_payload,
)

ADMIN = "UADMIN"
HEAD, SHIBUYA = "CHEAD", "CSHIBUYA"
HEAD_SUP, SHIBUYA_SUP = "UHEAD1", "USHIB1"
CLERK = "UCLERK"


def haven_command(text: str, *, user: str = ADMIN, channel: str = HEAD) -> bytes:
    return urlencode({"token": "x", "team_id": "T0TEST", "channel_id": channel, "user_id": user,
                      "command": "/haven", "text": text, "trigger_id": "trig-haven",
                      "response_url": "https://hooks.invalid/x"}).encode()


@pytest.fixture
async def sites(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Haven]:
    fake_slack.add_channel(HEAD, [HEAD_SUP, ADMIN])
    fake_slack.add_channel(SHIBUYA, [SHIBUYA_SUP, ADMIN])
    fake_slack.add_channel("CPUBLIC", [ADMIN], is_private=False)
    server, running = await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_ADMINS=ADMIN)
    try:
        yield running
    finally:
        await running.close()
        await server.close()


async def register(haven: Haven, text: str, channel: str, user: str = ADMIN) -> dict[str, object]:
    status, body = await haven.post(haven_command(text, user=user, channel=channel))
    assert status == 200
    return body  # type: ignore[no-any-return]


async def report_at(haven: Haven, site: str, text: str, *, user: str, view: str) -> None:
    values = form_state(category=select_value("other"), description=text_value(text), site=select_value(site))
    status, _ = await haven.interact(view_payload("view_submission", values, user=user, view_id=view))
    assert status == 200


def posts_in(haven: Haven, channel: str) -> list[dict[str, object]]:
    return [m for (c, _), m in sorted(haven.fake.messages.items()) if c == channel]


async def test_two_sites_with_their_own_channels_get_their_own_reports_and_only_theirs(sites: Haven) -> None:
    confirmed = await register(sites, "register supervisors store_shibuya", SHIBUYA)
    assert confirmed["response_type"] == "in_channel" and "Shibuya store" in str(confirmed["text"])
    await register(sites, "register supervisors head_office", HEAD)

    await report_at(sites, "store_shibuya", "shouted at the register", user=EMPLOYEE, view="V1")
    await report_at(sites, "head_office", "threatening phone call", user=CLERK, view="V2")
    await sites.fake.wait_for("chat.postMessage", 4)  # two alerts, two receipts

    shibuya, head = all_text(posts_in(sites, SHIBUYA)), all_text(posts_in(sites, HEAD))  # type: ignore[arg-type]
    assert "INC-2026-000001" in shibuya and "shouted at the register" in shibuya
    assert "INC-2026-000002" not in shibuya and "threatening phone call" not in shibuya
    assert "INC-2026-000002" in head and "INC-2026-000001" not in head
    assert posts_in(sites, SUPERVISORS) == [], "a registration overrides the environment's channel"

    # supervisors of a site are the members of that site's channel
    await sites.interact(press_payload("acknowledge", "INC-2026-000002", user=SHIBUYA_SUP, channel=HEAD))
    [refusal] = await sites.fake.wait_for("chat.postEphemeral")
    assert refusal.args["user"] == SHIBUYA_SUP
    await sites.interact(press_payload("acknowledge", "INC-2026-000001", user=SHIBUYA_SUP, channel=SHIBUYA))
    assert (await detail(sites.runtime.db, "INC-2026-000001"))["status"] == "acknowledged"  # type: ignore[index]
    assert (await detail(sites.runtime.db, "INC-2026-000002"))["status"] == "open"  # type: ignore[index]


async def test_a_site_without_a_channel_uses_the_default_sites(sites: Haven) -> None:
    await report_at(sites, "store_shibuya", "rude customer", user=EMPLOYEE, view="V1")
    await sites.fake.wait_for("chat.postMessage", 2)
    assert "INC-2026-000001" in all_text(posts_in(sites, SUPERVISORS))  # type: ignore[arg-type]


async def test_a_quick_report_uses_the_reporters_last_site(sites: Haven) -> None:
    await register(sites, "register supervisors store_shibuya", SHIBUYA)
    await report_at(sites, "store_shibuya", "first report", user=EMPLOYEE, view="V1")
    status, body = await sites.command("he came back and shouted again", user=EMPLOYEE, trigger="trig-q")
    assert status == 200 and "Shibuya store" in all_text(body["blocks"])
    assert [b for b in body["blocks"] if b["type"] == "actions"][-1]["elements"][-1]["action_id"] == "change_site"
    await sites.fake.wait_for("chat.postMessage", 3)  # two alerts and the form's receipt
    assert "INC-2026-000002" in all_text(posts_in(sites, SHIBUYA))  # type: ignore[arg-type]


async def test_registration_by_anyone_but_an_admin_is_refused_with_the_reason(sites: Haven) -> None:
    refused = await register(sites, "register supervisors store_shibuya", SHIBUYA, user=SHIBUYA_SUP)
    assert refused["response_type"] == "ephemeral"
    assert "HAVEN_SLACK_ADMINS" in str(refused["text"]) and SHIBUYA_SUP in str(refused["text"])
    listed = await register(sites, "registrations", HEAD)
    assert "No channels are registered" in str(listed["text"])


async def test_with_no_admins_set_the_refusal_names_the_variable_and_the_callers_id(
        fake_slack: FakeSlack, tmp_path: Path) -> None:
    server, haven = await start_in_process(fake_slack, tmp_path)
    try:
        refused = await register(haven, "register hr", SUPERVISORS, user="USUP1")
        assert "HAVEN_SLACK_ADMINS is not set" in str(refused["text"]) and "USUP1" in str(refused["text"])
    finally:
        await haven.close()
        await server.close()


async def test_a_public_channel_or_an_unknown_site_is_refused(sites: Haven) -> None:
    public = await register(sites, "register hr", "CPUBLIC")
    assert public["response_type"] == "ephemeral" and "public" in str(public["text"])
    unknown = await register(sites, "register supervisors store_osaka", SHIBUYA)
    assert "Unknown site store_osaka" in str(unknown["text"]) and "store_shibuya" in str(unknown["text"])
    listed = await register(sites, "registrations", HEAD)
    assert "No channels are registered" in str(listed["text"])


async def test_registrations_are_listed_survive_a_restart_and_can_be_removed(
        fake_slack: FakeSlack, tmp_path: Path) -> None:
    fake_slack.add_channel(SHIBUYA, [SHIBUYA_SUP, ADMIN])
    server, haven = await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_ADMINS=ADMIN)
    await register(haven, "register supervisors store_shibuya", SHIBUYA)
    await haven.close()
    await server.close()

    server, haven = await start_in_process(fake_slack, tmp_path, HAVEN_SLACK_ADMINS=ADMIN)
    try:
        listed = await register(haven, "registrations", SHIBUYA)
        assert "the supervisors of Shibuya store: CSHIBUYA" in str(listed["text"])
        removed = await register(haven, "unregister supervisors store_shibuya", SHIBUYA)
        assert removed["response_type"] == "in_channel"
        listed = await register(haven, "registrations", SHIBUYA)
        assert "No channels are registered" in str(listed["text"])
    finally:
        await haven.close()
        await server.close()


async def test_abuse_only_reports_even_when_it_starts_with_a_haven_word(sites: Haven) -> None:
    status, body = await sites.command("check the customer threw a cup", user=EMPLOYEE)
    assert status == 200 and "Logged as INC-2026-000001" in all_text(body["blocks"])
    record = await detail(sites.runtime.db, "INC-2026-000001")
    assert record is not None and record["description"] == "check the customer threw a cup"


async def test_haven_help_and_check_answer_privately(sites: Haven) -> None:
    _, helped = await sites.post(haven_command("help", user=EMPLOYEE, channel="D0EMPLOYEE"))
    assert helped["response_type"] == "ephemeral" and "/haven register supervisors SITE" in helped["text"]
    _, check = await sites.post(haven_command("check Yamada", user=EMPLOYEE, channel="D0EMPLOYEE"))
    assert check["response_type"] == "ephemeral" and check["text"] == "Not on the register."
    assert await detail(sites.runtime.db, "INC-2026-000001") is None, "/haven never reports"


async def test_change_site_moves_the_alert_and_edits_the_old_card(sites: Haven) -> None:
    await register(sites, "register supervisors store_shibuya", SHIBUYA)
    await report_at(sites, "head_office", "wrong site chosen", user=EMPLOYEE, view="V1")
    await sites.fake.wait_for("chat.postMessage", 2)
    [(old_channel, old_ts)] = [k for k in sites.fake.messages if k[0] == SUPERVISORS]

    await sites.interact(press_payload("change_site", "INC-2026-000001", user=EMPLOYEE, channel="D0EMPLOYEE"))
    [opened] = await sites.fake.wait_for("views.open")
    view = opened.args["view"]
    view = view if isinstance(view, dict) else __import__("json").loads(view)
    assert view["callback_id"] == "site_form"
    submitted = view_payload("view_submission", form_state(site=select_value("store_shibuya")), user=EMPLOYEE,
                             view_id="VSITE", metadata="INC-2026-000001")
    submitted["view"]["callback_id"] = "site_form"
    status, _ = await sites.post(payload_body(submitted))
    assert status == 200
    await sites.fake.wait_for("chat.update")
    await sites.fake.wait_for("chat.postMessage", 4)
    assert "moved to Shibuya store" in str(sites.fake.messages[(old_channel, old_ts)]["text"])
    assert "wrong site chosen" in all_text(posts_in(sites, SHIBUYA))  # type: ignore[arg-type]
    record = await detail(sites.runtime.db, "INC-2026-000001")
    assert record is not None and record["site"] == "store_shibuya"
    changed = [e for e in record["events"] if e["kind"] == "site_changed"]
    assert changed and changed[0]["detail"] == {"from": "head_office", "to": "store_shibuya"}


async def test_a_sunday_report_at_a_seven_day_store_runs_its_deadline_today_the_head_office_waits(
        fake_slack: FakeSlack, tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    server, haven = await start_in_process(fake_slack, tmp_path)
    clock = haven.runtime.ctx.clock
    clock.set(datetime(2026, 12, 6, 2, 0))  # type: ignore[attr-defined]  # Sunday 11:00 in Tokyo
    try:
        await report_at(haven, "store_shibuya", "rude on a Sunday", user=EMPLOYEE, view="V1")
        await report_at(haven, "head_office", "rude email on a Sunday", user=CLERK, view="V2")
        records = [await detail(haven.runtime.db, ref) for ref in ("INC-2026-000001", "INC-2026-000002")]
        due = {r["id"]: next(t["due_at"] for t in r["timers"] if t["kind"] == "renotify")  # type: ignore[index]
               for r in records}
        assert due == {"INC-2026-000001": "2026-12-06T03:00:00Z",  # Normal: 1 h of the store's Sunday
                       "INC-2026-000002": "2026-12-07T02:00:00Z"}  # the head office opens Monday 10:00
        store_checkins = (await detail(haven.runtime.db, "INC-2026-000001"))["checkins"]  # type: ignore[index]
        assert store_checkins[0]["due_at"] == "2026-12-07T02:00:00Z"  # reported + P1D, in the store's hours

        clock.advance(timedelta(hours=1, minutes=1))  # type: ignore[attr-defined]
        await haven.runtime.sweeper.tick()
        kinds = {ref: [e["kind"] for e in (await detail(haven.runtime.db, ref))["events"]]  # type: ignore[index]
                 for ref in ("INC-2026-000001", "INC-2026-000002")}
        assert "renotified" in kinds["INC-2026-000001"] and "renotified" not in kinds["INC-2026-000002"]
    finally:
        await haven.close()
        await server.close()


async def test_a_site_supervisors_app_home_lists_their_sites_open_incidents_only(sites: Haven) -> None:
    await register(sites, "register supervisors store_shibuya", SHIBUYA)
    await register(sites, "register supervisors head_office", HEAD)
    await report_at(sites, "store_shibuya", "shouted at the register", user=EMPLOYEE, view="V1")
    await report_at(sites, "head_office", "threatening phone call", user=CLERK, view="V2")
    await sites.fake.wait_for("chat.postMessage", 4)

    status, _ = await sites.event({"type": "app_home_opened", "user": SHIBUYA_SUP, "tab": "home"})
    assert status == 200
    [published] = await sites.fake.wait_for("views.publish")
    shown = str(published.args)
    assert "INC-2026-000001" in shown, "Shibuya's supervisor sees Shibuya's open incident"
    assert "INC-2026-000002" not in shown, "and not head office's"

    status, _ = await sites.event({"type": "app_home_opened", "user": CLERK, "tab": "home"}, event_id="Ev002")
    [_, clerk] = await sites.fake.wait_for("views.publish", 2)
    assert "INC-2026-000001" not in str(clerk.args), "an employee sees only their own reports"
    assert "INC-2026-000002" in str(clerk.args)
