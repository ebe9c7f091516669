"""An import's listed outcomes name articles of the import's project, which never changes.

Outcomes are written with COPY, thousands at a time, so they are checked once per statement,
joined with their jobs and articles. Outcomes that already name an article of another project
lose that article, as if it were deleted.
"""

from django.db import migrations

SQL = """
-- Check the repairs' foreign keys now: a table with checks still pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE imports_joboutcome o SET article_id = NULL FROM imports_importjob j, articles_article a
    WHERE o.job_id = j.id AND o.article_id = a.id AND a.project_id <> j.project_id;

CREATE FUNCTION imports_outcome_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    outcome record;
BEGIN
    SELECT o.job_id, j.project_id AS job_project, o.article_id, a.project_id AS article_project INTO outcome
        FROM new_outcomes o
        JOIN imports_importjob j ON j.id = o.job_id
        JOIN articles_article a ON a.id = o.article_id
        WHERE a.project_id <> j.project_id
        LIMIT 1;
    IF FOUND THEN
        PERFORM sourcetrace_refuse_two_projects('job_outcome_article_same_project',
            format('import %s of project %s listing article %s of project %s',
                   outcome.job_id, outcome.job_project, outcome.article_id, outcome.article_project));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER job_outcome_article_same_project AFTER INSERT ON imports_joboutcome
    REFERENCING NEW TABLE AS new_outcomes FOR EACH STATEMENT EXECUTE FUNCTION imports_outcome_same_project();
CREATE TRIGGER job_outcome_article_same_project_update AFTER UPDATE ON imports_joboutcome
    REFERENCING NEW TABLE AS new_outcomes FOR EACH STATEMENT EXECUTE FUNCTION imports_outcome_same_project();

CREATE TRIGGER import_job_project_unchanged BEFORE UPDATE OF project_id ON imports_importjob FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('import_job_project_unchanged');
"""

REVERSE = """
DROP TRIGGER IF EXISTS import_job_project_unchanged ON imports_importjob;
DROP TRIGGER IF EXISTS job_outcome_article_same_project_update ON imports_joboutcome;
DROP TRIGGER IF EXISTS job_outcome_article_same_project ON imports_joboutcome;
DROP FUNCTION IF EXISTS imports_outcome_same_project();
"""


class Migration(migrations.Migration):
    dependencies = [("imports", "0003_task_queued_notification"), ("articles", "0016_one_project")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
