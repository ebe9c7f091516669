"""The articles' search columns: filled by the background worker once an import commits, never
by the import's COPY; refreshed when a member corrects the metadata; filled for older articles."""

import pytest
from django.core.management import call_command

from apps.articles.indexing import index_articles, names_of
from apps.articles.models import Article
from apps.articles.services import fill_empty_metadata, update_article
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from apps.search.results import Filters, Query, search
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory


def titles_found(user, typed: str) -> list[str]:
    return [hit.title for hit in search(user=user, query=Query.parse(typed), filters=Filters()).hits]


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_an_import_searchable_after_it_commits(project, analyst):
    items = [
        *read_upload(ENGLISH_SEED.name, ENGLISH_SEED.read_bytes()),
        *read_upload(GERMAN_SEED.name, GERMAN_SEED.read_bytes()),
    ]
    import_items(project=project, items=items, user=analyst)
    assert Article.objects.filter(search__isnull=True, names__isnull=True).count() == 2, "the COPY indexes nothing"
    assert titles_found(analyst, "Lukashenko") == []
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    assert not Article.objects.filter(search__isnull=True).exists()
    assert len(titles_found(analyst, "Lukaschenko")) == 2


def test_corrected_metadata_is_found_at_once_and_indexing_writes_no_history(project, analyst):
    article = ArticleFactory(
        project=project, language="und", title="Untitled", text="Gespräche über Getreide in Minsk."
    )
    index_articles([article.pk])
    history = article.history.count()
    index_articles([article.pk])
    assert article.history.count() == history, "the search columns are not part of the article's history"
    # In quotes, a word is not compared with names: only the stems tell.
    assert titles_found(analyst, '"Getreidegespräch"') == []

    article.title, article.language = "Getreidegespräche", "de"
    update_article(article=article, user=analyst, fields=["title", "language"])
    assert titles_found(analyst, '"Getreidegespräch"') == ["Getreidegespräche"]
    assert titles_found(analyst, '"Gespräch"') == ["Getreidegespräche"], "German stems now"

    fill_empty_metadata(article=article, values={"author": "Olga Kowalczyk"})
    assert titles_found(analyst, "Kowalczyk") == ["Getreidegespräche"]


def test_the_command_fills_the_articles_stored_before_search(project, analyst, capsys):
    old = ArticleFactory(project=project, language="en", text="Talks in Minsk.")
    assert titles_found(analyst, "Minsk") == []
    call_command("index_articles")
    assert "1 article(s) indexed for search." in capsys.readouterr().out
    assert titles_found(analyst, "Minsk") == [old.title]
    call_command("index_articles")
    assert "0 article(s)" in capsys.readouterr().out


def test_names_are_capitalised_words_in_latin_letters_with_other_scripts_kept_for_marking():
    names = names_of("The talks: Lukashenko met Шариф in Zürich. Mil-Man said „Abkommen“ twice. Lukashenko left.")
    assert names.split() == ["lukashenko", "шариф|sharif", "zurich", "mil-man", "abkommen"]
