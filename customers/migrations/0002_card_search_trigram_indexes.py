"""Trigram indexes for the card search on PostgreSQL.

The search is `icontains` on four columns, which Django writes as UPPER(col::text) LIKE
UPPER('%...%'); a GIN trigram index on exactly that expression answers it without reading every
card of the organization. SQLite (development) has no such index and scans.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

SEARCHED = ("name", "customer_number", "endpoint_value", "invoice_email")


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:
        # A database user that may not create the (trusted) extension: search still works,
        # by scanning, and the indexes can be added once an administrator creates it.
        logger.warning("pg_trgm is not available; customer card search will scan the table.")
        return
    for column in SEARCHED:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "card_{column}_trgm" ON "customers_customercard" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "card_{column}_trgm"')


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
