"""``haven serve`` for the benchmark, unpaced: ``python -m bench.ack.haven_serve``.

Haven paces its Slack posts to about one a second per channel (bot.delivery.pacing), as real
Slack demands. The benchmark's fake Slack does not rate-limit, and the issue measures
Haven's own pipeline ("pacing to Slack's limits belongs to the Reliability issue"), so
this lifts the pace for the Slack messenger and then runs the unchanged CLI. With
``--paced`` the runner uses ``python -m bot.app.cli serve`` itself.

``BENCH_TRACE=FILE`` writes the server's stalls there: every full (generation 2) garbage
collection and any collection over 10 ms with its duration, and every time the event loop
woke more than 40 ms late (how the 100-250 ms collections behind report → alert's tail
were found).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import time
from typing import Any

from adapters.slack.messenger import SlackMessenger
from bot.app.cli import main

UNPACED = 1e9  # posts per second: no waiting, so no digests either


def trace(path: str) -> None:
    """Note collections and event-loop stalls in ``path`` (wall time, milliseconds)."""
    out = open(path, "w", buffering=1)  # noqa: SIM115 - open for the life of the process
    began = [0.0]

    def collected(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
            return
        took = time.perf_counter() - began[0]
        if info["generation"] == 2 or took > 0.01:
            out.write(f"{time.time():.3f} gc gen{info['generation']} {took * 1000:.1f} ms\n")

    async def lag() -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            late = time.perf_counter() - start - 0.01
            if late > 0.04:
                out.write(f"{time.time():.3f} loop late {late * 1000:.0f} ms\n")

    gc.callbacks.append(collected)
    run_forever = asyncio.BaseEventLoop.run_forever

    def run_with_lag(loop: asyncio.BaseEventLoop) -> None:
        loop.create_task(lag())
        run_forever(loop)

    asyncio.BaseEventLoop.run_forever = run_with_lag  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get("BENCH_TRACE"):
        trace(os.environ["BENCH_TRACE"])
    SlackMessenger.pace_per_second = UNPACED
    sys.exit(main(["serve"]))
