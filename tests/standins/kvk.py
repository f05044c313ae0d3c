"""A stand-in for the KvK Handelsregister API (Zoeken v2 and Basisprofiel v1).

It listens on 127.0.0.1 and answers the same paths, ``apikey`` header, JSON
shapes and ``fout`` error bodies as https://api.kvk.nl/api, so that the real
client is exercised over real HTTP:

    with KvKStandIn(api_key="test-key") as kvk:
        client = KvKClient(kvk.base_url, "test-key")

For a demo, serve it until Ctrl-C:

    python -m tests.standins.kvk --port 8765 --api-key demo

Zoeken filters on kvkNummer, vestigingsnummer, naam (case-insensitive
substring of the name or a trade name), plaats, postcode and type; the other
parameters the real API knows are accepted and ignored, and unknown ones are
refused as the real API does. Each company has one branch, its hoofdvestiging.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.standins.serving import BackgroundServer

API_PREFIX = "/api"

_ZOEKEN_PARAMETERS = frozenset(
    {
        "kvkNummer", "rsin", "vestigingsnummer", "naam", "straatnaam", "huisnummer",
        "huisletter", "postcode", "plaats", "postbusnummer", "type",
        "inclusiefInactieveRegistraties", "pagina", "resultatenPerPagina",
    }
)
_ZOEKEN_CRITERIA = _ZOEKEN_PARAMETERS - {"pagina", "resultatenPerPagina"}
_BASISPROFIEL_PARAMETERS = frozenset({"geoData"})
_BASISPROFIEL_PATH = re.compile(
    rf"^{API_PREFIX}/v1/basisprofielen/(?P<number>[^/]*)(?:/(?P<part>[a-z]+))?$"
)

# Only these register a statutory name; a sole trader or partnership has trade names only.
_LEGAL_PERSONS = frozenset(
    {"besloten vennootschap", "naamloze vennootschap", "stichting", "vereniging", "coöperatie"}
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Company:
    kvk_number: str
    name: str
    street: str
    house_number: int
    postal_code: str
    city: str
    legal_form: str
    branch_number: str
    house_letter: str = ""
    house_number_addition: str = ""
    trade_names: tuple[str, ...] = ()
    # (postbusnummer, postcode, plaats) of a correspondence address.
    po_box: tuple[int, str, str] | None = None
    # KvK hides the visiting address of some registrations, e.g. of people
    # working from home, and then gives only the correspondence address.
    visiting_address_shielded: bool = False
    registration_date: str = "20150401"
    employees: int = 5
    sbi_code: str = "62010"
    sbi_description: str = "Ontwikkelen, produceren en uitgeven van software"

    @property
    def is_legal_person(self) -> bool:
        return self.legal_form.casefold() in _LEGAL_PERSONS

    def matches_name(self, fragment: str) -> bool:
        wanted = fragment.casefold()
        return any(wanted in name.casefold() for name in (self.name, *self.trade_names))


# Fictitious companies; any resemblance to a real registration is accidental.
_PRELOADED: tuple[tuple[tuple[Any, ...], dict[str, Any]], ...] = (
    (
        ("81234567", "Bakkerij De Gouden Korenaar B.V.", "Langestraat", 12, "3811AB", "Amersfoort"),
        {
            "trade_names": ("Bakkerij De Gouden Korenaar", "De Korenaar"),
            "sbi_code": "10711",
            "sbi_description": "Broodbakkerijen",
        },
    ),
    (
        ("76543210", "Van der Linden Installatietechniek B.V.", "Industrieweg", 45, "2712LB",
         "Zoetermeer"),
        {"sbi_code": "43221", "sbi_description": "Loodgieters- en fitterswerk"},
    ),
    (
        ("69012345", "Stichting Groene Haven", "Oostelijke Handelskade", 3, "1019BM", "Amsterdam",
         "Stichting"),
        {"house_letter": "A", "sbi_code": "94991", "sbi_description": "Ideële organisaties"},
    ),
    (
        ("85551234", "Fietsenmakerij Jansen", "Oude Kijk in 't Jatstraat", 8, "9712EA",
         "Groningen", "Eenmanszaak"),
        {
            "house_number_addition": "bis",
            "employees": 1,
            "sbi_code": "95290",
            "sbi_description": "Reparatie van overige consumentenartikelen",
        },
    ),
    (
        ("74001122", "Noordzee Logistiek N.V.", "Europaweg", 200, "3199LC", "Rotterdam",
         "Naamloze Vennootschap"),
        {
            "trade_names": ("Noordzee Logistiek", "NZL Transport"),
            "employees": 240,
            "sbi_code": "52241",
            "sbi_description": "Laad-, los- en overslagactiviteiten voor zeevaart",
        },
    ),
    (
        ("87770001", "Administratiekantoor Vermeulen & De Boer", "Stationsplein", 1, "3511ED",
         "Utrecht", "Vennootschap onder firma"),
        {
            "po_box": (1234, "3500AB", "Utrecht"),
            "employees": 12,
            "sbi_code": "69203",
            "sbi_description": "Administratiekantoren",
        },
    ),
)


_TEMPORARILY_UNAVAILABLE = (
    "De gegevens zijn tijdelijk niet beschikbaar. Probeer het over 5 minuten opnieuw."
)


def _fout(code: str, omschrijving: str) -> dict[str, Any]:
    return {"fout": [{"code": code, "omschrijving": omschrijving}]}


def _unknown_parameters(
    query: dict[str, list[str]], allowed: frozenset[str]
) -> dict[str, Any] | None:
    # The real API refuses parameters it does not know instead of ignoring them.
    unknown = sorted(set(query) - allowed)
    if not unknown:
        return None
    return _fout("IPD1999", f"Parameter(s) {', '.join(unknown)} niet toegestaan of ongeldig.")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A handler may be sleeping in a simulated delay; stop() must not wait for it.
    block_on_close = False
    standin: KvKStandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout) leaves a broken pipe behind;
        # that is the scenario under test, not a failure of the stand-in.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # One request per connection, so stop() never waits on an idle keep-alive.
    protocol_version = "HTTP/1.0"
    timeout = 10

    def do_GET(self) -> None:
        standin = self.server.standin
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        standin._record(
            RecordedRequest(
                method="GET", path=url.path, query=query, headers=dict(self.headers.items())
            )
        )
        delay, failure = standin._behaviour()
        if delay:
            standin._stopping.wait(delay)
        if failure is not None:
            self._send_failure(failure)
            return
        if self.headers.get("apikey") != standin.api_key:
            # KvK does not document the code of a refused key; this one is made up.
            self._send_json(
                401,
                _fout("IPD0401", "Niet geautoriseerd: de apikey ontbreekt of is ongeldig."),
            )
            return
        if url.path == f"{API_PREFIX}/v2/zoeken":
            self._send_json(*standin._zoeken(query))
            return
        match = _BASISPROFIEL_PATH.match(url.path)
        if match:
            self._send_json(*standin._basisprofiel(match["number"], match["part"], query))
            return
        self._send_plain(404, "Not Found")

    def _send_failure(self, status: int) -> None:
        if status >= 500:
            self._send_json(status, _fout("IPD9999", "Algemene technische fout."))
        elif status == 404:
            self._send_json(status, _fout("IPD1003", _TEMPORARILY_UNAVAILABLE))
        else:
            self._send_plain(status, "Simulated failure")

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body, ensure_ascii=False), "application/json")

    def _send_plain(self, status: int, text: str) -> None:
        self._send(status, text, "text/plain")

    def _send(self, status: int, text: str, content_type: str) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.standin.verbose:
            super().log_message(format, *args)


class KvKStandIn(BackgroundServer):
    def __init__(
        self,
        api_key: str = "test-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        preload: bool = True,
        verbose: bool = False,
    ) -> None:
        self.api_key = api_key
        self.host = host
        self.port = port
        self.verbose = verbose
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._companies: dict[str, Company] = {}
        self._requests: list[RecordedRequest] = []
        self._failure: int | None = None
        self._delay = 0.0
        self._next_branch = 41_000_001
        if preload:
            for args, details in _PRELOADED:
                self.add_company(*args, **details)

    # -- lifecycle -------------------------------------------------------

    def _make_server(self) -> _Server:
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.standin = self
        self.port = server.server_address[1]
        return server

    def stop(self) -> None:
        # Wakes handlers that are sleeping out a simulated delay.
        self._stopping.set()
        super().stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("The KvK stand-in is not started.")
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    # -- what tests arrange ----------------------------------------------

    def add_company(
        self,
        kvk_number: str,
        name: str,
        street: str,
        house_number: int | str,
        postal_code: str,
        city: str,
        legal_form: str = "Besloten Vennootschap",
        **details: Any,
    ) -> Company:
        """Register a company; ``details`` are the other fields of ``Company``."""
        if not re.fullmatch(r"[0-9]{8}", kvk_number):
            raise ValueError(f"A KvK number has 8 digits, not {kvk_number!r}.")
        with self._lock:
            branch_number = details.pop("branch_number", None) or f"{self._next_branch:012d}"
            self._next_branch += 1
            company = Company(
                kvk_number=kvk_number,
                name=name,
                street=street,
                house_number=int(house_number),
                postal_code=postal_code.replace(" ", "").upper(),
                city=city,
                legal_form=legal_form,
                branch_number=branch_number,
                **details,
            )
            self._companies[kvk_number] = company
        return company

    def remove_company(self, kvk_number: str) -> None:
        with self._lock:
            self._companies.pop(kvk_number, None)

    def fail_with(self, status: int | None) -> None:
        """Answer every request with this HTTP status (None: answer normally again).

        A 5xx comes with KvK's general technical fout (IPD9999), a 404 with
        "temporarily unavailable" (IPD1003), anything else as plain text.
        """
        with self._lock:
            self._failure = status

    def delay(self, seconds: float) -> None:
        """Wait this long before answering (0: answer at once)."""
        with self._lock:
            self._delay = max(0.0, seconds)

    def reset(self) -> None:
        """Answer normally again and forget the recorded requests; keep the companies."""
        with self._lock:
            self._failure = None
            self._delay = 0.0
            self._requests.clear()

    @property
    def companies(self) -> list[Company]:
        with self._lock:
            return sorted(self._companies.values(), key=lambda c: c.kvk_number)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- what the handler uses -------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _behaviour(self) -> tuple[float, int | None]:
        with self._lock:
            return self._delay, self._failure

    def _zoeken(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        refused = _unknown_parameters(query, _ZOEKEN_PARAMETERS)
        if refused:
            return 400, refused
        params = {name: values[0].strip() for name, values in query.items()}
        if not any(params.get(name) for name in _ZOEKEN_CRITERIA):
            return 400, _fout("IPD1998", "Geef minimaal één zoekparameter op.")
        number = params.get("kvkNummer")
        if number is not None and not re.fullmatch(r"[0-9]{8}", number):
            return 400, _fout("IPD0004", f"Het KVK-nummer {number} is niet valide.")
        branch = params.get("vestigingsnummer")
        if branch is not None and not re.fullmatch(r"[0-9]{12}", branch):
            return 400, _fout("IPD0006", f"Het vestigingsnummer {branch} is niet valide.")
        try:
            page = int(params.get("pagina") or 1)
            per_page = int(params.get("resultatenPerPagina") or 10)
        except ValueError:
            page = per_page = 0
        if page < 1 or not 1 <= per_page <= 100:
            return 400, _fout("IPD1999", "De opgegeven pagina of resultatenPerPagina is ongeldig.")

        with self._lock:
            companies = sorted(self._companies.values(), key=lambda c: c.name.casefold())
        matches = [c for c in companies if self._matches(c, params)]
        shown = matches[(page - 1) * per_page : page * per_page]
        if not shown:
            return 404, _fout("IPD5200", "Geen resultaten gevonden voor deze zoekvraag.")
        body: dict[str, Any] = {
            "pagina": page,
            "resultatenPerPagina": per_page,
            "totaal": len(matches),
            "resultaten": [self._search_entry(c) for c in shown],
            "links": [{"rel": "self", "href": self._zoeken_href(query, page)}],
        }
        if page > 1:
            body["vorige"] = self._zoeken_href(query, page - 1)
        if page * per_page < len(matches):
            body["volgende"] = self._zoeken_href(query, page + 1)
        return 200, body

    @staticmethod
    def _matches(company: Company, params: dict[str, str]) -> bool:
        checks = {
            "kvkNummer": lambda v: company.kvk_number == v,
            "vestigingsnummer": lambda v: company.branch_number == v,
            "naam": company.matches_name,
            "plaats": lambda v: company.city.casefold() == v.casefold(),
            "postcode": lambda v: company.postal_code == v.replace(" ", "").upper(),
            "type": lambda v: v == "hoofdvestiging",
        }
        return all(check(params[name]) for name, check in checks.items() if params.get(name))

    def _zoeken_href(self, query: dict[str, list[str]], page: int) -> str:
        pairs = [(k, v[0]) for k, v in query.items() if k != "pagina"] + [("pagina", str(page))]
        return f"{self.base_url}/v2/zoeken?{urlencode(pairs)}"

    def _search_entry(self, company: Company) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "kvkNummer": company.kvk_number,
            "vestigingsnummer": company.branch_number,
            "naam": company.name,
        }
        if not company.visiting_address_shielded:
            entry["adres"] = {
                "binnenlandsAdres": {
                    "type": "bezoekadres",
                    "straatnaam": company.street,
                    "plaats": company.city,
                }
            }
        elif company.po_box is not None:
            number, _postcode, city = company.po_box
            entry["adres"] = {
                "binnenlandsAdres": {"type": "postadres", "postbusnummer": number, "plaats": city}
            }
        entry["type"] = "hoofdvestiging"
        entry["links"] = [
            {"rel": "basisprofiel", "href": self._profile_href(company)},
            {
                "rel": "vestigingsprofiel",
                "href": f"{self.base_url}/v1/vestigingsprofielen/{company.branch_number}",
            },
        ]
        return entry

    def _profile_href(self, company: Company) -> str:
        return f"{self.base_url}/v1/basisprofielen/{company.kvk_number}"

    def _basisprofiel(
        self, number: str, part: str | None, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        refused = _unknown_parameters(query, _BASISPROFIEL_PARAMETERS)
        if refused:
            return 400, refused
        if not re.fullmatch(r"[0-9]{8}", number):
            return 400, _fout("IPD0004", f"Het KVK-nummer {number} is niet valide.")
        with self._lock:
            company = self._companies.get(number)
        if company is None:
            return 404, _fout(
                "IPD0005", f"Het product is niet leverbaar voor KVK-nummer {number}."
            )
        profile = self._profile(company)
        if part is None:
            return 200, profile
        if part in ("eigenaar", "hoofdvestiging"):
            return 200, profile["_embedded"][part]
        return 404, _fout("IPD0001", f"Het gevraagde product {part} bestaat niet.")

    def _profile(self, company: Company) -> dict[str, Any]:
        self_link = self._profile_href(company)
        trade_names = company.trade_names or (company.name,)
        main_branch = {
            "vestigingsnummer": company.branch_number,
            "kvkNummer": company.kvk_number,
            "formeleRegistratiedatum": company.registration_date,
            "materieleRegistratie": {"datumAanvang": company.registration_date},
            "eersteHandelsnaam": trade_names[0],
            "indHoofdvestiging": "Ja",
            "indCommercieleVestiging": "Ja",
            "totaalWerkzamePersonen": company.employees,
            "adressen": self._addresses(company),
            "websites": [],
            "links": [
                {"rel": "self", "href": f"{self_link}/hoofdvestiging"},
                {
                    "rel": "vestigingsprofiel",
                    "href": f"{self.base_url}/v1/vestigingsprofielen/{company.branch_number}",
                },
            ],
        }
        owner = {
            "rechtsvorm": company.legal_form,
            "uitgebreideRechtsvorm": company.legal_form,
            "websites": [],
            "links": [
                {"rel": "self", "href": f"{self_link}/eigenaar"},
                {"rel": "basisprofiel", "href": self_link},
            ],
        }
        profile: dict[str, Any] = {
            "kvkNummer": company.kvk_number,
            "indNonMailing": "Ja",
            "naam": company.name,
            "formeleRegistratiedatum": company.registration_date,
            "materieleRegistratie": {"datumAanvang": company.registration_date},
            "totaalWerkzamePersonen": company.employees,
        }
        if company.is_legal_person:
            profile["statutaireNaam"] = company.name
        profile.update(
            {
                "handelsnamen": [
                    {"naam": name, "volgorde": order} for order, name in enumerate(trade_names)
                ],
                "sbiActiviteiten": [
                    {
                        "sbiCode": company.sbi_code,
                        "sbiOmschrijving": company.sbi_description,
                        "indHoofdactiviteit": "Ja",
                    }
                ],
                "links": [
                    {"rel": "self", "href": self_link},
                    {"rel": "eigenaar", "href": f"{self_link}/eigenaar"},
                    {"rel": "hoofdvestiging", "href": f"{self_link}/hoofdvestiging"},
                    {"rel": "vestigingen", "href": f"{self_link}/vestigingen"},
                ],
                "_embedded": {"hoofdvestiging": main_branch, "eigenaar": owner},
            }
        )
        return profile

    @staticmethod
    def _addresses(company: Company) -> list[dict[str, Any]]:
        addresses: list[dict[str, Any]] = []
        if company.visiting_address_shielded:
            addresses.append({"type": "bezoekadres", "indAfgeschermd": "Ja"})
        else:
            parts = (
                company.street, str(company.house_number), company.house_letter,
                company.house_number_addition, company.postal_code, company.city,
            )
            visiting: dict[str, Any] = {
                "type": "bezoekadres",
                "indAfgeschermd": "Nee",
                "volledigAdres": " ".join(part for part in parts if part),
                "straatnaam": company.street,
                "huisnummer": company.house_number,
            }
            if company.house_letter:
                visiting["huisletter"] = company.house_letter
            if company.house_number_addition:
                visiting["huisnummerToevoeging"] = company.house_number_addition
            visiting.update(
                {"postcode": company.postal_code, "plaats": company.city, "land": "Nederland"}
            )
            addresses.append(visiting)
        if company.po_box is not None:
            number, postcode, city = company.po_box
            addresses.append(
                {
                    "type": "correspondentieadres",
                    "indAfgeschermd": "Nee",
                    "volledigAdres": f"Postbus {number} {postcode} {city}",
                    "postbusnummer": number,
                    "postcode": postcode,
                    "plaats": city,
                    "land": "Nederland",
                }
            )
        return addresses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Serve the KvK stand-in (Zoeken v2, Basisprofiel v1) until Ctrl-C."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--api-key", default="demo")
    args = parser.parse_args(argv)

    standin = KvKStandIn(api_key=args.api_key, host=args.host, port=args.port, verbose=True)
    standin.start()
    print(f"KvK stand-in at {standin.base_url}  (header apikey: {args.api_key})")
    print("Companies:")
    for company in standin.companies:
        print(f"  {company.kvk_number}  {company.name}, {company.city}")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
