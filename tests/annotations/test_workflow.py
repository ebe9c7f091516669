"""Status moves by submit and review only; each decision records who and when."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, create_annotation, review_annotation, submit_annotation
from tests.factories import AnnotationFactory


def test_analyst_cannot_approve_their_own_annotation_through_the_panel(analyst_client, article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    edit = analyst_client.post(
        f"/annotations/{annotation.pk}/edit/",
        {"version": 1, "kind": "claim", "status": "approved", "note": "", "tags": ""},
    )
    assert edit.status_code == 200
    review = analyst_client.post(f"/annotations/{annotation.pk}/review/", {"decision": "approve"})
    assert review.status_code == 403
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.DRAFT
    assert annotation.reviewed_by is None
    assert "Approve" not in analyst_client.get(f"/annotations/{annotation.pk}/").content.decode()


def test_analyst_submits_and_reviewer_decides_with_who_and_when(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    client.force_login(analyst)
    assert client.post(f"/annotations/{annotation.pk}/submit/").status_code == 200
    client.force_login(reviewer)
    panel = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "approve"})
    assert panel.status_code == 200
    assert "Approved" in panel.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.APPROVED
    assert annotation.reviewed_by == reviewer
    assert annotation.reviewed_at is not None
    assert [(e.action, e.actor) for e in annotation.events.order_by("at", "id")] == [
        ("submitted", analyst),
        ("approved", reviewer),
    ]


def test_rejecting_needs_a_reason_and_keeps_it(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.SUBMITTED)
    client.force_login(reviewer)
    refused = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "reject", "reason": "  "})
    assert refused.status_code == 422
    assert "Say why it is rejected" in refused.content.decode()
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.SUBMITTED
    client.post(f"/annotations/{annotation.pk}/review/", {"decision": "reject", "reason": "Misquoted."})
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.REJECTED
    assert annotation.events.get(action="rejected").comment == "Misquoted."


def test_an_analysts_edit_sends_a_reviewed_annotation_back_to_draft_and_says_so(analyst_client, article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.APPROVED)
    analyst_client.post(f"/annotations/{annotation.pk}/edit/", {"version": 1, "kind": "fact", "note": "", "tags": ""})
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.DRAFT
    assert annotation.events.get().comment == "Edited after review, so back to draft."


def test_services_refuse_whoever_calls_them(article, analyst, other_analyst):
    annotation = AnnotationFactory(article=article, created_by=other_analyst)
    with pytest.raises(PermissionDenied):
        review_annotation(annotation=annotation, user=analyst, decision=Decision.APPROVE)
    with pytest.raises(PermissionDenied):
        submit_annotation(annotation=annotation, user=analyst)
    annotation.refresh_from_db()
    assert annotation.status == Annotation.Status.DRAFT


def test_same_span_twice_by_the_same_analyst_is_refused_with_409(analyst_client, article, analyst, other_analyst):
    data = {"kind": "claim", "start": 0, "end": 5, "exact": article.text[:5]}
    url = f"/annotations/article/{article.pk}/new/"
    assert analyst_client.post(url, data, headers={"HX-Request": "true"}).status_code == 200
    again = analyst_client.post(url, data, headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "already marked exactly this passage" in again.content.decode()
    assert Annotation.objects.count() == 1
    # Another analyst, or another kind, on the same characters is a separate annotation.
    create_annotation(article=article, user=other_analyst, **data)
    create_annotation(article=article, user=analyst, **(data | {"kind": "quote"}))
    assert Annotation.objects.count() == 3


def test_undo_of_a_deleted_duplicate_is_refused_not_a_500(analyst_client, article, analyst):
    first = AnnotationFactory(article=article, created_by=analyst, start=0, end=5)
    analyst_client.post(f"/annotations/{first.pk}/delete/", headers={"HX-Request": "true"})
    create_annotation(article=article, user=analyst, kind="claim", start=0, end=5, exact=article.text[:5])
    undo = analyst_client.post(f"/annotations/{first.pk}/restore/", headers={"HX-Request": "true"})
    assert undo.status_code == 409
    first.refresh_from_db()
    assert first.deleted_at is not None


def test_refusals_keep_their_http_meaning_for_htmx_and_plain_requests(client, article, analyst):
    client.force_login(analyst)
    url = f"/annotations/article/{article.pk}/new/"
    for headers in ({}, {"HX-Request": "true"}):
        mismatch = client.post(url, {"kind": "claim", "start": 0, "end": 5, "exact": "nope!"}, headers=headers)
        assert mismatch.status_code == 422
        assert "does not match the article" in mismatch.content.decode()
    annotation = AnnotationFactory(article=article, created_by=analyst)
    stale = client.post(f"/annotations/{annotation.pk}/edit/", {"version": 7, "kind": "fact", "note": "", "tags": ""})
    assert stale.status_code == 409
    bad_link = client.post(f"/annotations/{annotation.pk}/links/", {"role": "cited", "q": "Zofia <Nowak>"})
    assert bad_link.status_code == 422
    assert "Pick a source" in bad_link.content.decode()
    # What was typed in the search box is still there.
    assert 'name="q" value="Zofia &lt;Nowak&gt;"' in bad_link.content.decode()


def test_review_decision_must_be_a_known_one(article, reviewer):
    annotation = AnnotationFactory(article=article)
    with pytest.raises(ValueError):
        review_annotation(annotation=annotation, user=reviewer, decision="publish")
    with pytest.raises(ValidationError):
        review_annotation(annotation=annotation, user=reviewer, decision=Decision.REJECT)


def test_nul_in_tags_or_the_source_search_is_a_clear_refusal_not_a_500(analyst_client, article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    response = analyst_client.post(
        f"/annotations/{annotation.pk}/edit/", {"version": 1, "kind": "claim", "note": "", "tags": "a\x00b, c"}
    )
    assert response.status_code == 422
    assert "Null characters are not allowed." in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.tags == []
    search = analyst_client.get(f"/annotations/article/{article.pk}/sources/", {"q": "\x00"})
    assert search.status_code == 200


def test_deciding_what_is_decided_changes_nothing(client, article, analyst, reviewer):
    annotation = AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.SUBMITTED)
    client.force_login(reviewer)
    client.post(f"/annotations/{annotation.pk}/review/", {"decision": "approve", "version": 1})
    again = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "approve", "version": 2})
    assert "It was approved already." in again.content.decode()
    admin = client.post(
        "/admin/annotations/annotation/",
        {"action": "approve", "_selected_action": [annotation.pk], f"listed-version-{annotation.pk}": 2},
        follow=True,
    )
    assert "Nothing changed: they were approved already." in admin.content.decode()
    annotation.refresh_from_db()
    assert annotation.version == 2
    assert annotation.events.filter(action="approved").count() == 1
    back = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "draft", "version": 2})
    html = back.content.decode()
    assert "Sent back to draft." in html
    assert "reviewed by" not in html


def test_a_refusal_says_what_was_refused_for_htmx_and_plain_requests(client, article, analyst, other_analyst):
    annotation = AnnotationFactory(article=article, created_by=other_analyst)
    client.force_login(analyst)
    htmx = client.post(f"/annotations/{annotation.pk}/review/", {"decision": "approve"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    assert htmx["HX-Retarget"] == "#messages"
    assert "Only reviewers and managers decide on annotations." in htmx.content.decode()
    plain = client.post(f"/annotations/{annotation.pk}/edit/", {"version": 1, "kind": "fact", "note": "", "tags": ""})
    assert plain.status_code == 403
    assert "Only the author, a reviewer or a manager can change this annotation." in plain.content.decode()
    assert "<h1>Not allowed</h1>" in plain.content.decode()
