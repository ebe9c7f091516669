from django.db import migrations

# PostgreSQL's substr() counts characters (code points) in a UTF-8 database, as Python does,
# so the database checks the same rule as Annotation.clean(): exact == text[start:end].
SQL = """
CREATE FUNCTION annotations_exact_matches_text() RETURNS trigger AS $$
DECLARE
    article_text text;
BEGIN
    IF NEW.start >= NEW."end" THEN
        RETURN NEW;  -- annotation_span_not_empty refuses it with a clearer name
    END IF;
    SELECT text INTO article_text FROM articles_article WHERE id = NEW.article_id;
    IF NEW."end" > char_length(article_text)
       OR substr(article_text, NEW.start + 1, NEW."end" - NEW.start) IS DISTINCT FROM NEW.exact THEN
        RAISE EXCEPTION 'Annotation text does not match article % at %-%', NEW.article_id, NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER annotation_exact_matches_text
    BEFORE INSERT OR UPDATE OF start, "end", exact, article_id ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION annotations_exact_matches_text();
"""

REVERSE = """
DROP TRIGGER IF EXISTS annotation_exact_matches_text ON annotations_annotation;
DROP FUNCTION IF EXISTS annotations_exact_matches_text();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial"), ("articles", "0002_article_text_immutable")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
