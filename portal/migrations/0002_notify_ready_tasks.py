"""On PostgreSQL, a task that becomes ready (enqueued, handed back, taken over from a worker
that stopped, retried by TechSupport) is announced with NOTIFY, which waiting workers listen
for (portal.worker.Wakeup). The notification is sent when the transaction that wrote the
row commits, and not at all when it rolls back. Other databases keep polling."""

from django.db import migrations

CHANNEL = "portal_task_ready"  # portal.worker.READY_CHANNEL
FUNCTION = "portal_notify_task_ready"
TRIGGER = "portal_task_ready"


def _task_table(apps, schema_editor) -> str:
    return schema_editor.quote_name(
        apps.get_model("django_tasks_database", "DBTaskResult")._meta.db_table)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = _task_table(apps, schema_editor)
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', NEW.queue_name); RETURN NULL; END $$")
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OF status ON {table} "
        f"FOR EACH ROW WHEN (NEW.status = 'READY') EXECUTE FUNCTION {FUNCTION}()")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = _task_table(apps, schema_editor)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0001_task_workers_and_schedules"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop)]
