"""Privacy guards that hold whatever the logging configuration is.

* :func:`install_log_guard` replaces the process's log record factory, so every record,
  whichever handler later formats it (a file, stderr, pytest's capture), is scrubbed at
  birth: records from libraries that see request and message bodies (``slack_sdk``,
  ``slack_bolt``, ``microsoft_agents``, ``aiohttp`` …) keep their format string and location
  but lose their arguments (a pre-formatted message is withheld whole), at every level;
  and every traceback keeps its frames and exception types but not the exceptions'
  messages, which may quote input (a JSON error, a validation error). Haven's own
  loggers log ids only, by discipline (and a test with a canary). Library loggers are
  also set to WARNING, so DEBUG chatter is not even created.
* :func:`check_key` fails at start when stored data cannot be read with the configured
  ``HAVEN_ENCRYPTION_KEY`` (a wrong or missing key), instead of at the first report.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from storage.crypto import CipherError
from storage.db import Database
from storage.rekey import encrypted_samples

LIBRARIES = (
    "slack_sdk", "slack_bolt", "slack", "microsoft_agents", "msal",
    "aiohttp", "sqlalchemy", "aiosqlite", "asyncpg", "alembic", "asyncio", "urllib3", "requests", "httpx",
    "httpcore", "jwt",
    "haven.slack.sdk", "haven.slack.bolt", "haven.slack.socket",  # SDK loggers the adapter names
)
WITHHELD = "[withheld by haven.privacy]"
_installed = False


def _from_library(name: str) -> bool:
    return any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES)


def _safe_traceback(exc_info: Any) -> str:
    """The traceback with frames and types, every exception message withheld."""
    kind, value, tb = exc_info
    if value is None:
        return "".join(traceback.format_exception(kind, value, tb))
    report = traceback.TracebackException(kind, value, tb, capture_locals=False)
    seen: set[int] = set()
    stack = [report]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        # TracebackException has no public way to replace the message it prints: it keeps it in
        # the private `_str` (3.11+), so that is what is overwritten (tested in tests/reliability).
        current._str = WITHHELD  # type: ignore[attr-defined]  # private: not in typeshed
        current.__notes__ = None
        for attr in ("text", "filename", "lineno", "offset", "end_offset", "msg"):
            if getattr(current, attr, None) is not None and current.exc_type is not None \
                    and issubclass(current.exc_type, SyntaxError):
                setattr(current, attr, None)
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        stack.extend(getattr(current, "exceptions", None) or ())
    return "".join(report.format()).rstrip("\n")


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Make one record safe to print (see the module docstring)."""
    if _from_library(record.name):
        if record.args:
            record.msg = f"{record.msg} {WITHHELD}"
            record.args = None
        else:  # pre-formatted: may quote a body
            record.msg = f"{record.name} message at {record.module}:{record.lineno} {WITHHELD}"
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = _safe_traceback(record.exc_info)
    return record


def install_log_guard() -> None:
    """Install the scrubbing record factory once per process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    for name in LIBRARIES:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").disabled = True  # request lines: never needed
    _installed = True


def check_key_format(keys: list[str]) -> None:
    """Raise :class:`KeyMismatch` when a key is not a Fernet key (one clear line at start)."""
    from storage.crypto import Cipher

    try:
        Cipher(keys)
    except ValueError as exc:
        raise KeyMismatch(str(exc)) from None


class KeyMismatch(Exception):
    """Stored data cannot be decrypted with the configured keys."""


async def check_key(db: Database) -> None:
    """Decrypt the oldest and newest encrypted value of each encrypted column.

    Raises :class:`KeyMismatch` with a message fit for one line at start.
    """
    for stored in await encrypted_samples(db=db):
        try:
            db.cipher.decrypt(stored)
        except CipherError:
            if not db.cipher.enabled:
                raise KeyMismatch("HAVEN_ENCRYPTION_KEY: the database holds encrypted "
                                  "reports but no key is set") from None
            raise KeyMismatch("HAVEN_ENCRYPTION_KEY: the stored reports cannot be decrypted "
                              "with these keys (a wrong key, or an old key removed before "
                              "`haven rotate-key` ran)") from None
