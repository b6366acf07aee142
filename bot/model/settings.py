"""What each adapter is told about its platform: frozen values, read once by
``bot.app.config`` from the environment and handed to the adapter with ``Haven``.

Adapters never see the whole configuration (database, encryption keys, the other
platform's secrets): only their own settings type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackSettings:
    """``SLACK_*`` and ``HAVEN_SLACK_*``; ``locale`` is ``HAVEN_LOCALE`` (the fallback language)."""

    bot_token: str | None
    signing_secret: str | None = None
    app_token: str | None = None
    api_url: str = "https://slack.com/api/"
    supervisor_channel: str | None = None
    escalation_channel: str | None = None
    locale: str = "en"
    hr_channel: str | None = None  # HAVEN_SLACK_HR_CHANNEL (spec 8.2)


@dataclass(frozen=True)
class TeamsSettings:
    """``MICROSOFT_APP_*`` and ``HAVEN_TEAMS_*``; ``locale`` is ``HAVEN_LOCALE``."""

    app_id: str | None = None
    app_password: str | None = None
    tenant_id: str | None = None
    app_type: str = "SingleTenant"
    emulator: bool = False
    admins: tuple[str, ...] = ()
    locale: str = "en"
    allow_guests: bool = False  # HAVEN_TEAMS_ALLOW_GUESTS: a team with guest members may be registered


@dataclass(frozen=True)
class ConsoleSettings:
    """``haven console``: only the language (``HAVEN_LOCALE``)."""

    locale: str = "en"
