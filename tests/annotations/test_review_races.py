"""A change of status is a conditional write: of two people deciding (or submitting) from the same
version, exactly one wins, the other is refused with the annotation as it is now, and the history
holds only what won. The same through the services, the workbench and the admin."""

import pytest
from django.test import Client

from apps.annotations.models import Annotation
from apps.annotations.services import (
    Decision,
    StatusConflict,
    delete_annotation,
    review_annotation,
    submit_annotation,
    update_annotation,
)
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory

SUBMITTED = Annotation.Status.SUBMITTED


@pytest.fixture
def second_reviewer(project):
    return member(project, Membership.Role.REVIEWER, "reviewer2")


@pytest.fixture
def waiting(article, analyst):
    """A submitted annotation at version 1, as both reviewers' pages showed it."""
    return AnnotationFactory(article=article, created_by=analyst, status=SUBMITTED)


def decisions(annotation) -> list[tuple[str, str]]:
    return list(annotation.events.order_by("at", "id").values_list("action", "actor__username"))


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_of_two_decisions_from_the_same_version_the_second_is_refused_with_the_current_state(
    waiting, reviewer, second_reviewer
):
    # Each reviewer holds the row as their page read it.
    seen_by_first = Annotation.objects.get(pk=waiting.pk)
    seen_by_second = Annotation.objects.get(pk=waiting.pk)
    assert review_annotation(annotation=seen_by_first, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    with pytest.raises(StatusConflict) as refused:
        review_annotation(
            annotation=seen_by_second, user=second_reviewer, decision=Decision.REJECT, reason="No.", seen_version=1
        )
    assert refused.value.current.status == "approved" and refused.value.current.version == 2
    assert "It changed after the version you saw (1): it is approved now (version 2, approved by reviewer1)" in str(
        refused.value
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version, waiting.reviewed_by) == ("approved", 2, reviewer)
    assert decisions(waiting) == [("approved", "reviewer1")]


def test_without_a_version_a_decision_applies_only_while_submitted(waiting, reviewer, second_reviewer):
    stale = Annotation.objects.get(pk=waiting.pk)
    review_annotation(annotation=waiting, user=reviewer, decision=Decision.REJECT, reason="Misquoted.")
    for decision in Decision:  # the same decision again is no exception
        with pytest.raises(StatusConflict) as refused:
            review_annotation(annotation=stale, user=second_reviewer, decision=decision, reason="Fine.")
        assert "It is rejected now (version 2, rejected by reviewer1), not submitted." in str(refused.value)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("rejected", 2)
    assert decisions(waiting) == [("rejected", "reviewer1")]


def test_a_decision_from_the_current_version_may_change_an_earlier_one(waiting, reviewer, second_reviewer):
    review_annotation(annotation=waiting, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    assert review_annotation(
        annotation=waiting, user=second_reviewer, decision=Decision.REJECT, reason="Wrong date.", seen_version=2
    )
    assert not review_annotation(
        annotation=waiting, user=second_reviewer, decision=Decision.REJECT, seen_version=3, reason="x"
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("rejected", 3)
    assert decisions(waiting) == [("approved", "reviewer1"), ("rejected", "reviewer2")]


def test_an_edit_between_seeing_and_deciding_makes_the_decision_stale(waiting, analyst, reviewer):
    update_annotation(annotation=Annotation.objects.get(pk=waiting.pk), user=analyst, base_version=1, note="New note")
    with pytest.raises(StatusConflict):
        review_annotation(annotation=waiting, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("submitted", 2)


def test_a_decision_keeps_the_annotation_as_it_is_in_its_history(waiting, analyst, reviewer):
    """Decided without a version on a row read before an edit, the history entry is of the edited one."""
    stale = Annotation.objects.get(pk=waiting.pk)
    update_annotation(annotation=Annotation.objects.get(pk=waiting.pk), user=analyst, base_version=1, note="Edited")
    review_annotation(annotation=stale, user=reviewer, decision=Decision.APPROVE)
    assert (stale.version, stale.note) == (3, "Edited")
    assert waiting.events.get(action="approved").state["note"] == "Edited"


def test_of_two_submissions_from_the_same_version_the_second_is_refused(article, analyst, reviewer):
    draft = AnnotationFactory(article=article, created_by=analyst)
    stale = Annotation.objects.get(pk=draft.pk)
    submit_annotation(annotation=draft, user=analyst, seen_version=1)
    with pytest.raises(StatusConflict) as refused:
        submit_annotation(annotation=stale, user=analyst, seen_version=1)
    assert refused.value.current.version == 2
    with pytest.raises(StatusConflict) as again:
        submit_annotation(annotation=stale, user=analyst)
    assert "It is submitted now (version 2, submitted by analyst1), not a draft" in str(again.value)
    assert decisions(draft) == [("submitted", "analyst1")]


def test_a_submission_from_a_version_a_reviewer_has_since_decided_is_refused(article, analyst, reviewer):
    rejected = AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.REJECTED)
    review_annotation(
        annotation=Annotation.objects.get(pk=rejected.pk), user=reviewer, decision=Decision.APPROVE, seen_version=1
    )
    with pytest.raises(StatusConflict):
        submit_annotation(annotation=rejected, user=analyst, seen_version=1)
    rejected.refresh_from_db()
    assert rejected.status == "approved"


def test_deleting_counts_on_from_the_stored_version_not_the_one_read(article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    stale = Annotation.objects.get(pk=annotation.pk)
    update_annotation(annotation=annotation, user=analyst, base_version=1, note="Edited")
    delete_annotation(annotation=stale, user=analyst)
    annotation.refresh_from_db()
    assert annotation.version == 3  # not 2 again, which an edit already was


def test_the_workbench_answers_the_later_decision_409_with_what_it_is_now(waiting, reviewer, second_reviewer):
    first, second = logged_in(reviewer), logged_in(second_reviewer)
    panel = first.get(f"/annotations/{waiting.pk}/").content.decode()
    assert 'name="version" value="1"' in panel.split('class="review-form"')[1].split("</form>")[0]
    url = f"/annotations/{waiting.pk}/review/"
    won = first.post(url, {"decision": "approve", "version": 1}, headers={"HX-Request": "true"})
    assert won.status_code == 200 and "Approved." in won.content.decode()
    lost = second.post(
        url, {"decision": "reject", "reason": "Not a claim.", "version": 1}, headers={"HX-Request": "true"}
    )
    assert lost.status_code == 409
    html = lost.content.decode()
    assert "It changed after the version you saw (1): it is approved now (version 2, approved by reviewer1)." in html
    assert "Your decision was not recorded" in html
    # The panel shows it as it is now, ready to decide on that, with the reason kept.
    review_form = html.split('class="review-form"')[1].split("</form>")[0]
    assert 'name="version" value="2"' in review_form and "Not a claim." in review_form
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("approved", 2)
    assert decisions(waiting) == [("approved", "reviewer1")]


def test_the_workbench_refuses_a_decision_without_a_version_once_decided(waiting, reviewer):
    client = logged_in(reviewer)
    url = f"/annotations/{waiting.pk}/review/"
    assert client.post(url, {"decision": "approve"}).status_code == 200
    again = client.post(url, {"decision": "draft"})
    assert again.status_code == 409 and "not submitted" in again.content.decode()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("approved", 2)


def test_the_workbench_submits_from_the_version_its_panel_showed(article, analyst, reviewer):
    draft = AnnotationFactory(article=article, created_by=analyst)
    client = logged_in(analyst)
    edit_form = client.get(f"/annotations/{draft.pk}/").content.decode().split('class="edit-form"')[1]
    assert 'name="version" value="1"' in edit_form.split("</form>")[0]  # sent along by the submit button
    update_annotation(annotation=Annotation.objects.get(pk=draft.pk), user=reviewer, base_version=1, kind="fact")
    stale = client.post(f"/annotations/{draft.pk}/submit/", {"version": 1}, headers={"HX-Request": "true"})
    assert stale.status_code == 409 and "It changed after the version you saw (1)" in stale.content.decode()
    assert client.post(f"/annotations/{draft.pk}/submit/", {"version": 2}).status_code == 200
    twice = client.post(f"/annotations/{draft.pk}/submit/", {"version": 2})
    assert twice.status_code == 409
    draft.refresh_from_db()
    assert (draft.status, draft.version) == ("submitted", 3)
    assert decisions(draft) == [("updated", "reviewer1"), ("submitted", "analyst1")]


def test_the_admin_change_page_decides_from_the_version_it_showed(waiting, reviewer, second_reviewer):
    first, second = logged_in(reviewer), logged_in(second_reviewer)
    page = second.get(f"/admin/annotations/annotation/{waiting.pk}/change/").content.decode()
    assert '<input type="hidden" name="version" value="1"' in page
    url = f"/admin/annotations/annotation/{waiting.pk}/decide/"
    assert first.post(url, {"decision": "approve", "version": 1}).status_code == 302
    lost = second.post(url, {"decision": "reject", "reason": "Wrong year.", "version": 1}, follow=True)
    html = lost.content.decode()
    assert "It changed after the version you saw (1): it is approved now (version 2, approved by reviewer1)." in html
    assert '<input type="hidden" name="version" value="2"' in html  # back on its page, as it is now
    waiting.refresh_from_db()
    assert (waiting.status, waiting.version) == ("approved", 2)
    assert decisions(waiting) == [("approved", "reviewer1")]


def test_admin_bulk_actions_decide_each_row_on_the_version_its_list_showed(article, analyst, reviewer, second_reviewer):
    fresh = AnnotationFactory(article=article, created_by=analyst, status=SUBMITTED, start=0, end=5)
    decided = AnnotationFactory(article=article, created_by=analyst, status=SUBMITTED, start=6, end=11)
    client = logged_in(reviewer)
    listing = client.get("/admin/annotations/annotation/").content.decode()
    for annotation in (fresh, decided):
        assert f'<input type="hidden" name="listed-version-{annotation.pk}" value="1">' in listing
    # After the list was shown, another reviewer sends one back to draft.
    review_annotation(annotation=decided, user=second_reviewer, decision=Decision.DRAFT, seen_version=1)
    listed = {f"listed-version-{fresh.pk}": 1, f"listed-version-{decided.pk}": 1}
    response = client.post(
        "/admin/annotations/annotation/",
        {"action": "approve", "_selected_action": [fresh.pk, decided.pk], **listed},
        follow=True,
    )
    html = response.content.decode()
    assert "1 approved, 1 changed since you loaded the page." in html
    assert (
        "It changed after the version you saw (1): it is a draft now (version 2, sent back to draft by reviewer2)."
        in html
    )
    fresh.refresh_from_db()
    decided.refresh_from_db()
    assert (fresh.status, fresh.version, decided.status, decided.version) == ("approved", 2, "draft", 2)
    assert decisions(decided) == [("returned", "reviewer2")]


def test_admin_bulk_reject_carries_the_listed_versions_through_its_reason_page(
    article, analyst, reviewer, second_reviewer
):
    annotation = AnnotationFactory(article=article, created_by=analyst, status=SUBMITTED)
    client = logged_in(reviewer)
    listed = {"_selected_action": [annotation.pk], f"listed-version-{annotation.pk}": 1}
    reason_page = client.post("/admin/annotations/annotation/", {"action": "reject", **listed}).content.decode()
    assert f'name="listed-version-{annotation.pk}" value="1"' in reason_page
    review_annotation(annotation=annotation, user=second_reviewer, decision=Decision.APPROVE, seen_version=1)
    client.post("/admin/annotations/annotation/", {"action": "reject", "reason": "Misquoted.", **listed})
    annotation.refresh_from_db()
    assert (annotation.status, annotation.version) == ("approved", 2)
    assert decisions(annotation) == [("approved", "reviewer2")]
