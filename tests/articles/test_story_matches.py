"""Story matches are found once, by the background worker after an import, and read by the page."""

import pytest
from django.core.management import call_command

from apps.articles import matching
from apps.articles.matching import match_stories
from apps.articles.models import Article, StoryMatch
from apps.articles.services import join_story
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.conftest import ENGLISH_SEED, GERMAN_SEED
from tests.factories import ArticleFactory, ProjectFactory


@pytest.mark.django_db(transaction=True)
def test_worker_finds_the_translation_after_the_import_commits(project, analyst):
    items = [*read_upload(ENGLISH_SEED.name, ENGLISH_SEED.read_bytes())]
    import_items(project=project, items=items, user=analyst)
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    english = Article.objects.get()
    assert english.related_suggestions() == []

    import_items(project=project, items=[*read_upload(GERMAN_SEED.name, GERMAN_SEED.read_bytes())], user=analyst)
    assert english.related_suggestions() == []  # nothing is computed while the page is viewed
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    german = Article.objects.get(language="de")
    [(found, match)] = english.related_suggestions()
    assert (found, match.kind) == (german, "translation")
    assert [other for other, _ in german.related_suggestions()] == [english]
    assert StoryMatch.objects.count() == 2  # one pair, kept in both directions

    join_story(article=english, other=german, user=analyst)
    english.refresh_from_db()
    assert english.related_suggestions() == []  # already in its story


def test_backfill_command_finds_matches_of_articles_stored_before(db, capsys):
    call_command("load_demo")
    StoryMatch.objects.all().delete()
    call_command("match_stories")
    assert "2 article(s) probably tell the same story as another." in capsys.readouterr().out
    assert StoryMatch.objects.count() == 2
    call_command("match_stories")  # running it again adds nothing
    assert StoryMatch.objects.count() == 2


ENGLISH = "Arkady Mil-Man of INSS said Lukashenko met Sharif in Minsk on 11 April 2025; 19 officers and 2025-27 plans."
GERMAN = "Arkady Mil-Man (INSS) sagte, Lukaschenko habe Sharif in Minsk am 11. April 2025 getroffen; 19 Offiziere, Pläne 2025-27."


def unrelated(project, n: int) -> Article:
    return ArticleFactory(project=project, text=f"Weather report number {n}{n}{n}: rain in Valparaíso{n}.")


def matched_with(article: Article) -> set[Article]:
    return {match.other for match in StoryMatch.objects.filter(article=article).select_related("other")}


@pytest.fixture
def few_candidates(monkeypatch):
    """Two candidates per article, of the four newest articles read at once."""
    monkeypatch.setattr(matching, "MATCH_CANDIDATES", 2)
    monkeypatch.setattr(matching, "NEWEST_READ", 4)


def test_an_older_article_is_found_when_the_newest_share_nothing(project, few_candidates):
    older = ArticleFactory(project=project, text=ENGLISH)
    for n in range(5):
        unrelated(project, n)
    newest = ArticleFactory(project=project, text=GERMAN, language="de")

    match_stories(article_ids=[newest.pk])

    assert matched_with(newest) == {older}
    assert matched_with(older) == {newest}


def test_each_article_is_compared_with_the_newest_that_share_a_signal_only(project, few_candidates):
    older = ArticleFactory(project=project, text=ENGLISH)
    copies = [ArticleFactory(project=project, text=ENGLISH.replace("19", str(n))) for n in (20, 21, 22)]
    newest = ArticleFactory(project=project, text=GERMAN, language="de")

    match_stories(article_ids=[newest.pk])

    assert matched_with(newest) == set(copies[1:])
    assert not matched_with(older) and not matched_with(copies[0])


def test_articles_of_other_projects_are_never_candidates(project, few_candidates):
    ArticleFactory(project=ProjectFactory(), text=ENGLISH)
    newest = ArticleFactory(project=project, text=GERMAN, language="de")

    match_stories(article_ids=[newest.pk])

    assert not matched_with(newest)
