"""An accountant sends authorisation requests to a list of clients: pasted from a spreadsheet
or uploaded as CSV, checked row by row, and sent only when confirmed."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding.models import (
    AuditEvent,
    AuthorisationRequest,
    Membership,
    Organization,
    Role,
    Subscription,
)
from tests.conftest import field_error, mails_to, make_user, sign_in, text
from tests.onboarding.test_authorisation_requests import as_accountant

pytestmark = pytest.mark.django_db

URL = "/clients/requests/list/"
REPLACES = "Ready Sent again when you send the list: it replaces the open request of"
# As a spreadsheet copies it: tab-separated, its column names in Dutch.
PASTED = ("Naam\tE-mailadres\tKvK-nummer\tPakket\n"
          "Bea Baker\tbea@bakery.nl\t87654321\tAFAS\n"
          "Carl Cook\tcarl@cook.nl\t1234\tAccept\n"
          "Dirk Dak\tnot-an-address\t11223344\tExact\n"
          "Bea Baker\tBEA@bakery.nl\t87654321\tafas\n"
          "Eva Ent\teva@ent.nl\t11223344\t4PS Business Central\n")


@pytest.fixture
def accountant(client, cast):
    cast.accountancy.subscription = Subscription.BASIC
    cast.accountancy.save(update_fields=["subscription"])
    return as_accountant(client, cast)


def verdicts(response) -> dict[int, str]:
    """{row number: what its Check column says}."""
    page = text(response)
    table = page.split('id="client-list"')[1].split("</table>")[0]
    return {int(line): " ".join(re.sub(r"<[^>]+>", " ", cell).split()) for line, cell in
            re.findall(r'<tr data-line="(\d+)">.*?<td>.*?</td>.*?</td>.*?</td>.*?</td>\s*<td>(.*?)'
                       r"</td>\s*</tr>", table, re.S)}


def check_token(response) -> str:
    """The token of a checked list's page, which its Send button posts."""
    return re.search(r'name="check" value="([^"]+)"', response.content.decode()).group(1)


def send_list(accountant, data):
    """Check the list, then send it from the page that showed it."""
    checked = accountant.post(URL, {**data, "action": "check"})
    return accountant.post(URL, {**data, "action": "send", "check": check_token(checked)})


def test_it_checks_each_row_and_sends_nothing_yet(accountant):
    response = accountant.post(URL, {"rows": PASTED, "action": "check"})

    found = verdicts(response)
    assert found[2] == "Ready"
    assert "KvK number" in found[3] and "Not sent" in found[3]
    assert "Client's email address" in found[4]
    assert "Exact is not a package here" in found[4]
    assert found[5] == "Not sent The same client as row 2."
    assert found[6] == "Ready"
    assert "2 of 5 clients are ready." in text(response)
    assert "Send 2 authorisation requests" in text(response)
    assert AuthorisationRequest.objects.count() == 0
    assert mail.outbox == []


def test_it_sends_the_ready_rows_with_a_mail_each_when_confirmed(accountant, cast):
    response = send_list(accountant, {"rows": PASTED, "message": "Tot snel!"})

    assert response.status_code == 302 and response.url == "/clients/"
    sent = AuthorisationRequest.objects.order_by("client_email")
    assert [(r.client_email, r.registry_number, r.software, r.message) for r in sent] == [
        ("bea@bakery.nl", "87654321", "afas", "Tot snel!"),
        ("eva@ent.nl", "11223344", "4ps_business_central", "Tot snel!")]
    assert len(mails_to("bea@bakery.nl")) == 1 and len(mails_to("eva@ent.nl")) == 1
    assert mails_to("carl@cook.nl") == []
    assert AuditEvent.objects.filter(environment=cast.accountancy,
                                     action="authorisation_request.sent").count() == 2
    page = text(accountant.get("/clients/"))
    assert "2 authorisation requests were sent." in page
    assert "Bea Baker" in page and "Eva Ent" in page


def test_it_reads_a_csv_file_as_excel_saves_it(accountant):
    content = ("Name;Email;KvK number;Software\r\n"
               "Zoë Zwart;zoe@zwart.nl;87654321;4PS Construct\r\n").encode("cp1252")

    response = accountant.post(URL, {"file": SimpleUploadedFile("clients.csv", content),
                                     "action": "check"})

    assert verdicts(response) == {2: "Ready"}
    assert "Zoë Zwart" in text(response) and "4PS Construct" in text(response)
    # The second step sends the list as text, whatever way it came.
    accountant.post(URL, {"rows": re.search(r'<textarea name="rows" hidden aria-hidden="true">'
                                            r"(.*?)</textarea>", text(response), re.S).group(1),
                          "action": "send", "check": check_token(response)})
    assert AuthorisationRequest.objects.get().client_name == "Zoë Zwart"


def test_it_numbers_the_rows_as_the_spreadsheet_does_and_names_the_packages(accountant):
    # A blank row copied from Excel comes as tabs only; the rows after it keep their number.
    rows = ("Name\tEmail\tKvK\tSoftware\n"
            "Bea Baker\tbea@bakery.nl\t87654321\tafas\n"
            "\t\t\t\n"
            "Carl Cook\tcarl@cook.nl\t1234\t4ps_construct\n")

    response = accountant.post(URL, {"rows": rows, "action": "check"})

    found = verdicts(response)
    assert set(found) == {2, 4}
    assert found[2] == "Ready" and "KvK number" in found[4]
    table = text(response).split('id="client-list"')[1].split("</table>")[0]
    # Also on a row that is not sent, the package reads by its name.
    assert "4PS Construct" in table and "4ps_construct" not in table


def test_it_takes_the_list_one_way_and_says_what_is_wrong_with_a_file(accountant):
    pasted = "Name\tEmail\tKvK\tSoftware\nBea\tbea@bakery.nl\t87654321\tAFAS\n"
    both = accountant.post(URL, {"rows": pasted, "action": "check",
                                 "file": SimpleUploadedFile("clients.csv", pasted.encode())})
    empty = accountant.post(URL, {"action": "check",
                                  "file": SimpleUploadedFile("clients.csv", b"")})

    assert both.status_code == 400
    assert "Paste the list or upload a file, not both" in field_error(both, "file")
    assert "empty" in field_error(empty, "file")
    assert field_error(empty, "rows") == ""
    assert AuthorisationRequest.objects.count() == 0


def test_it_says_which_columns_it_misses_next_to_the_list(accountant):
    response = accountant.post(URL, {"rows": "Name\tEmail\nBea\tbea@bakery.nl\n",
                                     "action": "check"})

    assert response.status_code == 400
    assert "Not found: KvK number, Software package." in field_error(response, "rows")


def test_it_refuses_an_empty_list_and_one_too_long(accountant):
    empty = accountant.post(URL, {"rows": "  ", "action": "check"})
    assert "The list is empty" in field_error(empty, "rows")
    rows = "".join(f"C{n}\tc{n}@x.nl\t87654321\tAFAS\n" for n in range(201))
    long = accountant.post(URL, {"rows": "Name\tEmail\tKvK\tSoftware\n" + rows,
                                 "action": "check"})
    assert "The list has 201 clients. Send at most 200 at once." in field_error(long, "rows")
    large = accountant.post(URL, {"action": "check", "file": SimpleUploadedFile(
        "clients.csv", b"Name;Email;KvK;Software\n" + b"x" * 300_000)})
    assert field_error(large, "file") == (
        "The file is larger than 195.3 KB, the most one list may be. Send at most 200 "
        "clients at once, without columns the portal does not read.")


def test_it_marks_a_client_already_worked_for_and_a_request_sent_again(accountant, cast):
    bakery = Organization.create(environment=cast.client, by=cast.client_admin,
                                 name="Bakery BV", registry_number="87654321",
                                 registry_checked=True)
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Bea", client_email="owner@bakery.nl",
                              software="afas", registry_number="87654321"
                              ).accept(cast.client_admin, bakery)
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Eva", client_email="eva@ent.nl", software="afas",
                              registry_number="11223344")

    found = verdicts(accountant.post(URL, {"rows": PASTED, "action": "check"}))

    assert found[2] == "Not sent Already your client: Bakery BV."
    # A name that ends in a full stop ends the sentence once.
    Organization.objects.filter(pk=bakery.pk).update(name="Bakery B.V.")
    found = verdicts(accountant.post(URL, {"rows": PASTED, "action": "check"}))
    assert found[2] == "Not sent Already your client: Bakery B.V."
    assert found[6].startswith(REPLACES)


def test_it_holds_back_a_row_on_the_accountancys_own_domain_before_sending(accountant, cast):
    rows = PASTED + "Col League\tcol@numbers.nl\t55667788\tAFAS\n"

    checked = accountant.post(URL, {"rows": rows, "action": "check"})
    found = verdicts(checked)
    accountant.post(URL, {"rows": rows, "action": "send", "check": check_token(checked)})

    assert found[7].startswith("Not sent This address is on your own company's domain")
    # The other ready rows went out, and nothing stopped halfway.
    assert sorted(AuthorisationRequest.objects.values_list("client_email", flat=True)) == [
        "bea@bakery.nl", "eva@ent.nl"]


def one_sent_today(cast, settings, *, limit):
    """A day's limit of `limit` requests, one of which went out already."""
    settings.AUTHORISATION_REQUESTS_PER_DAY = limit
    AuthorisationRequest.send(environment=cast.accountancy, by=cast.accountant,
                              client_name="Ann", client_email="ann@ant.nl", software="afas",
                              registry_number="12345678")


def test_it_refuses_a_list_longer_than_what_may_go_out_today(accountant, cast, settings):
    one_sent_today(cast, settings, limit=2)

    checked = accountant.post(URL, {"rows": PASTED, "action": "check"})
    sent = accountant.post(URL, {"rows": PASTED, "action": "send",
                                 "check": check_token(checked)})

    said = ("Only 1 more request may be sent in the next 24 hours (at most 2 a day), and 2 are "
            "ready. Shorten the list, and send the rest tomorrow.")
    assert said in text(checked) and "Send 2 authorisation requests" not in text(checked)
    assert said in text(sent)
    assert AuthorisationRequest.objects.count() == 1 and mail.outbox == []


def test_it_sends_a_checked_list_once_from_its_page(accountant):
    checked = accountant.post(URL, {"rows": PASTED, "action": "check"})
    sent = {"rows": PASTED, "action": "send", "check": check_token(checked)}
    accountant.post(URL, sent)

    # The same page again, from the Back button: checked anew, and sent only when asked.
    again = accountant.post(URL, sent)

    assert again.status_code == 200
    assert "This list was sent already." in text(again)
    assert verdicts(again)[2].startswith(REPLACES)
    assert AuthorisationRequest.objects.count() == 2
    assert len(mails_to("bea@bakery.nl")) == 1
    accountant.post(URL, {**sent, "check": check_token(again)})
    assert len(mails_to("bea@bakery.nl")) == 2


def test_it_keeps_the_list_to_change_it(accountant):
    response = accountant.post(URL, {"rows": PASTED, "action": "edit"})

    assert response.status_code == 200
    assert "Carl Cook" in text(response) and 'id="client-list"' not in text(response)


def test_it_needs_a_paid_plan_and_an_advanced_user(client, accountant, cast):
    cast.accountancy.subscription = Subscription.INVOICE_PORTAL
    cast.accountancy.save(update_fields=["subscription"])
    refused = send_list(accountant, {"rows": PASTED})
    assert "need at least a Basic subscription" in text(refused)
    assert AuthorisationRequest.objects.count() == 0

    junior = make_user("junior@numbers.nl")
    Membership.objects.create(environment=cast.accountancy, user=junior, role=Role.BASIC)
    sign_in(client, junior)
    assert client.get(URL).status_code == 403


def test_it_reads_excels_unicode_text_and_names_a_workbook_for_what_it_is(accountant):
    unicode_text = ("Name\tEmail\tKvK number\tSoftware\r\n"
                    "Zoë Zwart\tzoe@zwart.nl\t87654321\tAFAS\r\n").encode("utf-16")
    workbook = b"PK\x03\x04" + bytes(200)

    read = accountant.post(URL, {"file": SimpleUploadedFile("clients.csv", unicode_text),
                                 "action": "check"})
    refused = accountant.post(URL, {"file": SimpleUploadedFile("clients.csv", workbook),
                                    "action": "check"})

    assert verdicts(read) == {2: "Ready"} and "Zoë Zwart" in text(read)
    assert refused.status_code == 400
    assert "This is an Excel workbook, not a CSV file." in text(refused)


def test_it_says_when_nothing_more_may_go_out_today(accountant, cast, settings):
    one_sent_today(cast, settings, limit=1)
    checked = accountant.post(URL, {"rows": PASTED, "action": "check"})
    assert "No more requests may be sent in the next 24 hours (at most 1 a day)." in \
        text(checked)
