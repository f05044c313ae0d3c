"""Every page a demo login reaches meets WCAG 2.1 level A and AA as axe-core checks it:
contrast, names of links, buttons and fields, table headers, landmarks, languages.

One page of each kind is checked (the first document's page stands for all of them), in
English and in Dutch, at a laptop's width; and every page that takes an id, for an object
made as the tenancy walk makes it, in English."""

from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from onboarding.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.customers.conftest import peppol  # noqa: F401 - stand-in fixture
from tests.e2e.browsing import new_page, sign_in
from tests.portal.test_odd_input import LEFT_ALONE
from tests.portal.test_tenancy_walk import ALL_OBJECT_URLS, object_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STANDARD = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"]}
MOST_PAGES = 80


def kind_of_page(url: str):
    """The view and the query's names: pages of one kind share their template."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    names = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair})
    return match.route, tuple(names)


def problems_on_pages(page, live_server, starts) -> list[str]:
    axe, problems = Axe(), []
    seen, kinds, queue = set(), set(), deque(starts)
    while queue and len(kinds) < MOST_PAGES:
        url = queue.popleft()
        kind = kind_of_page(url)
        if url in seen or kind is None or kind in kinds:
            continue
        seen.add(url)
        try:
            answer = page.goto(live_server.url + url)
        except PlaywrightError as error:
            if "Download is starting" in error.message:
                continue  # a file, not a page
            raise
        if answer is None or answer.status != 200 \
                or "html" not in (answer.headers.get("content-type") or ""):
            continue
        kinds.add(kind)
        for link in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            target = urljoin(live_server.url, link).split("#")[0]
            if target.startswith(live_server.url):
                path = target[len(live_server.url):] or "/"
                if not path.startswith(LEFT_ALONE):
                    queue.append(path)
        problems += problems_on(page, axe, url)
    assert len(kinds) > 5, kinds
    return problems


def problems_on(page, axe, url) -> list[str]:
    return [f"{url}: {violation['id']} ({violation['help']}) at {' '.join(node['target'])}"
            for violation in axe.run(page, options=STANDARD).response["violations"]
            for node in violation["nodes"][:3]]


@pytest.mark.parametrize("email,staff", [
    ("admin@demo-bakery.nl", False),
    ("accountant@demo-accountants.nl", False),
    ("techsupport@portal.example", True),
])
@pytest.mark.parametrize("locale", ["en-GB", "nl-NL"])
def test_it_meets_wcag_aa_on_every_kind_of_page(live_server, browser, email, staff, locale,
                                                 peppol):  # noqa: F811
    call_command("seed_demo")
    page = new_page(browser, locale=locale)
    sign_in(page, live_server, email, totp=staff, password=DEMO_PASSWORD,
            totp_secret=DEMO_TOTP_SECRET)

    problems = problems_on_pages(page, live_server, ["/staff/"] if staff else ["/"])

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["en-GB", "nl-NL"])
def test_it_meets_wcag_aa_before_signing_in(live_server, browser, locale):
    page = new_page(browser, locale=locale)

    problems = problems_on_pages(page, live_server, ["/accounts/login/", "/accounts/signup/",
                                                     "/accounts/password/reset/"])

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ALL_OBJECT_URLS)
def test_it_meets_wcag_aa_on_every_page_that_takes_an_id(live_server, browser, cast, name,
                                                         peppol):  # noqa: F811
    url, user = object_page(cast, name)
    looked = Client()
    looked.force_login(user)
    answer = looked.get(url)
    if answer.status_code != 200 or "html" not in answer.get("Content-Type", ""):
        return  # an action, a download or a status for scripts: no page to read
    page = new_page(browser)
    sign_in(page, live_server, user.email, totp=user != cast.admin)
    page.goto(live_server.url + url)

    problems = problems_on(page, Axe(), url)

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("button", ["Mark selected as downloaded",
                                    "Set processing status of selected"])
def test_it_meets_wcag_aa_on_the_pages_a_selection_of_the_inbox_leads_to(
        live_server, browser, button, peppol):  # noqa: F811
    call_command("seed_demo")
    page = new_page(browser)
    sign_in(page, live_server, "admin@demo-bakery.nl", totp=False, password=DEMO_PASSWORD,
            totp_secret=DEMO_TOTP_SECRET)
    page.goto(live_server.url + "/documents/inbox/")
    page.locator("#choose-all").check()
    page.get_by_role("button", name=button).click()
    page.locator("#chosen-documents").wait_for()

    problems = problems_on(page, Axe(), page.url)

    assert not problems, "\n".join(problems)


def test_it_meets_wcag_aa_with_the_warning_of_another_companys_entra_tenant(
        live_server, browser, cast):
    from onboarding.models import EntraIdentity
    from tests.onboarding.test_activation_queue import pending_org

    organization = pending_org(cast)
    EntraIdentity.objects.create(user=cast.admin, tenant_id="tenant-elsewhere",
                                 object_id="object-anna", username="anna@elsewhere.example")
    page = new_page(browser)
    sign_in(page, live_server, cast.techsupport.email, totp=True)
    url = f"/staff/activations/{organization.pk}/"
    page.goto(live_server.url + url)
    assert page.locator("#foreign-tenants code").inner_text() == "tenant-elsewhere"

    problems = problems_on(page, Axe(), url)

    assert not problems, "\n".join(problems)
