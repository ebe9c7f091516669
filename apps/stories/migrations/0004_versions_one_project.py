"""An anchoring ties an annotation of one version of an article to the later version it was
carried to, and to the annotation it became there: all three of one project. Anchorings are
written in bulk, so they are checked once per statement, joined with the articles."""

from django.db import migrations

SQL = """
CREATE FUNCTION stories_anchoring_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row record;
BEGIN
    SELECT n.id, v.project_id AS version_project, oa.project_id AS origin_project,
           ca.project_id AS carried_project INTO row
        FROM new_anchorings n
        JOIN articles_article v ON v.id = n.article_id
        JOIN annotations_annotation o ON o.id = n.origin_id
        JOIN articles_article oa ON oa.id = o.article_id
        LEFT JOIN annotations_annotation c ON c.id = n.annotation_id
        LEFT JOIN articles_article ca ON ca.id = c.article_id
        WHERE oa.project_id <> v.project_id OR ca.project_id <> v.project_id
        LIMIT 1;
    IF FOUND THEN
        PERFORM sourcetrace_refuse_two_projects('anchoring_same_project',
            format('anchoring %s carries an annotation of project %s to an article of project %s (carried: %s)',
                   row.id, row.origin_project, row.version_project, row.carried_project));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER anchoring_same_project AFTER INSERT ON stories_anchoring
    REFERENCING NEW TABLE AS new_anchorings FOR EACH STATEMENT EXECUTE FUNCTION stories_anchoring_same_project();
CREATE TRIGGER anchoring_same_project_update AFTER UPDATE ON stories_anchoring
    REFERENCING NEW TABLE AS new_anchorings FOR EACH STATEMENT EXECUTE FUNCTION stories_anchoring_same_project();
"""

REVERSE = """
DROP TRIGGER IF EXISTS anchoring_same_project_update ON stories_anchoring;
DROP TRIGGER IF EXISTS anchoring_same_project ON stories_anchoring;
DROP FUNCTION IF EXISTS stories_anchoring_same_project();
"""


class Migration(migrations.Migration):
    dependencies = [("stories", "0003_versions"), ("projects", "0003_rows_stay_in_their_project")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
