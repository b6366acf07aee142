"""Spec 8.5/issue 16: rotation keeps matching. The README's rotation steps, end to end,
with the repeated rule and the register."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.model.inbound import Actor
from storage.customer_keys import FINGERPRINT
from tests.core.test_core_flows import form_report
from tests.records.conftest import NOW
from tests.records.test_register import CLERK, ban
from tests.support.recording import PLATFORM, make_runtime
from tests.support.serve import haven_env

K1, K2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()
CUSTOMER = "山田 太郎"


async def _runtime(url: str, keys: str):  # type: ignore[no-untyped-def]
    runtime, messenger, directory, _ = await make_runtime(url, now=NOW, encryption_key=keys)
    directory.supervisors |= {"sato", "suzuki"}
    return runtime, messenger


def _haven(tmp_path: Path, url: str, keys: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = haven_env(tmp_path, url, HAVEN_ENCRYPTION_KEY=keys, HAVEN_PORT="0")
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


async def test_rotate_key_then_new_key_alone_keeps_the_repeated_rule_and_the_register(
        fresh_database_url: str, tmp_path: Path) -> None:
    runtime, messenger = await _runtime(fresh_database_url, K1)
    try:
        await form_report(runtime, "denigration", customer_ref=CUSTOMER)
        await ban(runtime, messenger, CUSTOMER)  # the second report on this customer
    finally:
        await runtime.db.dispose()

    refused = _haven(tmp_path, fresh_database_url, f"{K2},{K1}", "serve")  # step 1 skipped: rotate first
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr.strip().count("\n") == 0 and "haven rotate-key" in refused.stderr

    rotated = _haven(tmp_path, fresh_database_url, f"{K2},{K1}", "rotate-key")  # README step 2
    assert rotated.returncode == 0 and "re-hashed" in rotated.stdout, rotated.stderr

    runtime, messenger = await _runtime(fresh_database_url, K2)  # README step 3: the new key alone
    try:
        third = await form_report(runtime, "denigration", customer_ref="山田太郎")
        async with runtime.db.session() as session:
            flags = (await session.exec(text(f"SELECT flags FROM incidents WHERE ref = '{third.ref}'"))).one()[0]
        assert "repeated" in str(flags), "the third report on the customer is still flagged"
        answer = await runtime.haven.check_register(CLERK, "山田　太郎")
        assert answer.text.startswith("On the register")
    finally:
        await runtime.db.dispose()


async def test_hashes_from_before_the_customer_key_are_rehashed_at_start(fresh_database_url: str) -> None:
    runtime, messenger = await _runtime(fresh_database_url, K1)
    try:
        await ban(runtime, messenger, CUSTOMER)
        async with runtime.db.engine.begin() as conn:  # as the first release left them
            await conn.execute(text("UPDATE incidents SET customer_hash = 'legacy'"))
            await conn.execute(text("UPDATE register_entries SET customer_hash = 'legacy'"))
            await conn.execute(text(f"DELETE FROM haven_settings WHERE name = '{FINGERPRINT}'"))
    finally:
        await runtime.db.dispose()
    runtime, _ = await _runtime(fresh_database_url, K1)  # start-up re-hashes
    try:
        answer = await runtime.haven.check_register(Actor(PLATFORM, "clerk", "en"), "山田太郎")
        assert answer.text.startswith("On the register")
    finally:
        await runtime.db.dispose()
