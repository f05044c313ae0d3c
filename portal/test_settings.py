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
# Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Background work runs inside the request, so tests see its result at once.
BACKGROUND_JOBS_INLINE = True
# Peppol lookups never leave the machine: tests that need answers start the stand-ins.
PEPPOL_SML = "test"
PEPPOL_DNS_SERVERS = ["127.0.0.1"]
PEPPOL_DNS_PORT = 9
PEPPOL_LOOKUP_TIMEOUT = 1.0

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
