from django.db import migrations

INDEX = "card_org_checked_desc"


def create(apps, schema_editor):
    # The card list's order for "last checked, newest first": an index on peppol_checked_at
    # read backwards puts never-checked cards first on PostgreSQL, the list puts them last.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customercard "
            "(organization_id, peppol_checked_at DESC NULLS LAST, id DESC)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0006_failed_lookups_and_profile_names_any_case"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
