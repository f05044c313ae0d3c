"""Where a webhook may go: https (http only where WEBHOOKS_ALLOW_LOCAL allows it), to a
public address. The host name is resolved once per request and the connection goes to the
address that was checked, so a name that changes its answer between the check and the
connection (DNS rebinding) cannot lead a delivery into the platform's own network.

WEBHOOKS_ALLOW_LOCAL allows plain http and this machine's loopback addresses (for `make run`
and the tests); private, link-local, multicast and reserved addresses stay refused."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext_noop

from portal.errors import Explained
from portal.said import Said
from webhooks.failures import Failure

MAX_REDIRECTS = 3
REDIRECTS = {307, 308}


class UnsafeTarget(Explained):
    """The URL may not be called; the message says why, for the user, and is kept (a Said)
    to be said again in another language; `kind` is the Failure a try records for it."""

    def __init__(self, message: Said, kind: str = Failure.BAD_URL):
        super().__init__(message)
        self.kind = kind


class TooSlow(urllib3.exceptions.TimeoutError):
    """The receiver did not answer in full within the time one try has."""


class _Deadline:
    """Cuts the connections of one try when its time is up. Socket timeouts apply to each
    read, so a receiver that answers a byte at a time would otherwise hold the worker for
    a timeout per byte."""

    # After the time is up, how often to look again for a connection still connecting.
    AGAIN = 0.05

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        # The Target being tried: the last redirect's, once one is followed.
        self.hop = None
        self._over = False
        self._connections = []
        self._lock = threading.Lock()
        self._timer = None

    def __enter__(self):
        self._arm(self.seconds)
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self._over = True
            self._timer.cancel()

    def _arm(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection) -> None:
        with self._lock:
            self._connections.append(connection)

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            for connection in self._connections:
                sock = getattr(connection, "sock", None)
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
            # A connection made after this moment is cut on the next look.
            self._arm(self.AGAIN)

    def too_slow(self) -> TooSlow:
        return TooSlow(f"no full answer within {self.seconds:g} seconds")


def _watched(pool_class):
    class Watched(pool_class):
        deadline: _Deadline

        def _new_conn(self):
            connection = super()._new_conn()
            self.deadline.watch(connection)
            return connection

    return Watched


HTTPPool = _watched(urllib3.HTTPConnectionPool)
HTTPSPool = _watched(urllib3.HTTPSConnectionPool)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def place(self) -> str:
        """host:port, as a person names where a connection goes."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"{name}:{self.port}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def allow_local() -> bool:
    return settings.WEBHOOKS_ALLOW_LOCAL


def address_problem(address: str) -> Said | None:
    """Why a delivery may not connect to `address`; None when it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address inside an IPv6 one (mapped, or 6to4) is where the packets end up.
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    if ip.is_unspecified:
        return Said(gettext_noop("a reserved address"))
    if ip.is_loopback:
        return None if allow_local() else Said(gettext_noop("a loopback address (this machine)"))
    if ip.is_link_local:
        return Said(gettext_noop("a link-local address"))
    if ip.is_multicast:
        return Said(gettext_noop("a multicast address"))
    if ip.is_private:
        return Said(gettext_noop("a private network address"))
    if ip.is_reserved or not ip.is_global:
        return Said(gettext_noop("a reserved address"))
    return None


def split(url: str):
    """(scheme, host, port, path) of `url`, or UnsafeTarget for a URL that is not usable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(Said(gettext_noop("This is not a valid URL."))) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeTarget(Said(gettext_noop("Enter a full URL that starts with https://.")))
    if scheme == "http" and not allow_local():
        raise UnsafeTarget(Said(gettext_noop("Webhooks are sent over https only: enter a URL "
                                             "that starts with https://.")))
    if parts.username or parts.password:
        raise UnsafeTarget(Said(gettext_noop("Leave user name and password out of the URL; "
                                             "check the signature instead.")))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """The URL's target with the one address to connect to, after every address the name
    resolves to has been checked."""
    scheme, host, port, path = split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget(Said(gettext_noop("The host name %(host)s cannot be found."),
                                host=host), Failure.DNS) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        problem = address_problem(address)
        if problem and address == host.strip("[]"):
            raise UnsafeTarget(Said(gettext_noop("%(address)s is %(problem)s; webhooks only go "
                                                 "to public addresses."),
                                    address=address, problem=problem), Failure.NOT_PUBLIC)
        if problem:
            raise UnsafeTarget(Said(gettext_noop("%(host)s leads to %(address)s, %(problem)s; "
                                                 "webhooks only go to public addresses."),
                                    host=host, address=address, problem=problem),
                               Failure.NOT_PUBLIC)
    return Target(scheme, host, port, path, tuple(addresses))


@dataclass
class Answer:
    status: int
    text: str


def post(url: str, body: bytes, headers: dict, *, timeout: float, keep: int) -> Answer:
    """POST `body` to `url`, each hop checked and connected to by its checked address.
    Follows 307 and 308 (which keep the method and body) up to MAX_REDIRECTS; keeps the first
    `keep` characters of the answer. The whole try, redirects included, takes at most
    `timeout` seconds. Raises UnsafeTarget, TooSlow or urllib3's errors; these carry
    `target`, the Target of the hop that failed, for failures.explain."""
    with _Deadline(timeout) as deadline:
        try:
            return _post(url, body, headers, timeout=timeout, keep=keep, deadline=deadline)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            # A read that waited the try's whole time is that time running out too: the
            # deadline's timer may fire a moment after it.
            if deadline.expired or isinstance(error, urllib3.exceptions.ReadTimeoutError):
                slow = deadline.too_slow()
                slow.target = deadline.hop
                raise slow from error
            error.target = deadline.hop
            raise


def _post(url, body, headers, *, timeout, keep, deadline) -> Answer:
    for _hop in range(MAX_REDIRECTS + 1):
        target = deadline.hop = resolve(url)
        response = _connect(target, body, headers, timeout, deadline)
        try:
            location = response.headers.get("Location")
            if response.status in REDIRECTS and location:
                url = urljoin(url, location)
                continue
            raw = response.read(keep * 4, decode_content=False) or b""
            if deadline.expired:
                raise deadline.too_slow()
            return Answer(response.status, raw.decode("utf-8", "replace")[:keep])
        finally:
            response.release_conn()
    raise UnsafeTarget(Said(gettext_noop("More than %(count)d redirects."),
                            count=MAX_REDIRECTS), Failure.REDIRECTS)


def _connect(target: Target, body: bytes, headers: dict, timeout: float, deadline):
    """The answer from the first checked address that takes the connection."""
    for address in target.addresses[:-1]:
        try:
            return _send(target, address, body, headers, timeout, deadline)
        except urllib3.exceptions.NewConnectionError:
            continue
    return _send(target, target.addresses[-1], body, headers, timeout, deadline)


def _send(target: Target, address: str, body: bytes, headers: dict, timeout: float,
          deadline: _Deadline):
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "retries": False,
               "maxsize": 1}
    if target.scheme == "https":
        # Connected by address; the certificate and SNI are still those of the host name.
        pool = HTTPSPool(
            address, target.port, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
            ca_certs=settings.WEBHOOKS_CA_BUNDLE or certifi.where(),
            **options)
    else:
        pool = HTTPPool(address, target.port, **options)
    pool.deadline = deadline
    return pool.urlopen("POST", target.path, body=body,
                        headers={**headers, "Host": target.host_header}, redirect=False,
                        preload_content=False, assert_same_host=False)
