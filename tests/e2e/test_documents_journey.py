"""A test invoice travels from one organization's outbox to another's inbox; a refused upload
shows why; a duplicate is held back until the receiver's administrator releases it."""

import pytest

from customers.models import CustomerCard
from invoices.models import Direction, Document, Status
from tests.conftest import PASSWORD
from tests.invoices.conftest import invoice, make_receiver, make_sender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def upload(page, live_server, org, path):
    page.goto(f"{live_server.url}/organizations/{org.pk}/outbox/")
    page.get_by_role("link", name="Upload a UBL file").first.click()
    page.get_by_label("UBL file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and send").click()
    page.locator("#document-status").wait_for()


def test_it_sends_a_test_invoice_and_holds_a_duplicate_until_marked_original(
        live_server, page, cast, tmp_path):
    sender, _receiver = make_sender(cast), make_receiver(cast)
    CustomerCard.objects.create(organization=sender, name="Bakery Client BV",
                                customer_number="1001", endpoint_scheme="0106",
                                endpoint_value="87654321", legal_scheme="0106",
                                legal_value="87654321")
    sign_in_as(page, live_server, cast.admin)

    page.goto(f"{live_server.url}/organizations/{sender.pk}/")
    page.locator("#documents").get_by_role("link", name="Send a test invoice").click()
    page.get_by_label("Send to").select_option(label="Bakery Client BV (0106:87654321)")
    page.get_by_role("button", name="Send the test invoice").click()
    assert page.locator("#document-status").inner_text() == "Delivered"
    assert "Delivered inside the platform to Bakery Client BV" in \
        page.locator("#delivered-notice").inner_text()
    delivery_id = page.locator("#delivery-id").inner_text()
    assert delivery_id == str(Document.objects.get(direction=Direction.OUTGOING).delivery_id)

    page.get_by_role("navigation", name="Main navigation").get_by_role("link",
                                                                        name="Outbox").click()
    row = page.locator("#documents tbody tr").first
    assert "Bakery Client BV" in row.inner_text() and "Delivered" in row.inner_text()

    # A file that fails the official rules: the report says which rule and where.
    refused = tmp_path / "refused.xml"
    refused.write_bytes(invoice("F-REFUSED", buyer_reference=""))
    upload(page, live_server, sender, refused)
    assert page.locator("#document-status").inner_text() == "Refused"
    assert "PEPPOL-EN16931-R003" in page.locator("#fatal").inner_text()

    # The same invoice twice: the second is a duplicate at the receiver.
    good = tmp_path / "F-1.xml"
    good.write_bytes(invoice("F-1"))
    upload(page, live_server, sender, good)
    upload(page, live_server, sender, good)
    assert Document.objects.filter(status=Status.DUPLICATE).count() == 1

    sign_in_as(page, live_server, cast.client_admin)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link",
                                                                        name="Inbox").click()
    table = page.locator("#documents").inner_text()
    assert "TEST-" in table and "Duplicate" in table
    page.locator("#documents tbody tr", has_text="Duplicate").get_by_role("link").first.click()
    assert page.locator("#download").count() == 0
    page.get_by_role("link", name="Mark as original").click()
    page.get_by_label("Why it is not a duplicate").fill("Tweede levering, ander bedrag")
    page.get_by_role("button", name="Mark as original").click()
    assert page.locator("#document-status").inner_text() == "Received"
    assert "Tweede levering, ander bedrag" in page.locator("#timeline").inner_text()
    assert page.locator("#download").count() == 1


def received_by_the_client(page, live_server, cast, numbers):
    """Invoices the sender sends in the portal to the receiver here, whose administrator
    then signs in; returns the receiver."""
    from invoices.submission import submit

    sender, receiver = make_sender(cast), make_receiver(cast)
    for number in numbers:
        submit(sender, invoice(number), "portal", cast.admin)
    assert Document.objects.filter(status=Status.RECEIVED).count() == len(numbers)
    sign_in_as(page, live_server, cast.client_admin)
    return receiver


def test_it_marks_every_received_invoice_of_the_page_downloaded_after_asking(
        live_server, page, cast):
    receiver = received_by_the_client(page, live_server, cast, ("F-90", "F-91", "F-92"))

    page.goto(f"{live_server.url}/organizations/{receiver.pk}/inbox/")
    page.get_by_label("Choose every received invoice on this page").check()
    assert page.locator("input[name=document]:checked").count() == 3
    page.get_by_label("Choose F-91").uncheck()
    page.get_by_role("button", name="Mark selected as downloaded").click()
    chosen = page.locator("#chosen-documents").inner_text()
    assert "F-90" in chosen and "F-92" in chosen and "F-91" not in chosen
    page.get_by_role("button", name="Mark as downloaded").click()

    page.get_by_text("2 invoices are marked as downloaded.").wait_for()
    assert set(Document.objects.filter(status=Status.DOWNLOADED)
               .values_list("number", flat=True)) == {"F-90", "F-92"}
    # All three may still be chosen, for a processing status.
    assert page.locator("input[name=document]").count() == 3


def test_it_sets_the_processing_status_of_chosen_invoices_with_the_keyboard(
        live_server, page, cast):
    receiver = received_by_the_client(page, live_server, cast, ("F-93", "F-94", "F-95"))

    page.goto(f"{live_server.url}/organizations/{receiver.pk}/inbox/")
    page.get_by_label("Choose F-93").focus()
    page.keyboard.press("Space")
    page.get_by_label("Choose F-95").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Set processing status of selected").focus()
    page.keyboard.press("Enter")
    chosen = page.locator("#chosen-documents").inner_text()
    assert "F-93" in chosen and "F-95" in chosen and "F-94" not in chosen
    page.get_by_label("Under review").focus()
    page.keyboard.press("Space")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert page.get_by_label("Paid").is_checked()
    page.keyboard.press("Enter")

    page.get_by_text("2 invoices are now paid.").wait_for()
    assert set(Document.objects.filter(status=Status.PAID).values_list(
        "direction", "number")) == {(d, n) for d in (Direction.INCOMING, Direction.OUTGOING)
                                    for n in ("F-93", "F-95")}
    assert page.locator("#documents tbody tr", has_text="F-93").locator(".badge").inner_text() \
        == "Paid"


def open_as_receiver(page, live_server, cast, number):
    """An invoice the sender sends in the portal to the receiver here, opened by the
    receiver's administrator; returns the sender."""
    from invoices.submission import submit

    sender, _receiver = make_sender(cast), make_receiver(cast)
    submit(sender, invoice(number), "portal", cast.admin)
    received = Document.objects.get(direction=Direction.INCOMING)
    sign_in_as(page, live_server, cast.client_admin)
    page.goto(f"{live_server.url}/documents/{received.pk}/")
    return sender


def open_as_sender(page, live_server, cast, sender, number):
    sign_in_as(page, live_server, cast.admin)
    page.goto(f"{live_server.url}/organizations/{sender.pk}/outbox/")
    page.locator("#documents tbody tr", has_text=number).get_by_role("link").first.click()


def test_it_rejects_a_received_invoice_and_the_sender_reads_why(live_server, page, cast):
    sender = open_as_receiver(page, live_server, cast, "F-95")
    page.get_by_role("link", name="Reject").click()
    page.get_by_role("button", name="Reject invoice").click()
    # The browser asks for the reason before anything is sent.
    assert page.get_by_label("Reason").evaluate("field => !field.validity.valid")
    page.get_by_label("Reason").fill("Order 4711 does not exist")
    page.get_by_role("button", name="Reject invoice").click()
    assert page.locator("#document-status").inner_text() == "Rejected"
    assert "Order 4711 does not exist" in page.locator("#rejected-notice").inner_text()

    open_as_sender(page, live_server, cast, sender, "F-95")
    assert page.locator("#document-status").inner_text() == "Rejected"
    assert page.locator("#rejected-notice").inner_text() == \
        "Rejected by Bakery Client BV: Order 4711 does not exist"


def test_it_sets_a_processing_status_with_the_keyboard_and_the_sender_follows(
        live_server, page, cast):
    sender = open_as_receiver(page, live_server, cast, "F-96")
    page.get_by_role("link", name="Processing status").click()
    # The first choice, then the arrow keys move through the statuses; Enter sends.
    page.get_by_label("Under review").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Approved for payment").is_checked()
    page.keyboard.press("Enter")
    page.locator("#document-status").wait_for()
    assert page.locator("#document-status").inner_text() == "Approved for payment"
    assert "F-96 is now approved for payment." in page.locator("body").inner_text()

    open_as_sender(page, live_server, cast, sender, "F-96")
    assert page.locator("#document-status").inner_text() == "Under review"
    assert page.locator("#processing-notice").inner_text() == \
        "From the receiver: Bakery Client BV: Approved for payment"


def test_it_prints_a_received_invoice_without_the_screens_bars_and_buttons(
        live_server, page, cast):
    open_as_receiver(page, live_server, cast, "F-97")
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.printed") is True

    page.emulate_media(media="print")
    assert page.locator("#readable").is_visible() and page.locator("#timeline").is_visible()
    for on_screen_only in (".portal-bar", "footer", "#print", "#reject", ".breadcrumb"):
        assert not page.locator(on_screen_only).first.is_visible(), on_screen_only
    page.emulate_media(media="screen")
    assert page.locator(".portal-bar").is_visible() and page.locator("#print").is_visible()
