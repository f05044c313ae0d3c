"""An administrator sets up sending, adds a customer, checks it on Peppol and imports more."""

import pytest

from customers.models import CustomerCard, SendingProfile
from onboarding.models import Organization
from tests.conftest import PASSWORD
from tests.standins.dns_smp import CREDIT_NOTE, INVOICE, PeppolNetwork

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORT = b"""klantnummer;naam;endpoint id;buyer reference
2001;Garage Zuid;0106:87654321;your reference
2002;Slager Noord;0088:1234567890123;your reference
2003;Gemeente Oost;0190:00000001234567890000;external document number
"""


@pytest.fixture
def peppol(settings):
    with PeppolNetwork() as network:
        sml = network.sml_settings()
        settings.PEPPOL_SML_ZONE = sml["zone"]
        settings.PEPPOL_DNS_SERVERS = sml["nameservers"]
        settings.PEPPOL_DNS_PORT = sml["port"]
        yield network


def test_it_takes_a_customer_from_sending_profile_to_peppol_check_and_import(
        live_server, page, cast, peppol):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    peppol.register("0088", "1234567890128", [INVOICE, CREDIT_NOTE])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(cast.admin.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}/organizations/{org.pk}/")
    page.locator("#customers").get_by_role("link", name="Sending profiles").click()
    page.get_by_role("link", name="Add sending profile").first.click()
    page.get_by_label("Name").fill("eConnect")
    page.get_by_label("Automatic: The invoice is submitted and validated").check()
    page.get_by_role("button", name="Add sending profile").click()
    page.get_by_text("Sending profile eConnect was added.").wait_for()

    page.get_by_role("link", name="Make default").click()
    page.get_by_text("Usually, do not make a profile the default.").wait_for()
    assert "0 customers have no sending profile" in page.locator("#default-impact").inner_text()
    page.get_by_role("button", name="Make it the default").click()
    page.get_by_text("eConnect is now the default sending profile.").wait_for()
    assert SendingProfile.objects.get().is_default

    page.get_by_role("link", name="Customer cards").click()
    page.get_by_role("link", name="Add customer").first.click()
    page.locator("#id_name").fill("Bakker BV")
    page.get_by_label("Customer number").fill("1001")
    page.locator("#id_endpoint_scheme").select_option("0088")
    page.locator("#id_endpoint_value").fill("1234567890123")
    page.get_by_label("Your reference").check()
    page.locator("#card-form button[type=submit]").click()
    error = page.locator("#id_endpoint_value_error")
    error.wait_for()
    assert "does not match the others" in error.inner_text()
    assert not CustomerCard.objects.exists()

    page.locator("#id_endpoint_value").fill("1234567890128")
    page.locator("#card-form button[type=submit]").click()
    page.get_by_text("Customer Bakker BV was added.").wait_for()
    assert page.locator("#peppol [data-peppol=not-checked]").is_visible()

    page.get_by_role("button", name="Check Peppol").click()
    page.get_by_text("Bakker BV receives Peppol invoices.").wait_for()
    assert page.locator("#peppol-registered").inner_text() == "Yes"
    assert page.locator("#peppol-credit-note").inner_text() == "Yes"
    assert page.locator("#peppol-checked").inner_text().startswith("just now")

    page.get_by_role("link", name="Import").click()
    page.set_input_files("#id_file", files=[{"name": "klanten.csv", "mimeType": "text/csv",
                                             "buffer": IMPORT}])
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_text("3 rows below the column names").wait_for()
    assert page.locator("#import-preview").get_by_text("Slager Noord").is_visible()
    page.get_by_role("button", name="Check and import").click()
    page.get_by_text("Nothing was imported: 1 row was rejected.").wait_for()
    rejection = page.locator("#rejections tbody tr").first
    assert rejection.locator("td").nth(0).inner_text() == "3"
    assert "does not match the others" in rejection.inner_text()
    assert CustomerCard.objects.count() == 1

    page.get_by_role("link", name="Import the 2 valid rows").click()
    page.get_by_role("button", name="Import the valid rows").click()
    page.get_by_text("The import is done.").wait_for()
    assert page.locator("[data-count=created]").inner_text() == "2"
    assert sorted(CustomerCard.objects.values_list("customer_number", flat=True)) == [
        "1001", "2001", "2003"]
