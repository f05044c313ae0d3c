"""Hostile and broken uploads to the customer import: refused while reading, with a message
next to the file field, and nothing stored. Memory and time are measured in
tests/bench/test_bench_hostile_uploads.py."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import importing
from customers.importing import files
from customers.models import ImportJob
from tests.conftest import sign_in, text
from tests.customers import hostile_files as hostile

pytestmark = pytest.mark.django_db

UNREADABLE = "The file is not an Excel workbook (.xlsx) we can read."


@pytest.fixture
def admin(client, cast):
    return sign_in(client, cast.admin)


def upload(client, org, content, name):
    return client.post(f"/organizations/{org.pk}/customers/import/",
                       {"file": SimpleUploadedFile(name, content)})


def refused(client, org, content, name):
    response = upload(client, org, content, name)
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    return text(response)


def test_it_refuses_a_workbook_without_dimension_and_too_many_rows(admin, org):
    content = hostile.many_rows_without_dimension(250_000)
    assert len(content) < 1_000_000 and b"<dimension" not in content

    page = refused(admin, org, content, "klanten.xlsx")

    assert "The file has more than 200000 rows; split it into smaller files." in page


def test_it_refuses_one_huge_cell_after_reading_the_first_characters_of_it(admin, org):
    content = hostile.one_huge_cell(50_000_000)

    page = refused(admin, org, content, "klanten.xlsx")

    assert ("Row 2 has a cell of more than 1000 characters (column B); no field of a customer "
            "card is that long.") in page


def test_it_refuses_a_shared_strings_bomb_by_what_it_unpacks_to(admin, org):
    content = hostile.shared_strings_bomb(5_000_000)  # 120 MB of XML
    assert len(content) < 1_000_000

    page = refused(admin, org, content, "klanten.xlsx")

    assert ("The workbook unpacks to more than 100 MB; split it into smaller files, or save it "
            "as CSV.") in page


def test_it_refuses_a_shared_string_longer_than_a_cell_only_where_the_sheet_uses_it(admin, org):
    strings = [b"<si><t>customer_number</t></si>", b"<si><t>name</t></si>",
               b"<si><t>" + b"y" * 5000 + b"</t></si>", b"<si><t>Klant BV</t></si>"]
    header = b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    fine = hostile.workbook([header, b'<row r="2"><c r="A2"><v>7</v></c>'
                                     b'<c r="B2" t="s"><v>3</v></c></row>'], strings)
    uses_it = hostile.workbook([header, b'<row r="2"><c r="A2"><v>7</v></c>'
                                        b'<c r="B2" t="s"><v>2</v></c></row>'], strings)

    assert "Row 2 has a cell of more than 1000 characters (column B)" in refused(
        admin, org, uses_it, "klanten.xlsx")
    upload(admin, org, fine, "klanten.xlsx")
    assert ImportJob.objects.get().preview == [["7", "Klant BV"]]


def test_it_refuses_five_million_cells_in_one_row_of_a_workbook(admin, org):
    page = refused(admin, org, hostile.cells_in_one_row(5_000_000), "klanten.xlsx")

    assert "Row 2 has more than 100 columns." in page


def test_it_refuses_a_csv_with_a_million_columns(admin, org):
    page = refused(admin, org, hostile.csv_columns(1_000_000), "klanten.csv")

    assert "Row 1 has more than 100 columns. A customer file needs far fewer" in page


def test_it_refuses_five_million_cells_in_one_row_of_a_csv(admin, org):
    page = refused(admin, org, hostile.csv_cells_in_one_row(5_000_000), "klanten.csv")

    assert "Row 2 has more than 100 columns." in page


def test_it_refuses_a_csv_cell_longer_than_the_limit_also_across_lines(admin, org):
    quoted = b'"' + b"line\n" * 300 + b'"'

    page = refused(admin, org, b"customer_number;name\n1;" + quoted + b"\n", "klanten.csv")

    assert "Row 2 has a cell of more than 1000 characters (column B)" in page


def test_it_refuses_a_zip_of_very_many_parts(admin, org):
    page = refused(admin, org, hostile.many_parts(20_000), "klanten.xlsx")

    assert UNREADABLE in page


def test_it_applies_the_limits_from_the_settings(admin, org, settings):
    settings.CUSTOMER_IMPORT_MAX_COLUMNS = 2
    settings.CUSTOMER_IMPORT_MAX_CELL_CHARS = 5

    assert "Row 1 has more than 2 columns." in refused(admin, org, b"a;b;c\n1;2;3\n", "x.csv")
    assert "more than 5 characters (column B)" in refused(admin, org, b"a;b\n1;123456\n",
                                                          "x.csv")


def test_it_keeps_the_stored_preview_small(admin, org):
    long_values = ";".join(["v" * 900] * 40)
    content = ("customer_number;name;" + ";".join(f"c{i}" for i in range(40)) + "\n"
               + "\n".join(f"{i};Klant {i};{long_values};extra;cells" for i in range(50))
               + "\n").encode()

    upload(admin, org, content, "wide.csv")

    job = ImportJob.objects.get()
    assert job.rows_total == 50 and len(job.preview) == 5
    assert all(len(row) == 42 for row in job.preview)
    assert max(len(cell) for row in job.preview for cell in row) == 80
    assert job.preview[0][2].endswith("…")


def test_it_stops_an_import_whose_file_breaks_a_limit_while_it_runs(admin, org, settings):
    job = importing.upload(org, by=None, environment=None, filename="x.csv",
                           content=b"customer_number;name\n1;Een\n2;Twee\n3;Drie\n")
    settings.CUSTOMER_IMPORT_MAX_ROWS = 2
    job.start(mapping=job.mapping, import_valid_rows=False)

    importing.run(job.pk)

    job.refresh_from_db()
    assert job.status == "failed" and "more than 2 rows" in job.error


def package_part_replaced(name: str, data: bytes) -> bytes:
    good = hostile.workbook([hostile.HEADER_ROW])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            target.writestr(item.filename, data if item.filename == name else
                            source.read(item.filename))
    return broken.getvalue()


ENTITY_WORKBOOK = (b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa">'
                   b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                   + hostile.WORKBOOK.split(b"?>", 1)[1].replace(b'name="Klanten"',
                                                                 b'name="&b;"'))


@pytest.mark.parametrize("part, data", [
    ("xl/workbook.xml", hostile.WORKBOOK[:-20]),
    ("xl/workbook.xml", ENTITY_WORKBOOK),
    ("[Content_Types].xml", hostile.CONTENT_TYPES[:60]),
    ("_rels/.rels", b"<Relationships><Relationship"),
    ("xl/_rels/workbook.xml.rels", hostile.WORKBOOK_RELS.replace(b"</Relationships>", b"")),
    ("xl/sharedStrings.xml", b"<sst><si><t>x</si></sst>"),
    ("xl/sharedStrings.xml", b'<!DOCTYPE sst [<!ENTITY e "customer_number">]><sst><si><t>&e;</t>'
                             b'</si></sst>'),
    ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c><v>1</c>"),
], ids=["workbook", "entity", "content-types", "package-rels", "workbook-rels",
        "shared-strings", "shared-strings-entity", "sheet"])
def test_it_refuses_broken_xml_in_any_package_part_with_the_same_message(admin, org, part,
                                                                          data):
    page = refused(admin, org, package_part_replaced(part, data), "klanten.xlsx")

    assert UNREADABLE in page


def test_it_refuses_a_workbook_missing_a_part(admin, org):
    good = hostile.workbook([hostile.HEADER_ROW])
    missing = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(missing, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/_rels/workbook.xml.rels":
                target.writestr(item.filename, source.read(item.filename))

    assert UNREADABLE in refused(admin, org, missing.getvalue(), "klanten.xlsx")


def test_it_reads_a_hand_written_workbook_as_excel_writes_one():
    strings = [b"<si><t>Klantnummer</t></si>", b"<si><r><t>Na</t></r><r><t>am</t></r>"
               b"<rPh><t>phonetic</t></rPh></si>"]
    rows = [b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>',
            b'<row r="3"><c r="A3"><v>1.2345678E7</v></c><c r="B3" t="b"><v>1</v></c>'
            b'<c r="C3" t="str"><f>A1</f><v>Formule</v></c></row>']

    read = list(files.read_rows(hostile.workbook(rows, strings), "xlsx"))

    assert read == [["Klantnummer", "", "Naam"], [], ["12345678", "yes", "Formule"]]
