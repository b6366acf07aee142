"""Shared fixtures: a clean environment, and fresh migrated databases of both kinds."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrate import upgrade
from tests.support.databases import TEST_DATABASE_ENV, drop_test_database, make_test_database_url

DATABASE_KINDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get(TEST_DATABASE_ENV),
            reason=f"PostgreSQL tests need {TEST_DATABASE_ENV} "
            "(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)",
        ),
    ),
]

_ENV_PREFIXES = ("SLACK_", "MICROSOFT_APP_", "HAVEN_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """SDKs read SLACK_* / MICROSOFT_APP_* silently; Haven reads HAVEN_*: start from none."""
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) and name != TEST_DATABASE_ENV:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=DATABASE_KINDS)
def database_kind(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"`` (skipped without HAVEN_TEST_DATABASE_URL)."""
    return str(request.param)


@pytest.fixture
async def fresh_database_url(database_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a new, empty (unmigrated) database; PostgreSQL ones are dropped after."""
    url = await make_test_database_url(database_kind, tmp_path)
    try:
        yield url
    finally:
        await drop_test_database(url)


@pytest.fixture
async def db(fresh_database_url: str) -> AsyncIterator[Database]:
    """A migrated :class:`storage.db.Database` (no encryption key) in a fresh database."""
    database = Database(fresh_database_url)
    try:
        await upgrade(database)
        yield database
    finally:
        await database.dispose()
