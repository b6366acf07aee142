"""Who may talk to ``/api/messages``: the bearer's shape, botbuilder's JWT check, the tenant.

Real-token validation (signature, issuer, audience against Microsoft's OpenID keys) is
botbuilder's ``ConfigurationBotFrameworkAuthentication``; Haven checks what it can
without the network first, so a missing or malformed bearer is a 401 and never reaches
the SDK (which would answer 500, or silently accept it with empty credentials).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity, ConnectorFactory

from bot.model.errors import ConfigError
from bot.model.settings import TeamsSettings

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class _Configuration:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None


class _OneTryFactory(ConnectorFactory):
    """Connector clients without msrest's own retries (3 tries with back-off on 5xx): the
    outbox retries with jitter and ``Retry-After``, and a member look-up fails closed fast."""

    def __init__(self, inner: ConnectorFactory) -> None:
        self.inner = inner

    async def create(self, service_url: str, audience: str) -> ConnectorClient:
        client = await self.inner.create(service_url, audience)
        client.config.retry_policy.retries = 0
        return client


class HavenAuthentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's configuration authentication, handing out one-try connector clients."""

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _OneTryFactory(result.connector_factory)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _OneTryFactory(super().create_connector_factory(claims_identity))


def bearer_problem(header: str | None, *, required: bool) -> str | None:
    """Why an ``Authorization`` header is unacceptable, or None.

    A missing header is a problem only when a token is ``required`` (an app id is
    configured); a present one must be ``Bearer <JWT>`` in every mode.
    """
    if not header:
        return "missing bearer token" if required else None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not _JWT.match(token.strip()):
        return "the bearer is not a JWT"
    return None


def make_adapter(settings: TeamsSettings) -> CloudAdapter:
    """CloudAdapter with credentials from the settings (emulator: none)."""
    if settings.app_id:
        app_type = settings.app_type
        missing = [name for name, value in (("MICROSOFT_APP_PASSWORD", settings.app_password),
                                            ("MICROSOFT_APP_TENANT_ID", settings.tenant_id))
                   if not value and (app_type == "SingleTenant" or name == "MICROSOFT_APP_PASSWORD")]
        if app_type == "UserAssignedMSI":
            missing = [] if settings.tenant_id else ["MICROSOFT_APP_TENANT_ID"]
        if missing:
            raise ConfigError(f"{missing[0]}: required for Teams with MICROSOFT_APP_TYPE={app_type}")
        config = _Configuration(settings.app_id, settings.app_password or "",
                                app_type, settings.tenant_id)
    else:  # HAVEN_TEAMS_EMULATOR=1: authentication disabled (loopback only, see check_safety)
        config = _Configuration("", "", "MultiTenant", None)
    return CloudAdapter(HavenAuthentication(config))


def forwarded_header(settings: TeamsSettings, header: str | None) -> str:
    """What botbuilder validates: the header itself, or nothing in emulator mode (no keys)."""
    return (header or "") if settings.app_id else ""


def tenant_refused(settings: TeamsSettings, tenant: str | None) -> bool:
    """SingleTenant (the default): an activity from another tenant is refused."""
    expected = settings.tenant_id
    if not expected or settings.app_type == "MultiTenant":
        return False
    return (tenant or "").lower() != expected.lower()
