"""The claims' part of the API: create, read with appearances oldest first, verdicts by reviewers
only, attach appearances, proposals; nothing of another project."""

import datetime

import pytest

from apps.claims.services import attach_appearance, create_claim, create_claim_from
from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, ArticleFactory, ClaimFactory


@pytest.fixture
def claim(project, analyst):
    return create_claim(project=project, user=analyst, wording="Belarus is an integral part of Russia", language="en")


def test_an_analyst_creates_a_claim(analyst_api, project):
    response = analyst_api.post("/claims", {"project": project.pk, "wording": "Pakistan is nuclear", "language": "en"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["wording"], body["language"], body["verdict"], body["appearances"]) == (
        "Pakistan is nuclear",
        "en",
        "unverified",
        [],
    )
    assert response["Location"].endswith(f"/claims/{body['id']}")
    assert analyst_api.get(f"/claims/{body['id']}").json()["id"] == body["id"]


def test_appearances_are_listed_oldest_first(analyst_api, project, analyst, claim):
    days = [datetime.date(2025, 4, 11), datetime.date(2024, 11, 2), None]
    annotations = [
        AnnotationFactory(article=ArticleFactory(project=project, published_on=day), created_by=analyst) for day in days
    ]
    for annotation in annotations:
        response = analyst_api.post(f"/claims/{claim.pk}/appearances", {"annotation": annotation.pk})
        assert response.status_code == 201, response.json()
    appearances = analyst_api.get(f"/claims/{claim.pk}").json()["appearances"]
    # Undated articles count from the day they were imported: today, after the dated ones.
    assert [a["annotation"] for a in appearances] == [annotations[1].pk, annotations[0].pk, annotations[2].pk]
    assert [a["article"] for a in appearances] == [annotations[i].article_id for i in (1, 0, 2)]


def test_an_analyst_may_not_set_a_verdict_whatever_version(analyst_api, claim):
    for version in (claim.version, claim.version + 5, None):
        body = {"verdict": "false"} | ({"version": version} if version else {})
        assert analyst_api.patch(f"/claims/{claim.pk}", body).status_code == 403
        assert analyst_api.patch(f"/claims/{claim.pk}", {"rationale": "x", "version": 1}).status_code == 403
    assert analyst_api.get(f"/claims/{claim.pk}").json()["verdict"] == "unverified"


def test_a_reviewer_sets_the_verdict_from_the_version_they_read(reviewer_api, claim):
    response = reviewer_api.patch(f"/claims/{claim.pk}", {"verdict": "false", "rationale": "A state.", "version": 1})
    assert response.status_code == 200, response.json()
    assert (response.json()["verdict"], response.json()["verdict_by"], response.json()["version"]) == (
        "false",
        "reviewer1",
        2,
    )
    stale = reviewer_api.patch(f"/claims/{claim.pk}", {"verdict": "supported", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["verdict"] == "false"
    assert reviewer_api.patch(f"/claims/{claim.pk}", {"verdict": "opinion"}).status_code == 428


def test_nothing_of_another_project_is_seen_or_touched(outsider_api, claim, outsider, analyst_api):
    assert outsider_api.get(f"/claims/{claim.pk}").status_code == 404
    assert outsider_api.get("/claims").json()["count"] == 0
    assert outsider_api.patch(f"/claims/{claim.pk}", {"wording": "x", "version": 1}).status_code == 404
    theirs = outsider.memberships.get().project
    assert analyst_api.post("/claims", {"project": theirs.pk, "wording": "x"}).status_code == 404
    elsewhere = AnnotationFactory(article=ArticleFactory(project=theirs), created_by=outsider)
    assert analyst_api.post(f"/claims/{claim.pk}/appearances", {"annotation": elsewhere.pk}).status_code == 404
    assert outsider_api.get(f"/annotations/{elsewhere.pk}/claim-proposals").json()["count"] == 0


def test_proposals_come_in_the_list_shape_best_first(analyst_api, project, analyst, claim):
    ClaimFactory(project=project, created_by=analyst, wording="Pakistan signed a roadmap for 2025-27")
    article = ArticleFactory(project=project, text="Officials say Belarus is an integral part of Russia today.")
    annotation = AnnotationFactory(article=article, created_by=analyst, start=14, end=56)
    body = analyst_api.get(f"/annotations/{annotation.pk}/claim-proposals").json()
    assert set(body) >= {"count", "limit", "offset", "next", "previous", "items"}
    assert body["items"][0]["claim"]["id"] == claim.pk
    assert body["items"][0]["why"]
    assert 0 < body["items"][0]["score"] <= 1
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_proposals_of_another_project_never_show(analyst_api, project, analyst, outsider):
    theirs = outsider.memberships.get().project
    create_claim(project=theirs, user=outsider, wording="Belarus is an integral part of Russia", language="en")
    article = ArticleFactory(project=project, text="Officials say Belarus is an integral part of Russia today.")
    annotation = AnnotationFactory(article=article, created_by=analyst, start=14, end=56)
    assert analyst_api.get(f"/annotations/{annotation.pk}/claim-proposals").json()["items"] == []


def test_appearances_of_hidden_work_do_not_show_in_a_blind_project(project, analyst, other_analyst, claim):
    project.blind = True
    project.save()
    theirs = AnnotationFactory(article=ArticleFactory(project=project), created_by=other_analyst)
    attach_appearance(claim=claim, annotation=theirs, user=other_analyst)
    mine = api_client_for(analyst).get(f"/claims/{claim.pk}").json()
    assert mine["appearances"] == []
    hidden = create_claim_from(
        annotation=AnnotationFactory(article=theirs.article, created_by=other_analyst, start=20, end=30),
        user=other_analyst,
    )
    assert api_client_for(analyst).get(f"/claims/{hidden.pk}").status_code == 404
    theirs.article.curated_at = datetime.datetime.now(datetime.UTC)
    theirs.article.save()
    assert [a["annotation"] for a in api_client_for(analyst).get(f"/claims/{claim.pk}").json()["appearances"]] == [
        theirs.pk
    ]
