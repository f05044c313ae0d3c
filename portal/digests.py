"""Digests of the random keys that links and software present (invitations, authorisation
requests, subscription keys): the database keeps only these, so a dump gives no key away.

The keys carry 128 bits of randomness or more, so a plain SHA-256 cannot be reversed by
guessing, and it stays valid when SECRET_KEY changes."""

import hashlib
import hmac


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def matches(stored_digest: str, presented: object) -> bool:
    """Whether `presented` is the key whose digest is stored, in constant time."""
    if not isinstance(presented, str) or not stored_digest:
        return False
    return hmac.compare_digest(stored_digest, digest(presented))
