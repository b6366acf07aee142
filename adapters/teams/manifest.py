"""The Teams app package: ``manifest.json`` (schema 1.17), the two icons and ``ja.json``
(the Japanese localization), zipped. Texts are ``manifest.*`` in ``bot/locales``.

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
from bot.model.i18n import t

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = ("https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/"
                       "MicrosoftTeams.Localization.schema.json")
LANGUAGES = {"ja": "ja.json"}  # additional languages: tag → file (English is the default)
# (scopes, [(title, text key)]) per command list; titles are what people type: never translated
COMMANDS = (
    (["personal"], [("abuse", "teams_abuse"), ("help", "teams_help")]),
    (["team"], [("register supervisors", "teams_register_supervisors"),
                ("register escalation", "teams_register_escalation"), ("help", "teams_help_team")]),
)
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_URL = "https://haven.example.com"
PLACEHOLDER_PRIVACY = "https://intranet.example.com/haven/privacy"
PLACEHOLDER_TERMS = "https://intranet.example.com/haven/terms"


def _texts(locale: str) -> dict[str, str]:
    """Every translatable manifest text, keyed as in a Teams localization file."""
    texts = {
        "name.short": "Haven",
        "name.full": t(locale, "manifest.name_full"),
        "description.short": t(locale, "manifest.description_short"),
        "description.full": t(locale, "manifest.description_full"),
    }
    for i, (_, commands) in enumerate(COMMANDS):
        for j, (_, key) in enumerate(commands):
            texts[f"bots[0].commandLists[{i}].commands[{j}].description"] = t(locale, f"manifest.{key}")
    return texts


def localization(locale: str) -> dict[str, Any]:
    """A Teams localization file (``ja.json``)."""
    return {"$schema": LOCALIZATION_SCHEMA, **_texts(locale)}


def build_manifest(*, url: str, app_id: str, privacy: str = PLACEHOLDER_PRIVACY,
                   terms: str = PLACEHOLDER_TERMS) -> dict[str, Any]:
    """The manifest for a bot whose Azure app id is ``app_id``, served from ``url``;
    ``privacy`` and ``terms`` are the policy's ``links`` (pages the organisation hosts)."""
    base = url.rstrip("/")
    host = urlsplit(base).hostname or base
    texts = _texts("en")
    command_lists = [
        {"scopes": scopes, "commands": [
            {"title": title, "description": texts[f"bots[0].commandLists[{i}].commands[{j}].description"]}
            for j, (title, _) in enumerate(commands)]}
        for i, (scopes, commands) in enumerate(COMMANDS)
    ]
    return {
        "$schema": SCHEMA,
        "manifestVersion": "1.17",
        "version": "1.0.0",
        "id": app_id,
        "developer": {"name": "Haven", "websiteUrl": base, "privacyUrl": privacy,
                      "termsOfUseUrl": terms},
        "name": {"short": texts["name.short"], "full": texts["name.full"]},
        "description": {"short": texts["description.short"], "full": texts["description.full"]},
        "localizationInfo": {"defaultLanguageTag": "en", "additionalLanguages": [
            {"languageTag": tag, "file": file} for tag, file in LANGUAGES.items()]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#1F6F6B",
        "bots": [{
            "botId": app_id,
            "scopes": ["personal", "team"],
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": command_lists,
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def package_files(*, url: str, app_id: str, privacy: str = PLACEHOLDER_PRIVACY,
                  terms: str = PLACEHOLDER_TERMS) -> dict[str, bytes]:
    files = {"manifest.json": _json(build_manifest(url=url, app_id=app_id, privacy=privacy, terms=terms)),
             "color.png": color_icon(), "outline.png": outline_icon()}
    for tag, file in LANGUAGES.items():
        files[file] = _json(localization(tag))
    return files


def _json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_teams_package(*, url: str, app_id: str, privacy: str, terms: str, out: str | None) -> str:
    """Write the zip Teams admins upload; returns its path (default ``haven-teams.zip``)."""
    path = Path(out or "haven-teams.zip")
    files = package_files(url=url, app_id=app_id, privacy=privacy, terms=terms)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return str(path)


def write_template(directory: Path) -> None:
    """Regenerate ``manifest/teams/`` (placeholders): ``python -m adapters.teams.manifest``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in package_files(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID).items():
        (directory / name).write_bytes(data)


if __name__ == "__main__":
    write_template(Path(__file__).resolve().parents[2] / "manifest" / "teams")
