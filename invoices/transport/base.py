"""The transport interface, the choice between the transports, and the platform's access
point as the settings describe it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from invoices.peppol.as4 import AccessPoint

ROUTING_ACTOR = "system: routing"


class Transport(ABC):
    # Whether delivering is only database work, done inside the transaction that queued
    # the document, under the lock it took.
    within_transaction = False

    @abstractmethod
    def deliver(self, document, locked=None) -> str:
        """Deliver (or start delivering) a queued outgoing document; returns its status.
        `locked`: the document as the caller's transaction locked it, UBL included."""


def choose(document) -> Transport | None:
    """Inside the platform when an organization here receives for the receiver; otherwise
    over Peppol when an access point is configured (which mails it to the sender's fallback
    address when the receiver is not on Peppol); otherwise by email when the sender gave an
    address; otherwise none (the document waits)."""
    from invoices.submission import receiver_for
    from invoices.transport.as4 import As4Transport
    from invoices.transport.email import EmailTransport
    from invoices.transport.platform import PlatformTransport

    receiver = receiver_for(document.receiver_scheme, document.receiver_value)
    if receiver is not None:
        return PlatformTransport(receiver)
    point = access_point()
    if point is not None:
        return As4Transport(point)
    return EmailTransport() if document.receiver_email else None


def access_point() -> AccessPoint | None:
    """The platform's access point, or None when delivery over Peppol is not configured."""
    if not settings.PEPPOL_AP_PARTY_ID:
        return None
    return _load(settings.PEPPOL_AP_PARTY_ID, settings.PEPPOL_AP_KEY_FILE,
                 settings.PEPPOL_AP_KEY_PASSWORD, settings.PEPPOL_AP_CERT_FILE,
                 settings.PEPPOL_AP_TRUST_FILE, settings.PEPPOL_AP_TRUST_PINNED)


@lru_cache(maxsize=4)
def _load(party_id, key_file, key_password, cert_file, trust_file, pinned) -> AccessPoint:
    return AccessPoint.from_pem(
        party_id=party_id, key_pem=Path(key_file).read_bytes(),
        certificate_pem=Path(cert_file).read_bytes(), trust_pem=Path(trust_file).read_bytes(),
        pinned=pinned, key_password=key_password.encode() if key_password else None)


def smp_trust() -> tuple:
    """The certificates SMP signatures must chain to; empty when they are not checked."""
    return _certificates(settings.PEPPOL_SMP_TRUST_FILE) if settings.PEPPOL_SMP_TRUST_FILE \
        else ()


@lru_cache(maxsize=4)
def _certificates(path) -> tuple:
    from cryptography import x509

    return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))
