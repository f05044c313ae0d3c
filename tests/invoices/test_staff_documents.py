"""TechSupport find the document a customer asks about in its organization's list, when the
customer has no Delivery ID at hand."""

import re

import pytest

from invoices.models import Channel
from invoices.submission import accept
from tests.conftest import enable_totp, text, tied_error
from tests.invoices.conftest import invoice, received_over_peppol

pytestmark = pytest.mark.django_db


def listed(page: str) -> list[str]:
    table = page.split('id="staff-organization-documents"')[1].split("</table>")[0]
    return re.findall(r'<a href="/staff/documents/\d+/">([^<]+)</a>', table)


def test_it_lists_an_organizations_documents_and_finds_one(client, cast, sender, receiver):
    accept(sender, invoice("F-100"), Channel.PORTAL)
    accept(sender, invoice("F-101"), Channel.PORTAL)
    received_over_peppol(sender, "M-7")
    received_over_peppol(receiver, "ELSEWHERE-1")
    client.force_login(cast.techsupport)
    url = f"/staff/organizations/{sender.pk}/documents/"

    assert listed(text(client.get(url))) == ["M-7", "F-101", "F-100"]
    assert listed(text(client.get(url, {"q": "F-101"}))) == ["F-101"]
    assert listed(text(client.get(url, {"direction": "incoming"}))) == ["M-7"]
    page = text(client.get(url, {"q": "NOTHING-LIKE-IT"}))
    assert 'id="documents-none-match"' in page
    # The organization's page leads here.
    page = client.get(f"/staff/organizations/{sender.pk}/").content.decode()
    assert 'id="staff-all-documents"' in page and url in page


def test_it_says_when_an_organization_has_no_documents(client, cast, sender):
    client.force_login(cast.techsupport)
    page = text(client.get(f"/staff/organizations/{sender.pk}/documents/"))
    assert "has sent and received no documents yet" in page


def test_it_is_techsupports_alone(client, cast, sender):
    received_over_peppol(sender, "M-8")
    enable_totp(cast.sales)
    for user, refused in ((cast.sales, 403), (cast.admin, 404)):
        client.force_login(user)
        assert client.get(f"/staff/organizations/{sender.pk}/documents/").status_code == \
            refused
    client.force_login(cast.sales)
    page = client.get(f"/staff/organizations/{sender.pk}/").content.decode()
    assert 'id="staff-all-documents"' not in page


def test_it_shows_support_the_rules_a_refused_document_broke(client, cast, sender):
    document = accept(sender, invoice("F-102", buyer_reference=""), Channel.PORTAL)
    client.force_login(cast.techsupport)

    page = text(client.get(f"/staff/documents/{document.pk}/"))

    assert document.status == "refused"
    fatal = page.split('id="fatal"')[1].split("</table>")[0]
    assert "PEPPOL-EN16931-R003" in fatal and "/ubl:Invoice[1]" in fatal


@pytest.mark.parametrize("field, day", [("date_to", "9999-12-31"), ("date_from", "0001-01-01")])
def test_it_tells_support_a_day_at_the_calendars_edge_is_too_far_off(client, cast, sender,
                                                                     field, day):
    received_over_peppol(sender, "M-7")
    client.force_login(cast.techsupport)
    response = client.get(f"/staff/organizations/{sender.pk}/documents/", {field: day})
    assert response.status_code == 200
    assert tied_error(response, f"id_{field}") == \
        "This day is too far off to search by: enter a day closer to today."
