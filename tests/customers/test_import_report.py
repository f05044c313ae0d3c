"""The rejected-rows report of an import: the file's own columns and the reason, in a file
that imports again as it is, separated as the user's spreadsheet expects."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import CustomerCard, ImportJob
from tests.conftest import sign_in
from tests.customers.conftest import make_profile

pytestmark = pytest.mark.django_db

CONTENT = """Klantnummer;Naam;Endpoint-ID;Notitie
1001;Bakker BV;0106:12345678;vaste klant
1002;Slager Noord;0088:1234567890123;
1003;Garage "Zuid";0106:1234567;belt altijd; ook 's avonds
=1+1;Formule BV;0106:7654321;
"""


@pytest.fixture
def admin(client, cast, org):
    make_profile(org, "eConnect")
    return sign_in(client, cast.admin)


def upload(client, org, content, name="klanten.csv"):
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile(name, content)})
    return ImportJob.objects.latest("pk")


def start(client, job, **extra):
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    client.post(f"/customers/imports/{job.pk}/", {**data, **extra})
    job.refresh_from_db()
    return job


def download(client, job, language="en"):
    response = client.get(f"/customers/imports/{job.pk}/rejected-rows.csv",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content)


def test_it_gives_the_original_columns_and_the_reason_with_a_semicolon_in_dutch(admin, org):
    job = start(admin, upload(admin, org, CONTENT.encode()))
    assert job.status == "checked" and job.rows_rejected == 3

    content = download(admin, job, "nl")

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Klantnummer", "Naam", "Endpoint-ID", "Notitie", "reden"]
    assert rows[1][:4] == ["1002", "Slager Noord", "0088:1234567890123", ""]
    assert "GLN" in rows[1][4]
    assert rows[2][:3] == ["1003", 'Garage "Zuid"', "0106:1234567"]
    assert rows[3][:2] == ["'=1+1", "Formule BV"]
    assert len(rows) == 4


def test_it_separates_with_commas_in_english(admin, org):
    job = start(admin, upload(admin, org, CONTENT.encode()))

    content = download(admin, job, "en")

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Klantnummer", "Naam", "Endpoint-ID", "Notitie", "reason"]


def test_it_imports_the_report_again_as_it_is_and_after_correcting_it(admin, org):
    first = start(admin, upload(admin, org, CONTENT.encode()), import_valid_rows="on")
    assert first.status == "done" and CustomerCard.objects.count() == 1
    report = download(admin, first, "nl")

    again = upload(admin, org, report, "afgewezen.csv")
    assert again.mapping == first.mapping and again.rows_total == 3
    again = start(admin, again)
    assert again.status == "checked" and [r[1] for r in again.rejections] == [
        "1002", "1003", "=1+1"]
    assert again.rejections[2][2] == "Endpoint-ID"

    corrected = (report.replace(b"0088:1234567890123", b"0088:1234567890128")
                 .replace(b"0106:1234567;", b"0106:12345670;")
                 .replace(b"0106:7654321", b"0106:87654321").replace(b"'=1+1", b"1004"))
    fixed = start(admin, upload(admin, org, corrected, "gecorrigeerd.csv"))

    assert fixed.status == "done" and fixed.rows_created == 3
    assert CustomerCard.objects.get(customer_number="1002").endpoint_id == "0088:1234567890128"
    assert CustomerCard.objects.get(customer_number="1003").name == 'Garage "Zuid"'


def test_it_reports_the_rows_of_a_workbook_as_they_were(admin, org):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Klantnummer", "Naam", "Endpoint-ID"])
    sheet.append([2001, "Excel BV", "0106:12345678"])
    sheet.append([2002, "Fout BV", "0106:1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = start(admin, upload(admin, org, buffer.getvalue(), "klanten.xlsx"))

    rows = list(csv.reader(io.StringIO(download(admin, job).decode("utf-8-sig"))))

    assert rows[1][:3] == ["2002", "Fout BV", "0106:1"] and "8 digits" in rows[1][3]
