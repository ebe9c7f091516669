"""Claims and appearances: who may do what, the database's own refusals, the history."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation
from apps.claims.models import Appearance, Claim
from apps.claims.services import (
    ClaimConflict,
    attach_appearance,
    create_claim,
    create_claim_from,
    set_verdict,
    update_claim,
)
from apps.projects.models import Membership
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ClaimFactory, ProjectFactory


@pytest.fixture
def manager(project):
    return member(project, Membership.Role.MANAGER, "manager1")


def test_an_analyst_creates_a_claim_from_a_marked_claim(article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    claim = create_claim_from(annotation=annotation, user=analyst)
    assert claim.wording == " ".join(annotation.exact.split())
    assert claim.language == article.language
    assert [a.annotation for a in claim.appearances.all()] == [annotation]
    assert claim.keys  # what proposals compare is stored with it


def test_only_reviewers_and_managers_set_verdicts(project, analyst, reviewer, manager):
    claim = create_claim(project=project, user=analyst, wording="Belarus is part of Russia", language="en")
    with pytest.raises(PermissionDenied):
        set_verdict(claim=claim, user=analyst, verdict="false", rationale="no", base_version=claim.version)
    claim = set_verdict(claim=claim, user=reviewer, verdict="false", rationale="It is a state.", base_version=1)
    assert (claim.verdict, claim.verdict_by, claim.version) == ("false", reviewer, 2)
    claim = set_verdict(claim=claim, user=manager, verdict="misleading", rationale="Closer.", base_version=2)
    assert claim.verdict == "misleading"


def test_a_stale_verdict_is_refused_and_changes_nothing(project, analyst, reviewer):
    claim = create_claim(project=project, user=analyst, wording="Belarus is part of Russia")
    set_verdict(claim=claim, user=reviewer, verdict="false", rationale="One.", base_version=1)
    with pytest.raises(ClaimConflict):
        set_verdict(claim=claim, user=reviewer, verdict="supported", rationale="Two.", base_version=1)
    assert Claim.objects.get().verdict == "false"


def test_an_analyst_changes_the_wording_but_not_the_verdict(project, analyst):
    claim = create_claim(project=project, user=analyst, wording="Belarus is part of Russia")
    update_claim(claim=claim, user=analyst, base_version=1, wording="Belarus is an integral part of Russia")
    assert Claim.objects.get().wording == "Belarus is an integral part of Russia"
    with pytest.raises(PermissionDenied):
        update_claim(claim=claim, user=analyst, base_version=2, rationale="mine")


def test_outsiders_create_no_claims(project, outsider):
    with pytest.raises(PermissionDenied):
        create_claim(project=project, user=outsider, wording="Anything")


def test_only_claim_annotations_become_appearances(project, article, analyst):
    claim = create_claim(project=project, user=analyst, wording="A claim")
    quote = AnnotationFactory(article=article, created_by=analyst, kind=Annotation.Kind.QUOTE)
    with pytest.raises(ValidationError):
        attach_appearance(claim=claim, annotation=quote, user=analyst)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appearance.objects.create(claim=claim, annotation=quote, created_by=analyst)


def test_the_database_refuses_an_appearance_from_another_project(project, analyst):
    claim = ClaimFactory(project=project, created_by=analyst)
    elsewhere = AnnotationFactory(article=ArticleFactory(project=ProjectFactory()), created_by=analyst)
    with pytest.raises(IntegrityError, match="same_project|another project"), transaction.atomic():
        Appearance.objects.create(claim=claim, annotation=elsewhere, created_by=analyst)
    with pytest.raises((PermissionDenied, ValidationError)):  # not even seen from this project
        attach_appearance(claim=claim, annotation=elsewhere, user=analyst)


def test_a_claim_never_moves_to_another_project(project, analyst):
    claim = ClaimFactory(project=project, created_by=analyst)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(project=ProjectFactory())


def test_attaching_again_moves_the_appearance_to_the_other_claim(project, article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    first = create_claim_from(annotation=annotation, user=analyst)
    second = create_claim(project=project, user=analyst, wording="Another wording")
    attach_appearance(claim=second, annotation=annotation, user=analyst)
    assert list(first.appearances.all()) == []
    assert [a.annotation_id for a in second.appearances.all()] == [annotation.pk]


def test_every_change_is_in_the_history(project, analyst, reviewer, article):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    claim = create_claim_from(annotation=annotation, user=analyst)
    set_verdict(claim=claim, user=reviewer, verdict="disputed", rationale="Sources differ.", base_version=1)
    labels = list(claim.history.order_by("pgh_id").values_list("pgh_label", "verdict"))
    assert labels[0] == ("created", "unverified")
    assert labels[-1] == ("changed", "disputed")
    assert list(Appearance.objects.get().history.values_list("pgh_label", flat=True)) == ["created"]


@pytest.mark.parametrize("blind", [False, True])
def test_the_claims_queryset_and_the_object_check_agree(project, analyst, other_analyst, reviewer, outsider, blind):
    project.blind = blind
    project.save()
    article = ArticleFactory(project=project)
    mine = create_claim_from(annotation=AnnotationFactory(article=article, created_by=analyst), user=analyst)
    theirs = create_claim_from(
        annotation=AnnotationFactory(article=article, created_by=other_analyst, start=20, end=30), user=other_analyst
    )
    bare = create_claim(project=project, user=other_analyst, wording="Said nowhere yet")
    elsewhere = ClaimFactory(project=outsider.memberships.get().project, created_by=outsider)
    claims = [mine, theirs, bare, elsewhere]
    for user in (analyst, other_analyst, reviewer, outsider):
        visible = set(Claim.objects.visible_to(user))
        assert visible == {claim for claim in claims if user.has_perm("claims.view_claim", claim)}
    assert (theirs in set(Claim.objects.visible_to(analyst))) is not blind
    assert theirs in set(Claim.objects.visible_to(reviewer))
