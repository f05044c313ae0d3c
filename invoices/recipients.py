"""Can this endpoint receive, and how? Asked by sending software before it sends: inside the
platform (an active organization here receives for the identifier) or over the Peppol network
(the SML and SMP lookup), with the document types it accepts."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext

from invoices.peppol import identifiers, smp
from invoices.peppol.identifiers import IdentifierError
from invoices.peppol.smp import LookupFailed, SmlConfig

logger = logging.getLogger(__name__)

# What a receiver inside the platform accepts: the portal checks and delivers these two.
PLATFORM_DOCUMENT_TYPES = (smp.INVOICE_DOCUMENT_TYPE, smp.CREDIT_NOTE_DOCUMENT_TYPE)
# Lookups of one query run side by side, at most this many at a time.
PARALLEL_LOOKUPS = 8


@dataclass
class Recipient:
    identifier: str
    valid: bool = True
    platform: bool = False
    peppol: bool = False
    document_types: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def reachable(self) -> bool:
        return self.platform or self.peppol


def sml_config() -> SmlConfig:
    zone = settings.PEPPOL_SML_ZONE or (
        smp.PRODUCTION_ZONE if settings.PEPPOL_SML == "production" else smp.TEST_ZONE)
    return SmlConfig(zone=zone, nameservers=settings.PEPPOL_DNS_SERVERS or None,
                     port=settings.PEPPOL_DNS_PORT, timeout=settings.PEPPOL_LOOKUP_TIMEOUT)


def reach(texts: list[str]) -> list[Recipient]:
    """One answer per identifier, in the order asked."""
    from invoices.submission import receiver_for

    answers = []
    network = []
    for text in texts:
        try:
            parsed = identifiers.parse(text)
        except IdentifierError as error:
            answers.append(Recipient(text, valid=False, error=error.render(gettext)))
            continue
        recipient = Recipient(str(parsed))
        if receiver_for(parsed.scheme, parsed.value) is not None:
            recipient.platform = True
            recipient.document_types = list(PLATFORM_DOCUMENT_TYPES)
        else:
            network.append((recipient, parsed))
        answers.append(recipient)
    if network:
        config = sml_config()
        with ThreadPoolExecutor(max_workers=min(PARALLEL_LOOKUPS, len(network))) as pool:
            for recipient, result in zip(
                    (r for r, _p in network),
                    pool.map(lambda pair: _look_up(pair[1], config), network), strict=True):
                if isinstance(result, LookupFailed):
                    recipient.error = gettext(result.message)
                elif result.registered:
                    recipient.peppol = True
                    recipient.document_types = list(result.document_types)
    return answers


def _look_up(parsed, config):
    try:
        return smp.lookup(parsed.scheme, parsed.value, config)
    except LookupFailed as failure:
        logger.warning("Peppol lookup of %s failed: %s", parsed, failure.detail)
        return failure


def reachable(scheme: str, value: str) -> Recipient:
    """The answer for one identifier already split into scheme and value."""
    return reach([f"{scheme}:{value}"])[0]
