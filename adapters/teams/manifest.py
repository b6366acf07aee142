"""The Teams app package: ``manifest.json`` (schema 1.17) and the two icons, zipped.

``manifest/teams/`` in the repository holds the same files with placeholders
(``haven manifest teams`` fills in the app id and the base URL). The messaging
endpoint is not in the manifest: it is set on the Azure Bot resource.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from adapters.teams.icons import color_icon, outline_icon

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_URL = "https://haven.example.com"


def _commands(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "description": description} for title, description in pairs]


def build_manifest(*, url: str, app_id: str) -> dict[str, Any]:
    """The manifest for a bot whose Azure app id is ``app_id``, served from ``url``."""
    base = url.rstrip("/")
    host = urlsplit(base).hostname or base
    return {
        "$schema": SCHEMA,
        "manifestVersion": "1.17",
        "version": "1.0.0",
        "id": app_id,
        "developer": {"name": "Haven", "websiteUrl": base, "privacyUrl": f"{base}/privacy",
                      "termsOfUseUrl": f"{base}/terms"},
        "name": {"short": "Haven", "full": "Haven: customer-abuse reporting"},
        "description": {
            "short": "Report customer abuse in seconds; get support first.",
            "full": ("Haven lets an employee who has just been abused by a customer log the incident in "
                     "seconds, shows wellbeing help first, and alerts supervisors in real time, following "
                     "the company's customer-harassment policy. カスタマーハラスメントをすぐに報告できます。"),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#1F6F6B",
        "bots": [{
            "botId": app_id,
            "scopes": ["personal", "team"],
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [
                {"scopes": ["personal"], "commands": _commands(
                    ("abuse", "Report customer abuse (add what happened, or send it alone for the form)"),
                    ("help", "How to use Haven"))},
                {"scopes": ["team"], "commands": _commands(
                    ("register supervisors", "Make this channel the supervisors' channel (admins)"),
                    ("register escalation", "Make this channel the escalation channel (admins)"),
                    ("help", "How Haven uses this team"))},
            ],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def package_files(*, url: str, app_id: str) -> dict[str, bytes]:
    manifest = json.dumps(build_manifest(url=url, app_id=app_id), ensure_ascii=False, indent=2) + "\n"
    return {"manifest.json": manifest.encode("utf-8"), "color.png": color_icon(), "outline.png": outline_icon()}


def write_teams_package(*, url: str, app_id: str, out: str | None) -> str:
    """Write the zip Teams admins upload; returns its path (default ``haven-teams.zip``)."""
    path = Path(out or "haven-teams.zip")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(url=url, app_id=app_id).items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return str(path)


def write_template(directory: Path) -> None:
    """Regenerate ``manifest/teams/`` (placeholders): ``python -m adapters.teams.manifest``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in package_files(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID).items():
        (directory / name).write_bytes(data)


if __name__ == "__main__":
    write_template(Path(__file__).resolve().parents[2] / "manifest" / "teams")
