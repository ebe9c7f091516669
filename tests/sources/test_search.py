"""The source type-ahead: names and aliases found whatever their case, accents, punctuation or small typos."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from apps.sources.models import Source
from tests.factories import ArticleFactory, SourceFactory

NAMES = {
    "Arkady Mil-Man": Source.Kind.PERSON,
    "Milan Kundera": Source.Kind.PERSON,
    "Mil": Source.Kind.ORGANISATION,
    "Mordechai Kedar": Source.Kind.PERSON,
    "Rupert Murdoch": Source.Kind.PERSON,
    "Alexander Lukashenko": Source.Kind.PERSON,
    "Süddeutsche Zeitung": Source.Kind.OUTLET,
    "Institute for National Security Studies": Source.Kind.ORGANISATION,
}


@pytest.fixture
def sources(project):
    made = {name: SourceFactory(project=project, name=name, kind=kind) for name, kind in NAMES.items()}
    made["Institute for National Security Studies"].aliases = ["INSS"]
    made["Institute for National Security Studies"].save()
    return made


def offered(client, article, query):
    """The names in the options the side panel's search box gets for `query`."""
    response = client.get(reverse("annotations:source-search", args=[article.pk]), {"q": query})
    assert response.status_code == 200
    return re.findall(r'<option value="\d+"[^>]*>(.*?) \(', response.content.decode())


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("milman", "Arkady Mil-Man"),
        ("Mil Man", "Arkady Mil-Man"),
        ("MIL-MAN", "Arkady Mil-Man"),
        ("Moredcahi", "Mordechai Kedar"),  # two pairs of letters swapped
        ("Mordecai", "Mordechai Kedar"),  # another transliteration
        ("Lukashenka", "Alexander Lukashenko"),
        ("lukashenko", "Alexander Lukashenko"),
        ("sueddeutsche", "Süddeutsche Zeitung"),
        ("süddeutsche", "Süddeutsche Zeitung"),
        ("Suddeutsche zeitung", "Süddeutsche Zeitung"),
        ("inss", "Institute for National Security Studies"),  # by its alias
        ("I.N.S.S.", "Institute for National Security Studies"),
    ],
)
def test_search_folds_case_accents_punctuation_and_small_typos(analyst_client, article, sources, query, first):
    assert offered(analyst_client, article, query)[0] == first


def test_exact_match_comes_before_prefix_before_the_rest(analyst_client, article, sources):
    assert offered(analyst_client, article, "mil") == ["Mil", "Milan Kundera", "Arkady Mil-Man"]


def test_similar_names_come_after_the_best_one(analyst_client, article, sources):
    assert offered(analyst_client, article, "Moredcahi") == ["Mordechai Kedar", "Rupert Murdoch"]


def test_unrelated_names_are_not_offered(analyst_client, article, sources):
    assert offered(analyst_client, article, "Kundera") == ["Milan Kundera"]
    assert offered(analyst_client, article, "zzzz") == []


def test_another_projects_sources_are_not_offered(analyst_client, article, sources):
    SourceFactory(project=ArticleFactory().project, name="Arkady Mil-Man Junior")
    assert offered(analyst_client, article, "milman") == ["Arkady Mil-Man"]


def test_results_are_limited(analyst_client, article, project):
    for n in range(20):
        SourceFactory(project=project, name=f"John Smith {n}")
    assert len(offered(analyst_client, article, "smith")) == 15


@pytest.mark.parametrize("query", ["milman", "Moredcahi", "mil"])
def test_search_can_use_the_trigram_indexes(project, sources, query):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # leaves the bitmap scans of GIN indexes
        sql, params = Source.objects.matching(query).query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "source_spellings_trgm" in plan


def test_without_a_match_the_typed_name_is_offered_as_a_new_source(analyst_client, article, sources):
    url = reverse("annotations:source-search", args=[article.pk])
    html = analyst_client.get(url, {"q": "  Zofia   <b>Nowak</b> "}).content.decode().strip()
    assert html == '<option value="" data-create>Create new source “Zofia &lt;b&gt;Nowak&lt;/b&gt;” (no match)</option>'
    assert "data-create" not in analyst_client.get(url, {"q": "mil"}).content.decode()
