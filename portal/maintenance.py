"""The portal's own periodic tasks."""

from datetime import timedelta

from django_tasks import task

from portal.tasks import periodic, prune_finished_results


@periodic(every=timedelta(hours=6))
@task()
def prune_task_results() -> int:
    return prune_finished_results()
