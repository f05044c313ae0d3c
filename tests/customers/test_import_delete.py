"""Deleting an import, and list pages that never load what an upload stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import CustomerCard, ImportJob
from onboarding.models import AuditEvent
from tests.conftest import sign_in, text

pytestmark = pytest.mark.django_db

CONTENT = b"customer_number;name\n1;Een BV\n2;Twee BV\n"


@pytest.fixture
def admin(client, cast):
    return sign_in(client, cast.admin)


def upload(client, org):
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile("klanten.csv", CONTENT)})
    return ImportJob.objects.latest("pk")


def test_it_deletes_an_import_after_confirmation_and_keeps_its_cards(admin, org, cast):
    job = upload(admin, org)
    admin.post(f"/customers/imports/{job.pk}/", {"column_0": "customer_number",
                                                 "column_1": "name"})
    assert CustomerCard.objects.count() == 2

    page = text(admin.get(f"/customers/imports/{job.pk}/delete/"))
    assert "Customer cards that the import saved stay as they are." in page
    assert ImportJob.objects.filter(pk=job.pk).exists()
    response = admin.post(f"/customers/imports/{job.pk}/delete/", follow=True)

    assert "The import of klanten.csv was deleted." in text(response)
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert CustomerCard.objects.count() == 2
    event = AuditEvent.objects.get(action="customer_import.deleted")
    assert event.actor == cast.admin and event.before["file"] == "klanten.csv"


def test_it_offers_deleting_from_the_list_of_recent_imports(admin, org):
    job = upload(admin, org)

    page = admin.get(f"/organizations/{org.pk}/customers/import/").content.decode()

    assert (f'href="/customers/imports/{job.pk}/delete/">Delete<span class="visually-hidden"> '
            'klanten.csv</span>') in page


def test_it_does_not_delete_a_running_import(admin, org):
    job = upload(admin, org)
    ImportJob.objects.filter(pk=job.pk).update(status="checking", heartbeat_at=timezone.now())

    response = admin.post(f"/customers/imports/{job.pk}/delete/")

    assert response.status_code == 400
    assert "This import is running; you can delete it once it is done." in text(response)
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_it_lets_nobody_else_delete_an_import(client, org, cast):
    sign_in(client, cast.admin)
    job = upload(client, org)
    sign_in(client, cast.outsider)

    assert client.post(f"/customers/imports/{job.pk}/delete/").status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_it_never_loads_previews_uploads_or_reports_on_the_import_page(admin, org):
    upload(admin, org)

    with CaptureQueriesContext(connection) as queries:
        admin.get(f"/organizations/{org.pk}/customers/import/")

    listing = [q["sql"] for q in queries if "customers_importjob" in q["sql"]]
    assert listing
    for sql in listing:
        for column in ("content", "preview", "columns", "rejections", "rejected_rows",
                       "mapping"):
            assert f'"{column}"' not in sql, sql
