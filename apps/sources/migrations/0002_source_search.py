import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

# unaccent() is only STABLE (its dictionary could change), so an index cannot call it; these
# wrappers are IMMUTABLE, which holds while the unaccent rules file is left alone. Naming the
# dictionary, and a body parsed at creation (RETURN), keep them independent of search_path,
# which restores and autovacuum set differently. Letters and digits of every script stay.
FUNCTIONS = r"""
CREATE FUNCTION sourcetrace_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(lower(unaccent('unaccent'::regdictionary, value)), '[^[:alnum:]]+', '', 'g');

CREATE FUNCTION sourcetrace_spellings(name text, aliases text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_string(
    ARRAY(SELECT sourcetrace_fold(spelling) FROM unnest(array_prepend(name, aliases)) AS spelling), ' '
);

CREATE FUNCTION sourcetrace_consonants(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN translate(value, 'aeiouy', '');
"""

DROP_FUNCTIONS = """
DROP FUNCTION sourcetrace_consonants(text);
DROP FUNCTION sourcetrace_spellings(text, text[]);
DROP FUNCTION sourcetrace_fold(text);
"""


class Migration(migrations.Migration):
    """Look sources up by name or alias with case, accents, punctuation, spaces and typos folded away."""

    dependencies = [("sources", "0001_initial")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.AddIndex(
            model_name="source",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    models.Func(
                        models.F("name"),
                        models.F("aliases"),
                        function="sourcetrace_spellings",
                        output_field=models.TextField(),
                    ),
                    name="gin_trgm_ops",
                ),
                name="source_spellings_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="source",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    models.Func(
                        models.Func(
                            models.F("name"),
                            models.F("aliases"),
                            function="sourcetrace_spellings",
                            output_field=models.TextField(),
                        ),
                        function="sourcetrace_consonants",
                        output_field=models.TextField(),
                    ),
                    name="gin_trgm_ops",
                ),
                name="source_consonants_trgm",
            ),
        ),
    ]
