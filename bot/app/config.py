"""Configuration, read once from the environment (spec section 4) and passed in."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.model.errors import ConfigError
from bot.model.settings import ConsoleSettings, SlackSettings, TeamsSettings

__all__ = ["ConfigError", "Settings", "check_safety", "load_settings"]


_ALIASES = {
    "database_url": "HAVEN_DATABASE_URL",
    "policy": "HAVEN_POLICY",
    "host": "HAVEN_HOST",
    "port": "HAVEN_PORT",
    "metrics_port": "HAVEN_METRICS_PORT",
    "locale": "HAVEN_LOCALE",
    "encryption_key": "HAVEN_ENCRYPTION_KEY",
    "tick_seconds": "HAVEN_TICK_SECONDS",
    "clock_file": "HAVEN_CLOCK_FILE",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "slack_supervisor_channel": "HAVEN_SLACK_SUPERVISOR_CHANNEL",
    "slack_escalation_channel": "HAVEN_SLACK_ESCALATION_CHANNEL",
    "microsoft_app_id": "MICROSOFT_APP_ID",
    "microsoft_app_password": "MICROSOFT_APP_PASSWORD",
    "microsoft_app_tenant_id": "MICROSOFT_APP_TENANT_ID",
    "microsoft_app_type": "MICROSOFT_APP_TYPE",
    "teams_emulator": "HAVEN_TEAMS_EMULATOR",
    "teams_admins": "HAVEN_TEAMS_ADMINS",
    "slack_admins": "HAVEN_SLACK_ADMINS",
    "slack_hr_channel": "HAVEN_SLACK_HR_CHANNEL",
    "teams_allow_guests": "HAVEN_TEAMS_ALLOW_GUESTS",
    "hr_users": "HAVEN_HR_USERS",
    "public_url": "HAVEN_PUBLIC_URL",
}


def _split(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ValueError("expected a comma-separated list")


class Settings(BaseSettings):
    """Every variable of spec section 4; field names map to the documented variables."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    database_url: str = Field(default="sqlite+aiosqlite:///haven.db", alias="HAVEN_DATABASE_URL")
    policy: str | None = Field(default=None, alias="HAVEN_POLICY")
    host: str = Field(default="127.0.0.1", alias="HAVEN_HOST")
    port: int = Field(default=3000, ge=0, le=65535, alias="HAVEN_PORT")
    metrics_port: int | None = Field(default=None, ge=1, le=65535, alias="HAVEN_METRICS_PORT")
    locale: str = Field(default="en", alias="HAVEN_LOCALE")
    encryption_key: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="HAVEN_ENCRYPTION_KEY"
    )
    tick_seconds: float = Field(default=1.0, gt=0, le=3600, alias="HAVEN_TICK_SECONDS")
    clock_file: str | None = Field(default=None, alias="HAVEN_CLOCK_FILE")
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    slack_supervisor_channel: str | None = Field(default=None, alias="HAVEN_SLACK_SUPERVISOR_CHANNEL")
    slack_escalation_channel: str | None = Field(default=None, alias="HAVEN_SLACK_ESCALATION_CHANNEL")
    microsoft_app_id: str | None = Field(default=None, alias="MICROSOFT_APP_ID")
    microsoft_app_password: str | None = Field(default=None, alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(default=None, alias="MICROSOFT_APP_TENANT_ID")
    microsoft_app_type: str = Field(default="SingleTenant", alias="MICROSOFT_APP_TYPE")
    teams_emulator: bool = Field(default=False, alias="HAVEN_TEAMS_EMULATOR")
    teams_allow_guests: bool = Field(default=False, alias="HAVEN_TEAMS_ALLOW_GUESTS")
    teams_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="HAVEN_TEAMS_ADMINS"
    )
    slack_admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="HAVEN_SLACK_ADMINS")
    slack_hr_channel: str | None = Field(default=None, alias="HAVEN_SLACK_HR_CHANNEL")

    hr_users: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="HAVEN_HR_USERS")
    public_url: str | None = Field(default=None, alias="HAVEN_PUBLIC_URL")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")) or "://" not in value or len(value.split("://", 1)[1]) == 0:
            raise ValueError("must be an absolute http(s) URL, e.g. https://haven.example.com")
        return value

    @field_validator("encryption_key", "teams_admins", "slack_admins", "hr_users", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> list[str]:
        return _split(value)

    @field_validator("policy")
    @classmethod
    def _policy(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from storage.connect import url_problem

        problem = url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        value = value.strip().lower()
        if not (value.startswith("en") or value.startswith("ja")):
            raise ValueError("must be en or ja")
        return value[:2]

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str) -> str:
        allowed = {"SingleTenant", "MultiTenant", "UserAssignedMSI"}
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(sorted(allowed))}")
        return value

    # -- derived ------------------------------------------------------------------------

    @property
    def host_is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def desk_url(self) -> str:
        """Where HR sign-in links point: ``HAVEN_PUBLIC_URL``, else this server's own address."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id) or self.teams_emulator

    # -- what each adapter is given -------------------------------------------------------

    def slack(self) -> SlackSettings:
        return SlackSettings(
            bot_token=self.slack_bot_token, signing_secret=self.slack_signing_secret,
            app_token=self.slack_app_token, api_url=self.slack_api_url,
            supervisor_channel=self.slack_supervisor_channel, escalation_channel=self.slack_escalation_channel,
            hr_channel=self.slack_hr_channel, locale=self.locale,
        )

    def teams(self) -> TeamsSettings:
        return TeamsSettings(
            app_id=self.microsoft_app_id, app_password=self.microsoft_app_password,
            tenant_id=self.microsoft_app_tenant_id, app_type=self.microsoft_app_type,
            emulator=self.teams_emulator, admins=tuple(self.teams_admins), locale=self.locale,
            allow_guests=self.teams_allow_guests,
        )

    def console(self) -> ConsoleSettings:
        return ConsoleSettings(locale=self.locale)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read the settings; a bad value raises :class:`ConfigError` with one line per problem."""
    try:
        if env is None:
            return Settings()
        return Settings.model_validate(env)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            variable = _ALIASES.get(field, field)
            raw = error.get("input")
            shown = f" (got {raw!r})" if isinstance(raw, str) and not _secret(variable) else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{variable}: {message}{shown}")
        raise ConfigError("; ".join(lines)) from None


def _secret(variable: str) -> bool:
    """Values never echoed in an error line (a database URL may carry a password)."""
    return any(word in variable for word in ("KEY", "SECRET", "TOKEN", "PASSWORD", "DATABASE_URL"))


def check_safety(settings: Settings) -> None:
    """Refuse unsafe combinations at start (test clock or emulator off loopback)."""
    if settings.clock_file and not settings.host_is_loopback:
        raise ConfigError("HAVEN_CLOCK_FILE: refused because HAVEN_HOST is not a loopback address")
    if settings.teams_emulator and not settings.host_is_loopback:
        raise ConfigError("HAVEN_TEAMS_EMULATOR: refused because HAVEN_HOST is not a loopback address")
