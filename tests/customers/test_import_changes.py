"""An import that would change existing cards shows the changes, old → new, and writes them
only after the user confirms; a card changed after the check is not overwritten."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import CustomerCard, ImportJob
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card

pytestmark = pytest.mark.django_db

FILE = "customer_number;name;invoice_email\n1001;Koffie Noord;\n1002;Nieuw BV;\n1003;Same BV;\n"


@pytest.fixture
def admin(client, cast, org):
    make_card(org, customer_number="1001", name="Koffiebranderij Noord B.V.",
              invoice_email="a@b.nl")
    make_card(org, customer_number="1003", name="Same BV", endpoint_value="87654321")
    return sign_in(client, cast.admin)


def upload_and_check(client, org, content=FILE):
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile("customers.csv", content.encode())})
    job = ImportJob.objects.get()
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    response = client.post(f"/customers/imports/{job.pk}/", data)
    job.refresh_from_db()
    return job, response


def plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def test_it_shows_the_changes_and_writes_nothing_before_the_confirmation(admin, org):
    job, response = upload_and_check(admin, org)

    assert job.status == "checked"
    shown = admin.get(response.url)
    page = plain(shown)
    assert "1 new, 1 changed, 1 unchanged." in page
    assert "Name: Koffiebranderij Noord B.V. → Koffie Noord" in page
    assert "Invoice email: a@b.nl → (empty)" in page
    assert "Write 1 new and 1 changed cards" in page
    assert "Back to the column mapping" in page
    card = CustomerCard.objects.get(customer_number="1001")
    assert (card.name, card.invoice_email) == ("Koffiebranderij Noord B.V.", "a@b.nl")
    assert not CustomerCard.objects.filter(customer_number="1002").exists()

    # The page's own button, as the browser sends it.
    admin.post(re.search(r'action="([^"]+)" id="confirm-import"', text(shown)).group(1))

    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_updated, job.rows_unchanged) == (
        "done", 1, 1, 1)
    card.refresh_from_db()
    # An empty cell in a mapped column empties the field, as the preview said.
    assert (card.name, card.invoice_email) == ("Koffie Noord", "")
    assert CustomerCard.objects.filter(customer_number="1002").exists()


def test_it_goes_straight_through_when_no_card_changes(admin, org):
    job, _response = upload_and_check(
        admin, org, "customer_number;name\n1002;Nieuw BV;\n1003;Same BV\n")

    assert (job.status, job.rows_created, job.rows_unchanged) == ("done", 1, 1)


def test_it_refuses_a_row_whose_card_changed_after_the_check(admin, org, cast):
    job, _response = upload_and_check(admin, org)
    card = CustomerCard.objects.get(customer_number="1001")
    card.change(by=cast.admin, environment=cast.company, invoice_email="new@noord.nl")

    admin.post(f"/customers/imports/{job.pk}/import-valid-rows/")

    job.refresh_from_db()
    assert job.status == "checked" and job.rows_rejected == 1
    assert "changed after the file was checked" in job.rejections[0][3]
    card.refresh_from_db()
    assert (card.name, card.invoice_email) == ("Koffiebranderij Noord B.V.", "new@noord.nl")
    assert not CustomerCard.objects.filter(customer_number="1002").exists()
    assert "changed after the file was checked" in text(
        admin.get(f"/customers/imports/{job.pk}/"))


def test_it_goes_back_to_the_column_mapping_without_writing(admin, org):
    job, _response = upload_and_check(admin, org)

    response = admin.post(f"/customers/imports/{job.pk}/import-valid-rows/", {"back": "1"})

    job.refresh_from_db()
    assert job.status == "uploaded"
    assert "Check and import" in text(admin.get(response.url))
    assert CustomerCard.objects.get(customer_number="1001").invoice_email == "a@b.nl"


def test_it_lists_the_first_fifty_changes_and_counts_the_rest(admin, org):
    CustomerCard.objects.bulk_create(
        CustomerCard(organization=org, name=f"Old {i}", customer_number=f"C{i:03d}")
        for i in range(53))
    job, response = upload_and_check(admin, org, "customer_number;name\n" + "".join(
        f"C{i:03d};New {i}\n" for i in range(53)))

    page = plain(admin.get(response.url))

    assert "0 new, 53 changed, 0 unchanged." in page
    assert "Old 49 → New 49" in page and "Old 50 → New 50" not in page
    assert "3 more cards change too" in page
    assert "Write 0 new and 53 changed cards" in page


def test_it_names_a_checked_import_that_waits_for_a_confirmation(admin, org):
    upload_and_check(admin, org)

    page = text(admin.get(f"/organizations/{org.pk}/customers/import/"))

    assert "waiting for you to confirm the changes" in page
