"""What the database says when a write would tie two projects together (see the migrations named
"one_project" of the other apps, which use these functions in their constraints' triggers).

Both refusals carry a constraint name ending in "_same_project" or "_project_unchanged", which
is how the app tells them apart from other refusals (projects.models.database_refusal).
"""

from django.db import migrations

SQL = """
CREATE FUNCTION sourcetrace_refuse_two_projects(constraint_name text, detail text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'A row of one project cannot refer to a row of another project: %', detail
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = constraint_name;
END $$;

-- A row's project is part of what it is: its project's users see it, nobody else does, and the
-- rows referring to it are of that project. Used by BEFORE UPDATE OF project_id triggers, each
-- with its own name as the argument.
CREATE FUNCTION sourcetrace_project_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.project_id IS DISTINCT FROM OLD.project_id THEN
        RAISE EXCEPTION 'Row % of % never changes project (% to another project %)',
                OLD.id, TG_TABLE_NAME, OLD.project_id, NEW.project_id
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_ARGV[0];
    END IF;
    RETURN NEW;
END $$;
"""

REVERSE = """
DROP FUNCTION IF EXISTS sourcetrace_project_unchanged();
DROP FUNCTION IF EXISTS sourcetrace_refuse_two_projects(text, text);
"""


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_history")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
