"""A database holding encrypted reports is refused by every entry point without the
right key (none, or a wrong one), and nothing is ever written to it in plaintext."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from storage.crypto import TOKEN_PREFIX
from tests.support.serve import free_port, haven_env

KEY = Fernet.generate_key().decode()
WRONG = Fernet.generate_key().decode()
CANARY = "canary-words-never-in-plaintext"
ENTRY_POINTS = [
    ["serve"],
    ["console"],
    ["incidents", "list"],
    ["incidents", "show", "INC-2026-000001"],
    ["incidents", "export"],
    ["purge"],
    ["purge", "--dry-run"],
    ["rotate-key"],
    ["db", "upgrade"],
    ["hr-link", "--user", "U0HR"],
]


def haven(tmp_path: Path, args: list[str], *, key: str | None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = haven_env(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'haven.db'}", HAVEN_PORT=str(free_port()),
                    HAVEN_HR_USERS="U0HR")
    if key is not None:
        env["HAVEN_ENCRYPTION_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot.app.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)


def stored_bytes(tmp_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in tmp_path.glob("haven.db*"))


def descriptions(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "haven.db") as conn:
        return [row[0] for row in conn.execute("SELECT description FROM incidents")]


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with one report encrypted under KEY, made through the console."""
    tmp = tmp_path_factory.mktemp("encrypted")
    made = haven(tmp, ["console"], key=KEY, stdin="/abuse he shouted at me\n")
    assert made.returncode == 0, made.stderr
    assert [d[:len(TOKEN_PREFIX)] for d in descriptions(tmp)] == [TOKEN_PREFIX]
    return tmp


@pytest.mark.parametrize("key", [None, WRONG], ids=["no key", "wrong key"])
@pytest.mark.parametrize("args", ENTRY_POINTS, ids=" ".join)
def test_every_entry_point_refuses_an_encrypted_database_without_its_key(
        encrypted: Path, tmp_path: Path, args: list[str], key: str | None) -> None:
    for file in encrypted.glob("haven.db*"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    before = descriptions(tmp_path)
    result = haven(tmp_path, args, key=key, stdin=f"/abuse {CANARY}\n")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("haven: HAVEN_ENCRYPTION_KEY: "), result.stderr
    assert "Traceback" not in result.stderr and "CipherError" not in result.stderr
    assert CANARY not in result.stdout
    assert descriptions(tmp_path) == before, "nothing written"
    assert CANARY.encode() not in stored_bytes(tmp_path), "no plaintext in the file or its WAL"


def test_with_the_right_key_the_console_adds_an_encrypted_report(encrypted: Path, tmp_path: Path) -> None:
    for file in encrypted.glob("haven.db*"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    result = haven(tmp_path, ["console"], key=KEY, stdin=f"/abuse {CANARY}\n")
    assert result.returncode == 0, result.stderr
    stored = descriptions(tmp_path)
    assert len(stored) == 2 and all(d.startswith(TOKEN_PREFIX) for d in stored)
    assert CANARY.encode() not in stored_bytes(tmp_path)


def test_audit_verify_needs_no_key_the_chain_holds_no_encrypted_text(tmp_path: Path) -> None:
    """The chain covers ids, kinds, times and options, never free text: ``audit verify``
    checks an encrypted database (a re-triage note too) with no key, and says so in the singular."""
    lines = ["/abuse rude words", ":as supervisor sato", "12", "1", "1", f"{CANARY} note"]
    made = haven(tmp_path, ["console"], key=KEY, stdin="\n".join(lines) + "\n")
    assert made.returncode == 0, made.stderr
    assert CANARY.encode() not in stored_bytes(tmp_path)
    verified = haven(tmp_path, ["audit", "verify"], key=None)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == "ok: the audit trail of 1 incident is intact\n"
