"""Evidence links in the API: add one from an annotation to a passage of another article, list
them (also in the annotation's detail), remove one; refusals in JSON with their status."""

import pytest

from apps.claims.models import Evidence
from apps.projects.models import Membership
from tests.factories import ArticleFactory, EvidenceFactory, MembershipFactory

TEXT_B = "The report was published in May. Its authors found no trace of the shipment."


@pytest.fixture
def report(project):
    return ArticleFactory(project=project, title="Inspectors' report", text=TEXT_B)


def body(report, words="no trace", relation="supports", **changes):
    start = TEXT_B.index(words)
    return {
        "relation": relation,
        "article": report.pk,
        "start": start,
        "end": start + len(words),
        "exact": words,
    } | changes


def test_an_analyst_adds_lists_and_removes_evidence(analyst_api, annotation, report):
    response = analyst_api.post(f"/annotations/{annotation.pk}/evidence", body(report, relation="contradicts"))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["annotation"], created["relation"], created["article"], created["exact"]) == (
        annotation.pk,
        "contradicts",
        report.pk,
        "no trace",
    )
    assert created["title"] == "Inspectors' report" and created["prefix"].endswith("authors found ")
    listed = analyst_api.get(f"/annotations/{annotation.pk}/evidence").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]
    assert [e["id"] for e in analyst_api.get(f"/annotations/{annotation.pk}").json()["evidence"]] == [created["id"]]
    assert analyst_api.delete(f"/evidence/{created['id']}").status_code == 204
    assert analyst_api.get(f"/annotations/{annotation.pk}").json()["evidence"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": 0, "end": 10_000, "exact": "The report"}, "start"),
        ({"exact": "no traces"}, "exact"),
        ({"relation": "proves"}, "relation"),
    ],
)
def test_a_bad_passage_is_refused_with_422(analyst_api, annotation, report, changes, field):
    response = analyst_api.post(f"/annotations/{annotation.pk}/evidence", body(report, **changes))
    assert response.status_code == 422
    assert field in str(response.json())
    assert not Evidence.objects.exists()


def test_another_projects_article_is_refused(analyst_api, analyst, annotation, other_project):
    elsewhere = ArticleFactory(project=other_project, text=TEXT_B)
    response = analyst_api.post(f"/annotations/{annotation.pk}/evidence", body(elsewhere))
    assert response.status_code == 404 and response.json()["message"]
    # A member of both projects still may not tie them together.
    MembershipFactory(project=other_project, user=analyst, role=Membership.Role.ANALYST)
    response = analyst_api.post(f"/annotations/{annotation.pk}/evidence", body(elsewhere))
    assert response.status_code == 422 and "project" in response.json()["message"]
    assert not Evidence.objects.exists()


def test_the_annotations_own_article_is_refused(analyst_api, annotation):
    words = annotation.article.text[20:30]
    payload = {"relation": "supports", "article": annotation.article_id, "start": 20, "end": 30, "exact": words}
    assert analyst_api.post(f"/annotations/{annotation.pk}/evidence", payload).status_code == 422


def test_only_who_may_change_the_annotation_adds_or_removes_its_evidence(
    other_analyst_api, reviewer_api, outsider_api, annotation, report
):
    assert other_analyst_api.post(f"/annotations/{annotation.pk}/evidence", body(report)).status_code == 403
    assert outsider_api.post(f"/annotations/{annotation.pk}/evidence", body(report)).status_code == 404
    evidence = EvidenceFactory(annotation=annotation, article=report)
    assert other_analyst_api.delete(f"/evidence/{evidence.pk}").status_code == 403
    assert outsider_api.delete(f"/evidence/{evidence.pk}").status_code == 404
    assert outsider_api.get(f"/annotations/{annotation.pk}/evidence").status_code == 404
    assert reviewer_api.delete(f"/evidence/{evidence.pk}").status_code == 204


def test_blind_mode_hides_the_evidence_of_hidden_annotations(other_analyst_api, project, annotation, report):
    project.blind = True
    project.save()
    evidence = EvidenceFactory(annotation=annotation, article=report)
    assert other_analyst_api.get(f"/annotations/{annotation.pk}/evidence").status_code == 404
    assert other_analyst_api.delete(f"/evidence/{evidence.pk}").status_code == 404
