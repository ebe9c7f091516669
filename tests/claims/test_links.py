"""Appearances follow their annotations whoever writes: a counterpart joins its pair's claim, a
carried annotation keeps its origin's claim, and an annotation that stops being a live claim
keeps no appearance (the database's triggers, claims migration 0006), each step in the history."""

import pytest
from django.apps import apps

from apps.annotations.models import Annotation
from apps.annotations.services import delete_annotation, restore_annotation, update_annotation
from apps.claims.models import Appearance
from apps.claims.services import attach_appearance, create_claim, create_claim_from, detach_appearance
from apps.stories.models import Anchoring, Counterpart
from apps.stories.services import create_counterpart, link_counterparts
from apps.stories.versions import add_version, confirm_anchoring
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import AnnotationFactory
from tests.stories.conftest import sample_story

ENGLISH_CLAIM = "Belarus is in fact an integral part of Russia and operates in full coordination with the Kremlin."
GERMAN_CLAIM = (
    "Belarus ist faktisch ein integraler Bestandteil Russlands und agiert in voller Abstimmung mit dem Kreml."
)


AppearanceHistory = apps.get_model("claims", "AppearanceHistory")


@pytest.fixture
def story(project):
    return sample_story(project)


def mark(article, words, user, kind=Annotation.Kind.CLAIM):
    start = article.text.index(words)
    return AnnotationFactory(article=article, created_by=user, kind=kind, start=start, end=start + len(words))


def claim_of(annotation):
    return Appearance.objects.filter(annotation=annotation).values_list("claim_id", flat=True).first()


def test_an_accepted_counterpart_of_a_claims_appearance_joins_the_claim(story, analyst):
    english, german = story
    claim = create_claim_from(annotation=mark(english, ENGLISH_CLAIM, analyst), user=analyst)
    source = Appearance.objects.get(claim=claim).annotation
    start = german.text.index(GERMAN_CLAIM)

    created = create_counterpart(
        annotation=source, article=german, user=analyst, start=start, end=start + len(GERMAN_CLAIM), exact=GERMAN_CLAIM
    )

    assert claim_of(created) == claim.pk
    [event] = AppearanceHistory.objects.filter(annotation_id=created.pk)
    assert (event.pgh_label, event.claim_id, event.created_by_id) == ("created", claim.pk, analyst.pk)


def test_attaching_an_appearance_brings_its_counterparts_along(story, analyst):
    english, german = story
    first, second = mark(english, ENGLISH_CLAIM, analyst), mark(german, GERMAN_CLAIM, analyst)
    link_counterparts(annotation=first, other=second, user=analyst)
    assert claim_of(second) is None
    claim = create_claim(project=english.project, user=analyst, wording="Belarus is part of Russia", language="en")

    attach_appearance(claim=claim, annotation=second, user=analyst)

    assert claim_of(first) == claim.pk
    assert AppearanceHistory.objects.filter(annotation_id=first.pk, pgh_label="created").count() == 1


def test_a_counterpart_of_another_claim_or_of_another_kind_stays_where_it_is(story, analyst):
    english, german = story
    claim = create_claim_from(annotation=mark(english, ENGLISH_CLAIM, analyst), user=analyst)
    english_claim = Appearance.objects.get(claim=claim).annotation
    own = create_claim_from(annotation=mark(german, GERMAN_CLAIM, analyst), user=analyst)
    german_claim = Appearance.objects.get(claim=own).annotation
    quote = mark(german, "Mil-Man", analyst, kind=Annotation.Kind.QUOTE)

    link_counterparts(annotation=english_claim, other=german_claim, user=analyst)
    Counterpart.objects.create(project=english.project, annotation=english_claim, other=quote, created_by=analyst)

    assert claim_of(german_claim) == own.pk
    assert claim_of(quote) is None


def test_a_claim_changed_to_a_fact_leaves_its_claim_and_returns_when_changed_back(article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    claim = create_claim_from(annotation=annotation, user=analyst)

    update_annotation(annotation=annotation, user=analyst, base_version=annotation.version, kind="fact")
    assert not Appearance.objects.filter(annotation=annotation).exists()
    labels = list(
        AppearanceHistory.objects.filter(annotation_id=annotation.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["created", "deleted"]

    update_annotation(annotation=annotation, user=analyst, base_version=annotation.version, kind="claim")
    assert claim_of(annotation) == claim.pk


def test_a_deleted_claim_annotation_keeps_no_appearance_and_its_undo_brings_it_back(article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    claim = create_claim_from(annotation=annotation, user=analyst)

    delete_annotation(annotation=annotation, user=analyst)
    assert not Appearance.objects.filter(annotation=annotation).exists()
    assert claim.appearances.count() == 0

    restore_annotation(annotation=annotation, user=analyst)
    assert claim_of(annotation) == claim.pk


def test_a_restored_annotation_does_not_return_to_a_claim_it_was_moved_from(article, analyst):
    annotation = AnnotationFactory(article=article, created_by=analyst)
    first = create_claim_from(annotation=annotation, user=analyst)
    second = create_claim(project=article.project, user=analyst, wording="Another wording")
    attach_appearance(claim=second, annotation=annotation, user=analyst)
    delete_annotation(annotation=annotation, user=analyst)
    restore_annotation(annotation=annotation, user=analyst)
    assert claim_of(annotation) == second.pk != first.pk


def test_a_new_version_keeps_the_claims_of_its_carried_annotations_and_counts_once(story, analyst):
    english, _ = story
    marked = mark(english, ENGLISH_CLAIM, analyst)
    claim = create_claim_from(annotation=marked, user=analyst)

    new = add_version(article=english, text="A new first paragraph.\n\n" + english.text, user=analyst).article

    carried = Anchoring.objects.get(origin=marked).annotation
    assert carried.article == new
    assert claim_of(carried) == claim.pk
    assert claim_of(marked) == claim.pk  # the earlier version keeps its own
    visible = Appearance.objects.filter(claim=claim).visible_to(analyst)
    assert list(visible.values_list("annotation_id", flat=True)) == [carried.pk]


def test_a_claim_attached_in_an_earlier_version_reaches_the_carried_annotation(story, analyst, reviewer):
    english, _ = story
    marked = mark(english, ENGLISH_CLAIM, analyst)
    new = add_version(
        article=english, text=english.text.replace("in full coordination", "in close coordination"), user=analyst
    )
    anchoring = Anchoring.objects.select_related("annotation").get(origin=marked)
    claim = create_claim(project=english.project, user=analyst, wording="Belarus is part of Russia", language="en")

    attach_appearance(claim=claim, annotation=marked, user=analyst)

    assert anchoring.annotation.article == new.article
    assert claim_of(anchoring.annotation) == claim.pk
    # Detached by hand, it stays detached when a reviewer confirms where it was carried.
    detach_appearance(appearance=Appearance.objects.get(annotation=anchoring.annotation), user=analyst)
    assert anchoring.state == "fuzzy"
    confirm_anchoring(anchoring=anchoring, user=reviewer)
    assert claim_of(anchoring.annotation) is None


def test_the_claim_page_and_the_api_count_the_latest_version_once(client, story, analyst):
    english, _ = story
    claim = create_claim_from(annotation=mark(english, ENGLISH_CLAIM, analyst), user=analyst)
    add_version(article=english, text="A new first paragraph.\n\n" + english.text, user=analyst)

    page = client_for(client, analyst).get(claim.get_absolute_url()).content.decode()
    assert "1 appearance<" in page or "1 appearance " in page
    assert page.count('class="appearance"') == 1
    appearances = api_client_for(analyst).get(f"/claims/{claim.pk}").json()["appearances"]
    assert [a["article"] for a in appearances] == [english.__class__.objects.get(replaces=english).pk]
