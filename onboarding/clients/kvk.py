"""Client for the KvK Handelsregister APIs: Zoeken v2 and Basisprofiel v1.

No Django here, so the client can be tested on its own; the Django layer
translates the messages below with ``gettext(exc.message)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import requests

from invoices.peppol.text import gettext_noop

NOT_CONFIGURED_MESSAGE = gettext_noop(
    "Looking up companies in the KvK register is switched off. Enter the details yourself."
)
UNAVAILABLE_MESSAGE = gettext_noop(
    "The KvK register cannot be reached right now. Try again later, "
    "or enter the details yourself."
)
AUTH_MESSAGE = gettext_noop(
    "The KvK register refused the portal's API key. Enter the details yourself, "
    "and ask the portal's administrator to check the KvK settings."
)
NOT_FOUND_MESSAGE = gettext_noop("No company with this KvK number is in the KvK register.")
BAD_REQUEST_MESSAGE = gettext_noop("This is not a valid KvK number. A KvK number has 8 digits.")
UNEXPECTED_MESSAGE = gettext_noop(
    "The KvK register gave an answer the portal does not understand. "
    "Enter the details yourself."
)


class KvKError(Exception):
    """Anything that went wrong talking to the KvK; ``message`` is for the user."""

    message = UNEXPECTED_MESSAGE

    def __init__(
        self,
        detail: str = "",
        *,
        status: int | None = None,
        codes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(self.message)
        # What went wrong technically, for the log; never shown to the user.
        self.detail = detail
        self.status = status
        self.codes = codes

    def __str__(self) -> str:
        return self.message


class KvKNotConfigured(KvKError):
    message = NOT_CONFIGURED_MESSAGE


class KvKUnavailable(KvKError):
    message = UNAVAILABLE_MESSAGE


class KvKAuthError(KvKError):
    message = AUTH_MESSAGE


class KvKNotFound(KvKError):
    message = NOT_FOUND_MESSAGE


class KvKBadRequest(KvKError):
    message = BAD_REQUEST_MESSAGE


@dataclass(frozen=True)
class KvKEntry:
    """A company in the register: its number, its name and where it is."""

    kvk_number: str
    name: str
    street: str = ""
    house_number: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass(frozen=True)
class KvKSearchResult(KvKEntry):
    # "hoofdvestiging", "nevenvestiging" or "rechtspersoon"; one company can
    # appear once for each.
    kind: str = ""
    branch_number: str = ""


@dataclass(frozen=True)
class KvKProfile(KvKEntry):
    # ISO 3166 alpha-2; empty when the register names a country we do not map,
    # so a form makes the user choose instead of silently claiming NL.
    country: str = "NL"
    legal_form: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def street_line(self) -> str:
        """Street and house number in one line, as an organization keeps its address."""
        return " ".join(part for part in (self.street, self.house_number) if part)

    @classmethod
    def from_snapshot(cls, snapshot: Any) -> KvKProfile:
        """The profile in a stored Basisprofiel answer; anything else reads as an empty one."""
        return profile_from_basisprofiel(snapshot if isinstance(snapshot, dict) else {})


def one_per_company(results: list[KvKSearchResult]) -> list[KvKSearchResult]:
    """Search results with each company once: the register lists a company once per kind of
    entry (main branch, legal person); the first entry of each stays, in the order given."""
    return list({r.kvk_number: r for r in reversed(results) if r.kvk_number}.values())[::-1]


_KVK_NUMBER = re.compile(r"[0-9]{8}")
_WHITESPACE = re.compile(r"\s+")

# KvK answers 404 with these codes when the register is being updated:
# that is an outage, not an unknown company.
_TEMPORARILY_UNAVAILABLE_CODES = frozenset({"IPD1002", "IPD1003"})

_COUNTRIES = {
    "nederland": "NL",
    "belgië": "BE",
    "belgie": "BE",
    "duitsland": "DE",
    "frankrijk": "FR",
    "luxemburg": "LU",
    "verenigd koninkrijk": "GB",
}

_VISITING_ADDRESS = "bezoekadres"
# Basisprofiel calls the postal address "correspondentieadres", Zoeken calls it "postadres".
_POSTAL_ADDRESSES = ("postadres", "correspondentieadres")


# The KvK's public search page; it opens the register entry of a number for anyone.
REGISTER_SEARCH = "https://www.kvk.nl/zoeken/?source=all&q={number}"


def register_url(number: str) -> str:
    """The register's public page of a KvK number; empty for what is not one."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return REGISTER_SEARCH.format(number=digits) if len(digits) == 8 else ""


def is_kvk_number(value: str) -> bool:
    return bool(_KVK_NUMBER.fullmatch(value or ""))


def normalize_kvk_number(value: str) -> str:
    """The 8-digit KvK number in ``value``, which may contain spaces."""
    number = _WHITESPACE.sub("", value or "")
    if not _KVK_NUMBER.fullmatch(number):
        raise KvKBadRequest(f"not an 8-digit KvK number: {value!r}")
    return number


class KvKClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = 5.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or "").rstrip("/")
        self.api_key = api_key or ""
        self.timeout = timeout
        self.session = session if session is not None else requests.Session()

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.api_key)

    def search(
        self, query: str, *, page: int = 1, per_page: int = 10
    ) -> list[KvKSearchResult]:
        """Companies matching a KvK number (8 digits) or else a name."""
        self._require_configuration()
        query = (query or "").strip()
        if not query:
            return []
        compact = _WHITESPACE.sub("", query)
        params: dict[str, str | int] = {"pagina": page, "resultatenPerPagina": per_page}
        if _KVK_NUMBER.fullmatch(compact):
            params["kvkNummer"] = compact
        else:
            params["naam"] = query
        response = self._get("/v2/zoeken", params)
        if response.status_code == 404:
            codes = _fout_codes(response)
            if codes is not None:
                # KvK says "no results" with a 404 and an IPD5200 fout.
                return []
        data = self._json(response)
        results = data.get("resultaten")
        if not isinstance(results, list):
            raise KvKError("zoeken answer has no resultaten list", status=response.status_code)
        return [_search_result(item) for item in results if isinstance(item, dict)]

    def basisprofiel(self, kvk_number: str) -> KvKProfile:
        self._require_configuration()
        number = normalize_kvk_number(kvk_number)
        response = self._get(f"/v1/basisprofielen/{number}", {})
        if response.status_code == 404:
            codes = _fout_codes(response)
            if codes is not None:
                raise KvKNotFound(_fout_text(response), status=404, codes=codes)
        data = self._json(response)
        return profile_from_basisprofiel(data, number)

    def _require_configuration(self) -> None:
        if not self.configured:
            raise KvKNotConfigured("KvK base URL or API key is not set")

    def _get(self, path: str, params: dict[str, str | int]) -> requests.Response:
        try:
            response = self.session.get(
                self.base_url + path,
                params=params,
                headers={"apikey": self.api_key, "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise KvKUnavailable(f"{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status in (200, 404):
            # What a 404 means differs per endpoint, so the caller decides,
            # except when KvK says the register is being updated.
            codes = _fout_codes(response) if status == 404 else None
            if codes and _TEMPORARILY_UNAVAILABLE_CODES.intersection(codes):
                raise KvKUnavailable(_fout_text(response), status=status, codes=codes)
            return response
        detail = _fout_text(response)
        codes = _fout_codes(response) or ()
        if status in (401, 403):
            raise KvKAuthError(detail, status=status, codes=codes)
        if status == 400:
            raise KvKBadRequest(detail, status=status, codes=codes)
        if status == 429 or status >= 500:
            raise KvKUnavailable(detail, status=status, codes=codes)
        raise KvKError(detail, status=status, codes=codes)

    def _json(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code != 200:
            # A 404 without KvK's fout body means the URL is wrong, most
            # likely a misconfigured base URL, not an unknown company.
            raise KvKError(
                f"HTTP {response.status_code} without a KvK fout body: {response.url}",
                status=response.status_code,
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise KvKError("answer is not JSON", status=response.status_code) from exc
        if not isinstance(data, dict):
            raise KvKError("answer is not a JSON object", status=response.status_code)
        return data


def profile_from_basisprofiel(data: dict[str, Any], kvk_number: str = "") -> KvKProfile:
    """Map a Basisprofiel answer to the fields an organization form needs."""
    embedded = _dict(data.get("_embedded"))
    main_branch = _dict(embedded.get("hoofdvestiging"))
    owner = _dict(embedded.get("eigenaar"))
    # Without a main branch, KvK puts the legal entity's addresses on the owner.
    addresses = _list(main_branch.get("adressen")) + _list(owner.get("adressen"))
    address = _pick_address(addresses)
    street, house_number, postal_code, city, country = _address_fields(address)
    return KvKProfile(
        kvk_number=_text(data.get("kvkNummer")) or kvk_number,
        name=_profile_name(data, main_branch),
        street=street,
        house_number=house_number,
        postal_code=postal_code,
        city=city,
        country=country,
        legal_form=_text(owner.get("rechtsvorm")) or _text(owner.get("uitgebreideRechtsvorm")),
        raw=data,
    )


def _profile_name(data: dict[str, Any], main_branch: dict[str, Any]) -> str:
    for candidate in (data.get("naam"), data.get("statutaireNaam")):
        if _text(candidate):
            return _text(candidate)
    trade_names = sorted(
        (_dict(item) for item in _list(data.get("handelsnamen"))),
        key=lambda item: item.get("volgorde") if isinstance(item.get("volgorde"), int) else 0,
    )
    for trade_name in trade_names:
        if _text(trade_name.get("naam")):
            return _text(trade_name.get("naam"))
    return _text(main_branch.get("eersteHandelsnaam"))


def _pick_address(addresses: list[Any]) -> dict[str, Any]:
    usable = [_dict(a) for a in addresses if _is_usable_address(_dict(a))]
    for wanted in ((_VISITING_ADDRESS,), _POSTAL_ADDRESSES):
        for address in usable:
            if address.get("type") in wanted:
                return address
    return usable[0] if usable else {}


def _is_usable_address(address: dict[str, Any]) -> bool:
    # A shielded address ("afgeschermd") comes without street or place.
    return any(
        _text(address.get(key))
        for key in ("straatnaam", "postbusnummer", "straatHuisnummer", "plaats")
    )


def _address_fields(address: dict[str, Any]) -> tuple[str, str, str, str, str]:
    land = _text(address.get("land"))
    country = _COUNTRIES.get(land.casefold(), "") if land else "NL"
    postal_code = _text(address.get("postcode")).replace(" ", "").upper()
    city = _text(address.get("plaats"))
    if _text(address.get("straatnaam")):
        return (
            _text(address.get("straatnaam")),
            _house_number(address),
            postal_code,
            city,
            country,
        )
    if _text(address.get("postbusnummer")):
        return ("Postbus", _text(address.get("postbusnummer")), postal_code, city, country)
    if _text(address.get("straatHuisnummer")):
        # Foreign addresses come as two free-text lines that cannot be split reliably.
        return (
            _text(address.get("straatHuisnummer")),
            "",
            postal_code,
            city or _text(address.get("postcodeWoonplaats")),
            country,
        )
    return ("", "", postal_code, city, country)


def _house_number(address: dict[str, Any]) -> str:
    number = _text(address.get("huisnummer")) + _text(address.get("huisletter"))
    addition = _text(address.get("huisnummerToevoeging"))
    return f"{number}-{addition}" if number and addition else number or addition


def _search_result(item: dict[str, Any]) -> KvKSearchResult:
    address = _dict(item.get("adres"))
    domestic = _dict(address.get("binnenlandsAdres"))
    foreign = _dict(address.get("buitenlandsAdres"))
    if domestic:
        street = _text(domestic.get("straatnaam"))
        house_number = _house_number(domestic)
        if not street and _text(domestic.get("postbusnummer")):
            street, house_number = "Postbus", _text(domestic.get("postbusnummer"))
        postal_code = _text(domestic.get("postcode")).replace(" ", "").upper()
        city = _text(domestic.get("plaats"))
    else:
        street = _text(foreign.get("straatHuisnummer"))
        house_number = postal_code = ""
        city = _text(foreign.get("postcodeWoonplaats"))
    return KvKSearchResult(
        kvk_number=_text(item.get("kvkNummer")),
        name=_text(item.get("naam")),
        kind=_text(item.get("type")),
        branch_number=_text(item.get("vestigingsnummer")),
        street=street,
        house_number=house_number,
        postal_code=postal_code,
        city=city,
    )


def _fout_codes(response: requests.Response) -> tuple[str, ...] | None:
    """The IPD codes of KvK's error body, or None when it is not one."""
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fout"), list):
        return None
    return tuple(_text(_dict(item).get("code")) for item in data["fout"])


def _fout_text(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    fouten = _list(data.get("fout")) if isinstance(data, dict) else []
    described = "; ".join(
        f"{_text(_dict(f).get('code'))} {_text(_dict(f).get('omschrijving'))}".strip()
        for f in fouten
    )
    return f"HTTP {response.status_code}: {described or str(data)[:200]}"


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float | str):
        return str(value).strip()
    return ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
