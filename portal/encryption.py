"""Encryption at rest with the portal's Fernet keys (MFA_ENCRYPTION_KEY): second-factor
secrets, webhook secrets, and the text of queued mail.

Keys come from MFA_ENCRYPTION_KEY: a comma-separated list of Fernet keys. The first
encrypts, every one decrypts, so a new key goes first and the old one stays behind it until
`rotate_mfa_keys` has re-encrypted every row under the new one. Without it, a key derived
from SECRET_KEY encrypts (development). It lives in `portal`, which imports no app, so that
portal.mail can use it; onboarding.encryption keeps the MFA-specific part.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Every Fernet token starts with its version byte 0x80, which base64 writes as "gAAAAA".
FERNET_PREFIX = "gAAAAA"


class UndecryptableSecret(Exception):
    """A stored secret that none of the configured keys opens."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key derived from SECRET_KEY, for development without MFA_ENCRYPTION_KEY."""
    # The info string predates the other uses; changing it would lose every stored secret.
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"peppol-portal mfa secrets").derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    try:
        fernets = [Fernet(key.strip().encode()) for key in keys if key.strip()]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY holds a key that is not a Fernet key (32 url-safe "
            "base64-encoded bytes); make one with `python manage.py rotate_mfa_keys "
            "--new-key`.") from exc
    # The key derived from SECRET_KEY always decrypts last: rows written before
    # MFA_ENCRYPTION_KEY was set keep working until rotate_mfa_keys moves them over.
    return MultiFernet([*fernets, Fernet(derived_key(secret_key))])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.MFA_ENCRYPTION_KEYS), settings.SECRET_KEY)


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(FERNET_PREFIX)


def encrypt(text: str) -> str:
    return cipher().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except (InvalidToken, AttributeError) as exc:
        raise UndecryptableSecret(
            "An encrypted value cannot be decrypted with any key in MFA_ENCRYPTION_KEY; "
            "keep old keys in the list until rotate_mfa_keys has run.") from exc
