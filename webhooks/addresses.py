"""How a webhook's target is shown outside its own page (mail subjects and bodies): a
target URL may carry a secret (user:password@ or ?token=...), which a mail must not."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def shown_address(url: str) -> str:
    """`url` with only its scheme, host, port and path: no userinfo, query or fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
