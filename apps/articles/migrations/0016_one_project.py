"""An article's story, publisher and earlier version, and both articles of a story match, are of
one project; articles and stories never change project.

The story's and the publisher's foreign keys include the project, and stand for the plain ones
(a second check of the publisher of each imported article would cost as much as the first). The earlier version is checked
by a trigger instead: a foreign key needs a unique (id, project_id) index on the articles, one
more entry to write for each imported article, while the trigger runs only for the few articles
that name an earlier version. Story matches are written in bulk, so they are checked once per
statement, joined with the articles.

References that already point across projects are cleared, as if their target were deleted.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
-- Check the repairs' foreign keys now: a table with checks still pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE articles_article a SET story_id = NULL
    FROM articles_story s WHERE a.story_id = s.id AND s.project_id <> a.project_id;
UPDATE articles_article a SET publisher_id = NULL
    FROM sources_source s WHERE a.publisher_id = s.id AND s.project_id <> a.project_id;
UPDATE articles_article a SET replaces_id = NULL
    FROM articles_article r WHERE a.replaces_id = r.id AND r.project_id <> a.project_id;
DELETE FROM articles_storymatch m USING articles_article a, articles_article o
    WHERE m.article_id = a.id AND m.other_id = o.id AND a.project_id <> o.project_id;

ALTER TABLE articles_story ADD CONSTRAINT story_id_project_key UNIQUE (id, project_id);
ALTER TABLE articles_article ADD CONSTRAINT article_story_same_project
    FOREIGN KEY (story_id, project_id) REFERENCES articles_story (id, project_id)
    ON DELETE SET NULL (story_id);
ALTER TABLE articles_article ADD CONSTRAINT article_publisher_same_project
    FOREIGN KEY (publisher_id, project_id) REFERENCES sources_source (id, project_id)
    ON DELETE SET NULL (publisher_id);

CREATE FUNCTION articles_replaces_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    replaced_project bigint;
BEGIN
    SELECT project_id INTO replaced_project FROM articles_article WHERE id = NEW.replaces_id;
    -- A missing article is the plain foreign key's to refuse.
    IF FOUND AND replaced_project <> NEW.project_id THEN
        PERFORM sourcetrace_refuse_two_projects('article_replaces_same_project',
            format('article %s of project %s would replace article %s of project %s',
                   NEW.id, NEW.project_id, NEW.replaces_id, replaced_project));
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER article_replaces_same_project
    BEFORE INSERT OR UPDATE OF replaces_id, project_id ON articles_article FOR EACH ROW
    WHEN (NEW.replaces_id IS NOT NULL) EXECUTE FUNCTION articles_replaces_same_project();

CREATE FUNCTION articles_story_match_same_project() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pair record;
BEGIN
    SELECT m.article_id, a.project_id AS article_project, m.other_id, o.project_id AS other_project INTO pair
        FROM new_matches m
        JOIN articles_article a ON a.id = m.article_id
        JOIN articles_article o ON o.id = m.other_id
        WHERE a.project_id <> o.project_id
        LIMIT 1;
    IF FOUND THEN
        PERFORM sourcetrace_refuse_two_projects('story_match_same_project',
            format('article %s of project %s matched with article %s of project %s',
                   pair.article_id, pair.article_project, pair.other_id, pair.other_project));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER story_match_same_project AFTER INSERT ON articles_storymatch
    REFERENCING NEW TABLE AS new_matches FOR EACH STATEMENT EXECUTE FUNCTION articles_story_match_same_project();
CREATE TRIGGER story_match_same_project_update AFTER UPDATE ON articles_storymatch
    REFERENCING NEW TABLE AS new_matches FOR EACH STATEMENT EXECUTE FUNCTION articles_story_match_same_project();

CREATE TRIGGER article_project_unchanged BEFORE UPDATE OF project_id ON articles_article FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('article_project_unchanged');
CREATE TRIGGER story_project_unchanged BEFORE UPDATE OF project_id ON articles_story FOR EACH ROW
    WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION sourcetrace_project_unchanged('story_project_unchanged');
"""

REVERSE = """
DROP TRIGGER IF EXISTS story_project_unchanged ON articles_story;
DROP TRIGGER IF EXISTS article_project_unchanged ON articles_article;
DROP TRIGGER IF EXISTS story_match_same_project_update ON articles_storymatch;
DROP TRIGGER IF EXISTS story_match_same_project ON articles_storymatch;
DROP FUNCTION IF EXISTS articles_story_match_same_project();
DROP TRIGGER IF EXISTS article_replaces_same_project ON articles_article;
DROP FUNCTION IF EXISTS articles_replaces_same_project();
ALTER TABLE articles_article DROP CONSTRAINT IF EXISTS article_publisher_same_project;
ALTER TABLE articles_article DROP CONSTRAINT IF EXISTS article_story_same_project;
ALTER TABLE articles_story DROP CONSTRAINT IF EXISTS story_id_project_key;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_links_indexed_where_set"),
        ("sources", "0005_one_project"),
        ("projects", "0003_rows_stay_in_their_project"),
    ]
    operations = [
        migrations.AlterField(
            model_name="article",
            name="publisher",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="published_articles",
                to="sources.source",
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="story",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="articles",
                to="articles.story",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
