"""Privacy that holds: encryption at rest, no report text in any log line, key checks at
start, rotation, and purge that edits Haven's own Slack posts."""

from __future__ import annotations

import functools
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Text, select, type_coerce
from sqlmodel import select as select_models

from tests.support.clock import FakeClock
from bot.app.records import detail
from bot.flows.retention import purge
from storage.crypto import Cipher
from storage.db import Database
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident
from storage.rekey import rekey
from tests.reliability.support import blocks_text, slack_haven, supervisor_posts
from tests.slack.support import (
    SUPERVISORS, Haven, form_state, press_payload, select_value, text_value,
    view_payload,
)
from tests.support.serve import eventually, haven_env

CANARY = "Canary-7Qx-カナリア"
KEY = Fernet.generate_key().decode()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def keyed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Haven]:
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, before any SDK logger exists
    for name in ("slack_sdk", "slack_bolt", "microsoft_agents", "aiohttp.access", "haven.slack.sdk",
                 "haven.slack.bolt"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    async with slack_haven(tmp_path, HAVEN_ENCRYPTION_KEY=KEY) as haven:
        yield haven


async def full_flow(haven: Haven) -> str:
    """A quick report, a form with every free-text field, an acknowledgement: the canary everywhere."""
    await haven.command(f"he said {CANARY} on the phone", trigger="trig-canary")
    state = form_state(category=select_value("denigration"), description=text_value(f"{CANARY} description"),
                       customer_ref=text_value(f"{CANARY}-customer"), exact_words=text_value(CANARY),
                       demands=text_value(CANARY), location=text_value(CANARY),
                       evidence=text_value(f"https://example.com/{CANARY}"))
    status, _ = await haven.interact(view_payload("view_submission", state, view_id="VCANARY"))
    assert status == 200
    await eventually(lambda: len(supervisor_posts(haven.fake)) == 2)
    ts = next(m["ts"] for m in supervisor_posts(haven.fake)
              if m["metadata"]["event_payload"]["incident"] == "INC-2026-000002")
    await haven.interact(press_payload("acknowledge", "INC-2026-000002", user="USUP1", ts=ts))
    await eventually(lambda: "<@USUP1>" in blocks_text(haven.fake.messages[(SUPERVISORS, ts)]))
    return ts


async def test_the_canary_is_in_no_log_line_and_nowhere_in_the_database_files(
        keyed: Haven, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    await full_flow(keyed)
    assert CANARY in blocks_text(supervisor_posts(keyed.fake)[0]), "the flow really carried the canary"
    logging.getLogger("haven.test").debug("marker")  # the capture works at DEBUG
    assert "marker" in caplog.text
    assert CANARY not in caplog.text and CANARY[:10] not in caplog.text
    assert all(CANARY not in r.getMessage() for r in caplog.records)
    assert keyed.runtime is not None
    await keyed.runtime.db.checkpoint()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("haven.db*"))
    assert raw and CANARY.encode() not in raw and "カナリア".encode() not in raw
    async with keyed.runtime.db.session() as session:
        stored = [str(r[0]) for r in (await session.exec(select(type_coerce(OutboxMessage.payload, Text)))).all()]
        texts = [str(r[0]) for r in (await session.exec(select(type_coerce(Incident.customer_ref, Text)))).all()
                 if r[0]]
    assert stored and all(s.startswith("fernet:") for s in stored)
    assert texts and all(s.startswith("fernet:") for s in texts)
    record = await detail(keyed.runtime.db, "INC-2026-000002")
    assert record is not None and record["customer_ref"] == f"{CANARY}-customer"


async def test_rotation_leaves_every_row_readable_under_the_new_key_alone(keyed: Haven, tmp_path: Path) -> None:
    await full_flow(keyed)
    newer = Fernet.generate_key().decode()
    url = f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}"
    both = Database(url, cipher=Cipher([newer, KEY]))
    try:
        assert await rekey(both) > 0
    finally:
        await both.dispose()
    alone = Database(url, cipher=Cipher([newer]))
    try:
        for ref in ("INC-2026-000001", "INC-2026-000002"):
            record = await detail(alone, ref)
            assert record is not None and CANARY in (record["description"] or "")
        async with alone.session() as session:
            payloads = (await session.exec(select_models(OutboxMessage))).all()
        assert payloads and all(p.payload.startswith("{") for p in payloads)
    finally:
        await alone.dispose()


def haven_cli(tmp_path: Path, *args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}")
    env.pop("HAVEN_ENCRYPTION_KEY", None)
    if key is not None:
        env["HAVEN_ENCRYPTION_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


async def test_a_wrong_or_missing_key_is_one_clear_error_at_start(keyed: Haven, tmp_path: Path) -> None:
    await full_flow(keyed)
    wrong = Fernet.generate_key().decode()
    cases = ((wrong, "cannot be decrypted"), (None, "no key is set"), ("not-a-key", "not a valid Fernet key"))
    for key, words in cases:
        for command in (("incidents", "list"), ("serve",)):
            done = haven_cli(tmp_path, *command, key=key)
            assert done.returncode == 2, (command, done.stdout, done.stderr)
            assert words in done.stderr and "Traceback" not in done.stderr
    assert haven_cli(tmp_path, "incidents", "list", key=KEY).returncode == 0


async def test_purge_edits_the_slack_alert_to_the_redacted_notice_and_keeps_legal_hold(keyed: Haven) -> None:
    assert keyed.runtime is not None
    held_ts = await full_flow(keyed)
    posts = {m["metadata"]["event_payload"]["incident"]: m["ts"] for m in supervisor_posts(keyed.fake)}
    first_ts = posts["INC-2026-000001"]
    await keyed.interact(press_payload("resolve", "INC-2026-000001", user="USUP1", ts=first_ts))
    await keyed.interact(press_payload("consult_attorney", "INC-2026-000002", user="USUP1", ts=held_ts))
    await keyed.interact(press_payload("resolve", "INC-2026-000002", user="USUP2", ts=held_ts))
    for ref in ("INC-2026-000001", "INC-2026-000002"):
        await eventually(functools.partial(_resolved, keyed, ref))
    clock = keyed.runtime.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=3 * 366 + 1))
    result = await purge(keyed.runtime.ctx)
    assert result.purged == ("INC-2026-000001",) and result.held == ("INC-2026-000002",)
    redacted = "removed under the company's retention policy"
    await eventually(lambda: redacted in blocks_text(keyed.fake.messages[(SUPERVISORS, first_ts)]))
    assert CANARY not in blocks_text(keyed.fake.messages[(SUPERVISORS, first_ts)])
    dm = [m for (c, _), m in keyed.fake.messages.items() if c.startswith("D")]
    assert dm and all(CANARY not in blocks_text(m) for m in dm)
    assert await detail(keyed.runtime.db, "INC-2026-000001") is None
    assert await detail(keyed.runtime.db, "INC-2026-000002") is not None
    assert redacted not in blocks_text(keyed.fake.messages[(SUPERVISORS, held_ts)]), "legal hold: untouched"


async def _resolved(haven: Haven, ref: str) -> bool:
    assert haven.runtime is not None
    record = await detail(haven.runtime.db, ref)
    return bool(record and record["status"] == "resolved")
