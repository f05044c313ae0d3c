"""The reason of a document that waits for the Peppol network becomes a message readers see
in their own language (portal.said), found again by its text id: the documents and history
lines stored with the plain English reason get the message beside it."""

from django.db import migrations

PLAIN = ("waiting for the Peppol network: delivery over Peppol is not configured on this "
         "platform")
MESSAGE = ("Waiting for the Peppol network: delivery over Peppol is not configured on this "
           "platform.")
SAID = {"id": MESSAGE, "params": {}}


def say_it(apps, schema_editor):
    apps.get_model("invoices", "Document").objects.filter(status_reason=PLAIN).update(
        status_reason=MESSAGE, reason_said=SAID)
    apps.get_model("invoices", "DocumentEvent").objects.filter(detail=PLAIN).update(
        detail=MESSAGE, detail_said=SAID)


def write_it_plain(apps, schema_editor):
    apps.get_model("invoices", "Document").objects.filter(status_reason=MESSAGE).update(
        status_reason=PLAIN, reason_said=None)
    apps.get_model("invoices", "DocumentEvent").objects.filter(detail=MESSAGE).update(
        detail=PLAIN, detail_said=None)


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0010_inbox_reminders"),
    ]

    operations = [migrations.RunPython(say_it, write_it_plain)]
