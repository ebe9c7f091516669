"""The names an article's names column holds, looked up whole (see articles.models.Name):
the keys of each article's names in a GIN index, and every key once, for look-alike spellings."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.conf import settings
from django.db import migrations, models


# "лукашенко|lukashenko tusk" -> {lukashenko,tusk}: a name in another script keeps its own
# spelling before a bar, which the key follows.
NAME_KEYS = (
    "CREATE FUNCTION sourcetrace_name_keys(names text) RETURNS text[]"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
    " RETURN string_to_array(regexp_replace(names, '[^ |]*[|]', '', 'g'), ' ')"
)
FILL = (
    "INSERT INTO articles_name (key) SELECT DISTINCT unnest(sourcetrace_name_keys(names))"
    " FROM articles_article WHERE names IS NOT NULL ON CONFLICT DO NOTHING"
)


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0021_story_history'),
        ('projects', '0006_project_self_review'),
        ('sources', '0008_capitalised_kind_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(NAME_KEYS, "DROP FUNCTION sourcetrace_name_keys(text)"),
        migrations.CreateModel(
            name='Name',
            fields=[
                ('key', models.TextField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='article',
            name='article_names_trgm',
        ),
        migrations.AddIndex(
            model_name='article',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('names'), function='sourcetrace_name_keys', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField())), condition=models.Q(('names__isnull', False)), name='article_name_keys'),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name='name',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(models.F('key'), name='gin_trgm_ops'), name='article_name_key_trgm'),
        ),
    ]
