"""GET /api/v1/search: the page's search for scripts, in the API's list shape, never HTML."""

import pytest

from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory
from tests.search.conftest import indexed
from tests.search.test_views import HOSTILE_TEXT


def test_a_page_of_results_in_the_lists_shape_with_plain_snippets_and_match_offsets(analyst, samples):
    english, german = samples
    annotation = AnnotationFactory(article=german, created_by=analyst, start=35, end=55)
    api = api_client_for(analyst)
    response = api.get("/search", data={"q": "Kooperationsabkommen", "limit": 1})
    assert response.status_code == 200
    page = response.json()
    assert (page["count"], page["limit"], page["offset"], page["previous"]) == (2, 1, 0, None)
    assert page["counts"] == {"source": 0, "claim": 0, "annotation": 1, "article": 1}
    assert "offset=1" in page["next"] and 'rel="next"' in response["Link"] and 'rel="last"' in response["Link"]
    [item] = page["items"]
    assert {key: item[key] for key in ("type", "id", "article", "title")} == {
        "type": "annotation",
        "id": annotation.pk,
        "article": german.pk,
        "title": german.title,
    }
    assert [item["snippet"][start:end] for start, end in item["highlights"]] == ["Kooperationsabkommen"]

    [article] = api.get("/search", data={"q": "Kooperationsabkommen", "type": "article"}).json()["items"]
    assert (article["type"], article["id"], article["article"]) == ("article", german.pk, german.pk)
    assert article["url"].endswith(f"/articles/{german.pk}/#block-0")
    assert {article["snippet"][start:end] for start, end in article["highlights"]} >= {"Kooperationsabkommen"}


def test_snippets_are_plain_text_without_the_texts_markup(analyst, project):
    article = ArticleFactory(project=project, language="en", title="Minsk", text=HOSTILE_TEXT)
    indexed(article)
    [item] = api_client_for(analyst).get("/search", data={"q": "planted"}).json()["items"]
    assert "<mark>" not in item["snippet"] and "<script>" not in item["snippet"]
    assert [item["snippet"][start:end] for start, end in item["highlights"]] == ["planted"]


def test_only_the_users_projects_are_searched(analyst, samples, outsider):
    assert api_client_for(outsider).get("/search", data={"q": "Lukashenko"}).json()["count"] == 0
    other = ProjectFactory()
    answer = api_client_for(analyst).get("/search", data={"q": "Lukashenko", "project": other.pk}).json()
    assert answer["count"] == 0 and answer["items"] == []


def test_blind_mode_hides_other_analysts_annotations_from_counts_and_snippets(project, analyst, other_analyst):
    project.blind = True
    project.save()
    article = ArticleFactory(project=project, language="en", text="Lukashenko met Sharif in Minsk.")
    AnnotationFactory(article=article, created_by=other_analyst, start=15, end=21, note="confirmed by Sharif")
    indexed(article)
    page = api_client_for(analyst).get("/search", data={"q": "confirmed"}).json()
    assert page["count"] == 0 and page["counts"]["annotation"] == 0
    assert api_client_for(other_analyst).get("/search", data={"q": "confirmed"}).json()["count"] == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"q": "\x00"}, "Type a word"),
        ({"q": "x" * 10_000}, "at most 500 characters"),
        ({"q": '-  or ""'}, "Type a word"),
        ({}, "Give words to look for"),
        ({"q": "Minsk", "since": "2025-02-01", "until": "2025-01-01"}, "comes before its start"),
        ({"q": "Minsk", "language": "<script>"}, "language"),
    ],
)
def test_hostile_or_empty_queries_are_refused_with_a_message(analyst, query, message):
    response = api_client_for(analyst).get("/search", data=query)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_unbalanced_quotes_and_operators_inside_words_are_searched(analyst, samples):
    api = api_client_for(analyst)
    assert api.get("/search", data={"q": '"military cooperation'}).json()["count"] >= 1
    assert api.get("/search", data={"q": "Minsk)(&|!:*"}).status_code == 200
