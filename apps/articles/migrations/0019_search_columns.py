"""The articles' search columns (see apps/articles/indexing.py), filled here for the articles
already stored before the indexes are built; `manage.py index_articles` does the same later."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    from apps.articles.management.commands.index_articles import fill_search_columns

    fill_search_columns()


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0018_curated_articles'),
        ('projects', '0005_blind_projects'),
        ('sources', '0007_search_dictionaries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='names',
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='article',
            name='search',
            field=django.contrib.postgres.search.SearchVectorField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(condition=models.Q(('search__isnull', False)), fields=['search'], name='article_search'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.F('names'), name='gin_trgm_ops'), condition=models.Q(('names__isnull', False)), name='article_names_trgm'),
        ),
    ]
