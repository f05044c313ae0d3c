"""A sender's fallback: a document sent with a receiver's email address (SOAP SendDocument's
ReceiverEmail) goes by email when its receiver is neither on the platform nor on Peppol."""

import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from invoices.models import Channel, Document, PeppolEvidence, Status
from invoices.submission import accept
from tests.api.conftest import acme  # noqa: F401 - a fixture
from tests.conftest import sign_in, text
from tests.invoices.as4_world import REMOTE_KVK
from tests.invoices.conftest import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks, acme):  # noqa: F811
    def send(data, receiver_email="boekhouding@remote.example"):
        with django_capture_on_commit_callbacks(execute=True):
            document = accept(acme, data, Channel.CONNECTION_KEY, receiver_email=receiver_email)
        document.refresh_from_db()
        return document
    return send


def mailed_to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_it_mails_a_document_whose_receiver_is_not_on_peppol(send, peppol_world):
    data = invoice("F-MAIL-1", customer_kvk="99990000")

    document = send(data)

    assert document.status == Status.DELIVERED
    [message] = mailed_to("boekhouding@remote.example")
    # In Dutch, for a receiver with a Dutch identifier.
    assert message.subject == "Factuur F-MAIL-1 van Acme Trading BV"
    assert "er is geen Peppol-adres van je gevonden, dus komt het per e-mail" in message.body
    assert "Te betalen: EUR 242,00" in message.body
    assert "Datum: 30 nov 2026" in message.body
    assert "Vragen over het document stel je aan Acme Trading BV" in message.body
    assert message.attachments == [("F-MAIL-1.xml", data, "application/xml")]
    assert message.extra_headers["Message-ID"] == f"<{document.delivery_id}@portal>"
    assert document.events.last().detail == (
        "Delivered by email to boekhouding@remote.example: the receiver is not on Peppol.")
    evidence = PeppolEvidence.objects.get(document=document)
    assert evidence.last_error == "The receiver is not on the Peppol network."
    assert peppol_world.remote_ap.requests == 0


def with_seller_email(data: bytes, address: str) -> bytes:
    """`data` with the seller's contact address (BT-43), last in the seller's party."""
    contact = f"<cac:Contact><cbc:ElectronicMail>{address}</cbc:ElectronicMail></cac:Contact>"
    return data.replace(b"</cac:Party>", contact.encode() + b"</cac:Party>", 1)


def test_it_lets_the_receiver_reply_to_the_sellers_contact(send):
    data = with_seller_email(invoice("F-MAIL-7", customer_kvk=REMOTE_KVK),
                             "debiteuren@acme.example")

    document = send(data)

    assert document.status == Status.DELIVERED, document.status_reason
    [message] = mailed_to("boekhouding@remote.example")
    assert message.reply_to == ["debiteuren@acme.example"]
    assert ("Vragen over het document stel je aan Acme Trading BV: een antwoord op deze e-mail "
            "bereikt hen op debiteuren@acme.example.") in message.body


@pytest.mark.parametrize("address", [
    "debiteuren at acme",
    # Quoted or encoded names that mail programs may show as something else.
    '"&lt;evil@x.example&gt;"@b.example',
    '"click\\ https://phish.example/pay"@b.example',
    "=?utf-8?q?x?=@b.example",
    # Domains that pass the address check but no mail header can carry.
    "a@\ufffd.example",
    "a@\uff0eexample.com",
    "a@" + "\u00e9" * 62 + ".example",
])
def test_it_sets_no_reply_address_the_document_gives_wrongly(send, address):
    number = f"F-MAIL-8-{abs(hash(address)) % 10000}"
    data = with_seller_email(invoice(number, customer_kvk=REMOTE_KVK), address)

    document = send(data)

    assert document.status == Status.DELIVERED, document.status_reason
    [message] = mailed_to("boekhouding@remote.example")
    assert message.reply_to == []
    assert "niet aan het adres waar deze e-mail vandaan komt" in message.body
    message.message()  # the whole mail can be written out


def test_it_sends_over_peppol_when_the_receiver_is_there_after_all(send, peppol_world):
    peppol_world.register_remote()

    document = send(invoice("F-MAIL-2", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert len(peppol_world.remote_ap.received) == 1
    assert mailed_to("boekhouding@remote.example") == []


def test_it_mails_it_where_delivery_over_peppol_is_not_configured(send):
    document = send(invoice("F-MAIL-3", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERED
    assert len(mailed_to("boekhouding@remote.example")) == 1
    assert not PeppolEvidence.objects.exists()


def test_it_lets_a_document_without_an_address_wait(send):
    document = send(invoice("F-MAIL-4", customer_kvk=REMOTE_KVK), receiver_email="")

    assert document.status == Status.QUEUED
    assert not [message for message in mail.outbox if message.attachments]


def test_it_fails_delivery_when_the_mail_server_refuses_the_address(send, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPRecipientsRefused({self.to[0]: (550, b"No such user")})

    monkeypatch.setattr(EmailMessage, "send", refuse)

    document = send(invoice("F-MAIL-5", customer_kvk=REMOTE_KVK))

    assert document.status == Status.DELIVERY_FAILED
    assert document.status_reason == (
        "The email to boekhouding@remote.example could not be sent.")
    assert Document.objects.count() == 1


def test_it_shows_the_address_and_the_mailing_on_the_documents_page(send, client, cast):
    document = send(invoice("F-MAIL-6", customer_kvk=REMOTE_KVK))
    sign_in(client, cast.admin)

    page = text(client.get(document.get_absolute_url()))

    assert ('<span id="receiver-email">Mailed to boekhouding@remote.example if the receiver '
            "is not on Peppol</span>") in page
    assert "Delivered by email to boekhouding@remote.example" in page
    assert "the system (email)" in page
    client.cookies["django_language"] = "nl"
    assert "het systeem (e-mail)" in text(client.get(document.get_absolute_url()))
