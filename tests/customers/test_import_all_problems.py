"""A rejected row of an import is reported with every problem it has, not only the first, so
one correction of the file fixes them all; it still counts as one rejected row."""

import csv
import io

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from customers.importing import passes
from customers.importing.report import shown_rejection
from customers.models import CustomerCard, ImportJob
from tests.conftest import sign_in, text
from tests.customers.conftest import make_card, make_profile

pytestmark = pytest.mark.django_db

HEADER = ("customer_number;name;country;invoice_email;endpoint_id;is_government;"
          "buyer_reference_source;einvoicing_method")
# Row 3 has six problems, one in each of its checked columns but the number and the name.
CONTENT = "\n".join([
    HEADER,
    "1001;Bakker BV;NL;ap@bakker.nl;0106:12345678;no;your reference;sending profile",
    "1002;Slager BV;ZZ;not-an-email;0106:123;maybe;somebody;fax",
    "1003;Garage BV;NL;;0106:87654321;;;",
]) + "\n"

ENGLISH = [
    ("country", "Country “ZZ” is not one the portal knows; use NL, BE, DE, LU, FR, or XX for "
                "any other country."),
    ("invoice_email", "“not-an-email” is not an email address."),
    ("endpoint_id", "A KvK number has 8 digits; this one has 3."),
    ("is_government", "Write yes or no, not “maybe”."),
    ("buyer_reference_source", "“somebody” is not one of “Your reference”, “External document "
                               "number”."),
    ("einvoicing_method", "“fax” is not one of “Sending profile of documents”, “eVerbinding "
                          "(legacy connection)”."),
]
DUTCH = [
    ("country", "Het portaal kent land “ZZ” niet; gebruik NL, BE, DE, LU, FR of XX voor elk "
                "ander land."),
    ("invoice_email", "“not-an-email” is geen e-mailadres."),
    ("endpoint_id", "Een KvK-nummer heeft 8 cijfers; dit nummer heeft er 3."),
    ("is_government", "Schrijf ja of nee, niet “maybe”."),
    ("buyer_reference_source", "“somebody” is geen van deze waarden: “Uw referentie”, “Extern "
                               "documentnummer”."),
    ("einvoicing_method", "“fax” is geen van deze waarden: “Verzendprofiel van documenten”, "
                          "“eVerbinding (oude koppeling)”."),
]


@pytest.fixture
def admin(client, cast, org):
    make_profile(org, "eConnect")
    return sign_in(client, cast.admin)


def check(client, org, content, language="en", **extra):
    client.post(f"/organizations/{org.pk}/customers/import/",
                {"file": SimpleUploadedFile("klanten.csv", content.encode())},
                HTTP_ACCEPT_LANGUAGE=language)
    job = ImportJob.objects.latest("pk")
    data = {f"column_{index}": "" for index in range(len(job.columns))}
    data.update({f"column_{index}": target for target, index in job.mapping.items()})
    client.post(f"/customers/imports/{job.pk}/", {**data, **extra},
                HTTP_ACCEPT_LANGUAGE=language)
    job.refresh_from_db()
    return job


def shown_problems(client, job, language):
    """{row number: [(column, reason), ...]} as the report page's table shows them."""
    response = client.get(f"/customers/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    table = lxml.html.fromstring(response.content.decode()).get_element_by_id("rejections")
    shown, spans, row = {}, {}, None
    for tr in table.xpath("tbody/tr"):
        tds = tr.xpath("td")
        cells = [td.text_content() for td in tds]
        if len(cells) == 4:
            # The row's first problem; its row and customer number stand beside them all.
            row = int(cells[0])
            spans[row] = int(tds[0].get("rowspan"))
            assert int(tds[1].get("rowspan")) == spans[row]
            cells = cells[2:]
        shown.setdefault(row, []).append(tuple(cells))
    assert spans == {row: len(problems) for row, problems in shown.items()}
    return shown


def download(client, job, language):
    response = client.get(f"/customers/imports/{job.pk}/rejected-rows.csv",
                          HTTP_ACCEPT_LANGUAGE=language)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content), delimiter=";" if language == "nl" else ","))


def test_it_lists_every_problem_of_a_row_on_the_report_page(admin, org):
    job = check(admin, org, CONTENT)

    assert (job.status, job.rows_total, job.rows_rejected, job.rows_created) == (
        "checked", 3, 1, 2)
    assert shown_problems(admin, job, "en") == {3: ENGLISH}
    page = text(admin.get(f"/customers/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Nothing was imported: 1 row was rejected." in page
    assert "Import the 2 valid rows" in page


def test_it_says_every_problem_in_the_readers_language(admin, org):
    job = check(admin, org, CONTENT, language="en")

    assert shown_problems(admin, job, "nl") == {3: DUTCH}
    page = text(admin.get(f"/customers/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="nl"))
    assert "Er is niets geïmporteerd: 1 rij is afgewezen." in page


def test_it_gives_one_line_per_row_with_every_reason_in_the_download(admin, org):
    job = check(admin, org, CONTENT, language="nl")

    english = download(admin, job, "en")

    assert english[0] == [*HEADER.split(";"), "reason"]
    assert len(english) == 2
    assert english[1][:8] == ["1002", "Slager BV", "ZZ", "not-an-email", "0106:123", "maybe",
                              "somebody", "fax"]
    assert english[1][8] == " | ".join(f"{column}: {reason}" for column, reason in ENGLISH)


def test_it_gives_the_download_in_dutch(admin, org):
    job = check(admin, org, CONTENT, language="en")

    dutch = download(admin, job, "nl")

    assert dutch[0][-1] == "reden" and len(dutch) == 2
    assert dutch[1][8] == " | ".join(f"{column}: {reason}" for column, reason in DUTCH)


def test_it_counts_a_row_once_however_many_problems_it_has(admin, org):
    job = check(admin, org, CONTENT + "1004;Kapper BV;QQ;x;;;;\n", import_valid_rows="on")

    assert (job.status, job.rows_total, job.rows_rejected, job.rows_created) == (
        "done", 4, 2, 2)
    assert [rejection[:2] for rejection in job.rejections] == [[3, "1002"], [5, "1004"]]
    assert sorted(CustomerCard.objects.values_list("customer_number", flat=True)) == [
        "1001", "1003"]
    page = admin.get(f"/customers/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert lxml.html.fromstring(page.content.decode()).xpath(
        '//*[@data-count="rejected"]')[0].text_content() == "2"
    assert [len(problems) for problems in shown_problems(admin, job, "en").values()] == [6, 2]
    assert len(download(admin, job, "en")) == 3


def test_it_keeps_a_row_with_one_problem_as_it_was(admin, org):
    job = check(admin, org, CONTENT.replace("ZZ;not-an-email;0106:123;maybe;somebody;fax",
                                            "NL;;0106:123;;;"))

    assert shown_problems(admin, job, "en") == {3: [ENGLISH[2]]}
    assert download(admin, job, "en")[1][-1] == "A KvK number has 8 digits; this one has 3."
    assert len(job.rejections[0]) == 6


def test_it_checks_across_fields_when_those_fields_are_valid(admin, org):
    content = "\n".join([
        "customer_number;name;invoice_email;endpoint_id;is_government",
        # The government check reads a valid flag and Endpoint-ID: said with the email.
        "1;Gemeente;x;0106:12345678;yes",
        # Its Endpoint-ID has a problem of its own: no check of the scheme against the flag.
        "2;Provincie;;0106:123;yes",
        # Its flag has a problem of its own.
        "3;Waterschap;;0106:12345678;maybe",
    ]) + "\n"

    job = check(admin, org, content)

    shown = shown_problems(admin, job, "en")
    assert [column for column, _reason in shown[2]] == ["invoice_email", "is_government"]
    assert "addressed by its OIN" in shown[2][1][1]
    assert shown[3] == [("endpoint_id", "A KvK number has 8 digits; this one has 3.")]
    assert shown[4] == [("is_government", "Write yes or no, not “maybe”.")]
    assert job.rows_rejected == 3


def test_it_says_a_missing_name_column_only_where_the_file_has_none(admin, org):
    make_card(org, customer_number="1")
    job = check(admin, org, "customer_number;invoice_email\n1;x\n2;y\n")

    shown = shown_problems(admin, job, "en")
    assert shown[2] == [("invoice_email", "“x” is not an email address.")]
    assert shown[3] == [("invoice_email", "“y” is not an email address."),
                        ("customer_number", "There is no customer with this number yet, and "
                                            "the file has no name to create it with.")]
    # An empty name is said as such; that the file has no name column would not be true.
    job = check(admin, org, "customer_number;name;invoice_email\n2;;y\n")
    assert [column for column, _reason in shown_problems(admin, job, "en")[2]] == [
        "name", "invoice_email"]


def test_it_reports_a_second_row_of_a_number_whose_first_row_has_problems(admin, org):
    job = check(admin, org, "customer_number;name;invoice_email\n7;Seven;x\n7;Seven again;\n",
                import_valid_rows="on")

    assert (job.status, job.rows_rejected, job.rows_created) == ("done", 2, 0)
    shown = shown_problems(admin, job, "en")
    assert shown[2] == [("invoice_email", "“x” is not an email address.")]
    assert shown[3] == [("customer_number", "Customer number 7 is also on row 2.")]
    assert not CustomerCard.objects.exists()


def test_it_reads_every_problem_of_a_stored_rejection():
    rejection = [3, "1002", "country", "Country “ZZ” is not one the portal knows; use NL, BE, "
                 "DE, LU, FR, or XX for any other country.",
                 {"id": "Country “%(country)s” is not one the portal knows; use NL, BE, DE, LU, "
                        "FR, or XX for any other country.", "params": {"country": "ZZ"}},
                 None,
                 [["e-mail", "“x” is not an email address.",
                   {"id": "“%(email)s” is not an email address.", "params": {"email": "x"}},
                   None]]]

    row, number, column, reason = shown_rejection(rejection)

    assert (row, number, column) == (3, "1002", "country, e-mail")
    assert reason == ("Country “ZZ” is not one the portal knows; use NL, BE, DE, LU, FR, or "
                      "XX for any other country. | “x” is not an email address.")


def test_it_prints_every_problem_on_the_command_line(org, tmp_path, capsys):
    path = tmp_path / "klanten.csv"
    path.write_text(CONTENT)

    with pytest.raises(CommandError, match="3 rows, 1 rejected"):
        call_command("import_customer_cards", "--organization", org.company_id, str(path))

    err = capsys.readouterr().err
    assert all(reason in err for _column, reason in ENGLISH)


def test_it_looks_for_the_first_problem_only_past_many_rows_with_problems(admin, org,
                                                                          monkeypatch):
    monkeypatch.setattr(passes, "EVERY_PROBLEM_OF", 1)
    job = check(admin, org, CONTENT + "1004;Kapper BV;QQ;x;;;;\n1005;Bakker;NL;;;;;fax\n")

    assert (job.rows_rejected, job.rows_created) == (3, 2)
    shown = shown_problems(admin, job, "en")
    assert shown[3] == ENGLISH
    note = ("The import rejected too many rows to look for every problem of each: this row "
            "may have more than the one listed.")
    assert shown[5] == [("country", "Country “QQ” is not one the portal knows; use NL, BE, "
                                    "DE, LU, FR, or XX for any other country."), ("", note)]
    assert shown[6] == [ENGLISH[5][:1] + ("“fax” is not one of “Sending profile of "
                                          "documents”, “eVerbinding (legacy connection)”.",),
                        ("", note)]
    rows = download(admin, job, "en")
    assert len(rows) == 4
    assert rows[2][-1] == (
        "country: Country “QQ” is not one the portal knows; use NL, BE, DE, LU, FR, or XX for "
        "any other country. | " + note)
