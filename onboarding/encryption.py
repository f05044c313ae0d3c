"""Encryption of second-factor secrets at rest (TOTP secrets, recovery-code seeds).

Keys come from MFA_ENCRYPTION_KEY: a comma-separated list of Fernet keys. The first
encrypts, every one decrypts, so a new key goes first and the old one stays behind it until
`rotate_mfa_keys` has re-encrypted every row under the new one. Without it, a key derived
from SECRET_KEY encrypts (development).
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken

# The keys and the cipher are the portal's (portal.encryption), shared with queued mail;
# these names stay here for the MFA adapter, the migration and rotate_mfa_keys.
# (allauth's plain secrets are base32 or hex, so never look like a FERNET_PREFIX token.)
from portal.encryption import (  # noqa: F401
    FERNET_PREFIX,
    UndecryptableSecret,
    _cipher,
    cipher,
    derived_key,
    encrypt,
    is_encrypted,
)
from portal.encryption import decrypt as _decrypt


def decrypt(token: str) -> str:
    """portal.encryption.decrypt, naming what could not be decrypted."""
    try:
        return _decrypt(token)
    except UndecryptableSecret as exc:
        raise UndecryptableSecret(
            "A second-factor secret cannot be decrypted with any key in "
            "MFA_ENCRYPTION_KEY; keep old keys in the list until rotate_mfa_keys has run."
        ) from exc


def rotate(token: str) -> str:
    """The token re-encrypted under the first key."""
    try:
        return cipher().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableSecret(
            "A second-factor secret cannot be decrypted with any key in MFA_ENCRYPTION_KEY."
        ) from exc


# The values allauth passes through the adapter's encrypt(), per authenticator type.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SECRET_LISTS = {"recovery_codes": ("migrated_codes",)}


def transform_data(type_: str, data: dict, change) -> dict:
    """`data` with `change` applied to every secret in it (a copy; other fields kept)."""
    data = dict(data)
    for field in SECRET_FIELDS.get(type_, ()):
        if isinstance(data.get(field), str):
            data[field] = change(data[field])
    for field in SECRET_LISTS.get(type_, ()):
        if isinstance(data.get(field), list):
            data[field] = [change(value) for value in data[field]]
    return data


def encrypt_if_plain(value: str) -> str:
    return value if is_encrypted(value) else encrypt(value)


def decrypt_if_encrypted(value: str) -> str:
    return decrypt(value) if is_encrypted(value) else value
