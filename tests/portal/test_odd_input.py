"""No page and no form answers odd input with a server error.

Each demo login walks the pages it can reach from its start page, then sends every form it
found as the browser would and again with odd values (text that is far too long, NUL
characters, nothing at all, values no select offers, impossible numbers and dates, ids no row
can have in place of those the page gave), and every filter bar and list with odd query
parameters. A second walk reaches what the first round of forms created. Then every page
that takes an id gets the same, for an object made as the tenancy walk makes it, so pages the
demo data does not reach are sent odd input too. Whatever the input, the answer is a page or
a clear refusal."""

from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
import pytest
from django.core.management import call_command
from django.test import Client

from onboarding.management.commands.seed_demo import DEMO_PASSWORD
from onboarding.models import User
from tests.conftest import sign_in
from tests.customers.conftest import peppol  # noqa: F401 - stand-in fixture
from tests.portal.test_tenancy_walk import ALL_OBJECT_URLS, object_page

pytestmark = pytest.mark.django_db

LOGINS = ["admin@demo-bakery.nl", "basic@demo-bakery.nl", "accountant@demo-accountants.nl",
          "techsupport@portal.example", "sales@portal.example"]
STARTS = ("/", "/staff/")
LEFT_ALONE = ("/accounts/logout/", "/static/", "/i18n/", "/api/")
WALKS = 2
MOST_PAGES = 300
# Kinds of odd input, by the kind of field they go into.
# "id" goes into the hidden fields, checkboxes and radio buttons that carry a row's id.
ODD = {
    "too long": {"text": "x" * 5000, "email": "a@" + "b" * 300 + ".nl", "number": "9" * 40,
                 "date": "99999-01-01", "choice": "9" * 40, "id": "9" * 40},
    "NUL": {"text": "a\x00b", "email": "a\x00@b.nl", "number": "1\x00", "date": "\x00",
            "choice": "\x00", "id": "1\x00"},
    "empty": {"text": "", "email": "", "number": "", "date": "", "choice": "", "id": ""},
    "wrong kind": {"text": "<b>&amp;</b>", "email": "not an address", "number": "abc",
                   "date": "31-31-2026", "choice": "no-such-choice", "id": "\u00b2"},
}
CARRY_IDS = ("hidden", "checkbox", "radio")
ODD_QUERIES = ("page=abc", "page=-1", "page=999999", "cursor=junk", "q=%00", "status=zzz",
               "sort=zzz", "date_from=zzz&date_to=2026-13-45", f"before={'9' * 40}",
               f"after={'9' * 40}")


def field_kind(element) -> str:
    if element.tag == "select":
        return "choice"
    kind = (element.get("type") or "text").lower()
    return {"email": "email", "number": "number", "date": "date"}.get(kind, "text")


def controls(form) -> list:
    """The form's fields: those inside it, and those elsewhere on the page that name it in
    their form attribute (the checkboxes of a list's rows, for one)."""
    outside = form.getroottree().xpath("//*[@form=$id][self::input or self::select or "
                                       "self::textarea]", id=form.get("id") or "") \
        if form.get("id") else []
    return [*form.inputs, *outside]


def as_sent(form) -> dict:
    """What the browser sends for `form` untouched."""
    data = {}
    for element in controls(form):
        name, kind = element.get("name"), (element.get("type") or "").lower()
        if not name or kind == "file":
            continue
        if element.tag == "select":
            options = element.xpath(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            if chosen:
                data[name] = chosen[0].get("value", chosen[0].text_content())
        elif element.tag == "textarea":
            data[name] = element.text or ""
        elif kind not in ("checkbox", "radio") or element.get("checked") is not None:
            data[name] = element.get("value") or ""
    return data


def with_odd_values(form, values) -> dict:
    data = as_sent(form)
    for element in controls(form):
        name, kind = element.get("name"), (element.get("type") or "").lower()
        if not name:
            continue
        if kind in CARRY_IDS:
            if (element.get("value") or "").isdigit():
                data[name] = values["id"]
        elif kind not in ("submit", "button", "file"):
            data[name] = values[field_kind(element)]
    return data


class Walker:
    def __init__(self, client):
        self.client = client
        self.seen, self.sent, self.failures = set(), set(), []
        # Pages and filter bars already asked with odd parameters, in an earlier walk.
        self.queried = set()

    def ask(self, method, url, data=None):
        try:
            response = getattr(self.client, method)(url, data)
        except Exception as error:  # noqa: BLE001 - the test client raises the view's error
            self.failures.append(f"{method.upper()} {url} {_short(data)}: {error!r}"[:400])
            return None
        if response.status_code >= 500:
            self.failures.append(f"{method.upper()} {url} {_short(data)}: "
                                 f"{response.status_code}")
        return response

    def walk(self):
        """Every page reachable from the start pages; returns the forms that post."""
        forms, queue = [], deque(STARTS)
        while queue and len(self.seen) < MOST_PAGES:
            url = queue.popleft()
            if url in self.seen:
                continue
            self.seen.add(url)
            links, posting = self.visit(url)
            queue.extend(links)
            forms += posting
        return forms

    def visit(self, url):
        """(the links on the page at `url`, its forms that post); its filter bars and the page
        itself are asked with odd parameters on the way."""
        response = self.ask("get", url)
        if response is None or response.status_code != 200 \
                or "html" not in response.get("Content-Type", ""):
            return [], []
        page = lxml.html.fromstring(response.content)
        links, forms = [], []
        for link in page.xpath("//a/@href"):
            target = urljoin(url, link).split("#")[0]
            parts = urlsplit(target)
            # Pages of this site only: not other hosts, nor mailto: and tel: links.
            if not parts.scheme and not parts.netloc and not target.startswith(LEFT_ALONE):
                links.append(target)
        for form in page.forms:
            action = urljoin(url, form.action or url)
            if action.startswith(LEFT_ALONE):
                continue
            if (form.method or "get").lower() == "post":
                forms.append((action, form))
                # A button may send the same form elsewhere.
                forms += [(urljoin(url, other), form) for other in form.xpath(
                    ".//button/@formaction | .//input/@formaction")]
            elif action not in self.queried:
                self.queried.add(action)
                self.filter_oddly(action.split("?")[0], form)
        if "?" not in url and url not in self.queried:
            self.queried.add(url)
            for query in ODD_QUERIES:
                self.ask("get", f"{url}?{query}")
        return links, forms

    def filter_oddly(self, action, form):
        for values in ODD.values():
            self.ask("get", f"{action}?{urlencode(with_odd_values(form, values))}")

    def send_oddly(self, forms):
        for action, form in forms:
            key = (action, tuple(sorted(e.get("name") or "" for e in form.inputs)))
            if key in self.sent:
                continue
            self.sent.add(key)
            self.ask("post", action, as_sent(form))
            for values in ODD.values():
                self.ask("post", action, with_odd_values(form, values))


def _short(data) -> str:
    if not data:
        return ""
    return str({name: value[:20] if isinstance(value, str) else value
                for name, value in data.items() if name != "csrfmiddlewaretoken"})


@pytest.mark.parametrize("email", LOGINS)
def test_it_answers_odd_input_on_every_page_and_form_without_a_server_error(
        email, peppol):  # noqa: F811
    call_command("seed_demo")
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.post("/accounts/reauthenticate/", {"password": DEMO_PASSWORD})
    walker = Walker(client)
    for _walk in range(WALKS):
        walker.send_oddly(walker.walk())
        walker.seen.clear()

    assert walker.sent, "no form was found"
    assert not walker.failures, "\n".join(walker.failures)


@pytest.mark.parametrize("name", ALL_OBJECT_URLS)
def test_it_answers_odd_input_on_every_page_that_takes_an_id_without_a_server_error(
        name, client, cast, peppol):  # noqa: F811
    url, user = object_page(cast, name)
    if user == cast.admin:
        sign_in(client, user)
    else:
        client.force_login(user)
    walker = Walker(client)

    _links, forms = walker.visit(url)
    walker.send_oddly(forms)
    # An action without a page of its own, sent odd values straight away.
    for values in ODD.values():
        walker.ask("post", url, {"reason": values["text"], "note": values["text"],
                                 "confirm": values["choice"]})

    assert not walker.failures, "\n".join(walker.failures)
