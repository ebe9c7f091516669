"""An annotation's sources are of its article's project, and an annotation stays with articles of
that project.

Neither links nor annotations carry the project themselves (it is their article's), so triggers
compare the projects. Articles and sources never change project (articles 0016, sources 0005),
so checking the writes of these two tables is enough. Links that already point across projects
are deleted; their history keeps them.
"""

from django.db import migrations

SQL = """
-- Check the repairs' foreign keys now: a table with checks still pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
DELETE FROM annotations_link l USING annotations_annotation n, articles_article a, sources_source s
    WHERE l.annotation_id = n.id AND n.article_id = a.id AND l.source_id = s.id AND s.project_id <> a.project_id;

CREATE FUNCTION annotations_link_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    annotation_project bigint;
    source_project bigint;
BEGIN
    SELECT a.project_id INTO annotation_project
        FROM annotations_annotation n JOIN articles_article a ON a.id = n.article_id WHERE n.id = NEW.annotation_id;
    SELECT project_id INTO source_project FROM sources_source WHERE id = NEW.source_id;
    IF annotation_project <> source_project THEN
        PERFORM sourcetrace_refuse_two_projects('link_source_same_project',
            format('annotation %s of project %s linked to source %s of project %s',
                   NEW.annotation_id, annotation_project, NEW.source_id, source_project));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER link_source_same_project
    BEFORE INSERT OR UPDATE OF annotation_id, source_id ON annotations_link
    FOR EACH ROW EXECUTE FUNCTION annotations_link_same_project();

CREATE FUNCTION annotations_article_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_project bigint;
    new_project bigint;
BEGIN
    SELECT project_id INTO old_project FROM articles_article WHERE id = OLD.article_id;
    SELECT project_id INTO new_project FROM articles_article WHERE id = NEW.article_id;
    IF old_project <> new_project THEN
        PERFORM sourcetrace_refuse_two_projects('annotation_article_same_project',
            format('annotation %s of project %s moved to article %s of project %s',
                   NEW.id, old_project, NEW.article_id, new_project));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER annotation_article_same_project
    BEFORE UPDATE OF article_id ON annotations_annotation FOR EACH ROW
    WHEN (OLD.article_id IS DISTINCT FROM NEW.article_id)
    EXECUTE FUNCTION annotations_article_same_project();
"""

REVERSE = """
DROP TRIGGER IF EXISTS annotation_article_same_project ON annotations_annotation;
DROP FUNCTION IF EXISTS annotations_article_same_project();
DROP TRIGGER IF EXISTS link_source_same_project ON annotations_link;
DROP FUNCTION IF EXISTS annotations_link_same_project();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0010_tags_bounded"), ("articles", "0016_one_project")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
