from django.db import migrations

# Offsets point into Article.text, so the database itself refuses to change a stored text.
SQL = """
CREATE FUNCTION articles_article_text_immutable() RETURNS trigger AS $$
BEGIN
    IF NEW.text IS DISTINCT FROM OLD.text THEN
        RAISE EXCEPTION 'The text of article % is immutable; import the new text as a new version.', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER article_text_immutable BEFORE UPDATE OF text ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_text_immutable();
"""

REVERSE = """
DROP TRIGGER IF EXISTS article_text_immutable ON articles_article;
DROP FUNCTION IF EXISTS articles_article_text_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
