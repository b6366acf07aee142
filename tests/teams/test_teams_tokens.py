"""Bot Framework JWTs with an app id: real tokens accepted, forged ones refused, keys never block.

Microsoft's key endpoint is replaced by a recording fake (``KEYS`` on the app): the key
source is Haven's (adapters/teams/keys.py), the token check is the Agents SDK's.
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from microsoft_agents.authentication.msal import MsalAuth

from adapters.teams.app import KEYS
from bot.app.records import detail
from tests.teams import activities as act
from tests.teams.conftest import Teams
from tests.teams.tokens import APP_ID, KEYS_URL, Signer, header, unsigned

REF = "INC-2026-000001"


class KeyEndpoint:
    """Microsoft's JWKS endpoint: answers with ``document`` or raises ``error``; counts calls."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.error: Exception | None = None
        self.urls: list[str] = []

    async def __call__(self, url: str) -> dict[str, Any]:
        self.urls.append(url)
        if self.error is not None:
            raise self.error
        return self.document


@pytest.fixture
def teams_env() -> dict[str, str]:
    return {"HAVEN_TEAMS_EMULATOR": "0", "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": "not-a-real-secret", "MICROSOFT_APP_TENANT_ID": act.TENANT}


@pytest.fixture
def signer() -> Signer:
    return Signer()


@pytest.fixture
def keys(teams: Teams, signer: Signer, monkeypatch: pytest.MonkeyPatch) -> KeyEndpoint:
    endpoint = KeyEndpoint(signer.jwks)
    teams.server.app[KEYS].fetch = endpoint

    async def token(self: MsalAuth, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        return "outbound-token"  # Entra ID is not reachable here: Haven's own outbound token

    monkeypatch.setattr(MsalAuth, "get_access_token", token)
    return endpoint


async def test_a_real_token_is_accepted_and_the_reply_carries_havens_own_token(
        teams: Teams, keys: KeyEndpoint, signer: Signer) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse he threatened me")
    response = await teams.post(activity, headers=header(signer.token(teams.service_url)))
    assert response.status == 200
    assert keys.urls == [KEYS_URL]
    assert await detail(teams.runtime.db, REF) is not None
    replies = teams.connector.posts()
    assert replies and {r.authorization for r in replies} == {"Bearer outbound-token"}


@pytest.mark.parametrize("token", [
    unsigned({"alg": "HS256", "kid": "haven-test-key", "typ": "JWT"}),
    unsigned({"alg": "none", "kid": "haven-test-key"}),
    unsigned({"alg": "RS256"}),  # no key id
    unsigned({"alg": "RS256", "kid": 7}),
])
async def test_a_token_not_rs256_with_a_key_id_is_refused_without_fetching_keys(
        teams: Teams, keys: KeyEndpoint, token: str) -> None:
    response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse x"), headers=header(token))
    assert response.status == 401
    assert keys.urls == [] and teams.connector.calls == []


async def test_forged_tokens_are_refused_and_an_unknown_key_costs_no_second_fetch(
        teams: Teams, keys: KeyEndpoint, signer: Signer) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    forger = Signer(kid=signer.kid)  # Microsoft's key id, someone else's key
    for token in (forger.token(teams.service_url), Signer(kid="not-microsofts").token(teams.service_url),
                  signer.token(teams.service_url, audience="someone-elses-bot"),
                  signer.token(teams.service_url, lifetime=-600)):  # expired beyond the 5 minutes' leeway
        response = await teams.post(activity, headers=header(token))
        assert response.status == 401
    assert keys.urls == [KEYS_URL]  # fetched once, kept
    assert teams.connector.calls == [] and await detail(teams.runtime.db, REF) is None


async def test_a_token_issued_for_another_service_url_is_refused(
        teams: Teams, keys: KeyEndpoint, signer: Signer) -> None:
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    for token in (signer.token("https://smba.trafficmanager.net/evil/"), signer.token("")):
        response = await teams.post(activity, headers=header(token))
        assert response.status == 401
    assert teams.connector.calls == [] and await detail(teams.runtime.db, REF) is None


async def test_while_the_key_endpoint_fails_requests_get_503_and_it_is_not_asked_again_at_once(
        teams: Teams, keys: KeyEndpoint, signer: Signer) -> None:
    keys.error = TimeoutError()
    activity = act.personal(teams.service_url, act.REPORTER, "abuse x")
    for _ in range(3):
        response = await teams.post(activity, headers=header(signer.token(teams.service_url)))
        assert response.status == 503 and response.headers["Retry-After"] == "30"
    assert len(keys.urls) == 1  # the failure is remembered for 30 s
    assert teams.connector.calls == []


async def test_another_tenant_with_a_real_token_is_403(teams: Teams, keys: KeyEndpoint, signer: Signer) -> None:
    other = act.channel_mention(teams.service_url, act.ADMIN, "register supervisors",
                                tenant="11111111-2222-3333-4444-555555555555")
    response = await teams.post(other, headers=header(signer.token(teams.service_url)))
    assert response.status == 403 and teams.connector.calls == []


@pytest.mark.parametrize("payload", ["not json", [1, 2], {"aud": ["a", "b"], "iss": 7}])
async def test_a_token_with_unreadable_claims_is_401_never_500(
        teams: Teams, keys: KeyEndpoint, signer: Signer, payload: Any) -> None:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    token = jwt.api_jws.encode(body.encode(), signer.key, algorithm="RS256", headers={"kid": signer.kid})
    response = await teams.post(act.personal(teams.service_url, act.REPORTER, "abuse x"), headers=header(token))
    assert response.status == 401 and teams.connector.calls == []
