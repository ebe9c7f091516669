"""POST /api/v1/stories groups articles into one story; GET /api/v1/stories/{id} lists them and their alignment."""

import datetime

import pytest
from django.test import Client

from apps.articles.models import Article, Story
from apps.projects.models import Membership
from apps.stories.alignment import align_paragraphs
from apps.stories.services import gather_story
from tests.api.conftest import API, api_client_for
from tests.conftest import client_for
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, SourceFactory

ENGLISH = (
    "Minister Alvarez signed the 2024 treaty.\nShe said: “It covers 17 ports.”\nDisclaimer: the author's own views."
)
GERMAN = "Ministerin Alvarez unterzeichnete den Vertrag von 2024.\nSie sagte: „Er umfasst 17 Häfen.“"


@pytest.fixture
def pair(project):
    outlet = SourceFactory(project=project, name="Harbour Weekly", kind="outlet")
    english = ArticleFactory(
        project=project, text=ENGLISH, language="en", publisher=outlet, published_on=datetime.date(2024, 5, 1)
    )
    german = ArticleFactory(project=project, text=GERMAN, language="de", published_on=datetime.date(2024, 5, 3))
    return english, german


def test_articles_of_one_project_become_one_story(analyst_api, pair, project):
    english, german = pair
    response = analyst_api.post("/stories", {"articles": [german.pk, english.pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    story = Story.objects.get(pk=body["id"])
    assert set(story.articles.values_list("pk", flat=True)) == {english.pk, german.pk}
    assert body["project"] == project.pk and body["name"] == story.title
    assert body["articles"] == [
        {
            "id": english.pk,
            "title": english.title,
            "language": "en",
            "publisher": "Harbour Weekly",
            "published_on": "2024-05-01",
        },
        {"id": german.pk, "title": german.title, "language": "de", "publisher": None, "published_on": "2024-05-03"},
    ]
    expected = align_paragraphs(ENGLISH, GERMAN, left_language="en", right_language="de")
    [alignment] = body["alignment"]
    assert (alignment["left"], alignment["right"]) == (english.pk, german.pk)
    assert alignment["paragraphs"] == [
        {
            "left": [{"start": s.start, "end": s.end} for s in pair.left],
            "right": [{"start": s.start, "end": s.end} for s in pair.right],
            "one_sided": pair.one_sided,
        }
        for pair in expected
    ]
    assert any(
        p["one_sided"] and ENGLISH[p["left"][0]["start"] :].startswith("Disclaimer") for p in alignment["paragraphs"]
    )
    assert analyst_api.get(f"/stories/{story.pk}").json() == body


def test_a_third_article_joins_the_story_and_stories_merge(analyst_api, analyst, pair, project):
    english, german = pair
    third, fourth = ArticleFactory(project=project), ArticleFactory(project=project)
    first = gather_story(articles=[english, german], user=analyst)
    second = gather_story(articles=[third, fourth], user=analyst)
    response = analyst_api.post("/stories", {"articles": [third.pk, english.pk, english.pk]})
    assert response.status_code == 201
    story_id = response.json()["id"]
    assert story_id in (first.pk, second.pk)
    assert Article.objects.filter(story_id=story_id).count() == 4
    body = analyst_api.get(f"/stories/{story_id}").json()
    assert len(body["articles"]) == 4 and len(body["alignment"]) == 3
    assert [a["left"] for a in body["alignment"]] == [a["id"] for a in body["articles"][:-1]]


def test_articles_of_two_projects_are_refused_with_422(analyst, pair, project):
    english, _ = pair
    other_project = ProjectFactory()
    MembershipFactory(project=other_project, user=analyst, role=Membership.Role.ANALYST)
    elsewhere = ArticleFactory(project=other_project)
    response = api_client_for(analyst).post("/stories", {"articles": [english.pk, elsewhere.pk]})
    assert response.status_code == 422
    assert "same project" in response.json()["message"]
    assert not Article.objects.filter(story__isnull=False).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"articles": []},
        {"articles": [1]},
        {"articles": ["x", 2]},
        {"articles": [0, 1]},
        {},
        {"articles": [1, 2], "name": "x"},
    ],
)
def test_malformed_requests_are_refused_with_422(analyst_api, body):
    response = analyst_api.post("/stories", body)
    assert response.status_code == 422 and response.json()["message"]
    assert not Story.objects.exists()


def test_unknown_articles_and_other_projects_are_not_found(analyst_api, outsider, analyst, pair):
    english, german = pair
    missing = analyst_api.post("/stories", {"articles": [english.pk, german.pk + 1000]})
    assert missing.status_code == 404 and missing.json()["message"]
    outsider_api = api_client_for(outsider)
    assert outsider_api.post("/stories", {"articles": [english.pk, german.pk]}).status_code == 404
    assert not Story.objects.exists()
    story = gather_story(articles=[english, german], user=analyst)
    assert outsider_api.get(f"/stories/{story.pk}").status_code == 404
    assert analyst_api.get(f"/stories/{story.pk + 1000}").status_code == 404


def test_a_session_without_its_csrf_token_is_forbidden(client, analyst, pair):
    english, german = pair
    session = Client(enforce_csrf_checks=True)
    client_for(session, analyst)
    response = session.post(f"{API}/stories", {"articles": [english.pk, german.pk]}, content_type="application/json")
    assert response.status_code == 403 and response.json()["message"]
    assert not Story.objects.exists()
