"""The invoices app's background work: checking and routing documents that arrived by
machine."""

from __future__ import annotations

from django_tasks import task


@task()
def check_and_route(document_pk: int) -> str:
    from invoices.submission import check_and_route as run

    return run(document_pk)


@task()
def send_over_peppol(document_pk: int, attempt: int) -> str:
    from invoices.transport.as4 import attempt as run

    return run(document_pk, attempt)
