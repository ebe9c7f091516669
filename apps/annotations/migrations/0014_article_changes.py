"""Which transactions changed which article's annotations or their history (ArticleChange).

Statement-level triggers on the annotations and their history record, for each statement, the
articles it touched with the id of its transaction; a second statement of the same transaction
on the same article adds nothing. The rows are only ever inserted, so two writers of one article
never wait for each other here. The articles annotated before this migration are recorded as
changed by it, so that figures kept from them are worked out once.
"""

import django.db.models.deletion
from django.db import migrations, models

SQL = """
CREATE FUNCTION annotations_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO annotations_articlechange (article_id, transaction_id)
        SELECT DISTINCT article_id, pg_current_xact_id()::text::bigint FROM changed_annotations
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER annotation_inserted_article_changed AFTER INSERT ON annotations_annotation
    REFERENCING NEW TABLE AS changed_annotations FOR EACH STATEMENT EXECUTE FUNCTION annotations_article_changed();
CREATE TRIGGER annotation_updated_article_changed AFTER UPDATE ON annotations_annotation
    REFERENCING NEW TABLE AS changed_annotations FOR EACH STATEMENT EXECUTE FUNCTION annotations_article_changed();
CREATE TRIGGER annotation_deleted_article_changed AFTER DELETE ON annotations_annotation
    REFERENCING OLD TABLE AS changed_annotations FOR EACH STATEMENT EXECUTE FUNCTION annotations_article_changed();

-- The history is only added to; its rows go with their annotation, whose deletion is recorded.
CREATE FUNCTION annotations_event_article_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO annotations_articlechange (article_id, transaction_id)
        SELECT DISTINCT a.article_id, pg_current_xact_id()::text::bigint
          FROM new_events e JOIN annotations_annotation a ON a.id = e.annotation_id
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER event_inserted_article_changed AFTER INSERT ON annotations_annotationevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION annotations_event_article_changed();

INSERT INTO annotations_articlechange (article_id, transaction_id)
    SELECT DISTINCT article_id, pg_current_xact_id()::text::bigint FROM annotations_annotation;
"""

REVERSE = """
DROP TRIGGER IF EXISTS event_inserted_article_changed ON annotations_annotationevent;
DROP FUNCTION IF EXISTS annotations_event_article_changed();
DROP TRIGGER IF EXISTS annotation_deleted_article_changed ON annotations_annotation;
DROP TRIGGER IF EXISTS annotation_updated_article_changed ON annotations_annotation;
DROP TRIGGER IF EXISTS annotation_inserted_article_changed ON annotations_annotation;
DROP FUNCTION IF EXISTS annotations_article_changed();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_search_column"),
        ("articles", "0018_curated_articles"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleChange",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "article", "transaction_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("transaction_id", models.BigIntegerField()),
                (
                    "article",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="articles.article",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
