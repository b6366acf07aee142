"""Microsoft's token-signing keys, fetched without ever blocking the server.

The Agents SDK's ``JwtTokenValidator`` checks a real token (signature, audience, tenant
binding) but gets its keys from PyJWT's ``PyJWKClient``: ``urllib`` in a worker thread,
a 30 s timeout, one lock per key URL and nothing remembered when a fetch fails, so a
stream of forged tokens can keep the default thread pool (which also resolves host
names for aiohttp) busy for as long as Microsoft's key endpoint hangs. Haven hands the
validator this key source instead:

- :func:`header_problem` refuses, without any network, a token whose header is not
  ``alg: RS256`` with a ``kid``;
- keys are fetched with aiohttp (proxy settings from the environment, as the SDK's own
  HTTP calls would), one fetch at a time per URL however many requests wait for it,
  with a timeout; a key set is kept for :data:`KEEP_SECONDS`, a failure for
  :data:`FAILURE_SECONDS` (requests meanwhile are refused at once);
- a ``kid`` that is not in a fresh key set is refused without asking again.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWTError

log = logging.getLogger("haven.teams")
KEEP_SECONDS = 3600.0
FAILURE_SECONDS = 30.0
FETCH_TIMEOUT = 10.0
ALGORITHM = "RS256"  # the only algorithm Bot Framework and Entra ID sign with
MAX_HEADER = 2048


class KeysUnavailable(PyJWTError):
    """Microsoft's key endpoint did not answer (or recently did not): try again later."""


class UnknownKey(PyJWTError):
    """The token names a key that is not among Microsoft's current keys."""


def header_problem(token: str) -> str | None:
    """Why a bearer token's header is refused before any network call, or None."""
    encoded = token.split(".", 1)[0]
    if len(encoded) > MAX_HEADER:
        return "the token header is too long"
    try:
        header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeDecodeError):
        return "the token header is not JSON"
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        return f"the token is not signed with {ALGORITHM}"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "the token names no signing key"
    return None


Fetch = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class _Entry:
    until: float
    keys: dict[str, PyJWK] = field(default_factory=dict)
    failed: bool = False


class SigningKeys:
    """The key source the SDK's validator calls: ``await get_signing_key(jwks_uri, header)``."""

    def __init__(self, *, fetch: Fetch | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.fetch: Fetch = fetch or fetch_json
        self.monotonic = monotonic
        self._entries: dict[str, _Entry] = {}
        self._fetching: dict[str, asyncio.Task[_Entry]] = {}

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        entry = self._entries.get(jwks_uri)
        if entry is None or entry.until <= self.monotonic():
            entry = await self._refresh(jwks_uri)
        if entry.failed:
            raise KeysUnavailable("Microsoft's signing keys are unavailable")
        key = entry.keys.get(str(header.get("kid") or ""))
        if key is None:
            raise UnknownKey("the token's signing key is unknown")
        return key

    async def _refresh(self, jwks_uri: str) -> _Entry:
        task = self._fetching.get(jwks_uri)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._load(jwks_uri))
            self._fetching[jwks_uri] = task
            task.add_done_callback(lambda _: self._fetching.pop(jwks_uri, None))
        return await asyncio.shield(task)  # a caller that gives up does not cancel the others' fetch

    async def _load(self, jwks_uri: str) -> _Entry:
        try:
            document = await asyncio.wait_for(self.fetch(jwks_uri), FETCH_TIMEOUT)
            keys = {str(k.key_id): k for k in PyJWKSet.from_dict(document).keys if k.key_id}
            entry = _Entry(self.monotonic() + KEEP_SECONDS, keys)
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError, PyJWTError) as exc:
            log.warning("Microsoft's signing keys could not be fetched: %s", type(exc).__name__)
            entry = _Entry(self.monotonic() + FAILURE_SECONDS, failed=True)
        self._entries[jwks_uri] = entry
        return entry


async def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (honours HTTPS_PROXY / NO_PROXY like the SDK's own calls)."""
    timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as session, \
            session.get(url, headers={"Accept": "application/json"}) as response:
        response.raise_for_status()
        document = await response.json(content_type=None)
    if not isinstance(document, dict):
        raise ValueError("the key document is not a JSON object")
    return document
