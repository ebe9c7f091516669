from django.db import migrations


class Migration(migrations.Migration):
    """Keep article texts and originals out of line but uncompressed.

    PostgreSQL's default compression (pglz) of these few-kilobyte values took about half of the
    database's time on every imported article; the workbench reads a text on every page, which
    no longer has to decompress it either. They take about twice the disk space instead.
    """

    dependencies = [("articles", "0011_language_index")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE articles_article ALTER COLUMN text SET STORAGE EXTERNAL, "
            "ALTER COLUMN original SET STORAGE EXTERNAL;",
            "ALTER TABLE articles_article ALTER COLUMN text SET STORAGE EXTENDED, "
            "ALTER COLUMN original SET STORAGE EXTENDED;",
        ),
    ]
