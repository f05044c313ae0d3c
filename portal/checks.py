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
