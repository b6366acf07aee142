"""Who may talk to ``/api/messages``, and Haven's credentials for the Bot Connector.

Inbound: Haven checks what it can without the network first (a ``Bearer <JWT>`` header
whose header says RS256 and names a key), so a missing or malformed bearer is a 401 and
never reaches the SDK; then the Agents SDK's ``JwtTokenValidator`` checks the token
(signature, audience = the app id, tenant binding) with keys from
:class:`adapters.teams.keys.SigningKeys`, which never blocks the server.

Outbound: the ``MICROSOFT_APP_*`` settings become the SDK's ``SERVICE_CONNECTION``
(``MsalAuth``: client secret, or a user-assigned managed identity); in emulator mode
every call is anonymous.
"""

from __future__ import annotations

import re
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentAuthConfiguration, AnonymousTokenProvider, ClaimsIdentity, ConnectionManager,
    RestChannelServiceClientFactory, TurnContext,
)
from microsoft_agents.hosting.core.authorization import AuthTypes, JwtTokenValidator
from microsoft_agents.hosting.core.connector.client import UserTokenClient

from adapters.teams.keys import SigningKeys, header_problem
from bot.model.errors import ConfigError
from bot.model.settings import TeamsSettings

_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
BOT_FRAMEWORK_TENANT = "botframework.com"  # where a MultiTenant bot gets its tokens


def bearer_problem(header: str | None, *, required: bool) -> str | None:
    """Why an ``Authorization`` header is unacceptable, or None.

    A missing header is a problem only when a token is ``required`` (an app id is
    configured); a present one must be ``Bearer <JWT>`` in every mode, and with an app
    id its header must say RS256 and name a key (checked without any network call).
    """
    if not header:
        return "missing bearer token" if required else None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _JWT.match(token):
        return "the bearer is not a JWT"
    return header_problem(token) if required else None


def bearer_token(header: str) -> str:
    return header.strip().partition(" ")[2].strip()


def configuration(settings: TeamsSettings) -> AgentAuthConfiguration | None:
    """The SDK connection settings for ``MICROSOFT_APP_*`` (None in emulator mode)."""
    if not settings.app_id:
        return None
    app_type = settings.app_type
    tenant = settings.tenant_id
    if app_type == "UserAssignedMSI":
        if not tenant:
            raise ConfigError("MICROSOFT_APP_TENANT_ID: required for Teams with MICROSOFT_APP_TYPE=UserAssignedMSI")
        return AgentAuthConfiguration(AuthTypes.user_managed_identity, settings.app_id, tenant)
    if not settings.app_password:
        raise ConfigError(f"MICROSOFT_APP_PASSWORD: required for Teams with MICROSOFT_APP_TYPE={app_type}")
    if app_type == "SingleTenant" and not tenant:
        raise ConfigError("MICROSOFT_APP_TENANT_ID: required for Teams with MICROSOFT_APP_TYPE=SingleTenant")
    if app_type == "MultiTenant":
        tenant = BOT_FRAMEWORK_TENANT
    return AgentAuthConfiguration(AuthTypes.client_secret, settings.app_id, tenant,
                                  settings.app_password)


def _anonymous(_: AgentAuthConfiguration) -> AnonymousTokenProvider:
    return AnonymousTokenProvider()


class ClientFactory(RestChannelServiceClientFactory):
    """The SDK's connector clients; an unauthorized user-token client, because Haven signs
    nobody in (no OAuth cards), so a turn never asks Entra ID for a token-service token."""

    def __init__(self, connections: Any, app_id: str) -> None:
        super().__init__(connections)
        self.app_id = app_id or "emulator"

    async def create_user_token_client(self, context: TurnContext | None, claims_identity: ClaimsIdentity,
                                       use_anonymous: bool = False) -> UserTokenClient:
        return UserTokenClient(self._token_service_endpoint, "", app_id=self.app_id)


class Credentials:
    """The adapter, its connector-client factory and the token check, from the settings."""

    def __init__(self, settings: TeamsSettings, keys: SigningKeys | None = None) -> None:
        self.config = configuration(settings)
        self.app_id = settings.app_id or ""
        if self.config is None:  # HAVEN_TEAMS_EMULATOR=1: no credentials, no JWT (loopback only)
            connections: Any = ConnectionManager(_anonymous, {"SERVICE_CONNECTION": AgentAuthConfiguration()})
        else:
            connections = MsalConnectionManager({"SERVICE_CONNECTION": self.config})
        self.factory = ClientFactory(connections, self.app_id)
        self.adapter = CloudAdapter(channel_service_client_factory=self.factory)
        # The SDK's default turn-error handler prints the traceback and sends "Exception caught: …"
        # into the conversation; Haven's bot has its own error boundary, and a proactive send's
        # failure must reach the outbox as an exception.
        self.adapter.on_turn_error = None
        self.keys = keys or SigningKeys()
        self.validator: JwtTokenValidator | None = None
        if self.config is not None:
            self.validator = JwtTokenValidator(self.config)
            # the SDK's key source → Haven's (see keys.py); same interface: get_signing_key(jwks_uri, header)
            self.validator._jwk_client_manager = self.keys  # type: ignore[assignment]

    async def identity(self, header: str | None) -> ClaimsIdentity:
        """The caller's verified claims (anonymous in emulator mode); raises on a bad token."""
        if self.validator is None:
            return ClaimsIdentity()
        return await self.validator.validate_token(bearer_token(header or ""))


def service_url_matches(identity: ClaimsIdentity, service_url: str | None, *, required: bool) -> bool:
    """A Bot Framework channel token names the ``serviceurl`` it was issued for; Haven only
    answers (and later posts) to that one. Nothing to compare in emulator mode."""
    if not required:
        return True
    claim = identity.get_claim_value("serviceurl")
    return isinstance(claim, str) and bool(claim) and claim == service_url


def tenant_refused(settings: TeamsSettings, tenant: str | None) -> bool:
    """SingleTenant (the default): an activity from another tenant is refused."""
    expected = settings.tenant_id
    if not expected or settings.app_type == "MultiTenant":
        return False
    return (tenant or "").lower() != expected.lower()


def continuation(data: dict[str, Any], conversation_id: str) -> Activity:
    """A continuation activity for a proactive turn, from stored link data."""
    return Activity.model_validate({
        "type": "event", "name": "ContinueConversation", "channelId": "msteams",
        "serviceUrl": data["serviceUrl"],
        "conversation": {"id": conversation_id, **({"tenantId": data["tenantId"]} if data.get("tenantId") else {})},
        "recipient": {"id": data.get("botId") or "", **({"name": data["botName"]} if data.get("botName") else {})},
    })
