"""COPY stores exactly what save() would, arrays of awkward strings included."""

import pytest
from django.db import transaction

from apps.articles.bulk import copy_insert
from apps.sources.models import Source

AWKWARD = ['say "no"', "back\\slash", "tab\there", "{brace}", "comma, too", "NULL", "", "line\nfeed", "ümlaut 🇩🇪"]
# Without a quote or a backslash the literal is built without escaping each string.
UNESCAPED = ["{brace}", "comma, too", "NULL", "", "line\nfeed", "ümlaut 🇩🇪", "@mil-man"]


@pytest.mark.parametrize("aliases", [AWKWARD, UNESCAPED, []])
def test_copy_insert_keeps_every_string_of_an_array_as_it_was(project, aliases):
    with transaction.atomic():
        [source] = copy_insert([Source(project=project, name="Ministry", kind="organisation", aliases=aliases)])
    assert source.pk
    assert Source.objects.get(pk=source.pk).aliases == aliases


def test_copy_insert_matches_what_save_stores(project):
    saved = Source.objects.create(project=project, name="Saved", kind="person", aliases=AWKWARD, description="d")
    with transaction.atomic():
        [copied] = copy_insert(
            [Source(project=project, name="Copied", kind="person", aliases=AWKWARD, description="d")]
        )
    fields = ["kind", "aliases", "description", "url", "affiliation_id", "project_id"]
    assert Source.objects.values(*fields).get(pk=copied.pk) == Source.objects.values(*fields).get(pk=saved.pk)
