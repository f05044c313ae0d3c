"""An import's rejection reasons are said in the language of whoever reads the report, not
of whoever ran the import; reasons stored before that keep reading as they were stored."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from customers.importing.report import shown_rejection
from customers.models import ImportJob
from tests.conftest import sign_in, text
from tests.customers.conftest import make_profile

pytestmark = pytest.mark.django_db

CONTENT = """customer_number;name;endpoint_id;buyer_reference_source
1001;Bakker BV;0106:123;your reference
;Zonder nummer;;
1003;Garage;;
1003;Garage again;;
1005;Slager;;somebody
"""


@pytest.fixture
def imported(client, cast, org):
    """CONTENT checked by an English-speaking administrator: five rows rejected."""
    make_profile(org, "eConnect")
    sign_in(client, cast.admin)
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile("klanten.csv", CONTENT.encode())},
                HTTP_ACCEPT_LANGUAGE="en")
    job = ImportJob.objects.get()
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    client.post(f"/customers/imports/{job.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")
    job.refresh_from_db()
    assert job.language == "en" and job.status == "checked" and job.rows_rejected == 4
    return job


def report(client, job, language):
    return text(client.get(f"/customers/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language))


def test_it_shows_a_dutch_reader_the_reasons_in_dutch(client, imported):
    page = report(client, imported, "nl")

    assert "Een KvK-nummer heeft 8 cijfers; dit nummer heeft er 3." in page
    assert "Het klantnummer is leeg." in page
    assert "“somebody” is geen van deze waarden: “Uw referentie”, “Extern documentnummer”." \
        in page
    assert "Klantnummer 1003 staat ook in rij 4." in page
    assert "A KvK number has 8 digits" not in page and "is empty" not in page


def test_it_still_shows_an_english_reader_the_reasons_in_english(client, imported):
    page = report(client, imported, "en")

    assert "A KvK number has 8 digits; this one has 3." in page
    assert "The customer number is empty." in page
    assert "“somebody” is not one of “Your reference”, “External document number”." in page


def test_it_says_a_reason_again_from_a_dutch_import_in_english(client, cast, org):
    make_profile(org, "eConnect")
    sign_in(client, cast.admin)
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile("klanten.csv", CONTENT.encode())},
                HTTP_ACCEPT_LANGUAGE="nl")
    job = ImportJob.objects.get()
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    client.post(f"/customers/imports/{job.pk}/", data, HTTP_ACCEPT_LANGUAGE="nl")
    job.refresh_from_db()
    # Stored as the importer read it, and as a message to say again.
    assert job.language == "nl"
    assert job.rejections[0][3] == "Een KvK-nummer heeft 8 cijfers; dit nummer heeft er 3."

    page = report(client, job, "en")

    assert "A KvK number has 8 digits; this one has 3." in page
    assert "Een KvK-nummer" not in page


def test_it_gives_the_download_in_the_language_of_who_downloads_it(client, imported):
    response = client.get(f"/customers/imports/{imported.pk}/rejected-rows.csv",
                          HTTP_ACCEPT_LANGUAGE="nl")

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][-1] == "reden"
    assert rows[1] == ["1001", "Bakker BV", "0106:123", "your reference",
                       "Een KvK-nummer heeft 8 cijfers; dit nummer heeft er 3."]
    assert rows[2][-1] == "Het klantnummer is leeg."


def test_it_keeps_reasons_stored_before_as_they_were(client, cast, org):
    job = ImportJob.objects.create(
        organization=org, filename="old.csv", status="checked", rows_total=1, rows_rejected=1,
        rejections=[[2, "1001", "endpoint_id", "A KvK number has 8 digits; this one has 3."]])
    sign_in(client, cast.admin)

    page = report(client, job, "nl")

    assert "A KvK number has 8 digits; this one has 3." in page
    response = client.get(f"/customers/imports/{job.pk}/rejected-rows.csv",
                          HTTP_ACCEPT_LANGUAGE="nl")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "A KvK number has 8 digits; this one has 3." in content


def test_it_names_a_card_field_without_a_column_in_the_readers_language():
    rejection = [2, "1001", "Endpoint-ID (scheme:value)",
                 "A government customer is addressed by its OIN: choose scheme 0190 and enter "
                 "the 20-digit OIN.", {"id": "A government customer is addressed by its OIN: "
                                             "choose scheme 0190 and enter the 20-digit OIN.",
                                       "params": {}}, "endpoint_id"]

    with translation.override("nl"):
        row, number, column, reason = shown_rejection(rejection)

    assert (row, number, column) == (2, "1001", "Endpoint-ID (schema:waarde)")
    assert reason == ("Een overheidsklant wordt geadresseerd via het OIN: kies schema 0190 en "
                      "vul het OIN van 20 cijfers in.")
