"""Why a try to deliver a webhook failed, said so that the person who reads it understands it.

A failed try keeps three things: its kind (Failure), a short reason kept as a message
(portal.said) so that the page says it again in the reader's language, and the technical
detail in English, for support and for the receivers of HookSentRetry and HookSentError,
which read it as `lastError`.

`explain` reads the errors that `safety.post` raises; an error that knows its own kind and
message for the user (safety.UnsafeTarget) brings them along."""

from __future__ import annotations

import errno
import ssl
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import urllib3
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from urllib3.util.ssl_match_hostname import CertificateError as NameMismatch

from onboarding.encryption import UndecryptableSecret
from portal.problems import STATUS_TITLES
from portal.said import Said, render


class Failure(models.TextChoices):
    HTTP_STATUS = "http_status", _("Error status")
    REFUSED = "refused", _("Connection refused")
    UNREACHABLE = "unreachable", _("Not reachable")
    TIMEOUT = "timeout", _("No answer in time")
    DISCONNECTED = "disconnected", _("Connection closed")
    TLS = "tls", _("TLS or certificate problem")
    DNS = "dns", _("Name not found")
    NOT_PUBLIC = "not_public", _("Not a public address")
    REDIRECTS = "redirects", _("Too many redirects")
    BAD_URL = "bad_url", _("URL not usable")
    SECRET = "secret", _("Secret unusable")  # noqa: S105 - a label, not a secret
    OTHER = "other", _("Other problem")


@dataclass(frozen=True)
class Failed:
    kind: str
    reason: Said
    detail: str


# Redirects that safety.post follows; any other 3xx ends the try.
FOLLOWED = (307, 308)
UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
                      getattr(errno, "EHOSTDOWN", errno.EHOSTUNREACH)}
# OpenSSL's verify codes (X509_V_ERR_*) that a person can act on.
CERTIFICATE_PROBLEMS = {
    9: gettext_noop("the certificate is not valid yet"),
    10: gettext_noop("the certificate has expired"),
    62: gettext_noop("the certificate is not made out to %(host)s"),
    **dict.fromkeys((2, 18, 19, 20, 21),
                    gettext_noop("the certificate is not signed by an authority the portal "
                                 "trusts")),
}
UNEXPLAINED = gettext_noop("The try failed before the target answered.")


def answered(status: int) -> Failed:
    """A try that the target answered with a status other than 2xx."""
    if 300 <= status < 400 and status not in FOLLOWED:
        reason = Said(gettext_noop("The target answered HTTP %(status)s, a redirect that "
                                   "webhooks do not follow (only 307 and 308 are)."),
                      status=status)
    else:
        reason = Said(gettext_noop("The target answered HTTP %(status)s."), status=status)
    return Failed(Failure.HTTP_STATUS, reason, f"HTTP {status}")


# The names of the statuses receivers answer most, in the reader's language; any other keeps
# HTTP's English phrase.
STATUS_NAMES = {
    **STATUS_TITLES,
    401: _("Unauthorized"),
    408: _("Request Timeout"),
    410: _("Gone"),
    429: _("Too Many Requests"),
    502: _("Bad Gateway"),
    503: _("Service Unavailable"),
    504: _("Gateway Timeout"),
}
REFUSED_SIGNATURE = _("Your receiver refused the message: check that it verifies the "
                      "signature with the webhook's current secret, and that its clock is "
                      "right.")
NOTHING_THERE = _("Nothing takes events at this URL: check its path.")
UNAVAILABLE = _("Your receiver, or a proxy in front of it, was not available.")
# What a status means for the event, where it says more than its class does.
STATUS_MEANINGS = {
    401: REFUSED_SIGNATURE,
    403: REFUSED_SIGNATURE,
    404: NOTHING_THERE,
    410: NOTHING_THERE,
    405: _("This URL does not take POST requests."),
    408: _("Your receiver took too long to read the message."),
    413: _("The message is too large for your receiver."),
    429: _("Your receiver asked for fewer messages at a time."),
    500: _("Your receiver failed while handling the event; its own log says why."),
    502: UNAVAILABLE,
    503: UNAVAILABLE,
    504: UNAVAILABLE,
}


def status_name(status: int) -> str:
    """HTTP's name of `status` ("Internal Server Error"); empty for a number HTTP has no
    name for."""
    if status in STATUS_NAMES:
        return str(STATUS_NAMES[status])
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def status_meaning(status: int) -> str:
    """What the answer `status` means for the event, in the reader's language."""
    if status in STATUS_MEANINGS:
        return str(STATUS_MEANINGS[status])
    if 200 <= status < 300:
        return str(_("Your receiver accepted the event."))
    if status in FOLLOWED:
        return str(_("A redirect without an address to follow."))
    if 300 <= status < 400:
        return str(_("A redirect, which webhooks do not follow (only 307 and 308 are)."))
    if 400 <= status < 500:
        return str(_("Your receiver refused the message."))
    if 500 <= status < 600:
        return str(_("An error on your receiver's side."))
    return str(_("Not a status that HTTP defines."))


def unexplained(detail: str) -> Failed:
    return Failed(Failure.OTHER, Said(UNEXPLAINED), detail)


def explain(error: BaseException, *, url: str, timeout: float) -> Failed:
    """What `error`, raised by one try to post to `url`, means for the reader."""
    kind = getattr(error, "kind", "")
    if kind:
        # safety.UnsafeTarget: the portal refused the target before connecting.
        return Failed(kind, error.message, f"Refused: {english(error.message)}")
    if isinstance(error, UndecryptableSecret):
        return Failed(Failure.SECRET,
                      Said(gettext_noop("The webhook's secret can no longer be read; make a "
                                        "new secret.")),
                      "The secret cannot be decrypted with MFA_ENCRYPTION_KEY; make a new "
                      "secret.")
    detail = f"{type(error).__name__}: {error}"
    host, target = _target(error, url)
    if isinstance(error, urllib3.exceptions.SSLError | ssl.SSLError):
        return Failed(Failure.TLS, Said(
            gettext_noop("The secure connection (TLS) to %(target)s failed: %(problem)s."),
            target=target, problem=_tls_problem(error, host)), detail)
    connecting = isinstance(error, urllib3.exceptions.NewConnectionError)
    if isinstance(error, urllib3.exceptions.TimeoutError | TimeoutError) and not connecting:
        # safety.TooSlow among them: the try's time ran out, whatever broke after that.
        return Failed(Failure.TIMEOUT, Said(
            gettext_noop("The target did not answer within %(seconds)s seconds."),
            seconds=f"{timeout:g}"), detail)
    code = getattr(error, "errno", None) or getattr(error.__cause__, "errno", None)
    if code == errno.ECONNREFUSED:
        return Failed(Failure.REFUSED, Said(
            gettext_noop("Could not connect to %(target)s: the connection was refused."),
            target=target), detail)
    if code in UNREACHABLE_ERRNOS:
        return Failed(Failure.UNREACHABLE, Said(
            gettext_noop("Could not connect to %(target)s: the network does not reach it."),
            target=target), detail)
    if connecting:
        return Failed(Failure.UNREACHABLE,
                      Said(gettext_noop("Could not connect to %(target)s."), target=target),
                      detail)
    if isinstance(error, urllib3.exceptions.ProtocolError | ConnectionError):
        return Failed(Failure.DISCONNECTED, Said(
            gettext_noop("%(target)s closed the connection before it answered in full."),
            target=target), detail)
    return unexplained(detail)


def english(said: Said) -> str:
    with translation.override("en"):
        return render(said.as_data(), str(said))


def _target(error, url: str) -> tuple[str, str]:
    """The host name and "host:port" the try was connecting to: the redirect's when it
    got that far (safety.post says so on the error), else the hook's URL's."""
    hop = getattr(error, "target", None)
    if hop is not None:
        return hop.host, hop.place
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 443
    host = parts.hostname or ""
    return host, f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _tls_problem(error: BaseException, host: str) -> Said:
    for cause in _causes(error):
        if isinstance(cause, NameMismatch):
            # urllib3's own check of the name: the certificate is for another host.
            return Said(CERTIFICATE_PROBLEMS[62], host=host)
        if isinstance(cause, ssl.SSLCertVerificationError):
            problem = CERTIFICATE_PROBLEMS.get(cause.verify_code)
            if problem is None:
                return Said(gettext_noop("the certificate could not be verified"))
            return Said(problem, host=host) if "%(host)s" in problem else Said(problem)
    return Said(gettext_noop("the secure connection could not be set up"))


def _causes(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        yield from (arg for arg in error.args if isinstance(arg, BaseException))
        error = error.__cause__ or error.__context__
