"""The invoices app's background work: checking and routing documents that arrived by
machine, and sending documents over Peppol or, as a sender's fallback, by email."""

from __future__ import annotations

from django.dispatch import receiver
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished


@task()
def check_and_route(document_pk: int) -> str:
    from invoices.submission import check_and_route as run

    return run(document_pk)


@task()
def send_over_peppol(document_pk: int, attempt: int) -> str:
    from invoices.transport.as4 import attempt as run

    return run(document_pk, attempt)


@task()
def send_by_email(document_pk: int) -> str:
    from invoices.transport.email import send as run

    return run(document_pk)


@receiver(task_finished)
def fail_delivery_of_failed_task(sender, task_result, **kwargs):
    """A sending task that failed for good (an unexpected error, or its worker kept dying)
    leaves the document Delivery failed rather than Queued for ever."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.task.module_path == send_over_peppol.module_path:
        from invoices.transport.as4 import give_up_after_failed_task

        give_up_after_failed_task(task_result.args[0], task_result.args[1])
    elif task_result.task.module_path == send_by_email.module_path:
        from invoices.transport import email

        email.give_up(task_result.args[0])
