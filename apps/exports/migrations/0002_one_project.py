"""An export's article and story are of the export's project, which never changes.

The story's foreign key includes the project (cascading as the plain one does in Django); the
article is checked by a trigger, as articles have no unique (id, project_id) to refer to (see
articles 0016). Exports that already point across projects are deleted: they are files to be
made again, kept a week at most.
"""

from django.db import migrations

SQL = """
-- Check the repairs' foreign keys now: a table with checks still pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
DELETE FROM exports_exportjob j USING articles_article a
    WHERE j.article_id = a.id AND a.project_id <> j.project_id;
DELETE FROM exports_exportjob j USING articles_story s
    WHERE j.story_id = s.id AND s.project_id <> j.project_id;

ALTER TABLE exports_exportjob ADD CONSTRAINT export_job_story_same_project
    FOREIGN KEY (story_id, project_id) REFERENCES articles_story (id, project_id) ON DELETE CASCADE;

CREATE FUNCTION exports_article_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    article_project bigint;
BEGIN
    SELECT project_id INTO article_project FROM articles_article WHERE id = NEW.article_id;
    IF FOUND AND article_project <> NEW.project_id THEN
        PERFORM sourcetrace_refuse_two_projects('export_job_article_same_project',
            format('export %s of project %s would read article %s of project %s',
                   NEW.id, NEW.project_id, NEW.article_id, article_project));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER export_job_article_same_project
    BEFORE INSERT OR UPDATE OF article_id, project_id ON exports_exportjob FOR EACH ROW
    WHEN (NEW.article_id IS NOT NULL) EXECUTE FUNCTION exports_article_same_project();

CREATE TRIGGER export_job_project_unchanged BEFORE UPDATE OF project_id ON exports_exportjob FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('export_job_project_unchanged');
"""

REVERSE = """
DROP TRIGGER IF EXISTS export_job_project_unchanged ON exports_exportjob;
DROP TRIGGER IF EXISTS export_job_article_same_project ON exports_exportjob;
DROP FUNCTION IF EXISTS exports_article_same_project();
ALTER TABLE exports_exportjob DROP CONSTRAINT IF EXISTS export_job_story_same_project;
"""


class Migration(migrations.Migration):
    dependencies = [("exports", "0001_initial"), ("articles", "0016_one_project")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
