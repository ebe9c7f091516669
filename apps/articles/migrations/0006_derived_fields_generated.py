from django.db import migrations, models

# convert_to is only "stable" in PostgreSQL's catalogue (conversions could be redefined), so
# a generated column cannot call it directly; the database is UTF-8 and the conversion fixed.
SHA256_HEX = """
CREATE OR REPLACE FUNCTION sourcetrace_sha256_hex(value text) RETURNS varchar(64)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN encode(sha256(convert_to(value, 'UTF8')), 'hex');
"""


class Migration(migrations.Migration):
    """Let PostgreSQL derive content_hash and text_length from the text, on every way in."""

    dependencies = [("articles", "0005_import_jobs_moved")]

    operations = [
        migrations.RunSQL(SHA256_HEX, "DROP FUNCTION sourcetrace_sha256_hex(text);"),
        migrations.RemoveConstraint(model_name="article", name="article_text_once_per_project"),
        migrations.RemoveField(model_name="article", name="content_hash"),
        migrations.RemoveField(model_name="article", name="text_length"),
        migrations.AddField(
            model_name="article",
            name="content_hash",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("text"), function="sourcetrace_sha256_hex"),
                output_field=models.CharField(max_length=64),
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="text_length",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("text"), function="char_length"),
                help_text="In code points.",
                output_field=models.PositiveIntegerField(),
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.UniqueConstraint(fields=("project", "content_hash"), name="article_text_once_per_project"),
        ),
    ]
