"""Starting a job's work beside the request that asked for it, without a worker process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)


def start(work: Callable[[int], None], job_pk: int) -> None:
    """Run `work(job_pk)` in a daemon thread once the current transaction has committed
    (so the thread sees the job row), or at once with BACKGROUND_JOBS_INLINE."""
    if settings.BACKGROUND_JOBS_INLINE:
        work(job_pk)
        return
    name = f"{work.__module__}.{work.__name__}-{job_pk}"
    transaction.on_commit(
        lambda: threading.Thread(target=_run, args=(work, job_pk), name=name, daemon=True).start()
    )


def _run(work: Callable[[int], None], job_pk: int) -> None:
    try:
        work(job_pk)
    except Exception:
        # The work marks its own job failed; this only keeps the traceback.
        logger.exception("background job %s(%s) failed", work.__name__, job_pk)
    finally:
        # The thread's own connections, which no request cycle will close.
        connections.close_all()
