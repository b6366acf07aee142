"""Bot Framework-shaped bearer tokens signed with a local RSA key, and its key set."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

APP_ID = "00000000-aaaa-bbbb-cccc-000000000001"
ISSUER = "https://api.botframework.com"
KEYS_URL = "https://login.botframework.com/v1/.well-known/keys"


class Signer:
    """One RSA key pair; ``jwks`` is what Microsoft's key endpoint would publish for it."""

    def __init__(self, kid: str = "haven-test-key") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @property
    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]}

    def token(self, service_url: str, *, audience: str = APP_ID, issuer: str = ISSUER, lifetime: int = 600,
              kid: str | None = None, algorithm: str = "RS256", **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": issuer, "aud": audience, "serviceurl": service_url, "nbf": now - 5,
                   "exp": now + lifetime, **claims}
        return jwt.encode(payload, self.key, algorithm=algorithm, headers={"kid": kid or self.kid})


def header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned(header_fields: dict[str, Any], payload: dict[str, Any] | None = None) -> str:
    """A token with any header (for alg/kid refusals); the signature is junk."""
    def part(value: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(value).encode()).decode()
    return f"{part(header_fields)}.{part(payload or {'iss': ISSUER, 'aud': APP_ID})}.c2lnbmF0dXJl"
