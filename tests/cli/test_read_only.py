"""The read-only connections ``haven incidents`` uses: they read, and cannot write."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.migrate import upgrade


async def test_a_read_only_connection_reads_and_cannot_write(fresh_database_url: str) -> None:
    writer = Database(fresh_database_url)
    reader = Database(fresh_database_url, read_only=True)
    try:
        await upgrade(writer)
        async with reader.engine.connect() as conn:
            assert (await conn.exec_driver_sql("SELECT count(*) FROM incidents")).scalar() == 0
        async with reader.engine.connect() as conn:
            with pytest.raises(Exception, match=r"read.only|readonly"):
                await conn.exec_driver_sql("DELETE FROM incidents")
    finally:
        await reader.dispose()
        await writer.dispose()
