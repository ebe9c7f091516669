"""POST /api/v1/articles/{id}/versions, and how annotations of a version say where they came from."""

import pytest

from apps.annotations.models import Annotation
from apps.articles.models import Article
from apps.stories.models import Anchoring
from tests.api.conftest import api_client_for
from tests.factories import ArticleFactory
from tests.stories.test_versions import NEW, OLD, mark


@pytest.fixture
def old(project, analyst):
    article = ArticleFactory(project=project, text=OLD)
    mark(article, analyst, "We will sign the accord tomorrow morning")
    mark(article, analyst, "reached an agreement on Tuesday", Annotation.Kind.FACT)
    return article


def test_a_new_text_becomes_the_next_version(old, analyst):
    api = api_client_for(analyst)
    response = api.post(f"/articles/{old.pk}/versions", {"text": NEW})
    assert response.status_code == 201, response.content
    body = response.json()
    new = Article.objects.get(pk=body["id"])
    assert new.replaces_id == old.pk and new.text == NEW
    assert body["anchoring"] == {"exact": 1, "moved": 0, "fuzzy": 1, "orphaned": 0}
    assert response["Location"].endswith(f"/api/v1/articles/{new.pk}")
    assert api.get(f"/articles/{new.pk}").json()["replaces"] == old.pk
    assert [item["id"] for item in api.get("/articles").json()["items"]] == [new.pk]

    listed = api.get(f"/annotations?article={new.pk}").json()["items"]
    by_words = {item["exact"]: item for item in listed}
    fuzzy = by_words["We will sign the treaty tomorrow morning"]
    assert fuzzy["anchoring"] == "fuzzy" and fuzzy["status"] == "draft"  # a draft's author has not submitted it
    assert NEW[fuzzy["start"] : fuzzy["end"]] == fuzzy["exact"]
    assert by_words["reached an agreement on Tuesday"]["anchoring"] == "exact"
    detail = api.get(f"/annotations/{fuzzy['id']}").json()
    assert detail["anchoring"] == "fuzzy" and detail["start"] == fuzzy["start"]
    # Annotations never carried say so.
    original = api.get(f"/annotations?article={old.pk}").json()["items"]
    assert {item["anchoring"] for item in original} == {None}


@pytest.mark.parametrize(("text", "words"), [("", "no text"), ("   ", "no text"), (OLD, "same as this version")])
def test_an_empty_or_unchanged_text_is_refused_with_422(old, analyst, text, words):
    response = api_client_for(analyst).post(f"/articles/{old.pk}/versions", {"text": text})
    assert response.status_code == 422
    assert words in response.json()["message"]
    assert not Article.objects.filter(replaces=old).exists()


def test_a_second_version_of_the_same_article_is_refused_with_422(old, analyst):
    api = api_client_for(analyst)
    assert api.post(f"/articles/{old.pk}/versions", {"text": NEW}).status_code == 201
    response = api.post(f"/articles/{old.pk}/versions", {"text": NEW + "\nMore."})
    assert response.status_code == 422
    assert "later version" in response.json()["message"]


def test_outsiders_do_not_even_see_the_article(old, outsider):
    response = api_client_for(outsider).post(f"/articles/{old.pk}/versions", {"text": NEW})
    assert response.status_code == 404
    assert not Anchoring.objects.exists()


def test_a_field_it_does_not_take_is_refused(old, analyst):
    response = api_client_for(analyst).post(f"/articles/{old.pk}/versions", {"text": NEW, "replaces": 1})
    assert response.status_code == 422
    assert "replaces" in response.json()["message"]
