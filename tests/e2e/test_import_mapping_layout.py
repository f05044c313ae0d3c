"""The column-mapping selects of the import page are whole at laptop widths: each is as wide
as its longest choice and lies inside the window, without scrolling sideways."""

import pytest

from onboarding.models import Organization
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMNS = ["Klantnummer", "Naam", "Land", "Factuur e-mail", "Endpoint-ID", "Legal ID",
           "Overheid", "Buyer reference", "Verzendprofiel", "Adres", "Postcode", "Plaats",
           "Telefoon", "Contactpersoon"]
ROW = ["1001", "Bakker BV", "NL", "factuur@bakker.nl", "0106:12345678", "", "nee",
       "your reference", "eConnect", "Dorpsstraat 1", "1234 AB", "Utrecht", "030-1234567",
       "J. de Vries"]

MEASURE = """(select) => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const widest = Math.max(...Array.from(select.options, (o) => context.measureText(o.text).width));
  const rect = select.getBoundingClientRect();
  return {
    widest: widest,
    room: select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
    left: rect.left, right: rect.right, window: document.documentElement.clientWidth,
  };
}"""


@pytest.mark.parametrize("width", [1280, 1366])
def test_it_shows_every_column_mapping_select_whole(live_server, page, cast, width):
    org = Organization.create(environment=cast.company, by=cast.admin, name="Acme Trading BV",
                              registry_number="12345678", registry_checked=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(cast.admin.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(f"{live_server.url}/organizations/{org.pk}/customers/import/")
    content = (";".join(COLUMNS) + "\n" + ";".join(ROW) + "\n").encode()
    page.set_input_files("#id_file", files=[{"name": "klanten.csv", "mimeType": "text/csv",
                                              "buffer": content}])
    page.get_by_role("button", name="Upload and preview").click()
    page.locator("#mapping-form").wait_for()
    page.screenshot(path=f"test-results/import-mapping-{width}.png", full_page=True)

    selects = page.locator("#mapping-form select")
    assert selects.count() == len(COLUMNS)
    for index in range(len(COLUMNS)):
        box = selects.nth(index).evaluate(MEASURE)
        assert box["room"] + 1 >= box["widest"], (COLUMNS[index], box)
        assert box["left"] >= 0 and box["right"] <= box["window"], (COLUMNS[index], box)
    assert page.locator("#id_column_4").input_value() == "endpoint_id"
