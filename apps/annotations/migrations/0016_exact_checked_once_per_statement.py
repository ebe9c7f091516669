"""The check that an annotation's `exact` is its article's text at its offsets, once per
statement for inserts: each article's text is read once, however many annotations of it a
statement inserts.

The check per row read the whole text for every annotation: 1,000 annotations carried to a new
version of a 100,000-character article (or imported with it) read 100 MB of text and took about
a second. Updates, one annotation at a time, keep the check per row (a trigger with a column
list cannot see the statement's rows).
"""

from django.db import migrations

SQL = """
DROP TRIGGER annotation_exact_matches_text ON annotations_annotation;
CREATE TRIGGER annotation_exact_matches_text
    BEFORE UPDATE OF start, "end", exact, article_id ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotations_exact_matches_text();

CREATE FUNCTION annotations_inserted_exact_matches_text() RETURNS trigger AS $$
DECLARE
    bad record;
BEGIN
    -- Concatenation reads each text whole into memory once; the materialised rows keep it there.
    WITH texts AS MATERIALIZED (
        SELECT a.id, a.text_length, a.text || '' AS text FROM articles_article a
         WHERE a.id IN (SELECT article_id FROM new_annotations)
    )
    SELECT n.article_id, n.start, n."end" INTO bad
      FROM new_annotations n JOIN texts t ON t.id = n.article_id
     WHERE n.start < n."end"  -- annotation_span_not_empty refuses the others with a clearer name
       AND (n."end" > t.text_length OR substr(t.text, n.start + 1, n."end" - n.start) IS DISTINCT FROM n.exact)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'Annotation text does not match article % at %-%', bad.article_id, bad.start, bad."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER annotation_inserted_exact_matches_text AFTER INSERT ON annotations_annotation
    REFERENCING NEW TABLE AS new_annotations FOR EACH STATEMENT
    EXECUTE FUNCTION annotations_inserted_exact_matches_text();
"""

REVERSE = """
DROP TRIGGER IF EXISTS annotation_inserted_exact_matches_text ON annotations_annotation;
DROP FUNCTION IF EXISTS annotations_inserted_exact_matches_text();
DROP TRIGGER annotation_exact_matches_text ON annotations_annotation;
CREATE TRIGGER annotation_exact_matches_text
    BEFORE INSERT OR UPDATE OF start, "end", exact, article_id ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotations_exact_matches_text();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0015_capitalised_role_and_action_labels"),
        ("articles", "0020_versions_in_one_line"),
    ]
    operations = [migrations.RunSQL(SQL, REVERSE)]
