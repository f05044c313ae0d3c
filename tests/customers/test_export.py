import csv
import io

import pytest

from customers import importing
from customers.models import CustomerCard
from tests.conftest import sign_in
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db


def rows(response):
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))


def test_it_exports_the_cards_as_csv(client, cast, org):
    profile = make_profile(org)
    make_card(org, legal_scheme="0088", legal_value="1234567890128", sending_profile=profile,
              peppol_registered=True, peppol_accepts_invoice=True)
    sign_in(client, cast.admin)

    exported = rows(client.get(f"/organizations/{org.pk}/customers/export/"))

    assert exported[0][:6] == ["customer_number", "name", "country", "invoice_email",
                               "endpoint_id", "legal_id"]
    assert exported[1][:10] == ["1001", "Bakker BV", "NL", "", "0106:12345678",
                                "0088:1234567890128", "no", "your_reference", "sending_profile",
                                "eConnect"]
    assert exported[1][10:13] == ["yes", "yes", "no"]


@pytest.mark.parametrize("dangerous", ["=1+2", "+31 20", "-2", "@SUM(A1)", "\tcmd"])
def test_it_escapes_cells_a_spreadsheet_would_run(client, cast, org, dangerous):
    make_card(org, name=dangerous)
    sign_in(client, cast.admin)

    exported = rows(client.get(f"/organizations/{org.pk}/customers/export/"))

    assert exported[1][1] == f"'{dangerous}"


def test_it_exports_the_filtered_list(client, cast, org):
    make_card(org, name="Alpha", customer_number="1")
    make_card(org, name="Beta", customer_number="2")
    sign_in(client, cast.admin)

    exported = rows(client.get(f"/organizations/{org.pk}/customers/export/?q=beta"))

    assert [row[1] for row in exported[1:]] == ["Beta"]


def test_it_imports_its_own_export_as_unchanged(client, cast, org):
    profile = make_profile(org)
    make_card(org, sending_profile=profile, invoice_email="ap@bakker.nl")
    make_card(org, customer_number="1002", name="Gemeente", endpoint_scheme="0190",
              endpoint_value="00000001234567890000", is_government=True)
    sign_in(client, cast.admin)
    response = client.get(f"/organizations/{org.pk}/customers/export/")
    content = b"".join(response.streaming_content)

    job = importing.import_file(org, by=cast.admin, environment=cast.company,
                                filename="export.csv", content=content)

    assert (job.status, job.rows_unchanged, job.rows_rejected) == ("done", 2, 0)
    assert CustomerCard.objects.count() == 2


def test_it_answers_404_for_another_organizations_export(client, cast, client_org):
    make_card(client_org)
    sign_in(client, cast.admin)

    assert client.get(f"/organizations/{client_org.pk}/customers/export/").status_code == 404
