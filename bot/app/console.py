"""``haven console``'s composition root: the runtime, migrated, behind the console adapter."""

from __future__ import annotations

from typing import TextIO

from adapters.console.repl import run_console
from bot.app.config import Settings
from bot.app.records import detail
from bot.app.runtime import build_runtime, migrate


async def console(settings: Settings, stdin: TextIO, stdout: TextIO) -> int:
    runtime = build_runtime(settings)
    await migrate(runtime)

    async def settle() -> None:
        await runtime.sweeper.tick()
        await runtime.dispatcher.drain()

    try:
        return await run_console(runtime.haven, settings.console(), stdin, stdout,
                                 settle=settle, lookup=lambda ref: detail(runtime.db, ref))
    finally:
        await runtime.haven.close()
        await runtime.db.dispose()
