"""Reading the console's input without blocking the event loop.

A daemon thread reads standard input (raw ``os.read``, so no buffered-reader lock is
held when the process exits) and hands whole lines to the loop. The loop stays free, so
Ctrl-C (SIGINT) cancels the console at once instead of after the next Enter.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import threading
from typing import TextIO

CHUNK = 65536


class Lines:
    """``await lines.next()`` → the next line (with its newline), or ``""`` at EOF."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._eof = False
        self._fd = _fileno(stream)
        if self._fd is not None:
            loop = asyncio.get_running_loop()
            threading.Thread(target=self._read, args=(loop, self._fd), name="haven-console-input",
                             daemon=True).start()

    async def next(self) -> str:
        if self._fd is None:  # an in-memory stream: nothing to wait for
            return self.stream.readline()
        if self._eof and self._queue.empty():
            return ""
        line = await self._queue.get()
        if not line:
            self._eof = True
        return line

    def _read(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        while True:
            try:
                chunk = os.read(fd, CHUNK)
            except OSError:
                chunk = b""
            pending += decoder.decode(chunk, final=not chunk)
            *lines, pending = pending.split("\n")
            ready = [line + "\n" for line in lines]
            if not chunk:
                ready += [pending, ""] if pending else [""]
            try:
                for line in ready:
                    loop.call_soon_threadsafe(self._queue.put_nowait, line)
            except RuntimeError:  # the console has ended and its loop is closed
                return
            if not chunk:
                return


def _fileno(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
