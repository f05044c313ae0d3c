"""System checks for running the portal as more than one process."""

from django.conf import settings
from django.core import checks

PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.caches, deploy=False)
def cache_shared_between_processes(app_configs, **kwargs):
    """Outside development the web processes and task workers share rate limits, key caches
    and import progress through the cache, which a process-local cache cannot do."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in PROCESS_LOCAL_CACHES:
        return []
    return [checks.Warning(
        "The cache is local to each process, but the portal runs as web processes and task "
        "workers that must share rate limits, key caches and import progress.",
        hint="Set CACHE_URL to a shared cache, for example redis://127.0.0.1:6379/0.",
        id="portal.W001",
    )]


@checks.register(checks.Tags.security, deploy=True)
def portal_url_public(app_configs, **kwargs):
    """Mail sent by tasks links to the portal under PORTAL_URL; left at its development
    value, or on plain http, those links lead nowhere or leave the reader's session open
    to the network."""
    from urllib.parse import urlsplit

    address = urlsplit(settings.PORTAL_URL)
    if address.scheme == "https" and address.hostname not in (None, "localhost", "127.0.0.1"):
        return []
    return [checks.Warning(
        f"PORTAL_URL is {settings.PORTAL_URL!r}: the links in the portal's mail must lead "
        "to its public https address.",
        hint="Set PORTAL_URL to the address users open the portal at, such as "
             "https://portal.example.com.",
        id="portal.W002",
    )]


@checks.register(checks.Tags.database, deploy=True)
def database_not_sqlite(app_configs, **kwargs):
    """Without DATABASE_URL the portal runs on db.sqlite3 beside its code: one machine only,
    and gone with the next deploy of a fresh checkout."""
    engine = settings.DATABASES.get("default", {}).get("ENGINE", "")
    if engine != "django.db.backends.sqlite3":
        return []
    return [checks.Warning(
        f"The database is SQLite ({settings.DATABASES['default'].get('NAME')}), which serves "
        "one machine only and lives wherever the file is.",
        hint="Set DATABASE_URL to the PostgreSQL database, such as "
             "postgres://portal:password@db.example.com:5432/portal.",
        id="portal.W003",
    )]


LOCAL_MAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@checks.register(checks.Tags.security, deploy=True)
def mail_is_sent(app_configs, **kwargs):
    """Without EMAIL_URL mail goes to the console: nobody receives it, and password-reset
    and invitation links end up in the log."""
    if settings.EMAIL_BACKEND not in LOCAL_MAIL_BACKENDS:
        return []
    return [checks.Warning(
        f"Mail is not sent but kept by {settings.EMAIL_BACKEND}: users receive no email, and "
        "links that sign in or reset a password may end up in the log.",
        hint="Set EMAIL_URL to the mail server, such as "
             "smtp+tls://user:password@smtp.example.com:587.",
        id="portal.W004",
    )]


@checks.register(checks.Tags.security, deploy=True)
def sender_address_public(app_configs, **kwargs):
    from email.utils import parseaddr

    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2].lower()
    if domain and domain != "localhost" and not domain.endswith(".localhost"):
        return []
    return [checks.Warning(
        f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: mail from it is refused or "
        "marked as spam, and replies go nowhere.",
        hint="Set DEFAULT_FROM_EMAIL to an address of the portal's own domain, such as "
             "portal@example.com.",
        id="portal.W005",
    )]


@checks.register(checks.Tags.security)
def webhooks_ca_bundle_exists(app_configs, **kwargs):
    """Every webhook delivery reads this file: a missing one fails them all."""
    import os

    bundle = settings.WEBHOOKS_CA_BUNDLE
    if not bundle or os.path.isfile(bundle):
        return []
    return [checks.Error(
        f"WEBHOOKS_CA_BUNDLE is {bundle!r}, which is not a file: every webhook delivery "
        "would fail.",
        hint="Point WEBHOOKS_CA_BUNDLE at a PEM file of certificate authorities, or leave it "
             "empty for certifi's.",
        id="portal.E001",
    )]
