"""The migration that makes profile names unique regardless of case keeps existing data."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0005_job_error_said")]
AFTER = [("customers", "0006_failed_lookups_and_profile_names_any_case")]


@pytest.mark.django_db(transaction=True)
def test_it_renames_the_later_of_two_names_that_differ_only_in_case(org):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("customers", "SendingProfile")
    first = old.objects.create(organization_id=org.pk, name="eConnect")
    second = old.objects.create(organization_id=org.pk, name="ECONNECT")
    third = old.objects.create(organization_id=org.pk, name="econnect")
    other = old.objects.create(organization_id=org.pk, name="Email")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from customers.models import SendingProfile

    names = dict(SendingProfile.objects.values_list("pk", "name"))
    assert names == {first.pk: "eConnect", second.pk: "ECONNECT (2)",
                     third.pk: "econnect (3)", other.pk: "Email"}
