from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from tests.support.recording import make_runtime

# Tuesday 2026-12-01 11:00 JST: inside business hours.
NOW = datetime(2026, 12, 1, 2, 0, 0)


@pytest.fixture
async def world(fresh_database_url: str) -> AsyncIterator[tuple]:  # type: ignore[type-arg]
    runtime, messenger, directory, clock = await make_runtime(fresh_database_url, now=NOW)
    directory.supervisors |= {"sato", "suzuki", "tanaka"}
    try:
        yield runtime, messenger, directory, clock
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()
