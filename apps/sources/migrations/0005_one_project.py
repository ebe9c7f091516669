"""A source's organisation is a source of its own project, and a source never changes project.

The affiliation's foreign key includes the project, in place of the plain one:
(affiliation_id, project_id) must be an (id, project_id) of sources. Sources that already point across projects lose that affiliation,
as they would if the organisation were deleted.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
-- Check the repairs' foreign keys now: a table with checks still pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE sources_source s SET affiliation_id = NULL
    FROM sources_source o WHERE s.affiliation_id = o.id AND o.project_id <> s.project_id;

ALTER TABLE sources_source ADD CONSTRAINT source_id_project_key UNIQUE (id, project_id);
ALTER TABLE sources_source ADD CONSTRAINT source_affiliation_same_project
    FOREIGN KEY (affiliation_id, project_id) REFERENCES sources_source (id, project_id)
    ON DELETE SET NULL (affiliation_id);

CREATE TRIGGER source_project_unchanged BEFORE UPDATE OF project_id ON sources_source FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('source_project_unchanged');
"""

REVERSE = """
DROP TRIGGER IF EXISTS source_project_unchanged ON sources_source;
ALTER TABLE sources_source DROP CONSTRAINT IF EXISTS source_affiliation_same_project;
ALTER TABLE sources_source DROP CONSTRAINT IF EXISTS source_id_project_key;
"""


class Migration(migrations.Migration):
    dependencies = [("sources", "0004_history"), ("projects", "0003_rows_stay_in_their_project")]
    operations = [
        migrations.AlterField(
            model_name="source",
            name="affiliation",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="A person's organisation.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="affiliates",
                to="sources.source",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
