"""Messages stored with their text id and parameters read in the reader's language."""

from datetime import date

from django.utils.translation import gettext_noop, override

from invoices.peppol.validation import VERDICTS
from portal.said import Said, as_data, render

DELIVERED = gettext_noop("Delivered inside the platform to %(name)s.")
GAVE_UP = gettext_noop("%(reason)s Gave up after %(count)d attempts.")


def test_it_is_the_text_in_the_language_it_was_said_in():
    with override("nl"):
        said = Said(DELIVERED, name="Bakery Client BV")
    assert said == "Binnen het platform afgeleverd bij Bakery Client BV."
    assert said[:6] == "Binnen"


def test_it_says_a_stored_message_again_in_the_active_language():
    with override("en"):
        data = as_data(Said(DELIVERED, name="Bakery Client BV"))
    assert data == {"id": DELIVERED, "params": {"name": "Bakery Client BV"}}
    with override("nl"):
        assert render(data) == "Binnen het platform afgeleverd bij Bakery Client BV."
    with override("en"):
        assert render(data) == "Delivered inside the platform to Bakery Client BV."


def test_it_translates_messages_inside_messages():
    inner = Said(gettext_noop("The receiver is not on the Peppol network."))
    data = as_data(Said(GAVE_UP, reason=inner, count=3))
    with override("nl"):
        assert render(data) == ("De ontvanger is niet aangesloten op het Peppol-netwerk. "
                                "Gestopt na 3 pogingen.")


def test_it_fills_in_braces_for_the_validation_verdicts():
    said = Said(VERDICTS["refused"], braces=True, rules="Peppol BIS Billing 3.0",
                release="3.0.21", fatal=2, warnings=0)
    assert said == ("Refused under Peppol BIS Billing 3.0 (release 3.0.21). Fatal errors: 2, "
                    "warnings: 0.")
    with override("nl"):
        assert render(as_data(said)).startswith("Geweigerd volgens Peppol BIS Billing 3.0")


def test_it_keeps_plain_text_and_what_it_cannot_fill_in_as_stored():
    assert as_data("Supplier confirmed a second delivery") is None
    assert render(None, "Supplier confirmed a second delivery") == \
        "Supplier confirmed a second delivery"
    assert render({"id": DELIVERED, "params": {"other": 1}}, "as stored") == "as stored"
    assert render({"unexpected": True}, "as stored") == "as stored"


def test_it_keeps_the_stored_text_when_a_message_inside_cannot_be_filled_in():
    broken = {"id": GAVE_UP, "params": {"reason": {"params": {}}, "count": 2}}
    assert render(broken, "as stored") == "as stored"


def test_it_writes_a_date_as_the_readers_language_does():
    with override("en"):
        said = Said(gettext_noop("Same supplier, number and issue date as a document received "
                                 "on %(date)s and since deleted."), date=date(2026, 12, 7))
    assert said.endswith("received on 7 Dec 2026 and since deleted.")
    assert as_data(said)["params"] == {"date": {"date": "2026-12-07"}}
    with override("nl"):
        assert render(as_data(said)).startswith("Zelfde leverancier") \
            and "op 7 dec 2026 is ontvangen" in render(as_data(said))
