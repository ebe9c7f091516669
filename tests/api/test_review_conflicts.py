"""POST /annotations/{id}/review and /submit are conditional writes: made from the version the
script read (`version` in the body or If-Match with the ETag), or without one only while the
annotation is in the state the action is for; otherwise 409 with the current state, never 428."""

import pytest

from apps.annotations.models import Annotation
from apps.projects.models import Membership
from tests.api.conftest import api_client_for
from tests.conftest import member


@pytest.fixture
def second_reviewer_api(project):
    return api_client_for(member(project, Membership.Role.REVIEWER, "reviewer2"))


@pytest.fixture
def waiting(annotation):
    Annotation.objects.filter(pk=annotation.pk).update(status="submitted")
    return annotation


def review(api, annotation, body, **headers):
    return api.post(f"/annotations/{annotation.pk}/review", body, headers=headers)


def events(annotation) -> list[tuple[str, str]]:
    return list(annotation.events.order_by("at", "id").values_list("action", "actor__username"))


def test_of_two_decisions_from_the_same_version_the_second_is_409_with_the_current_state(
    reviewer_api, second_reviewer_api, waiting
):
    won = review(reviewer_api, waiting, {"decision": "approve", "version": 1})
    assert won.status_code == 200
    assert (won.json()["status"], won.json()["version"]) == ("approved", 2)
    assert won["ETag"] == f'"annotation-{waiting.pk}-v2"'
    lost = review(second_reviewer_api, waiting, {"decision": "reject", "reason": "No source.", "version": 1})
    assert lost.status_code == 409
    body = lost.json()
    assert body["message"].startswith("It changed after the version you saw (1): it is approved now (version 2")
    assert (body["current"]["status"], body["current"]["version"]) == ("approved", 2)
    assert body["current"]["reviewed_by"] == "reviewer1"
    assert lost["ETag"] == f'"annotation-{waiting.pk}-v2"'
    assert events(waiting) == [("approved", "reviewer1")]


def test_if_match_names_the_version_a_decision_was_made_from(reviewer_api, second_reviewer_api, waiting):
    etag = reviewer_api.get(f"/annotations/{waiting.pk}")["ETag"]
    assert review(reviewer_api, waiting, {"decision": "approve"}, **{"If-Match": etag}).status_code == 200
    stale = review(second_reviewer_api, waiting, {"decision": "draft"}, **{"If-Match": etag})
    assert stale.status_code == 409 and stale.json()["current"]["status"] == "approved"
    current = second_reviewer_api.get(f"/annotations/{waiting.pk}")["ETag"]
    back = review(second_reviewer_api, waiting, {"decision": "draft"}, **{"If-Match": current})
    assert back.status_code == 200 and back.json()["status"] == "draft" and back.json()["version"] == 3
    wrong = review(second_reviewer_api, waiting, {"decision": "approve"}, **{"If-Match": '"something-else"'})
    assert wrong.status_code == 422
    assert events(waiting) == [("approved", "reviewer1"), ("returned", "reviewer2")]


def test_without_a_version_a_decision_on_a_decided_annotation_is_409_not_428(reviewer_api, waiting):
    assert review(reviewer_api, waiting, {"decision": "approve"}).status_code == 200
    again = review(reviewer_api, waiting, {"decision": "approve"})
    assert again.status_code == 409
    assert "It is approved now (version 2, approved by reviewer1), not submitted." in again.json()["message"]
    assert again.json()["current"]["version"] == 2
    assert events(waiting) == [("approved", "reviewer1")]


def test_an_out_of_range_version_is_a_conflict_not_a_500(reviewer_api, waiting):
    response = review(reviewer_api, waiting, {"decision": "approve", "version": 2**70})
    assert response.status_code == 409
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("submitted", 1)


def test_a_submission_from_a_stale_etag_is_409(analyst_api, reviewer_api, annotation):
    etag = analyst_api.get(f"/annotations/{annotation.pk}")["ETag"]
    assert reviewer_api.patch(f"/annotations/{annotation.pk}", {"version": 1, "note": "Tidied."}).status_code == 200
    stale = analyst_api.post(f"/annotations/{annotation.pk}/submit", headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.json()["current"]["note"] == "Tidied."
    submitted = analyst_api.post(f"/annotations/{annotation.pk}/submit", headers={"If-Match": stale["ETag"]})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
