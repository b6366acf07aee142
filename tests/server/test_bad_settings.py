"""Every bad setting is one line on stderr naming the variable, exit code 2, no traceback
(``HAVEN_DEBUG=1`` shows it), from ``haven serve`` and ``haven console`` alike."""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.databases import postgres_admin_url
from tests.support.serve import REPO, free_port, haven_env, start_haven

DEFAULT_POLICY = REPO / "policy" / "default.yaml"


@dataclass(frozen=True)
class Case:
    name: str
    env: Callable[[Path], dict[str, str]]
    variable: str
    says: str  # a phrase the line must contain
    postgres: bool = False
    serve_only: bool = False


def _sqlite(tmp: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp / 'haven.db'}"


def _postgres(**parts: str) -> str:
    admin = postgres_admin_url()
    assert admin is not None
    return make_url(admin).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


def _broken_yaml(tmp: Path) -> dict[str, str]:
    (tmp / "broken.yaml").write_text("version: 1\ncategories: [\n", encoding="utf-8")
    return {"HAVEN_POLICY": str(tmp / "broken.yaml")}


def _invalid_policy(tmp: Path) -> dict[str, str]:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace("PT5M", "five minutes").replace("P3Y", "forever")
    (tmp / "invalid.yaml").write_text(text, encoding="utf-8")
    return {"HAVEN_POLICY": str(tmp / "invalid.yaml")}


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CASES = [
    Case("policy file missing", lambda t: {"HAVEN_POLICY": str(t / "nowhere.yaml")}, "HAVEN_POLICY", "file not found"),
    Case("policy not YAML", _broken_yaml, "HAVEN_POLICY", "invalid YAML"),
    Case("policy invalid", _invalid_policy, "HAVEN_POLICY", "more: run `haven policy check"),
    Case("database scheme", lambda t: {"HAVEN_DATABASE_URL": "mysql://haven@localhost/haven"},
         "HAVEN_DATABASE_URL", "unsupported database 'mysql'"),
    Case("database driver", lambda t: {"HAVEN_DATABASE_URL": f"sqlite:///{t / 'plain.db'}"},
         "HAVEN_DATABASE_URL", "write sqlite+aiosqlite:///"),
    Case("database not a URL", lambda t: {"HAVEN_DATABASE_URL": "haven.db"}, "HAVEN_DATABASE_URL",
         "not a database URL"),
    Case("server unreachable", lambda t: {
        "HAVEN_DATABASE_URL": f"postgresql+asyncpg://haven:s3cret-pw@127.0.0.1:{_closed_port()}/haven"},
        "HAVEN_DATABASE_URL", "connection refused"),
    Case("database missing", lambda t: {"HAVEN_DATABASE_URL": _postgres(database=f"haven_none_{secrets.token_hex(4)}")},
         "HAVEN_DATABASE_URL", "CREATE DATABASE haven_none_", postgres=True),
    Case("role missing", lambda t: {"HAVEN_DATABASE_URL": _postgres(username="nobody_at_all", password="x")},
         "HAVEN_DATABASE_URL", "role 'nobody_at_all' does not exist", postgres=True),
    Case("sqlite folder missing", lambda t: {"HAVEN_DATABASE_URL": f"sqlite+aiosqlite:///{t / 'no' / 'such' / 'h.db'}"},
         "HAVEN_DATABASE_URL", "does not exist: create it (mkdir -p"),
    Case("encryption key malformed", lambda t: {"HAVEN_ENCRYPTION_KEY": "not-a-key"}, "HAVEN_ENCRYPTION_KEY", ""),
    Case("port not a number", lambda t: {"HAVEN_PORT": "abc"}, "HAVEN_PORT", "", serve_only=True),
    Case("host not of this machine", lambda t: {"HAVEN_HOST": "192.0.2.1"}, "HAVEN_HOST",
         "not an address of this machine", serve_only=True),
    Case("slack unreachable", lambda t: {
        "SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s", "HAVEN_SLACK_SUPERVISOR_CHANNEL": "C0123",
        "SLACK_API_URL": f"http://127.0.0.1:{_closed_port()}/api/"},
        "SLACK_API_URL", "check the network", serve_only=True),
]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def haven(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = haven_env(tmp_path, _sqlite(tmp_path), **{"HAVEN_PORT": str(free_port()), **env})
    return subprocess.run([sys.executable, "-m", "bot.app.cli", command], env=full, input="", capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)


def assert_one_line(result: subprocess.CompletedProcess[str], variable: str, says: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"haven: {variable}: "), lines[0]
    assert says in lines[0], lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["serve", "console"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_bad_setting_is_one_line_naming_the_variable(case: Case, command: str, tmp_path: Path) -> None:
    if case.postgres and postgres_admin_url() is None:
        pytest.skip("needs HAVEN_TEST_DATABASE_URL")
    if case.serve_only and command == "console":
        pytest.skip("the console neither listens nor talks to Slack")
    result = haven(tmp_path, command, **case.env(tmp_path))
    assert_one_line(result, case.variable, case.says)
    assert "s3cret-pw" not in result.stderr + result.stdout, "a database password is never printed"


def test_a_port_in_use_is_one_line_naming_haven_port(tmp_path: Path, busy_port: int) -> None:
    result = haven(tmp_path, "serve", HAVEN_PORT=str(busy_port))
    assert_one_line(result, "HAVEN_PORT", "already in use")


def test_the_missing_sqlite_folder_is_not_created(tmp_path: Path) -> None:
    haven(tmp_path, "serve", HAVEN_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'typo' / 'h.db'}")
    assert not (tmp_path / "typo").exists()


def test_haven_debug_shows_the_traceback_behind_the_line(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://haven@127.0.0.1:{_closed_port()}/haven"
    result = haven(tmp_path, "serve", HAVEN_DATABASE_URL=url, HAVEN_DEBUG="1")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "ConnectionRefusedError" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("haven: HAVEN_DATABASE_URL: cannot connect")


def test_policy_check_keeps_exit_code_1(tmp_path: Path) -> None:
    env = _invalid_policy(tmp_path)
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "policy", "check", env["HAVEN_POLICY"]],
                            env=haven_env(tmp_path, _sqlite(tmp_path)), capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) >= 2, "check lists every problem, one per line"


def test_serve_names_the_active_policy_at_start(tmp_path: Path) -> None:
    own = tmp_path / "ours.yaml"
    own.write_text(DEFAULT_POLICY.read_text(encoding="utf-8").replace("version: \"2025-04-01\"", "version: 2026-ours"),
                   encoding="utf-8")
    running = start_haven(haven_env(tmp_path, _sqlite(tmp_path), HAVEN_POLICY=str(own)), tmp_path)
    try:
        assert f"haven: policy 2026-ours from {own}" in running.output()
    finally:
        running.stop()
