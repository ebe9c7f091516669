"""A change to a reviewed annotation's links (speaker, claimant, cited source...) is a change a
reviewer has not seen: it sends the annotation back to draft, as an edit of its text does,
through the workbench and the API alike."""

import pytest

from apps.annotations.models import Annotation
from apps.annotations.services import Decision, StatusConflict, link_source, review_annotation
from tests.api.conftest import api_client_for
from tests.factories import AnnotationFactory, LinkFactory, SourceFactory

REVIEWED = [Annotation.Status.APPROVED, Annotation.Status.REJECTED]
BACK_TO_DRAFT = "Changed after review, so back to draft."


@pytest.fixture
def claim(article, analyst):
    return AnnotationFactory(article=article, created_by=analyst, status=Annotation.Status.APPROVED)


def last_event(annotation):
    return annotation.events.order_by("-at", "-id").first()


@pytest.mark.parametrize("status", REVIEWED)
def test_adding_a_claimant_in_the_workbench_sends_a_reviewed_claim_back_to_draft(
    analyst_client, claim, project, status
):
    Annotation.objects.filter(pk=claim.pk).update(status=status)
    mayor = SourceFactory(project=project, name="The mayor")
    response = analyst_client.post(f"/annotations/{claim.pk}/links/", {"role": "claimant", "source": mayor.pk})
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.DRAFT
    assert claim.version == 2
    event = last_event(claim)
    assert event.action == "linked" and event.comment == f"Claimant: The mayor. {BACK_TO_DRAFT}"
    assert event.state["status"] == "draft"
    page = response.content.decode()
    assert "Draft" in page and BACK_TO_DRAFT in page
    # The panel the answer shows is made from the version it now is, so the next edit is not stale.
    assert 'name="version" value="2"' in page


def test_removing_the_claimant_in_the_workbench_sends_an_approved_claim_back_to_draft(analyst_client, claim):
    link = LinkFactory(annotation=claim, role="claimant")
    response = analyst_client.post(f"/annotations/links/{link.pk}/delete/")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.DRAFT and not claim.links.exists()
    assert last_event(claim).comment == f"Claimant: {link.source}. {BACK_TO_DRAFT}"


def test_a_link_changed_through_the_api_sends_an_approved_claim_back_to_draft(analyst, claim, project):
    api = api_client_for(analyst)
    etag = api.get(f"/annotations/{claim.pk}")["ETag"]
    source = SourceFactory(project=project, name="City hall")
    added = api.post(f"/annotations/{claim.pk}/links", {"role": "claimant", "source": source.pk})
    assert added.status_code == 201
    now = api.get(f"/annotations/{claim.pk}")
    assert now.json()["status"] == "draft" and now["ETag"] != etag

    # Approved again, then its claimant taken away: back to draft once more.
    Annotation.objects.filter(pk=claim.pk).update(status=Annotation.Status.APPROVED)
    assert api.delete(f"/links/{added.json()['id']}").status_code == 204
    assert api.get(f"/annotations/{claim.pk}").json()["status"] == "draft"
    assert [event.comment for event in claim.events.order_by("at", "id")] == [
        f"Claimant: City hall. {BACK_TO_DRAFT}",
        f"Claimant: City hall. {BACK_TO_DRAFT}",
    ]


def test_changing_the_role_of_a_link_is_a_change_too(analyst_client, claim, project):
    """The role changes by removing the link and adding it with the other role; each sends it back."""
    link = LinkFactory(annotation=claim, role="cited")
    analyst_client.post(f"/annotations/links/{link.pk}/delete/")
    Annotation.objects.filter(pk=claim.pk).update(status=Annotation.Status.APPROVED)
    analyst_client.post(f"/annotations/{claim.pk}/links/", {"role": "claimant", "source": link.source_id})
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.DRAFT
    assert list(claim.links.values_list("role", flat=True)) == ["claimant"]


def test_a_reviewers_own_link_change_keeps_the_decision_as_their_edit_does(client, claim, reviewer, project):
    client.force_login(reviewer)
    source = SourceFactory(project=project)
    assert client.post(f"/annotations/{claim.pk}/links/", {"role": "cited", "source": source.pk}).status_code == 200
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.APPROVED and claim.version == 2
    assert last_event(claim).comment == f"Cited: {source}"


def test_linking_what_is_linked_already_changes_nothing(analyst, claim):
    link = LinkFactory(annotation=claim, role="claimant")
    assert link_source(annotation=claim, source=link.source, role="claimant", user=analyst) == link
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.APPROVED and claim.version == 1
    assert not claim.events.exists()


def test_a_link_added_while_submitted_makes_a_decision_from_the_version_before_it_stale(
    analyst, reviewer, claim, project
):
    """The reviewer saw version 1; the claimant added after it is not what they would approve."""
    Annotation.objects.filter(pk=claim.pk).update(status=Annotation.Status.SUBMITTED)
    claim.refresh_from_db()
    link_source(annotation=claim, source=SourceFactory(project=project), role="claimant", user=analyst)
    claim.refresh_from_db()
    assert claim.status == Annotation.Status.SUBMITTED and claim.version == 2
    with pytest.raises(StatusConflict):
        review_annotation(annotation=claim, user=reviewer, decision=Decision.APPROVE, seen_version=1)
    assert Annotation.objects.get(pk=claim.pk).status == Annotation.Status.SUBMITTED
