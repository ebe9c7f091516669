"""Story matches are found once, by the background worker after an import, and read by the page."""

import pytest
from django.core.management import call_command

from apps.articles.models import Article, StoryMatch
from apps.articles.services import join_story
from apps.imports.readers import read_upload
from apps.imports.store import import_items
from tests.conftest import ENGLISH_SEED, GERMAN_SEED


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
