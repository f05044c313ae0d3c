"""Importing customer cards from CSV and XLSX: preview, mapping, report, all or nothing."""

import csv
import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from customers import importing
from customers.importing import passes
from customers.models import CustomerCard, ImportJob
from onboarding.models import AuditEvent
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db

GOOD = """customer_number;name;endpoint_id;legal_id;buyer_reference_source;sending_profile
1001;Bakker BV;0106:12345678;;your reference;eConnect
1002;Garage Zuid;0088:1234567890128;0106:87654321;extern documentnummer;
1003;Gemeente Utrecht;0190:00000001234567890000;;your_reference;
"""
WITH_BAD_ROW = GOOD + "1004;Slager;0088:1234567890123;;your reference;\n"


def upload(client, org, content, name="customers.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(f"/organizations/{org.pk}/customers/import/",
                       {"file": SimpleUploadedFile(name, data)})


def start(client, job, mapping=None, **extra):
    mapping = mapping if mapping is not None else job.mapping
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in mapping.items()})
    data.update(extra)
    return client.post(f"/customers/imports/{job.pk}/", data)


@pytest.fixture
def admin(client, cast, org):
    make_profile(org, "eConnect")
    return sign_in(client, cast.admin)


def test_it_previews_the_first_rows_with_a_guessed_column_mapping(admin, org):
    response = upload(admin, org, WITH_BAD_ROW)

    job = ImportJob.objects.get()
    assert response.url == f"/customers/imports/{job.pk}/"
    assert job.delimiter == ";" and job.rows_total == 4
    assert job.mapping == {"customer_number": 0, "name": 1, "endpoint_id": 2, "legal_id": 3,
                           "buyer_reference_source": 4, "sending_profile": 5}
    page = text(admin.get(response.url))
    assert "4 rows below the column names" in page
    assert "Garage Zuid" in page and "0190:00000001234567890000" in page
    assert '<option value="endpoint_id" selected>' in page
    assert not CustomerCard.objects.exists()


def test_it_says_a_column_with_no_first_values_is_empty(admin, org):
    upload(admin, org, "customer_number;legal_id;name\n1001;;Bakker BV\n1002;;\n1003;;Garage\n")
    job = ImportJob.objects.get()

    page = text(admin.get(f"/customers/imports/{job.pk}/"))

    rows = page[page.index('id="import-mapping"'):page.index("</table>",
                                                             page.index('id="import-mapping"'))]
    legal = rows[rows.index(">legal_id</th>"):]
    assert legal.split("</td>")[0].endswith("<em>(empty)</em>")
    name = rows[rows.index(">name</th>"):]
    assert "Bakker BV · Garage</td>" in name
    assert "· ·" not in rows and "·  ·" not in rows


def test_it_maps_columns_named_as_the_upload_page_names_the_fields_in_either_language():
    from customers.importing.files import guess_mapping

    assert guess_mapping(["Klantnummer", "BuyerReference komt uit", "E-factureringsmethode",
                          "E-invoicing method"]) == {
        "customer_number": 0, "buyer_reference_source": 1, "einvoicing_method": 2}
    assert guess_mapping(["Customer number", "BuyerReference comes from",
                          "Government customer (yes/no)"]) == {
        "customer_number": 0, "buyer_reference_source": 1, "is_government": 2}


def test_it_imports_a_clean_file_and_reports_the_counts(admin, org, cast):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()

    response = start(admin, job)

    assert response.url == f"/customers/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_updated, job.rows_rejected) == (
        "done", 3, 0, 0)
    assert job.content == b""
    cards = {c.customer_number: c for c in CustomerCard.objects.select_related(
        "sending_profile")}
    assert cards["1001"].endpoint_id == "0106:12345678"
    assert cards["1001"].sending_profile.name == "eConnect"
    assert cards["1002"].legal_id == "0106:87654321"
    assert cards["1002"].buyer_reference_source == "external_document_number"
    assert cards["1003"].country == "NL" and cards["1003"].einvoicing_method == "sending_profile"
    page = text(admin.get(response.url))
    assert "The import is done." in page
    event = AuditEvent.objects.get(action="customer_cards.imported")
    assert event.environment == cast.company and event.after["imported"] == 3


def test_it_imports_nothing_from_a_file_with_a_bad_row(admin, org):
    upload(admin, org, WITH_BAD_ROW)
    job = ImportJob.objects.get()

    start(admin, job)

    job.refresh_from_db()
    assert job.status == "checked" and job.rows_rejected == 1 and job.rows_created == 3
    assert not CustomerCard.objects.exists()
    page = text(admin.get(f"/customers/imports/{job.pk}/"))
    assert "Nothing was imported: 1 row was rejected." in page
    assert "Import the 3 valid rows" in page
    assert [rejection[:4] for rejection in job.rejections] == [
        [5, "1004", "endpoint_id", "The last digit of this GLN does not match the others; "
                                   "check for a typo."]]
    assert "The last digit of this GLN does not match the others" in page


def test_it_imports_the_valid_rows_when_the_user_chooses_so_afterwards(admin, org):
    upload(admin, org, WITH_BAD_ROW)
    job = ImportJob.objects.get()
    start(admin, job)

    assert ("The 3 valid rows are imported. The rejected row is left out: that customer "
            "keeps its card as it is") in text(
        admin.get(f"/customers/imports/{job.pk}/import-valid-rows/"))
    response = admin.post(f"/customers/imports/{job.pk}/import-valid-rows/")

    assert response.url == f"/customers/imports/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_rejected) == ("done", 3, 1)
    assert sorted(CustomerCard.objects.values_list("customer_number", flat=True)) == [
        "1001", "1002", "1003"]


def test_it_imports_the_valid_rows_when_chosen_up_front(admin, org):
    upload(admin, org, WITH_BAD_ROW)
    job = ImportJob.objects.get()

    start(admin, job, import_valid_rows="on")

    job.refresh_from_db()
    assert job.status == "done" and CustomerCard.objects.count() == 3


def test_it_updates_cards_matched_on_customer_number_and_counts_unchanged_ones(admin, org):
    checked = timezone.now()
    make_card(org, customer_number="1001", name="Bakker BV", endpoint_value="12345678",
              peppol_registered=True, peppol_accepts_invoice=True, peppol_checked_at=checked,
              sending_profile=org.sending_profiles.get(), invoice_email="old@bakker.nl")
    make_card(org, customer_number="1002", name="Old name", endpoint_scheme="0106",
              endpoint_value="11111111", peppol_registered=True, peppol_checked_at=checked)
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()

    start(admin, job)
    # A change to a card waits for the user's confirmation (see test_import_changes).
    admin.post(f"/customers/imports/{job.pk}/import-valid-rows/")

    job.refresh_from_db()
    assert (job.rows_created, job.rows_updated, job.rows_unchanged) == (1, 1, 1)
    unchanged = CustomerCard.objects.get(customer_number="1001")
    # Columns the file does not have stay as they were.
    assert unchanged.invoice_email == "old@bakker.nl" and unchanged.peppol_registered
    updated = CustomerCard.objects.get(customer_number="1002")
    assert updated.name == "Garage Zuid" and updated.endpoint_id == "0088:1234567890128"
    assert updated.peppol_checked_at is None  # the old answer was about another identifier
    assert CustomerCard.objects.count() == 3


def test_it_gives_each_rejection_its_row_number_and_reason(admin, org):
    content = "\n".join([
        "customer number,name,endpoint id,legal id,country,invoice email,government",
        "1,One,0106:1234567,,NL,,",
        ",No number,,,NL,,",
        "3,Three,,9944:NL123456789B01,NL,,",
        "4,Four,,,Narnia,,",
        "5,Five,,,NL,not-an-email,",
        "6,Six,0106:12345678,,NL,,yes",
        "7,Seven,,,,,",
        "7,Seven again,,,,,",
        "8,Eight,NL:KVK:12345678,,,,",
    ]) + "\n"
    upload(admin, org, content)
    job = ImportJob.objects.get()

    start(admin, job)

    job.refresh_from_db()
    reasons = {row: (column, reason) for row, _number, column, reason, *_said in job.rejections}
    assert reasons[2] == ("endpoint id", "A KvK number has 8 digits; this one has 7.")
    assert reasons[3] == ("customer number", "The customer number is empty.")
    assert reasons[4][0] == "legal id" and "Schemes starting with 9" in reasons[4][1]
    assert reasons[5][0] == "country" and "Narnia" in reasons[5][1]
    assert reasons[6] == ("invoice email", "“not-an-email” is not an email address.")
    assert reasons[7][0] == "government" and "addressed by its OIN" in reasons[7][1]
    assert reasons[9] == ("customer number", "Customer number 7 is also on row 8.")
    assert reasons[10] == ("endpoint id", "Write scheme NL:KVK as its code, 0106.")
    assert job.rows_rejected == 8 and job.rows_created == 1


def test_it_offers_the_rejections_as_a_spreadsheet_safe_download(admin, org):
    # The report repeats the uploaded header, which is a cell like any other.
    upload(admin, org, "customer_number,name,endpoint_id,@SUM(1+1)\n"
                       "=HYPERLINK(1),Evil,0106:1,x\n")
    job = ImportJob.objects.get()
    start(admin, job)

    response = admin.get(f"/customers/imports/{job.pk}/rejected-rows.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(
        "utf-8-sig"))))
    assert rows[0] == ["customer_number", "name", "endpoint_id", "'@SUM(1+1)", "reason"]
    assert rows[1][:4] == ["'=HYPERLINK(1)", "Evil", "0106:1", "x"]


def test_it_rejects_a_new_customer_without_a_name_column(admin, org):
    make_card(org, customer_number="1")
    upload(admin, org, "customer_number,endpoint_id\n1,0106:87654321\n2,0106:12345678\n")
    job = ImportJob.objects.get()

    start(admin, job, import_valid_rows="on")
    admin.post(f"/customers/imports/{job.pk}/import-valid-rows/")

    job.refresh_from_db()
    assert job.rows_updated == 1 and job.rows_rejected == 1
    assert "no name to create it with" in job.rejections[0][3]
    assert CustomerCard.objects.get().endpoint_id == "0106:87654321"


def test_it_needs_the_customer_number_column_and_says_so(admin, org):
    upload(admin, org, "naam,kvk\nBakker,12345678\n")
    job = ImportJob.objects.get()

    response = start(admin, job, mapping={"name": 0})

    assert response.status_code == 400
    assert "Choose the column with the customer number" in text(response)
    job.refresh_from_db()
    assert job.status == "uploaded"


def test_it_refuses_two_columns_for_one_field(admin, org):
    upload(admin, org, "a,b\n1,2\n")
    job = ImportJob.objects.get()

    response = admin.post(f"/customers/imports/{job.pk}/",
                          {"column_0": "customer_number", "column_1": "customer_number"})

    assert "Another column already fills Customer number." in text(response)
    # The message belongs to its select, for a screen reader on the field too.
    page = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_column_1_error"' in page
    assert '<div class="invalid-feedback" id="id_column_1_error">Another column' in page


def test_it_reads_excel_workbooks(admin, org):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Klantnummer", "Naam", "Endpoint-ID", "Overheid"])
    sheet.append([2001, "Excel BV", "0106:12345678", False])
    sheet.append([2002.0, "Gemeente", "0190:00000001234567890000", True])
    buffer = io.BytesIO()
    workbook.save(buffer)

    upload(admin, org, buffer.getvalue(), name="klanten.xlsx")
    job = ImportJob.objects.get()
    assert job.file_format == "xlsx" and job.preview[0] == ["2001", "Excel BV",
                                                            "0106:12345678", "no"]
    start(admin, job)

    assert CustomerCard.objects.get(customer_number="2002").is_government


def test_it_reads_a_windows_csv_with_accents(admin, org):
    content = "customer_number;name\n1;Café Zoë\n".encode("cp1252")

    upload(admin, org, content)
    start(admin, ImportJob.objects.get())

    assert CustomerCard.objects.get().name == "Café Zoë"


@pytest.mark.parametrize("content, message", [
    (b"", "The submitted file is empty."),
    (b"\n\n", "The file is empty."),
    (b"customer_number;name\n;\n", "there are no customers below it"),
    (b"PK\x03\x04 not really a workbook", "not an Excel workbook"),
    (b"\x00" * 100, "neither a CSV file nor an Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither a CSV file nor an Excel workbook"),
])
def test_it_refuses_unreadable_files_next_to_the_field(admin, org, content, message):
    response = upload(admin, org, content, name="x.csv")

    assert response.status_code == 400
    assert message in text(response)
    assert not ImportJob.objects.exists()


def broken_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["customer_number", "name"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    broken = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return broken.getvalue()


def test_it_refuses_a_workbook_whose_sheet_is_broken(admin, org):
    response = upload(admin, org, broken_workbook(), name="broken.xlsx")

    assert response.status_code == 400
    assert "not an Excel workbook (.xlsx) we can read" in text(response)


def test_it_reads_bytes_the_windows_code_page_leaves_undefined(admin, org):
    upload(admin, org, b"customer_number;name\n1;Caf\xe9 \x81\n")
    start(admin, ImportJob.objects.get())

    assert CustomerCard.objects.get().name == "Café \ufffd"


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(admin, org, settings):
    settings.CUSTOMER_IMPORT_MAX_MB = 0

    response = upload(admin, org, GOOD)

    assert "larger than 0 MB" in text(response)
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_with_too_many_rows(admin, org, settings):
    settings.CUSTOMER_IMPORT_MAX_ROWS = 2

    response = upload(admin, org, GOOD)

    assert "more than 2 rows" in text(response)


def test_it_shows_progress_while_an_import_runs(admin, org):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="checking", progress_done=2,
                                               progress_total=3, heartbeat_at=timezone.now())

    page = text(admin.get(f"/customers/imports/{job.pk}/"))
    status = admin.get(f"/customers/imports/{job.pk}/status/").json()

    assert "Checked 2 of 3 rows…" in page and "data-progress-url" in page
    assert status == {"status": "checking", "running": True, "done": 2, "total": 3,
                      "percent": 67, "message": "Checked 2 of 3 rows…", "note": ""}
    assert "is being imported" in text(admin.get(f"/organizations/{org.pk}/customers/"))


def test_it_writes_the_progress_counts_as_the_readers_language_does(admin, org):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="checking", progress_done=1234,
                                               progress_total=20000, heartbeat_at=timezone.now())
    url = f"/customers/imports/{job.pk}/status/"

    assert admin.get(url).json()["message"] == "Checked 1,234 of 20,000 rows…"
    admin.post("/language/", {"language": "nl", "next": "/"})
    assert admin.get(url).json()["message"] == "1.234 van 20.000 rijen gecontroleerd…"


def test_it_reports_saving_progress_from_the_running_transaction(admin, org):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="saving", progress_total=3,
                                               heartbeat_at=timezone.now())
    cache.set(importing.progress_key(job.pk), 2)

    status = admin.get(f"/customers/imports/{job.pk}/status/").json()

    assert status["message"] == "Saving 2 of 3 rows…" and status["percent"] == 67


def test_it_claims_no_share_of_a_save_it_cannot_count(admin, org):
    # Before the first batch, or while the cache (Redis) is unreachable, it answers nothing:
    # the save goes on, at a share nobody knows, and 0 would say it had not started.
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="saving", progress_total=3,
                                               heartbeat_at=timezone.now())

    status = admin.get(f"/customers/imports/{job.pk}/status/").json()

    assert status["message"] == "Saving 3 rows…" and status["percent"] is None
    assert status["running"] is True


def test_it_fails_an_import_whose_thread_died_and_lets_it_start_again(admin, org):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status="checking", heartbeat_at=timezone.now() - timedelta(hours=1))

    page = text(admin.get(f"/customers/imports/{job.pk}/"))

    assert "Nothing was saved; start it again." in page
    start(admin, job)
    job.refresh_from_db()
    assert job.status == "done" and CustomerCard.objects.count() == 3


def test_it_runs_one_import_per_organization_at_a_time(admin, org):
    upload(admin, org, GOOD)
    upload(admin, org, GOOD)
    first, second = ImportJob.objects.order_by("pk")
    ImportJob.objects.filter(pk=first.pk).update(status="saving", heartbeat_at=timezone.now())

    response = start(admin, second)

    assert "Another import for this organization is running" in text(response)


def test_it_rolls_back_everything_when_saving_fails(admin, org, monkeypatch):
    upload(admin, org, GOOD)
    job = ImportJob.objects.get()
    monkeypatch.setattr(passes, "BATCH", 1)
    real = passes._write
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(passes, "_write", failing)
    start(admin, job)

    job.refresh_from_db()
    assert job.status == "failed" and "nothing was saved" in job.error
    assert not CustomerCard.objects.exists()


def test_it_imports_from_the_command_line(org, tmp_path, capsys):
    make_profile(org, "eConnect")
    path = tmp_path / "customers.csv"
    path.write_text(GOOD)

    call_command("import_customer_cards", "--organization", org.company_id.lower(), str(path))

    assert "3 rows: 3 imported, 0 updated, 0 unchanged, 0 rejected." in capsys.readouterr().out
    assert CustomerCard.objects.count() == 3
    assert AuditEvent.objects.get(action="customer_cards.imported").actor_label == "command line"


def test_it_imports_nothing_from_the_command_line_when_rows_are_rejected(org, tmp_path, capsys):
    make_profile(org, "eConnect")
    path = tmp_path / "customers.csv"
    path.write_text(WITH_BAD_ROW)

    with pytest.raises(CommandError, match="1 rejected: nothing was imported"):
        call_command("import_customer_cards", "--organization", org.company_id, str(path))

    assert "row 5 (customer 1004), endpoint_id: The last digit" in capsys.readouterr().err
    assert not CustomerCard.objects.exists()
    call_command("import_customer_cards", "--organization", org.company_id, str(path),
                 "--import-valid-rows")
    assert CustomerCard.objects.count() == 3


def test_it_names_an_unknown_organization_on_the_command_line(db, tmp_path):
    with pytest.raises(CommandError, match="No organization has company ID XCNL00000404"):
        call_command("import_customer_cards", "--organization", "XCNL00000404",
                     str(tmp_path / "missing.csv"))


def test_it_writes_nothing_when_rows_fail_between_check_and_save(org):
    make_card(org, customer_number="1")
    make_card(org, customer_number="2")
    job = importing.upload(org, by=None, environment=None, filename="ids.csv",
                           content=b"customer_number,endpoint_id\n1,0106:87654321\n"
                                   b"2,0106:11111111\n")
    job.start(mapping=job.mapping, import_valid_rows=False, queue=False)
    passes._check(job)
    assert job.status == "checked"
    job.confirm_changes(queue=False)
    CustomerCard.objects.filter(customer_number="2").delete()

    passes._save(job)

    assert job.status == "checked" and job.rows_rejected == 1
    assert job.rejections[0][0] == 3
    assert CustomerCard.objects.get().endpoint_id == "0106:12345678"
