"""PostgreSQL tells the background worker when a task is queued (see commands/db_worker.py).

Once per statement that queues tasks, delivered when its transaction commits: a worker that
woke earlier could not see the task yet.
"""

from django.db import migrations

CHANNEL = "sourcetrace_task_queued"

NOTIFY = f"""
CREATE FUNCTION sourcetrace_task_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END $$;
CREATE TRIGGER sourcetrace_task_queued AFTER INSERT ON django_tasks_database_dbtaskresult
    FOR EACH STATEMENT EXECUTE FUNCTION sourcetrace_task_queued();
"""

FORGET = """
DROP TRIGGER IF EXISTS sourcetrace_task_queued ON django_tasks_database_dbtaskresult;
DROP FUNCTION IF EXISTS sourcetrace_task_queued();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_uploads_on_disk"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunSQL(NOTIFY, FORGET)]
