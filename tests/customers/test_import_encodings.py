"""CSV uploads in the encodings spreadsheets save them in: detected, and named to the user."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import CustomerCard, ImportJob
from tests.conftest import sign_in, text

pytestmark = pytest.mark.django_db

CONTENT = "Klantnummer;Naam;Endpoint-ID\n1001;Café Zoë BV;0106:12345678\n1002;Łódź Sp.;\n"


@pytest.fixture
def admin(client, cast):
    return sign_in(client, cast.admin)


def upload_and_import(client, org, content):
    response = client.post(f"/organizations/{org.pk}/customers/import/",
                           {"file": SimpleUploadedFile("klanten.csv", content)})
    job = ImportJob.objects.get()
    page = text(client.get(response.url))
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    client.post(f"/customers/imports/{job.pk}/", data)
    return job, page


@pytest.mark.parametrize("encoded, name", [
    (("\ufeff" + CONTENT).encode("utf-16-le"), "UTF-16 (with byte order mark)"),
    (("\ufeff" + CONTENT).encode("utf-16-be"), "UTF-16 (with byte order mark)"),
    (CONTENT.encode("utf-16-le"), "UTF-16 little-endian (without byte order mark)"),
    (CONTENT.encode("utf-16-be"), "UTF-16 big-endian (without byte order mark)"),
    (CONTENT.encode("utf-8-sig"), "UTF-8 (with byte order mark)"),
    (CONTENT.encode("utf-8"), "UTF-8"),
], ids=["utf16-le-bom", "utf16-be-bom", "utf16-le", "utf16-be", "utf8-bom", "utf8"])
def test_it_detects_the_encoding_maps_the_columns_and_says_which_it_used(admin, org, encoded,
                                                                          name):
    job, page = upload_and_import(admin, org, encoded)

    assert job.mapping == {"customer_number": 0, "name": 1, "endpoint_id": 2}
    assert f"The file was read as {name}." in page
    assert "It is not UTF-8" not in page
    assert CustomerCard.objects.get(customer_number="1001").name == "Café Zoë BV"
    assert CustomerCard.objects.get(customer_number="1002").name == "Łódź Sp."


def test_it_falls_back_to_the_declared_encoding_and_warns(admin, org):
    job, page = upload_and_import(admin, org, CONTENT.replace("Łódź", "Lodz").encode("cp1252"))

    assert job.encoding == "cp1252"
    assert "The file was read as cp1252. It is not UTF-8" in page
    assert CustomerCard.objects.get(customer_number="1001").name == "Café Zoë BV"


def test_it_uses_the_fallback_encoding_from_the_settings(admin, org, settings):
    settings.CUSTOMER_IMPORT_FALLBACK_ENCODING = "iso8859-2"

    upload_and_import(admin, org, CONTENT.encode("iso8859-2"))

    assert CustomerCard.objects.get(customer_number="1002").name == "Łódź Sp."
