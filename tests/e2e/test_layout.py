"""Laptop widths: the navigation bar fits on one row with the account menu in reach, a
document list shows every column without scrolling sideways, and a form that fails says so
at the top and puts the cursor in the first field in error."""

import re

import pytest

from onboarding.models import Invitation, Organization
from tests.e2e.browsing import Watcher, new_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1200, 1280, 1366, 1410)


def fits(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("language", ["en", "nl"])
def test_it_keeps_the_account_menu_on_screen_at_laptop_widths(
        live_server, browser, cast, language):
    # The longest bar: an environment administrator with a long first name.
    user = cast.admin
    user.first_name, user.language = "Anna-Maria", language
    user.save()
    for width in WIDTHS:
        page = new_page(browser, width=width)
        sign_in(page, live_server, user.email)
        page.goto(f"{live_server.url}/organizations/")
        if width in (1200, 1280, 1366):
            screenshot(page, f"navbar-{language}-{width}")
        assert fits(page), f"sideways scroll at {width} px in {language}"
        # The links take one row: every link starts on the line of the brand.
        tops = page.evaluate("""() => [...document.querySelectorAll(
            "nav.navbar .navbar-brand, nav.navbar .navbar-nav > .nav-item")].map(
            element => Math.round(element.getBoundingClientRect().top))""")
        assert max(tops) - min(tops) < 20, (width, language, tops)
        menu = page.locator("#account-menu")
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
        menu.click()
        sign_out = page.locator("form[action='/accounts/logout/'] button")
        sign_out.wait_for(state="visible")
        out = sign_out.bounding_box()
        assert out["x"] + out["width"] <= width, (width, out)
        page.context.close()


CLIPPED_CHOICES = """(form) => [...form.querySelectorAll("select, input[placeholder]")]
.filter(field => {
    const style = getComputedStyle(field);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const room = field.clientWidth - parseFloat(style.paddingLeft)
        - parseFloat(style.paddingRight);
    const shown = field.tagName === "SELECT" ? field.options[field.selectedIndex].text
        : field.placeholder;
    return context.measureText(shown).width > room;
}).map(field => field.name)"""


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_filter_bars_show_their_choices_whole_at_1280_px(
        live_server, browser, cast, language):
    cast.admin.language = language
    cast.admin.save()
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)
    for path, form_id in (("/documents/outbox/", "document-filters"),
                          ("/documents/inbox/", "document-filters"),
                          ("/documents/", "document-filters"),
                          ("/activity/", "activity-filter")):
        page.goto(f"{live_server.url}{path}")
        form = page.locator(f"#{form_id}")
        assert form.evaluate(CLIPPED_CHOICES) == [], (path, language)
        assert fits(page), (path, language)
        # The first field and the Filter button share the first row.
        first = form.locator("input:not([type=hidden]), select").first
        button = form.get_by_role("button")
        assert first.bounding_box()["y"] <= button.bounding_box()["y"] \
            <= first.bounding_box()["y"] + first.bounding_box()["height"] \
            or path == "/documents/", (path, language)


@pytest.mark.parametrize("language", ["en", "nl"])
@pytest.mark.parametrize("who, paths", [
    ("techsupport", ("/staff/", "/staff/activations/", "/staff/party-links/",
                     "/staff/organizations/", "/staff/environments/{company}/")),
    ("admin", ("/organizations/?q=acme", "/users/", "/connection-keys/", "/webhooks/")),
])
def test_the_list_filter_bars_show_their_choices_and_hints_whole_at_1280_px(
        live_server, browser, cast, language, who, paths):
    user = getattr(cast, who)
    user.language = language
    user.save()
    page = new_page(browser, width=1280)
    sign_in(page, live_server, user.email, totp=who == "techsupport")
    for path in paths:
        page.goto(f"{live_server.url}{path.format(company=cast.company.pk)}")
        assert fits(page), (path, language)
        # The staff home has two: finding an organization, and filtering its environments.
        for form in page.locator("form[role=search]").all():
            assert form.evaluate(CLIPPED_CHOICES) == [], (path, language)
            # What does not fit goes to a second row, and the button never alone.
            last, button = form.locator("input, select").last, form.get_by_role("button")
            assert abs(last.bounding_box()["y"] - button.bounding_box()["y"]) < 2, \
                (path, language)


def test_it_signs_out_from_the_account_menu_at_1280_px(live_server, browser, cast):
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)
    page.locator("#account-menu").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: "/accounts/" in url or url.endswith("/"))
    page.goto(f"{live_server.url}/organizations/")
    assert "/accounts/login/" in page.url


def summary_items(page) -> list[str]:
    summary = page.locator("#form-error-summary")
    summary.wait_for()
    return [item.strip() for item in summary.locator("li").all_inner_texts()]


@pytest.mark.parametrize("width", [1280, 1366])
def test_it_sums_up_a_failed_form_at_the_top_and_focuses_the_field(
        live_server, browser, cast, width):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    page = new_page(browser, width=width)
    watcher = Watcher(page)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/{org.pk}/")
    form = page.locator("#identifier-form")
    form.locator("select").select_option("0088")
    form.locator("input[name=value]").fill("1234567890123")
    form.locator("button[type=submit]").click()

    items = summary_items(page)
    screenshot(page, f"error-summary-{width}")
    assert items == ["Identifier: The last digit of this GLN does not match the others; "
                     "check for a typo."]
    assert page.evaluate("() => document.activeElement.name") == "value"
    # The summary comes first in the page's content, above the heading.
    assert page.evaluate("""() => {
        const main = document.getElementById("main");
        const summary = document.getElementById("form-error-summary");
        return summary.compareDocumentPosition(main.querySelector("h1"))
            & Node.DOCUMENT_POSITION_FOLLOWING;
    }""")
    assert page.locator("#form-error-summary").is_visible()
    page.locator("#form-error-summary a").click()
    assert page.evaluate("() => document.activeElement.id") == "id_value"
    assert watcher.problems == []


def test_it_sums_up_a_failed_sign_in(live_server, browser, cast):
    page = new_page(browser)
    watcher = Watcher(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(cast.admin.email)
    page.locator("#id_password").fill("not the password")
    page.locator("button[type=submit]").click()
    items = summary_items(page)
    assert any("not correct" in item for item in items), items
    # Said once, in the summary, with the cursor back in the first field to try again.
    assert page.get_by_text("not correct").count() == 1
    assert page.evaluate("document.activeElement.id") == "id_login"
    # Above the sign-in form and as wide as it, not across the page.
    summary = page.locator("#form-error-summary").bounding_box()
    field = page.locator("#id_login").bounding_box()
    assert abs(summary["x"] - field["x"]) < 2 and summary["width"] <= field["width"] + 2
    # Console errors from a refused sign-in (a 400 answer) are the browser's own note.
    assert [p for p in watcher.problems if "status of 400" not in p] == []


def test_it_sums_up_every_field_of_a_customer_card_in_dutch(live_server, browser, cast):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    cast.admin.language = "nl"
    cast.admin.save()
    page = new_page(browser, width=1366)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/{org.pk}/customers/add/")
    page.locator("#id_endpoint_value").fill("0106:1234")
    page.locator("form button[type=submit]").last.click()
    items = summary_items(page)
    screenshot(page, "error-summary-card-nl-1366")
    assert page.locator("#form-error-summary h2").inner_text() == "Verbeter het volgende:"
    assert len(items) >= 3, items
    assert page.evaluate("() => document.activeElement.id") == "id_name"


def overlaps(a, b) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("width", [1280, 1366])
def test_it_lays_out_the_activity_filter_without_overlap(live_server, browser, cast, width):
    cast.admin.language = "nl"
    cast.admin.save()
    Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                        registry_number="12345678", registry_checked=True)
    page = new_page(browser, width=width)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/activity/")
    screenshot(page, f"activity-nl-{width}")
    form = page.locator("#activity-filter")
    labels = [label.bounding_box() for label in form.locator("label").all()]
    controls = [control.bounding_box() for control in form.locator("input, select").all()]
    assert len(labels) == 5 and len(controls) == 5
    assert [(a, b) for a in labels for b in controls if overlaps(a, b)] == []
    for label, control in zip(labels, controls, strict=True):
        # Each label sits above its own field, not beside another one.
        assert label["y"] + label["height"] <= control["y"] + 1
        assert control["width"] >= 150
    assert "Organisatie toegevoegd" in form.locator("select[name=action]").inner_text()


# Every table wider than the box it stands in, by its id: a table that scrolls inside
# itself hides its last columns (the status's date) until one scrolls sideways.
TABLES_TOO_WIDE = """() => [...document.querySelectorAll("main table")].filter(
    table => table.getBoundingClientRect().width > table.parentElement.clientWidth + 1
        || table.parentElement.scrollWidth > table.parentElement.clientWidth + 1
).map(table => table.id || table.className)"""


def long_numbered_documents(cast, sender):
    """What makes a document list wide: test invoices' long numbers (and one without a
    hyphen), attachments, a receiver's identifier beside its name, long statuses and a long
    reason below one, credit notes, in both directions."""
    from datetime import date

    from invoices.models import Channel, Direction, Document, DocumentType, Status
    from tests.invoices.conftest import invoice, received_over_peppol

    for number, status, reason in (
            ("TEST-20261206-072115", Status.DELIVERED, ""),
            ("TEST-20261206-072116", Status.REFUSED,
             "BR-NL-1: For suppliers in the Netherlands the supplier MUST provide either a "
             "KVK or OIN number for its legal entity identifier; see "
             "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0")):
        Document.store(organization=sender, direction=Direction.OUTGOING, status=status,
                       content=invoice(number), channel=Channel.TEST, by=cast.admin,
                       number=number, counterparty_name="Bakery Client BV",
                       receiver_scheme="0106", receiver_value="87654321",
                       status_reason=reason)
    for number, status in (("INV20260000012345678901234567NL", Status.APPROVED_FOR_PAYMENT),
                           ("TEST-20261206-072117", Status.RECEIVED)):
        received_over_peppol(sender, number, status=status)
    Document.objects.filter(direction=Direction.INCOMING).update(
        counterparty_name="Groothandel Van der Westhuizen-Oosterhout BV")
    Document.objects.filter(number__in=("TEST-20261206-072116", "TEST-20261206-072117")) \
        .update(document_type=DocumentType.CREDIT_NOTE)
    Document.objects.filter(number__contains="20261206").update(
        attachment_count=2, currency="EUR", payable_amount="-1234567.89",
        issue_date=date(2026, 12, 6))


@pytest.mark.parametrize("language", ["en", "nl"])
def test_it_fits_the_document_setup_and_webhook_pages_on_a_laptop(
        live_server, browser, cast, language, django_capture_on_commit_callbacks):
    from invoices.models import Channel
    from invoices.submission import submit
    from tests.invoices.conftest import invoice, make_receiver, make_sender
    from webhooks.models import Topic, Webhook

    cast.admin.language = language
    cast.admin.save()
    sender = make_sender(cast)
    make_receiver(cast)
    with django_capture_on_commit_callbacks(execute=True):
        document = submit(sender, invoice("F-LAYOUT-1"), Channel.PORTAL, cast.admin).document
    long_numbered_documents(cast, sender)
    hook, _secret = Webhook.create(
        by=cast.admin, environment=cast.company, organization=sender,
        url="http://127.0.0.1:9/a-rather-long-path/for/the/webhook/receiver",
        topics=[value for value, _label in Topic.choices])
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)
    for name, path in {"integrations": "/integrations/", "outbox": "/documents/outbox/",
                       "inbox": "/documents/inbox/", "documents": "/documents/",
                       "own-outbox": f"/organizations/{sender.pk}/outbox/",
                       "own-inbox": f"/organizations/{sender.pk}/inbox/",
                       "document": document.get_absolute_url(), "webhooks": "/webhooks/",
                       "webhook": f"/webhooks/{hook.pk}/"}.items():
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").count() == 1, path
        screenshot(page, f"{name}-{language}-1280")
        assert fits(page), f"sideways scroll on {path} at 1280 px in {language}"
        assert page.evaluate(TABLES_TOO_WIDE) == [], \
            f"a table scrolls sideways on {path} at 1280 px in {language}"
        if name in ("outbox", "inbox", "documents", "own-outbox", "own-inbox"):
            # The long numbers are listed, and the last column is on screen.
            assert "TEST-20261206-07211" in page.locator("#documents").inner_text(), path
            since = page.locator("#documents thead th").last.bounding_box()
            assert since["x"] + since["width"] <= 1280, (path, language, since)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_it_breaks_a_long_name_without_spaces_rather_than_scroll_sideways(
        live_server, browser, cast, language):
    from customers.models import CustomerCard

    cast.admin.language = language
    cast.admin.save()
    name = "Groothandelsonderneming" * 8  # 184 characters, no space
    organization = Organization.create(environment=cast.company, by=cast.admin, name=name,
                                       registry_number="12345678", registry_checked=True)
    card = CustomerCard.create(organization, by=cast.admin, environment=cast.company,
                               customer_number="C-1", name=name)
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.admin.email)
    for path in (f"/organizations/{organization.pk}/",
                 f"/organizations/{organization.pk}/customers/",
                 f"/customers/{card.pk}/", f"/customers/{card.pk}/edit/"):
        page.goto(f"{live_server.url}{path}")
        assert name[:40] in page.locator("h1").inner_text() or \
            name[:40] in page.locator(".breadcrumb").inner_text(), path
        assert fits(page), f"sideways scroll on {path} at 1280 px in {language}"
    # In a notice: the key list of the organization, which is not active yet.
    page.goto(f"{live_server.url}/connection-keys/?organization={organization.pk}")
    assert name[:40] in page.locator("#keys-need-activation").inner_text()
    assert fits(page), f"sideways scroll on the key list at 1280 px in {language}"
    # In the message after a change.
    page.goto(f"{live_server.url}/customers/{card.pk}/delete/")
    page.locator("main form button.btn-danger").click()
    assert name[:40] in page.locator(".messages .alert-success").inner_text()
    assert fits(page), f"sideways scroll after a change at 1280 px in {language}"


def test_it_keeps_the_clients_list_within_a_laptop_with_a_long_client_name(
        live_server, browser, cast):
    from onboarding.models import AuthorisationRequest, Subscription

    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save()
    name = "Groothandelsonderneming" * 8  # 184 characters, no space
    sent = AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                                     client_name=name, client_email="owner@bakery.nl",
                                     software="afas", registry_number="87654321")
    page = new_page(browser, width=1280)
    sign_in(page, live_server, cast.accountant.email)
    page.locator("#environment-menu").click()
    page.get_by_role("button", name=re.compile("Numbers Accountants")).click()
    page.locator("#environment-menu").filter(has_text="Numbers Accountants").wait_for()
    for path in ("/clients/", f"/clients/requests/{sent.pk}/withdraw/"):
        page.goto(f"{live_server.url}{path}")
        assert name[:40] in page.locator("main").inner_text(), path
        assert fits(page), f"sideways scroll on {path} at 1280 px"
    # The row's buttons stay in sight.
    withdraw = page.goto(f"{live_server.url}/clients/") and \
        page.locator("#clients").get_by_role("link", name="Withdraw")
    box = withdraw.bounding_box()
    assert box["x"] + box["width"] <= 1280


def test_it_shows_where_the_keyboard_is_on_the_main_bar(live_server, browser, cast):
    page = new_page(browser)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.portal-bar .navbar-nav')"):
            break

    outline = page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return [style.outlineStyle, style.outlineColor, style.outlineWidth]; }""")

    # White on the bar's blue, not Bootstrap's pale blue shadow.
    assert outline == ["solid", "rgb(255, 255, 255)", "2px"]


def test_it_shows_where_the_keyboard_is_in_the_bars_menus(live_server, browser, cast):
    page = new_page(browser)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/")
    page.locator("#integrations-menu").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")

    focused = page.evaluate("""() => {
        const element = document.activeElement, style = getComputedStyle(element);
        return [!!element.closest('.dropdown-menu'), style.outlineStyle, style.outlineColor]; }""")

    # The bar's dark blue on the white menu, not the white outline of the bar itself.
    assert focused == [True, "solid", "rgb(11, 94, 215)"]


def test_it_shows_where_the_keyboard_is_in_a_form_on_white(live_server, browser, cast):
    page = new_page(browser)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/organizations/add/")
    seen = {}
    for _ in range(60):
        page.keyboard.press("Tab")
        kind = page.evaluate("""() => {
            const element = document.activeElement;
            if (!element.closest('main')) return '';
            return element.matches('.btn') ? 'button'
                : element.matches('.form-check-input') ? 'choice' : ''; }""")
        if kind and kind not in seen:
            seen[kind] = page.evaluate("""() => {
                const style = getComputedStyle(document.activeElement);
                return [style.outlineStyle, style.outlineColor, style.outlineWidth]; }""")
        if len(seen) == 2:
            break

    # A solid dark blue outline, which stands out from white, not only Bootstrap's pale
    # blue shadow.
    assert seen == {"choice": ["solid", "rgb(11, 94, 215)", "2px"],
                    "button": ["solid", "rgb(11, 94, 215)", "2px"]}


def test_it_posts_a_form_once_however_often_it_is_sent(live_server, browser, cast):
    page = new_page(browser)
    sign_in(page, live_server, cast.admin.email)
    page.goto(f"{live_server.url}/users/invite/")
    page.locator("#id_email").fill("new.colleague@acme.nl")

    posted = page.evaluate("""() => {
        const form = document.getElementById("id_email").form;
        let posted = 0;
        // Counts what would leave the page, and keeps it here to count again.
        const count = (event) => {
            if (!event.defaultPrevented) posted += 1;
            event.preventDefault();
        };
        document.addEventListener("submit", count);
        form.requestSubmit();
        form.requestSubmit();
        document.removeEventListener("submit", count);
        return posted; }""")

    assert posted == 1
    # A page the Back button brings back may be sent again.
    page.evaluate("""() => window.dispatchEvent(new PageTransitionEvent("pageshow"))""")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert Invitation.objects.filter(email="new.colleague@acme.nl").count() == 1
