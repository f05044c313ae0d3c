"""Settings for the test suite: production settings with test-friendly transport."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("EMAIL_URL", "consolemail://")
# Tasks run at once where they are enqueued, so tests see their effect; the tests of the
# queue itself switch to the database backend and run db_worker.
os.environ.setdefault("TASKS_BACKEND", "immediate")
# Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from portal.settings import *  # noqa: E402,F403

# One process and its own cache, on purpose.
SILENCED_SYSTEM_CHECKS = ["portal.W001"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Mail stays in memory, unless a test gives its own EMAIL_URL (a worker process it starts).
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F405
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Peppol lookups never leave the machine: tests that need answers start the stand-ins (a
# worker process a test starts gets theirs through the environment).
PEPPOL_SML = "test"
PEPPOL_DNS_SERVERS = env.list("PEPPOL_DNS_SERVERS", default=["127.0.0.1"])  # noqa: F405
PEPPOL_DNS_PORT = env.int("PEPPOL_DNS_PORT", default=9)  # noqa: F405
PEPPOL_SML_ZONE = env.str("PEPPOL_SML_ZONE", default="")  # noqa: F405
PEPPOL_LOOKUP_TIMEOUT = 1.0
# The stand-in access points answer plain http on 127.0.0.1.
PEPPOL_ALLOW_HTTP_ENDPOINTS = True
# SQLite's test database is a file, not memory, so that the task worker a test starts as a
# separate process (tests/portal/test_task_worker.py) works on the same database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import atexit
    import shutil
    import tempfile

    # A file, not Django's shared in-memory database: shared-cache connections lock whole
    # tables and fail at once, so only a file lets the race tests run threads that wait
    # for each other as production does. Its directory goes with the process, WAL files
    # included.
    _test_db_dir = tempfile.mkdtemp(prefix="portal-test-")
    atexit.register(shutil.rmtree, _test_db_dir, ignore_errors=True)
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(  # noqa: F405
        _test_db_dir, "test.sqlite3")
    # A test database need not survive a power cut.
    DATABASES["default"]["OPTIONS"]["init_command"] += "PRAGMA synchronous=OFF;"  # noqa: F405
    # Workers and the test share the file: a write transaction takes the write lock when it
    # begins, so SQLite waits for it instead of refusing a stale read that wants to write.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"  # noqa: F405
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Nor does PostgreSQL's: a commit does not wait for its WAL to reach the disk.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (  # noqa: F405
        "-c synchronous_commit=off")
# Tests start threads and servers of their own; their connections close when they finish,
# so that PostgreSQL can drop the test database at the end. `make bench` measures with the
# production default (DATABASE_CONN_MAX_AGE).
if "conn_max_age" not in os.environ.get("DATABASE_URL", ""):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int(  # noqa: F405
        "DATABASE_CONN_MAX_AGE", default=0)
WEBHOOKS_ALLOW_LOCAL = True
WEBHOOKS_TIMEOUT = 5.0
