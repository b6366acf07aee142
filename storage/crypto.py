"""Encryption at rest for free text, and the keyed hash of customer references.

Stored form of a free-text value:

* ``fernet:<token>`` — a Fernet token (written whenever a key is configured);
* ``plain:<text>`` — plaintext that itself starts with ``fernet:`` or ``plain:``
  (written without a key, so such text can never be mistaken for a token);
* anything else — plaintext (rows written before a key was configured still read).

Keys come from ``HAVEN_ENCRYPTION_KEY``: comma-separated Fernet keys, newest first.
The newest key encrypts; every key decrypts (``MultiFernet``), so rotation is "put a
new key in front, run ``haven rotate-key``, then drop the old key".

The keyed hash (``keyed_hash``, the customer key of spec 8.5) is an HMAC of the
reference's NFKC form, case-folded, with all whitespace removed, under a key derived
with HKDF from the **first (newest)** key in the list: the key set that remains once a
rotation is finished. ``haven rotate-key`` re-hashes every stored customer hash under
it (:func:`storage.rekey.rekey`) and records the key's fingerprint
(:attr:`Cipher.hash_fingerprint`), and ``haven serve`` refuses to start when the
stored hashes were made under a key it no longer has (:mod:`storage.customer_keys`).
Without any key the HMAC key is a fixed public constant: the hash then only
normalises and is not secret (plaintext is stored anyway).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator

TOKEN_PREFIX = "fernet:"
PLAIN_PREFIX = "plain:"
_HKDF_INFO = b"haven/customer-ref-hmac/v1"
_FINGERPRINT = b"haven/customer-key/v2"  # v2: NFKC, case-folded, every whitespace removed
_UNKEYED_HMAC_KEY = b"haven/customer-ref-hmac/unkeyed/v1"


class CipherError(Exception):
    """A stored value cannot be decrypted (missing or wrong key). Never includes the value."""


def _parse_keys(keys: Sequence[str] | str) -> list[str]:
    if isinstance(keys, str):  # tolerate the raw env value "k1,k2"
        keys = keys.split(",")
    return [k.strip() for k in keys if k and k.strip()]


class Cipher:
    """Fernet encryption with key rotation; a no-op (plaintext) when no key is set."""

    def __init__(self, keys: Sequence[str] | str = ()) -> None:
        parsed = _parse_keys(keys)
        fernets: list[Fernet] = []
        for number, key in enumerate(parsed, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise ValueError(
                    f"HAVEN_ENCRYPTION_KEY: key {number} is not a valid Fernet key "
                    "(expected 32 url-safe base64-encoded bytes; generate one with "
                    "`python -c 'from cryptography.fernet import Fernet; "
                    "print(Fernet.generate_key().decode())'`)"
                ) from None
        self._newest = fernets[0] if fernets else None
        self._fernet = MultiFernet(fernets) if fernets else None
        self._key_count = len(fernets)
        material = base64.urlsafe_b64decode(parsed[0]) if parsed else None
        self._hmac_key = _derive_hmac_key(material)

    @property
    def enabled(self) -> bool:
        """True when at least one key is configured (values are encrypted)."""
        return self._fernet is not None

    @property
    def key_count(self) -> int:
        """How many keys are configured."""
        return self._key_count

    def __repr__(self) -> str:  # never show keys
        return f"Cipher(keys={self._key_count})"

    def encrypt(self, text: str | None) -> str | None:
        """Return the stored form of ``text`` (ciphertext when a key is set)."""
        if text is None:
            return None
        if self._fernet is None:
            if text.startswith((TOKEN_PREFIX, PLAIN_PREFIX)):
                return PLAIN_PREFIX + text
            return text
        return TOKEN_PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str | None) -> str | None:
        """Return the plaintext of a stored value; raises :class:`CipherError` if no key fits."""
        if stored is None:
            return None
        if stored.startswith(PLAIN_PREFIX):
            return stored[len(PLAIN_PREFIX) :]
        if not stored.startswith(TOKEN_PREFIX):
            return stored
        if self._fernet is None:
            raise CipherError(
                "a stored value is encrypted but HAVEN_ENCRYPTION_KEY is not set"
            )
        try:
            return self._fernet.decrypt(stored[len(TOKEN_PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise CipherError(
                "a stored value cannot be decrypted with any key in HAVEN_ENCRYPTION_KEY "
                "(was a key removed too early?)"
            ) from None

    def rotate(self, stored: str | None) -> str | None:
        """The stored form under the newest key (plaintext without a key).

        Returns ``stored`` unchanged when it is already in that form.
        """
        if stored is None:
            return None
        newest, every = self._newest, self._fernet
        if newest is not None and every is not None and stored.startswith(TOKEN_PREFIX):
            token = stored[len(TOKEN_PREFIX) :].encode("ascii")
            try:
                newest.decrypt(token)
                return stored
            except InvalidToken:
                pass
            try:
                return TOKEN_PREFIX + every.rotate(token).decode("ascii")
            except InvalidToken:
                raise CipherError(
                    "a stored value cannot be decrypted with any key in HAVEN_ENCRYPTION_KEY"
                ) from None
        return self.encrypt(self.decrypt(stored))

    def keyed_hash(self, text: str) -> str:
        """HMAC-SHA256 (hex) of the customer key of ``text`` (:func:`customer_key`)."""
        return hmac.new(self._hmac_key, customer_key(text).encode("utf-8"), hashlib.sha256).hexdigest()

    @property
    def hash_fingerprint(self) -> str:
        """Names the HMAC key (and the normalisation) without revealing it; stored beside
        the hashes so a start with another key is refused instead of silently not matching."""
        return hmac.new(self._hmac_key, _FINGERPRINT, hashlib.sha256).hexdigest()[:16]

    @property
    def unkeyed_fingerprint(self) -> str:
        """The fingerprint of hashes made without any key (not secret; re-hashed freely)."""
        return hmac.new(_UNKEYED_HMAC_KEY, _FINGERPRINT, hashlib.sha256).hexdigest()[:16]


def customer_key(reference: str) -> str:
    """NFKC, case-folded, every whitespace removed: ``山田　太郎`` → ``山田太郎``,
    ``ＹＡＭＡＤＡ Taro`` → ``yamadataro``."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", reference).casefold())
    return "".join(folded.split())


def _derive_hmac_key(material: bytes | None) -> bytes:
    if material is None:
        return _UNKEYED_HMAC_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(material)


_NO_KEY = Cipher()


def dialect_cipher(dialect: Dialect) -> Cipher:
    """The cipher a :class:`storage.db.Database` attached to this engine's dialect."""
    cipher = getattr(dialect, "haven_cipher", None)
    return cipher if isinstance(cipher, Cipher) else _NO_KEY


class EncryptedText(TypeDecorator[str]):
    """A Text column whose values are encrypted with the engine's :class:`Cipher`."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Encrypt on the way in."""
        return dialect_cipher(dialect).encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        return dialect_cipher(dialect).decrypt(value)
