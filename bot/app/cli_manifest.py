"""``haven manifest slack|teams``: the checks on its input (``cli`` calls the adapters).

The base URL must be ``https://HOST[/PATH]`` (Slack and Teams call Haven only over
https; ``--allow-http`` lets a local trial through), the Teams app id a GUID, and the
Teams package's privacy and terms pages come from the policy's ``links``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.app.cli_parser import UsageError
from bot.app.config import ConfigError, Settings

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def base_url(url: str, *, allow_http: bool) -> str:
    """``url`` without a trailing slash, or :class:`UsageError` saying what is wrong."""
    parts = urlsplit(url.strip())
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        hint = " (or --allow-http for a local trial)" if parts.scheme == "http" else ""
        raise UsageError(f"--url: {url!r} must start with https://{hint}, e.g. https://haven.example.com")
    if not parts.hostname or parts.query or parts.fragment or any(c.isspace() for c in url.strip()):
        raise UsageError(f"--url: {url!r} is not a base URL like https://haven.example.com")
    return url.strip().rstrip("/")


def app_id_of(given: str | None, settings: Settings) -> str:
    """The Teams app id (``--app-id`` or ``MICROSOFT_APP_ID``), checked to be a GUID."""
    app_id = given or settings.microsoft_app_id
    source = "--app-id" if given else "MICROSOFT_APP_ID"
    if not app_id:
        raise UsageError("--app-id: required (the Azure bot's Microsoft App ID), or set MICROSOFT_APP_ID")
    if not _GUID.match(app_id):
        raise UsageError(f"{source}: {app_id!r} is not a GUID like 00000000-0000-0000-0000-000000000000")
    return app_id.lower()


def teams_links(settings: Settings) -> tuple[str, str]:
    """The policy's ``links.privacy`` and ``links.terms``, or one line naming the missing keys."""
    from bot.app.runtime import policy_from

    links = policy_from(settings).links
    if links.privacy is None or links.terms is None:
        missing = [f"links.{name}" for name in ("privacy", "terms") if getattr(links, name) is None]
        where = settings.policy or "the bundled policy"
        raise ConfigError(f"HAVEN_POLICY: {' and '.join(missing)} must be set in {where}: the Teams package "
                          "names your privacy notice and terms of use (https:// URLs; see `haven policy init`)")
    return links.privacy, links.terms


def out_path(given: str | None) -> str:
    out = Path(given or "haven-teams.zip")
    if not out.parent.is_dir():
        raise UsageError(f"--out: the folder {out.parent} does not exist")
    return str(out)
