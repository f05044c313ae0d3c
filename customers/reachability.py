"""Can this customer receive Peppol invoices? The SML and SMP lookup of invoices.peppol.smp,
configured from the settings, for one card or for a whole list in the background."""

from __future__ import annotations

import dataclasses
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from customers.models import CustomerCard, PeppolCheckRun
from invoices.peppol import smp
from invoices.peppol.smp import LookupFailed, Reachability, SmlConfig
from invoices.recipients import PLATFORM_DOCUMENT_TYPES, sml_config
from portal.said import Said
from portal.tasks import checkpoint

logger = logging.getLogger(__name__)

BATCH = 200
# How often a list-wide check commits its progress (see _Progress).
REPORT_EVERY_CARDS = 20
REPORT_EVERY_SECONDS = 1.0


def on_platform(scheme: str, value: str) -> Reachability | None:
    """The answer for a customer that receives on this platform, which delivers invoices and
    credit notes to it without asking the network; None for anyone else."""
    from invoices.submission import receiver_for

    if receiver_for(scheme, value) is None:
        return None
    return Reachability(registered=True, accepts_invoice=True, accepts_credit_note=True,
                        document_types=PLATFORM_DOCUMENT_TYPES)


def look_up(scheme: str, value: str, config: SmlConfig | None = None) -> Reachability:
    """The answer for one Endpoint-ID: the platform's own, or the network's; a lookup that
    got none comes back with `error` set."""
    return on_platform(scheme, value) or _on_network(scheme, value, config or sml_config())


def _on_network(scheme: str, value: str, config: SmlConfig) -> Reachability:
    try:
        return smp.lookup(scheme, value, config)
    except LookupFailed as failure:
        logger.warning("Peppol lookup of %s:%s failed: %s", scheme, value, failure.detail)
        return Reachability.from_failure(failure)


def check_card(card: CustomerCard) -> Reachability | None:
    """Look the card's Endpoint-ID up and store the answer; None when it has none."""
    if not card.endpoint_scheme:
        return None
    result = look_up(card.endpoint_scheme, card.endpoint_value)
    card.record_reachability(result)
    return result


def run_check(run_pk: int) -> None:
    """Check every card of a PeppolCheckRun's list, after the last one it finished, as the
    run's task. The cards are looked up a batch at a time and written a few at a time,
    each time with the run's progress, so a run taken over after its worker died carries on
    where the last one committed, and no card is written twice. Failures are handled as in
    customers.importing.passes.run."""
    run = PeppolCheckRun.objects.select_related("organization").get(pk=run_pk)
    if not run.is_running:
        return
    with run.failing_with(Said(gettext_noop("The check stopped because of an unexpected "
                                            "error. The cards checked so far keep their "
                                            "result."))):
        _check_all(run)


def cards_to_check(run: PeppolCheckRun):
    from customers.filters import filtered_cards

    return filtered_cards(run.organization, run.filters).exclude(CustomerCard.NO_ENDPOINT)


class _Progress:
    """The cards of a batch whose answers are in, written with the run's progress once
    REPORT_EVERY_CARDS are waiting or the first has waited REPORT_EVERY_SECONDS: the page
    that follows the run moves while the batch's lookups go on. Each write commits the cards
    with `last_card`, so a run taken over carries on after the last card written."""

    def __init__(self, run: PeppolCheckRun) -> None:
        self.run = run
        self.pending: list[tuple[CustomerCard, Reachability]] = []
        self.waiting_since = 0.0

    def due_in(self) -> float:
        """Seconds until the waiting cards are due to be written."""
        if not self.pending:
            return REPORT_EVERY_SECONDS
        return max(0.0, REPORT_EVERY_SECONDS - (time.monotonic() - self.waiting_since))

    def add(self, card: CustomerCard, result: Reachability) -> None:
        if not self.pending:
            self.waiting_since = time.monotonic()
        self.pending.append((card, result))
        if len(self.pending) >= REPORT_EVERY_CARDS or not self.due_in():
            self.write()

    def write(self) -> None:
        if not self.pending:
            return
        run = self.run
        counts = {"reachable": run.reachable, "not_reachable": run.not_reachable,
                  "failed": run.failed}
        with transaction.atomic():
            for card, result in self.pending:
                card.record_reachability(result)
                if result.error:
                    counts["failed"] += 1
                elif card.peppol_reachable:
                    counts["reachable"] += 1
                else:
                    counts["not_reachable"] += 1
            run.report(progress_done=run.progress_done + len(self.pending),
                       last_card=self.pending[-1][0].pk, **counts)
        self.pending = []
        checkpoint()


def _check_all(run: PeppolCheckRun) -> None:
    config = sml_config()
    cards = cards_to_check(run).order_by("pk")
    # One answer per identifier and run: many cards may share one (the dummy KvK number).
    # Kept without the document type list, which can be long and is not stored anyway.
    answers: dict[tuple[str, str], Reachability] = {}
    progress = _Progress(run)
    with ThreadPoolExecutor(max_workers=max(1, settings.PEPPOL_LOOKUP_CONCURRENCY)) as pool:
        while True:
            batch = list(cards.filter(pk__gt=run.last_card)[:BATCH])
            if not batch:
                break
            wanted = {(c.endpoint_scheme, c.endpoint_value) for c in batch} - answers.keys()
            # The platform's own receivers from this thread, which holds the database
            # connection; only the others are asked of the network, side by side.
            for key in wanted:
                if found := on_platform(*key):
                    answers[key] = dataclasses.replace(found, document_types=())
            asked = {key: pool.submit(_on_network, *key, config)
                     for key in sorted(wanted - answers.keys())}
            try:
                for card in batch:
                    key = (card.endpoint_scheme, card.endpoint_value)
                    if key not in answers:
                        answers[key] = dataclasses.replace(_answer(asked[key], progress),
                                                           document_types=())
                    progress.add(card, answers[key])
                progress.write()
            finally:
                # Stopping half-way (a worker asked to stop, an error): no more lookups.
                for future in asked.values():
                    future.cancel()
    run.report(status=PeppolCheckRun.Status.DONE, finished_at=timezone.now(),
               progress_total=run.progress_done)


def _answer(lookup: Future, progress: _Progress) -> Reachability:
    """The lookup's answer; while it is still on its way, the cards answered before it are
    written once they are due, instead of waiting with them."""
    if progress.pending and not lookup.done():
        wait([lookup], timeout=progress.due_in())
        if not lookup.done():
            progress.write()
    return lookup.result()
