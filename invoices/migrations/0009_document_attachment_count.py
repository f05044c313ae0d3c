"""How many supporting documents (BG-24) each document carries, so that a list can show it
without reading the UBL of every row; documents stored before are counted from their UBL."""

from django.db import migrations, models
from lxml import etree

ATTACHMENT = ("{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
              "AdditionalDocumentReference/"
              "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
              "Attachment")
# The same safe parser settings as on arrival: no entities, no network, no huge trees.
PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def count(content: bytes) -> int:
    try:
        root = etree.fromstring(bytes(content), etree.XMLParser(**PARSER))
    except etree.XMLSyntaxError:
        return 0
    return min(len(root.findall(ATTACHMENT)), 32767)


def count_attachments(apps, schema_editor):
    Document = apps.get_model("invoices", "Document")
    # Only documents that name an attachment at all are parsed, a few hundred at a time.
    counted = []
    for pk, content in Document.objects.order_by("pk").values_list("pk", "content") \
            .iterator(chunk_size=200):
        if b"Attachment" in bytes(content) and (n := count(content)):
            counted.append(Document(pk=pk, attachment_count=n))
        if len(counted) >= 200:
            Document.objects.bulk_update(counted, ["attachment_count"])
            counted = []
    Document.objects.bulk_update(counted, ["attachment_count"])


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0008_processing_statuses"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="attachment_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attachments"),
        ),
        migrations.RunPython(count_attachments, migrations.RunPython.noop),
    ]
