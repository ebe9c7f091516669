"""Full-text search: one text search configuration per language PostgreSQL ships a stemmer for,
each a copy of PostgreSQL's own with `unaccent` in front of its dictionaries, and a generated,
GIN-indexed search column on sources (name and aliases).

Folding accents inside the configuration, rather than wrapping the text in sourcetrace_fold,
keeps the text as written for ts_headline: the snippet shows "Zürich" marked for a search of
"zurich". The configurations exist on the server the migration runs on (PostgreSQL 16 added
Estonian); `sourcetrace_search_config(language)` names the one of an ISO 639-1 code, and
`sourcetrace_simple` (no stemming) stands for every other language. Both functions are
IMMUTABLE with bodies parsed at creation, so indexes and generated columns can call them
whatever the search_path.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

# ISO 639-1 code -> PostgreSQL's configuration of that language.
LANGUAGES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish", "nl": "dutch",
    "en": "english", "et": "estonian", "fi": "finnish", "fr": "french", "de": "german", "el": "greek",
    "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil",
    "tr": "turkish", "yi": "yiddish",
}  # fmt: skip

# The token types of words with letters outside ASCII, whose accents unaccent removes.
WORD_TOKENS = ("word", "hword", "hword_part")


def create(apps, schema_editor):
    execute = schema_editor.execute
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace")
        shipped = {name for (name,) in cursor.fetchall()}
        for name in sorted({*LANGUAGES.values(), "simple"} & shipped):
            # The dictionaries the shipped configuration gives words, in order (german_stem; simple).
            cursor.execute(
                "SELECT array_agg(m.mapdict::regdictionary::text ORDER BY m.mapseqno) FROM pg_ts_config_map m"
                " WHERE m.mapcfg = %s::regconfig AND m.maptokentype ="
                " (SELECT tokid FROM ts_token_type('default') WHERE alias = 'word')",
                [f"pg_catalog.{name}"],
            )
            (dictionaries,) = cursor.fetchone()
            execute(f"CREATE TEXT SEARCH CONFIGURATION sourcetrace_{name} (COPY = pg_catalog.{name})")
            execute(
                f"ALTER TEXT SEARCH CONFIGURATION sourcetrace_{name} ALTER MAPPING FOR {', '.join(WORD_TOKENS)}"
                f" WITH unaccent, {', '.join(dictionaries)}"
            )
    cases = " ".join(
        f"WHEN '{code}' THEN 'sourcetrace_{name}'::regconfig" for code, name in LANGUAGES.items() if name in shipped
    )
    execute(
        "CREATE FUNCTION sourcetrace_search_config(language text) RETURNS regconfig"
        " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE"
        f" RETURN CASE language {cases} ELSE 'sourcetrace_simple'::regconfig END"
    )
    # array_to_string is only STABLE (it could print any element type); for text[] it is not.
    execute(
        "CREATE FUNCTION sourcetrace_words(words text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE"
        " RETURN array_to_string(words, ' ')"
    )


def drop(apps, schema_editor):
    execute = schema_editor.execute
    execute("DROP FUNCTION sourcetrace_words(text[])")
    execute("DROP FUNCTION sourcetrace_search_config(text)")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'sourcetrace\\_%%'")
        for (name,) in cursor.fetchall():
            execute(f"DROP TEXT SEARCH CONFIGURATION {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0005_blind_projects'),
        ('sources', '0006_source_introduced_by'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create, drop),
        pgtrigger.migrations.RemoveTrigger(
            model_name='source',
            name='changed_update',
        ),
        migrations.AddField(
            model_name='source',
            name='search',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.Func('name', output_field=django.contrib.postgres.search.SearchVectorField(), template="setweight(to_tsvector('sourcetrace_simple'::regconfig, %(expressions)s), 'A')"), models.Func(models.Func('aliases', function='sourcetrace_words', output_field=models.TextField()), output_field=django.contrib.postgres.search.SearchVectorField(), template="setweight(to_tsvector('sourcetrace_simple'::regconfig, %(expressions)s), 'B')"), arg_joiner=' || ', output_field=django.contrib.postgres.search.SearchVectorField(), template='(%(expressions)s)'), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='source',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search'], name='source_search'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='source',
            trigger=pgtrigger.compiler.Trigger(name='changed_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."affiliation_id" IS DISTINCT FROM (NEW."affiliation_id") OR OLD."aliases" IS DISTINCT FROM (NEW."aliases") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."introduced_by_id" IS DISTINCT FROM (NEW."introduced_by_id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."project_id" IS DISTINCT FROM (NEW."project_id") OR OLD."url" IS DISTINCT FROM (NEW."url"))', func='INSERT INTO "sources_sourcehistory" ("affiliation_id", "aliases", "created_at", "description", "id", "introduced_by_id", "kind", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "project_id", "url") VALUES (NEW."affiliation_id", NEW."aliases", NEW."created_at", NEW."description", NEW."id", NEW."introduced_by_id", NEW."kind", NEW."name", _pgh_attach_context(), NOW(), \'changed\', NEW."id", NEW."project_id", NEW."url"); RETURN NULL;', hash='17043eced486919b488e8ccf170aa01c8ca53b40', operation='UPDATE', pgid='pgtrigger_changed_update_f17fb', table='sources_source', when='AFTER')),
        ),
    ]
