"""Group commit: concurrent requests share one transaction.

Requests that arrive while a transaction is being written wait for the next one, which
takes all of them (up to ``limit``). Nothing waits for a timer: alone, a request is
written at once; under load, one ``BEGIN … COMMIT`` (and a handful of multi-row
statements) serves many requests. Each request gets its own result or its own error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Write = Callable[[Sequence[Item]], Awaitable[Sequence["Result | BaseException"]]]


class GroupCommit(Generic[Item, Result]):
    """Batches ``submit`` calls into calls of ``write(items)``, one batch at a time.

    ``write`` returns one outcome per item, in order: a result, or the exception that
    item's caller should see. If ``write`` itself raises, every item of that batch gets
    the exception (the writer is expected to handle partial failures itself).
    """

    gather_rounds = 8

    def __init__(self, write: Write[Item, Result], *, limit: int = 64) -> None:
        self._write = write
        self._limit = limit
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    def busy(self) -> bool:
        """Requests are queued or a batch is being written."""
        return bool(self._queue) or (self._runner is not None and not self._runner.done())

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())
        return await asyncio.shield(future)  # a cancelled caller does not cancel the batch

    async def _run(self) -> None:
        while self._queue:
            await self._gather()
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit:]
            items = [item for item, _ in batch]
            try:
                outcomes: Sequence[Result | BaseException] = await self._write(items)
                if len(outcomes) != len(batch):
                    raise RuntimeError(f"group commit: {len(outcomes)} outcomes for {len(batch)} items")
            except Exception as error:  # handed to every caller of the batch
                outcomes = [error] * len(batch)
            self._settle(batch, outcomes)

    async def _gather(self) -> None:
        """Let callers woken by the last commit queue their next request first: yield to
        the loop while the queue still grows (a few iterations; no timer)."""
        for _ in range(self.gather_rounds):
            size = len(self._queue)
            await asyncio.sleep(0)
            if len(self._queue) >= self._limit or len(self._queue) == size:
                return

    @staticmethod
    def _settle(batch: list[tuple[Item, asyncio.Future[Result]]],
                outcomes: Sequence[Result | BaseException]) -> None:
        for (_, future), outcome in zip(batch, outcomes, strict=True):  # lengths checked in _run
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
