"""The database queue, and `db_worker` processes working on the test database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    """Tasks go onto the database queue, as in production, instead of running at once."""
    settings.TASKS = DATABASE_QUEUE
    settings.TASKS_BACKEND = "database"


def database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    return (f"postgres://{params['USER']}@{params['HOST']}:{params['PORT'] or 5432}/"
            f"{params['NAME']}")


def worker_env(**extra) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.test_settings",
            "DATABASE_URL": database_url(), "TASKS_BACKEND": "database",
            "TASK_WORKER_TIMEOUT": "2", "TASK_RETRY_BASE_DELAY": "0", **extra}


def start_worker(*options, output=subprocess.PIPE, **extra_env) -> subprocess.Popen:
    """A `db_worker` process on the test database. Its log goes to `output`; a pipe that
    nobody reads blocks the worker once it is full (some 64 KiB of log lines)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload",
         "--interval", "0.1", *options],
        cwd=ROOT, env=worker_env(**extra_env), stdout=output,
        stderr=subprocess.STDOUT, text=True)


def run_worker_batch(**extra_env) -> str:
    """Run `db_worker --batch`: every task that is ready, then exit; returns its output."""
    worker = start_worker("--batch", **extra_env)
    output, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0, output
    return output


@pytest.fixture
def org(cast):
    from onboarding.models import Organization

    return Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                               registry_number="12345678", registry_checked=True)
