"""Errors people can act on: known ones become calm messages, unknown ones get a reference code."""

from __future__ import annotations

import logging
import secrets

log = logging.getLogger("haven.errors")


class ConfigError(Exception):
    """A bad configuration value: one clear line naming the variable."""


class BadRequest(Exception):
    """Input Haven cannot read: answered with a 4xx, never a 500."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def reference_code() -> str:
    return secrets.token_hex(4)


def log_unexpected(where: str) -> str:
    """Log the current exception with a fresh reference code and return the code."""
    code = reference_code()
    log.exception("unexpected error in %s (ref %s)", where, code)
    return code
