"""Search indexes for the outbox and inbox on PostgreSQL.

Number, counterparty and buyer reference are searched with `icontains`, which Django writes as
UPPER(col::text) LIKE UPPER('%...%'); a GIN trigram index on exactly that expression answers it
without walking the list of a million documents. The number filter is a prefix
(`istartswith`), which a B-tree on the same expression with text_pattern_ops answers as a
range. SQLite (development) has no such indexes and scans.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

SEARCHED = ("number", "counterparty_name", "buyer_reference")


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        logger.warning("pg_trgm is not available; document search will scan the table.")
        return
    for column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "doc_{column}_trgm" ON "invoices_document" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def create_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "doc_number_prefix" ON "invoices_document" '
        '((UPPER("number"::text)) text_pattern_ops)'
    )


def drop_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX IF EXISTS "doc_number_prefix"')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "doc_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_documents_and_events")]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(create_prefix_index, drop_prefix_index),
    ]
