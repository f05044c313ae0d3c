"""The customer card export opens in the reader's spreadsheet as columns."""

import pytest

from customers import importing
from customers.models import CustomerCard
from tests.conftest import sign_in
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db


def export(client, org, language):
    response = client.get(f"/organizations/{org.pk}/customers/export/",
                          HTTP_ACCEPT_LANGUAGE=language)
    return b"".join(response.streaming_content)


def test_it_separates_the_columns_with_semicolons_in_dutch(client, cast, org):
    make_card(org, name="Bakker, Zn BV")
    sign_in(client, cast.admin)

    lines = export(client, org, "nl").decode("utf-8").lstrip("\ufeff").splitlines()

    assert lines[0].startswith("customer_number;name;country;")
    assert lines[1].startswith("1001;Bakker, Zn BV;NL;")


def test_it_separates_the_columns_with_commas_in_english(client, cast, org):
    make_card(org)
    sign_in(client, cast.admin)

    assert export(client, org, "en").decode("utf-8").lstrip("\ufeff").startswith(
        "customer_number,name,country,")


def test_it_imports_its_own_dutch_export_as_unchanged(client, cast, org):
    profile = make_profile(org)
    make_card(org, sending_profile=profile, invoice_email="ap@bakker.nl", name="Bakker; Zn")
    make_card(org, customer_number="1002", name="Gemeente", endpoint_scheme="0190",
              endpoint_value="00000001234567890000", is_government=True)
    sign_in(client, cast.admin)

    job = importing.import_file(org, by=cast.admin, environment=cast.company,
                                filename="export.csv", content=export(client, org, "nl"))

    assert (job.status, job.rows_unchanged, job.rows_rejected) == ("done", 2, 0)
    assert CustomerCard.objects.count() == 2
