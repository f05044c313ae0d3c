"""Peppol participant identifiers: what a user typing one is told, scheme by scheme."""

import subprocess
import sys
from pathlib import Path

import pytest

from invoices.peppol import schemes
from invoices.peppol.identifiers import (
    MESSAGES,
    Identifier,
    IdentifierError,
    check,
    check_value,
    parse,
    scheme_title,
)

REPO = Path(__file__).resolve().parents[2]


def refusal(scheme, value, *, strict=False):
    """The message for a number that must be refused, checked whatever the scheme's state."""
    with pytest.raises(IdentifierError) as excinfo:
        check_value(scheme, value, strict=strict)
    return excinfo.value.message


# (scheme, as typed, as stored): one or more valid numbers for every family of schemes.
VALID = [
    ("0088", "1234567890128", "1234567890128"),  # GLN
    ("0088", "5790000435968", "5790000435968"),
    ("0106", "1234 5678", "12345678"),  # KvK
    ("0190", "00000001820029336000", "00000001820029336000"),  # OIN
    ("0007", "2021005489", "2021005489"),  # Swedish organisation number
    ("0192", "988 077 917", "988077917"),  # Norwegian organisation number
    ("0184", "DK12345678", "12345678"),  # CVR
    ("0208", "0739.484.052", "0739484052"),  # Belgian enterprise number
    ("0208", "BE 0739 484 052", "0739484052"),
    ("0151", "51 824 753 556", "51824753556"),  # ABN
    ("9925", "be0411.905.847", "BE0411905847"),  # Belgian VAT
    ("9944", "NL004495445B01", "NL004495445B01"),  # Dutch VAT
    ("9944", "004495445B01", "NL004495445B01"),
    ("0196", "450401-3150", "4504013150"),  # kennitala
    ("0216", "003704944842TST01", "003704944842TST01"),  # OVT code
    ("0216", "0037 0494 4842", "003704944842"),
    ("0204", "991-03730-19", "991-03730-19"),  # Leitweg-ID
    ("0204", "04011000-1234512345-06", "04011000-1234512345-06"),
    ("0009", "784 301 772 00025", "78430177200025"),  # SIRET
    ("0002", "784301772", "784301772"),  # SIREN
    ("0002", "78430177200025", "78430177200025"),
    ("0210", "97735020584", "97735020584"),  # codice fiscale of a company
    ("0210", "rssbbr69c48f839a", "RSSBBR69C48F839A"),  # and of a person
    ("0211", "IT02985591201", "IT02985591201"),  # Partita IVA
    ("0211", "02985591201", "IT02985591201"),
    ("0201", "ufy9mh", "UFY9MH"),  # IPA code
    ("0060", "150483782", "150483782"),  # D-U-N-S
    ("0183", "CHE-109.322.551", "CHE109322551"),  # Swiss UID
    ("0191", "10137025", "10137025"),  # Estonian registry code
    ("0195", "197401143C", "197401143C"),  # UEN
    ("0199", "724500VKKSH9QOLTFR81", "724500VKKSH9QOLTFR81"),  # LEI
    ("0198", "DK12345678", "DK12345678"),  # Danish SE number
    ("0198", "12345678", "DK12345678"),
    ("0096", "1234567890", "1234567890"),  # Danish P-number
    ("0225", "Abc_12-x", "Abc_12-x"),  # French CTC address keeps its case and dashes
    ("0242", "123456-ABC.DEF", "123456-ABC.DEF"),  # SPIS
    ("0246", "DE123456789-12345.AB", "DE123456789-12345.AB"),  # German business id
    ("9930", "DE 136 695 976", "DE136695976"),  # VAT numbers of other countries
    ("9957", "FR40303265045", "FR40303265045"),
    ("9933", "094259216", "EL094259216"),  # Greece writes EL
    ("9914", "ATU13585627", "ATU13585627"),
    ("9927", "CHE-123.456.788 MWST", "CHE123456788MWST"),
    ("9932", "GB980780684", "GB980780684"),
    ("9910", "HU12892312", "HU12892312"),
    ("9924", "BA123456789", "BA123456789"),  # no check digits known for Bosnia
    ("9918", "NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),  # IBAN
    ("9959", "04-1234567", "041234567"),  # EIN
    ("0130", "EC-DIGIT.B", "EC-DIGIT.B"),  # a scheme with no documented format
    # retired schemes still have their numbers checked, for documents that carry them
    ("9956", "0899965307", "0899965307"),
    ("9908", "988077917", "988077917"),
    ("9909", "990399123MVA", "NO990399123MVA"),
    ("9912", "be0411905847", "BE0411905847"),
    ("0212", "2077474-0", "2077474-0"),
    ("0213", "FI20774740", "FI20774740"),
    ("9958", "991-03730-19", "991-03730-19"),
]


@pytest.mark.parametrize(("scheme", "typed", "stored"), VALID)
def test_it_accepts_and_normalises_valid_numbers(scheme, typed, stored):
    assert check_value(scheme, typed) == Identifier(scheme, stored)


LAST_DIGIT = "The last digit of this {} does not match the others; check for a typo."
CHECK_DIGITS = "The check digits of this {} do not match the rest of the number; check for a typo."

# (scheme, as typed, what the user is told)
INVALID = [
    ("0088", "1234567890127", LAST_DIGIT.format("GLN")),
    ("0088", "123456789012", "A GLN has 13 digits; this one has 12."),
    ("0106", "1234567", "A KvK number has 8 digits; this one has 7."),
    ("0106", "1234567A", "A KvK number contains only digits; remove “A”."),
    ("0190", "0000000182002933600", "An OIN has 20 digits; this one has 19."),
    ("0007", "2021005480", LAST_DIGIT.format("Swedish organisation number")),
    ("0007", "SE5566221100", "A Swedish organisation number contains only digits; remove “SE”."),
    ("0192", "988077918", LAST_DIGIT.format("Norwegian organisation number")),
    ("0184", "1234567", "A CVR number has 8 digits; this one has 7."),
    ("0184", "01234567", "This is not a valid CVR number; check it for typos."),
    ("0208", "0739484059", CHECK_DIGITS.format("Belgian enterprise number")),
    (
        "0208",
        "2739484052",
        "This is not a valid Belgian enterprise number; it is written like 0123456749.",
    ),
    ("0151", "51824753550", CHECK_DIGITS.format("Australian Business Number")),
    ("9925", "BE0411905848", CHECK_DIGITS.format("VAT number")),
    ("9944", "NL123456789B01", CHECK_DIGITS.format("VAT number")),
    ("9944", "DE004495445B01", "A VAT number starts with NL; this one starts with DE."),
    ("0196", "4504013151", "This is not a valid Icelandic kennitala; check it for typos."),
    ("0216", "003704944843", LAST_DIGIT.format("OVT code")),
    ("0216", "12345678", "This is not a valid OVT code; it is written like 003704944842TST01."),
    ("0204", "991-03730-18", CHECK_DIGITS.format("Leitweg-ID")),
    ("0204", "991 03730 19", "This is not a valid Leitweg-ID; it is written like 991-03730-19."),
    ("0009", "78430177200026", LAST_DIGIT.format("SIRET number")),
    ("0002", "7843017720", "A SIREN or SIRET number has 9 or 14 digits; this one has 10."),
    ("0210", "RSSBBR69C48F839B", CHECK_DIGITS.format("Italian tax code")),
    ("0210", "ABC", "This is not a valid Italian tax code; check it for typos."),
    ("0211", "IT1", "An Italian VAT number has 11 digits; this one has 1."),
    ("0211", "ITABC", "An Italian VAT number has only digits after IT; remove “ABC”."),
    ("0201", "F7VRDLF7VRDL", "This is not a valid IPA code; it is written like UFY9MH."),
    ("0060", "15048378", "A D-U-N-S number has 9 digits; this one has 8."),
    ("0183", "CHE109322552", LAST_DIGIT.format("Swiss UID number")),
    ("0191", "10137026", LAST_DIGIT.format("Estonian registry code")),
    ("0199", "724500VKKSH9QOLTFR82", CHECK_DIGITS.format("LEI")),
    ("0198", "SE12345678", "A Danish SE number starts with DK; this one starts with SE."),
    ("9930", "DE136695977", CHECK_DIGITS.format("VAT number")),
    ("9918", "NL91ABNA0417164301", CHECK_DIGITS.format("IBAN")),
    ("9959", "001234567", "This is not a valid EIN; check it for typos."),
    (
        "0130",
        "ÉCOLE",
        "An identifier holds only letters without accents, digits and punctuation; remove “É”.",
    ),
    ("0130", "X" * 131, "An identifier has at most 130 characters; this one has 131."),
    ("0106", " .- ", "Enter the KvK number."),
]


@pytest.mark.parametrize(("scheme", "typed", "message"), INVALID)
def test_it_explains_what_is_wrong_with_a_number(scheme, typed, message):
    assert refusal(scheme, typed) == message


def test_it_parses_scheme_and_number():
    assert parse("0106:12345678") == Identifier("0106", "12345678")


def test_it_tolerates_spaces_and_the_participant_prefix():
    assert parse("  iso6523-actorid-upis::0106:12345678 ") == Identifier("0106", "12345678")
    assert parse("ISO6523-ACTORID-UPIS::0088 : 1234567890128") == Identifier(
        "0088", "1234567890128"
    )


def test_it_shows_an_identifier_as_scheme_colon_number():
    identifier = parse("9944:nl004495445b01")
    assert str(identifier) == "9944:NL004495445B01"
    assert identifier.participant_id == "iso6523-actorid-upis::9944:NL004495445B01"


def test_it_asks_for_an_identifier_when_nothing_is_typed():
    with pytest.raises(IdentifierError) as excinfo:
        parse("   ")
    assert excinfo.value.message == "Enter an identifier, for example 0106:12345678."


def test_it_asks_for_the_colon_between_scheme_and_number():
    with pytest.raises(IdentifierError) as excinfo:
        parse("12345678")
    assert excinfo.value.message == (
        "Write the scheme, a colon and the number, for example 0106:12345678."
    )


def test_it_asks_for_the_scheme_when_only_a_number_follows_the_colon():
    with pytest.raises(IdentifierError) as excinfo:
        parse(":12345678")
    assert excinfo.value.field == "scheme"
    assert excinfo.value.message == "Choose the scheme of this identifier."


def test_it_refuses_a_scheme_that_is_not_a_code():
    with pytest.raises(IdentifierError) as excinfo:
        parse("KVK:12345678")
    assert excinfo.value.message == (
        "A scheme is a code of four digits, such as 0106; “KVK” is not one."
    )


def test_it_points_a_scheme_written_by_name_to_its_code():
    with pytest.raises(IdentifierError) as excinfo:
        parse("NL:KVK:12345678")
    assert excinfo.value.message == "Write scheme NL:KVK as its code, 0106."
    with pytest.raises(IdentifierError) as excinfo:
        check("gln", "1234567890128")
    assert excinfo.value.message == "Write scheme GLN as its code, 0088."


def test_it_refuses_an_unknown_scheme():
    with pytest.raises(IdentifierError) as excinfo:
        parse("1234:5678")
    assert excinfo.value.field == "scheme"
    assert excinfo.value.message == ("Scheme 1234 is not on the Peppol list of identifier schemes.")


def test_it_refuses_an_endpoint_scheme_that_is_no_participant_scheme():
    assert schemes.is_eas_code("0147")
    with pytest.raises(IdentifierError) as excinfo:
        check("0147", "123")
    assert excinfo.value.message == ("Scheme 0147 is not on the Peppol list of identifier schemes.")


def test_it_refuses_a_removed_scheme_without_inventing_a_successor():
    with pytest.raises(IdentifierError) as excinfo:
        check("9956", "0899965307")
    assert excinfo.value.field == "scheme"
    assert excinfo.value.message == ("Scheme 9956 (BE:CBE) was removed from the Peppol code list.")


def test_it_names_the_successor_of_a_removed_scheme():
    with pytest.raises(IdentifierError) as excinfo:
        parse("9954:00000001820029336000")
    assert excinfo.value.message == (
        "Scheme 9954 (NL:OIN) was removed from the Peppol code list; use 0190 instead."
    )


def test_it_refuses_a_deprecated_scheme():
    with pytest.raises(IdentifierError) as excinfo:
        check("0193", "ABCD1234")
    assert excinfo.value.message == (
        "Scheme 0193 (UBLBE) is being phased out of the Peppol code list; use 0208 instead."
    )
    with pytest.raises(IdentifierError) as excinfo:
        check("9909", "NO990399123MVA")
    assert excinfo.value.message == (
        "Scheme 9909 (NO:VAT) is being phased out of the Peppol code list "
        "and cannot be used for new identifiers."
    )


def test_it_reports_the_number_field_for_a_bad_number():
    with pytest.raises(IdentifierError) as excinfo:
        check("0106", "1234567")
    assert excinfo.value.field == "value"
    assert isinstance(excinfo.value, ValueError)


def test_it_leaves_numbers_alone_in_strict_mode():
    assert refusal("0007", "556622-1100", strict=True) == (
        "A Swedish organisation number contains only digits; remove “-”."
    )
    assert refusal("0211", "02985591201", strict=True) == (
        "An Italian VAT number starts with IT; this one starts with 02."
    )
    assert check_value("0007", "202100-5489") == Identifier("0007", "2021005489")


def test_it_still_accepts_what_the_official_rules_accept_in_strict_mode():
    assert check_value("0184", "DK12345678", strict=True) == Identifier("0184", "12345678")
    assert check_value("0208", " 0739484052 ", strict=True) == Identifier("0208", "0739484052")


def test_it_names_schemes_for_listings():
    assert scheme_title("0088") == "GS1 GLN"
    assert scheme_title("0106") == "KvK number"
    assert scheme_title("9944") == "Netherlands VAT number"


def test_it_offers_schemes_in_forms_in_the_users_language():
    from django.utils import translation

    from invoices.peppol.identifiers import scheme_label

    with translation.override("nl"):
        assert scheme_label("9944", translation.gettext) == "9944 · NL:VAT · Btw-nummer (NL)"
        assert scheme_label("9925", translation.gettext) == "9925 · BE:VAT · Btw-nummer (BE)"
        assert scheme_label("0106", translation.gettext) == "0106 · NL:KVK · KvK-nummer"
    assert scheme_label("9944") == "9944 · NL:VAT · VAT number (NL)"
    assert scheme_label("0088") == "0088 · GLN · GS1 GLN"


def test_it_lets_a_translation_layer_translate_template_and_name():
    with pytest.raises(IdentifierError) as excinfo:
        check("0106", "1234567")
    dutch = {
        "{a_label} has {expected} digits; this one has {actual}.": (
            "{a_label} heeft {expected} cijfers; dit heeft er {actual}."
        ),
        "a KvK number": "een KvK-nummer",
    }
    assert excinfo.value.render(lambda text: dutch.get(text, text)) == (
        "Een KvK-nummer heeft 8 cijfers; dit heeft er 7."
    )


def test_it_keeps_every_message_a_whole_sentence():
    for template in MESSAGES.values():
        assert template[:1].isupper() or template.startswith("{a_label}")
        assert template.endswith(".")


def test_it_does_not_import_django():
    code = "import sys, invoices.peppol.identifiers; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_it_reads_the_code_list_with_its_states():
    kvk = schemes.get_scheme("0106")
    assert (kvk.scheme_id, kvk.country, kvk.state, kvk.eas) == ("NL:KVK", "NL", "active", True)
    cbe = schemes.get_scheme("9956")
    assert (cbe.state, cbe.successor, cbe.eas) == ("removed", None, False)
    assert schemes.get_scheme("0193").successor == "0208"
    assert schemes.get_scheme("1234") is None
    assert schemes.code_list_version() == "9.7"


def test_it_lists_every_scheme_in_code_order():
    codes = [scheme.code for scheme in schemes.all_schemes()]
    assert len(codes) == 105
    assert codes == sorted(codes)
    assert {scheme.state for scheme in schemes.all_schemes()} == {
        "active",
        "deprecated",
        "removed",
    }


def test_it_loads_the_code_list_once():
    assert schemes.get_scheme("0088") is schemes.get_scheme("0088")


def test_it_knows_the_endpoint_schemes_of_the_billing_rules():
    assert schemes.is_eas_code("0208")
    assert not schemes.is_eas_code("9958")
    assert not schemes.is_eas_code("NO:ORGNR")
