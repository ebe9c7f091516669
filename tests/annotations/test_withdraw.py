"""An analyst takes back a submission no reviewer has decided on yet: in the workbench's panel and
through the API, made from the version they saw, refused (409) once a reviewer decided."""

import pytest
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, StatusConflict, review_annotation, withdraw_annotation
from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory
from tests.test_pages import html_problems


@pytest.fixture
def submitted(article, analyst):
    return AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.SUBMITTED)


def current(annotation) -> Annotation:
    return Annotation.objects.get(pk=annotation.pk)


def test_the_author_withdraws_from_the_panel_back_to_draft(analyst_client, submitted):
    panel = analyst_client.get(reverse("annotations:panel", args=[submitted.pk])).content.decode()
    assert html_problems(panel, container="aside") == []
    form = panel.split('<form class="withdraw-form"')[1].split("</form>")[0]
    assert 'name="version" value="1"' in form and "Withdraw submission" in form
    response = analyst_client.post(
        reverse("annotations:withdraw", args=[submitted.pk]), {"version": 1}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Withdrawn: it is your draft again." in html and "withdraw-form" not in html
    assert "annotation-changed" in response["HX-Trigger"]
    annotation = current(submitted)
    assert (annotation.status, annotation.version) == ("draft", 2)
    event = annotation.events.get()
    assert (event.action, event.actor_id, event.state["status"]) == ("withdrawn", annotation.created_by_id, "draft")
    assert "Withdrawn by analyst1" in html


def test_without_script_it_goes_back_to_the_workbench_with_a_message(analyst_client, submitted, article):
    response = analyst_client.post(reverse("annotations:withdraw", args=[submitted.pk]), {"version": 1})
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}?annotation={submitted.pk}"
    page = analyst_client.get(response["Location"]).content.decode()
    assert "Withdrawn: it is your draft again." in page
    assert current(submitted).status == "draft"


def test_a_decision_first_makes_the_withdrawal_409_with_what_it_is_now(analyst_client, submitted, reviewer):
    review_annotation(annotation=submitted, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    response = analyst_client.post(
        reverse("annotations:withdraw", args=[submitted.pk]), {"version": 1}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 409
    assert (
        "It changed after the version you saw (1): it is approved now (version 2, approved by reviewer1). "
        "Your withdrawal was not recorded" in response.content.decode()
    )
    assert current(submitted).status == "approved"
    assert "withdraw-form" not in analyst_client.get(reverse("annotations:panel", args=[submitted.pk])).content.decode()


def test_only_the_author_withdraws(client, submitted, other_analyst, reviewer):
    url = reverse("annotations:withdraw", args=[submitted.pk])
    for user in (other_analyst, reviewer):
        client.force_login(user)
        assert "withdraw-form" not in client.get(reverse("annotations:panel", args=[submitted.pk])).content.decode()
        response = client.post(url, {"version": 1})
        assert response.status_code == 403
        assert "Only its author withdraws a submission." in response.content.decode()
    assert current(submitted).status == "submitted"


def test_the_api_withdraws_and_returns_the_annotation(analyst, submitted):
    api = api_client_for(analyst)
    etag = api.get(f"/annotations/{submitted.pk}")["ETag"]
    response = api.post(f"/annotations/{submitted.pk}/withdraw", headers={"If-Match": etag})
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["version"]) == (submitted.pk, "draft", 2)
    assert response["ETag"] != etag
    # A draft is nothing to withdraw: 409 with what it is now.
    again = api.post(f"/annotations/{submitted.pk}/withdraw")
    assert again.status_code == 409
    assert again.json()["current"]["status"] == "draft"
    assert "not submitted and waiting for a decision" in again.json()["message"]


def test_the_api_answers_409_once_a_reviewer_decided_and_on_a_stale_version(analyst, reviewer, submitted):
    api = api_client_for(analyst)
    stale = api.get(f"/annotations/{submitted.pk}")["ETag"]
    review_annotation(annotation=submitted, user=reviewer, decision=Decision.REJECT, reason="No.", seen_version=1)
    for headers in ({}, {"If-Match": stale}):
        response = api.post(f"/annotations/{submitted.pk}/withdraw", headers=headers)
        assert response.status_code == 409
        assert response.json()["current"]["status"] == "rejected"
    assert current(submitted).status == "rejected"
    assert api_client_for(reviewer).post(f"/annotations/{submitted.pk}/withdraw").status_code == 403


def test_a_withdrawal_and_a_decision_made_from_the_same_version_cannot_both_win(analyst, reviewer, submitted):
    withdraw_annotation(annotation=submitted, user=analyst, seen_version=1)
    with pytest.raises(StatusConflict):
        review_annotation(annotation=submitted, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    assert current(submitted).status == "draft"
