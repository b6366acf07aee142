"""The incident page and the evidence pack's ``record.html`` are the whole record, in
words: where it happened and who it went to, what a re-triage changed and why, and no
identifier left raw, in English or Japanese."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

from bot.model.inbound import Actor, FormIn, PressIn
from bot.model.messages import TRIAGE_FORM, Audience
from tests.hr.conftest import DeskWorld

NOTE = "CCTV shows he was quoting a film; the store manager spoke to him"
FORM = {"category": "violence", "description": "he said he would kill me", "contact_channel": "in_person",
        "share_name": "false", "held_minutes": "40", "site": "store_shibuya",
        "reported_for": "Tanaka (agency worker)"}
RAW = re.compile(r"(?<![\w-])(acknowledge|triaged|pending|sent|violence|critical|normal|other|[a-z]+(?:_[a-z]+)+)"
                 r"(?![\w-])")
RULE_IDS = ["threat_to_life"]  # triage rule ids are shown as the alert shows them (spec 8.1)


async def downgraded_threat(world: DeskWorld) -> str:
    """A death threat, reported for an agency worker without sharing the reporter's name,
    taken over, the police contacted, then downgraded by a second supervisor with a note."""
    haven = world.runtime.haven
    world.directory.supervisors |= {"sato", "suzuki"}
    outcome = await haven.submit_form(FormIn(Actor("test", "UEMP1"), dict(FORM)))
    ref = outcome.ref
    assert ref is not None, outcome.errors
    for who, action in (("sato", "acknowledge"), ("suzuki", "join"), ("sato", "contact_police")):
        pressed = await haven.press(PressIn(Actor("test", who), action, ref, Audience.SUPERVISORS))
        assert pressed.changed, (action, pressed.replies)
    triaged = await haven.submit_form(FormIn(Actor("test", "suzuki"), {
        "category": "other", "severity": "normal", "note": NOTE}, metadata=ref, form=TRIAGE_FORM))
    assert triaged.errors == {}
    await world.runtime.dispatcher.drain()
    return ref


def visible(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded)."""
    body = re.sub(r"<(head|header)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


async def test_a_downgraded_death_threat_shows_what_changed_and_why(desk_world: DeskWorld) -> None:
    ref = await downgraded_threat(desk_world)
    await desk_world.signed_in()
    page = visible(await (await desk_world.client.get(f"/hr/incidents/{ref}")).text())
    for shown in ("re-triaged", "Severity Critical → Normal", "Violent deeds or words → Other harassment", NOTE,
                  "Contact the police", "In person", "Shibuya store", "Line supervisors", "Tanaka (agency worker)",
                  "40 min", "threat_to_life", "Name not shared with supervisors", "Second responder"):
        assert shown in page, shown
    assert re.search(r"Second responder\s+suzuki", page)
    assert RAW.findall(page) == RULE_IDS


async def test_the_record_speaks_japanese_on_the_page_and_in_the_pack(desk_world: DeskWorld) -> None:
    ref = await downgraded_threat(desk_world)
    await desk_world.signed_in()
    page = visible(await (await desk_world.client.get(f"/hr/incidents/{ref}?lang=ja")).text())
    pack = await (await desk_world.client.get(f"/hr/incidents/{ref}/evidence.zip?lang=ja")).read()
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        printed = visible(archive.read("record.html").decode())
    for text in (page, printed):
        for shown in ("種類・緊急度を見直し", "緊急度：緊急 → 通常", "暴力的な言動 → その他のハラスメント", NOTE,
                      "警察に相談・通報する", "対面", "渋谷店", "上長には氏名を伝えていません", "40 分",
                      "二人目の対応者", "報告", "対応引き受け"):
            assert shown in text, shown
        assert RAW.findall(text) == RULE_IDS


async def test_the_evidence_pack_is_the_same_whole_record(desk_world: DeskWorld) -> None:
    ref = await downgraded_threat(desk_world)
    await desk_world.signed_in()
    for _ in range(2):  # the second pack's timeline holds the first download
        pack = await (await desk_world.client.get(f"/hr/incidents/{ref}/evidence.zip")).read()
    with zipfile.ZipFile(io.BytesIO(pack)) as archive:
        printed = visible(archive.read("record.html").decode())
    for shown in ("Severity Critical → Normal", NOTE, "Name not shared with supervisors", "Shibuya store",
                  "Tanaka (agency worker)", "Alert → the supervisors' channel", "Sent", "Downloaded the evidence pack"):
        assert shown in printed, shown
    assert RAW.findall(printed) == RULE_IDS


async def test_a_shared_name_carries_no_mark(desk_world: DeskWorld) -> None:
    outcome = await desk_world.runtime.haven.submit_form(FormIn(Actor("test", "UEMP1"), {
        **FORM, "share_name": "true"}))
    await desk_world.signed_in()
    page = await (await desk_world.client.get(f"/hr/incidents/{outcome.ref}")).text()
    assert "Name not shared" not in page and "UEMP1" in page


async def test_the_export_says_what_a_retriage_changed_and_why(desk_world: DeskWorld) -> None:
    ref = await downgraded_threat(desk_world)
    await desk_world.signed_in()
    body = (await (await desk_world.client.get("/hr/export.csv")).read()).decode("utf-8-sig")
    [row] = [r for r in csv.DictReader(io.StringIO(body)) if r["id"] == ref]
    assert f"triaged violence/critical → other/normal by suzuki (note: {NOTE})" in row["decisions"]
    assert "option_chosen contact_police by sato" in row["decisions"]
