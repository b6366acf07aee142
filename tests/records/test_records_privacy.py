"""No customer reference in clear in the database, the logs or the metrics: versions and
the register included (issue 16's canary). And the register CLI: list, reveal, lift."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.model.messages import Action
from tests.core.test_core_flows import form_report, press, sup
from tests.records.conftest import NOW
from tests.records.test_holds import _approval_value
from storage import register as store
from tests.records.test_register import ban, check
from tests.records.test_versions import add_details
from tests.support.recording import make_runtime
from tests.support.serve import haven_env

CANARY = "Canary-7Qx-山田カナリア"
KEY = Fernet.generate_key().decode()


async def _everything_stored(runtime) -> bytes:  # type: ignore[no-untyped-def]
    if runtime.db.sqlite_path is not None:
        await runtime.db.checkpoint()
        return b"".join(p.read_bytes() for p in runtime.db.sqlite_path.parent.glob(runtime.db.sqlite_path.name + "*"))
    rows = []
    async with runtime.db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            result = await conn.execute(text(f'SELECT CAST(t AS text) FROM "{table.name}" t'))
            rows += [r[0] for r in result]
    return "\n".join(rows).encode()


async def test_no_customer_reference_in_clear_anywhere(fresh_database_url: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    runtime, messenger, directory, _ = await make_runtime(fresh_database_url, now=NOW, encryption_key=KEY)
    directory.supervisors |= {"sato", "suzuki"}
    try:
        ref = (await form_report(runtime, "violence", customer_ref=f"{CANARY} customer",
                                 description=f"{CANARY} words")).ref
        await add_details(runtime, ref, description=f"{CANARY} more words", customer_ref=f"{CANARY} customer")
        await press(runtime, sup("sato"), "discontinue_service", ref)
        await press(runtime, sup("suzuki"), Action.APPROVE, _approval_value(messenger))
        assert (await check(runtime, f"{CANARY}customer")).startswith("On the register"), "the flow carried it"
        assert (await check(runtime, f"{CANARY} someone else")) == "Not on the register."
        stored = await _everything_stored(runtime)
        metrics = runtime.metrics.render().decode()
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()
    assert stored and b"fernet:" in stored
    for needle in (CANARY, "カナリア", "Canary-7Qx"):
        assert needle.encode() not in stored, f"{needle!r} in the database"
        assert needle not in caplog.text and needle not in metrics
    assert "register checked by clerk" in caplog.text, "the look-up was logged, by ids"


async def test_register_list_reveal_and_break_glass_lift(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    runtime, messenger, directory, _ = await make_runtime(url, now=NOW, encryption_key=KEY)
    directory.supervisors |= {"sato", "suzuki"}
    try:
        await ban(runtime, messenger, "山田 太郎")
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()
    clock = tmp_path / "clock"
    clock.write_text("2026-12-01T02:00:00Z")
    env = haven_env(tmp_path, url, HAVEN_ENCRYPTION_KEY=KEY, HAVEN_CLOCK_FILE=str(clock))

    def haven(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=env, input=stdin,
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)

    listed = haven("register", "list", "--json")
    assert json.loads(listed.stdout) == [{"id": "REG-000001", "scope": "head_office", "since": "2026-12-01",
                                          "review_on": "2027-05-30", "incidents": ["INC-2026-000001"],
                                          "state": "active"}], listed.stderr
    assert "山田" not in listed.stdout, "no reference without --reveal"
    assert "山田 太郎" in haven("register", "list", "--reveal").stdout

    bad = haven("register", "lift", "REG-000009", "--reason", "court order")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "REG-000009" in bad.stderr
    lifted = haven("register", "lift", "REG-000001", "--reason", "court order")
    assert lifted.returncode == 0 and "break-glass" in lifted.stdout, lifted.stderr
    console = haven("console", stdin=":as employee clerk\n:check 山田　太郎\n")
    assert console.returncode == 0 and "Not on the register." in console.stdout, console.stderr

    runtime, _, _, _ = await make_runtime(url, now=NOW, encryption_key=KEY)
    try:
        async with runtime.db.session() as session:
            log = [(e.kind, e.detail) for e in await store.events_for(session=session, entry_id=1)]
    finally:
        await runtime.db.dispose()
    assert ("register_revealed", {}) in log and ("register_lifted", {"break_glass": True}) in log
