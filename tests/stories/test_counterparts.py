import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError

from apps.annotations.models import Annotation, Link
from apps.annotations.services import create_annotation, link_source
from apps.stories.models import Counterpart
from apps.stories.services import (
    NoCounterpart,
    counterparts_of,
    create_counterpart,
    propose_counterpart,
)
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory, SourceFactory

SPANS = json.loads((Path(__file__).resolve().parents[2] / "bench" / "counterpart_spans.json").read_text())


def mark(article, user, passage, kind="quote"):
    start = article.text.index(passage)
    return create_annotation(
        article=article, user=user, kind=kind, start=start, end=start + len(passage), exact=passage
    )


def test_nine_in_ten_proposals_for_the_hand_marked_sample_are_exact_and_the_rest_overlap(story_pair, analyst):
    english, german = story_pair
    exact, overlapping, missed = 0, 0, []
    for span in SPANS:
        annotation = mark(english, analyst, span["english"], span["kind"])
        proposal = propose_counterpart(annotation=annotation, article=german, user=analyst)
        want_start = german.text.index(span["german"])
        want_end = want_start + len(span["german"])
        if (proposal.start, proposal.end) == (want_start, want_end):
            exact += 1
        elif proposal.start < want_end and want_start < proposal.end:
            overlapping += 1
        else:
            missed.append((span["english"], german.text[proposal.start : proposal.end]))

    assert len(SPANS) >= 20
    assert exact >= 0.9 * len(SPANS), (exact, len(SPANS))
    assert not missed


def test_a_quote_proposes_the_quoted_passage_of_the_other_version(story_pair, analyst):
    english, german = story_pair
    annotation = mark(english, analyst, "emerging threat")

    proposal = propose_counterpart(annotation=annotation, article=german, user=analyst)

    assert german.text[proposal.start : proposal.end] == "aufstrebenden Bedrohung"
    assert 0 < proposal.score <= 1


def test_accepting_creates_the_same_kind_with_the_speaker_linked_as_counterpart(story_pair, analyst, project):
    english, german = story_pair
    first = mark(english, analyst, "It will benefit both countries in multiple areas.")
    speaker = SourceFactory(project=project, name="Roznama Jang")
    link_source(annotation=first, source=speaker, role=Link.Role.SAID_BY, user=analyst)
    link_source(annotation=first, source=SourceFactory(project=project), role=Link.Role.CITED, user=analyst)
    proposal = propose_counterpart(annotation=first, article=german, user=analyst)

    second = create_counterpart(
        annotation=first,
        article=german,
        user=analyst,
        start=proposal.start,
        end=proposal.end,
        exact=german.text[proposal.start : proposal.end],
    )

    assert second.kind == Annotation.Kind.QUOTE and second.article == german
    assert [(link.role, link.source) for link in second.links.all()] == [(Link.Role.SAID_BY, speaker)]
    assert counterparts_of(first, analyst) == [second]
    assert counterparts_of(second, analyst) == [first]


def test_an_adjusted_extent_is_accepted_as_given(story_pair, analyst):
    english, german = story_pair
    first = mark(english, analyst, "Pakistan is a nuclear capable country", "claim")
    passage = "ein Land mit Atomwaffen"
    start = german.text.index(passage)

    second = create_counterpart(
        annotation=first, article=german, user=analyst, start=start, end=start + len(passage), exact=passage
    )

    assert (second.exact, second.kind) == (passage, "claim")


def test_articles_outside_the_story_have_no_counterparts(story_pair, analyst, project):
    english, german = story_pair
    first = mark(english, analyst, "emerging threat")
    elsewhere = ArticleFactory(project=project, text=german.text + " Anders.")

    with pytest.raises(NoCounterpart):
        propose_counterpart(annotation=first, article=elsewhere, user=analyst)
    with pytest.raises(NoCounterpart):
        propose_counterpart(annotation=first, article=english, user=analyst)
    with pytest.raises(NoCounterpart):
        create_counterpart(annotation=first, article=elsewhere, user=analyst, start=0, end=6, exact=elsewhere.text[:6])


def test_blind_mode_keeps_another_analysts_annotation_from_being_proposed_from(
    story_pair, analyst, other_analyst, project
):
    project.blind = True
    project.save()
    english, german = story_pair
    theirs = mark(english, other_analyst, "emerging threat")

    with pytest.raises(PermissionDenied):
        propose_counterpart(annotation=theirs, article=german, user=analyst)
    with pytest.raises(PermissionDenied):
        create_counterpart(annotation=theirs, article=german, user=analyst, start=0, end=3, exact=german.text[:3])
    # Nor does a pair show the hidden annotation.
    mine = mark(german, analyst, "aufstrebenden Bedrohung")
    Counterpart.objects.create(project=project, annotation=theirs, other=mine)
    assert counterparts_of(mine, analyst) == []


def test_the_database_refuses_a_pair_across_projects(story_pair, analyst, project):
    english, _german = story_pair
    mine = mark(english, analyst, "emerging threat")
    elsewhere = AnnotationFactory(article=ArticleFactory(project=ProjectFactory()))

    with pytest.raises(IntegrityError, match="counterpart_same_project"):
        Counterpart.objects.create(project=project, annotation=mine, other=elsewhere)


def test_a_pair_is_kept_once_whichever_way_round(story_pair, analyst, project):
    english, german = story_pair
    first, second = mark(english, analyst, "emerging threat"), mark(german, analyst, "aufstrebenden Bedrohung")
    Counterpart.objects.create(project=project, annotation=first, other=second)

    with pytest.raises(IntegrityError, match="counterpart_once_per_pair"):
        Counterpart.objects.create(project=project, annotation=second, other=first)
