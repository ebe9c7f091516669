from django.db import migrations


class Migration(migrations.Migration):
    """Import jobs now belong to the imports app, which renames their tables (imports 0001)."""

    dependencies = [("articles", "0004_import_jobs")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportUpload"),
                migrations.DeleteModel(name="ImportJob"),
            ],
        ),
    ]
