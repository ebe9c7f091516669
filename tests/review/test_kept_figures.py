"""The agreement and the dashboard are kept per article and worked out again only where annotations
changed: whatever changed, however, by whom and when it was committed, the pages show what the
figures worked out from scratch show.

These tests commit as web requests do (transactional_db): within one transaction every change is
newer than any figures worked out in it, and nothing would stay kept.
"""

import datetime
import random

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.annotations.models import Annotation, AnnotationEvent
from apps.annotations.services import (
    Decision,
    ImportedSpan,
    add_comment,
    create_annotation,
    delete_annotation,
    import_spans,
    link_source,
    restore_annotation,
    review_annotation,
    submit_annotation,
    update_annotation,
)
from apps.projects.models import Membership
from apps.review import figures
from apps.review.agreement import AgreementSums, project_agreement
from apps.review.dashboard import median_duration, project_dashboard
from apps.review.figures import forget_sums, kept_agreement, kept_annotations_by_author, kept_dashboard
from apps.review.progress import annotations_by_author
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, SourceFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = (
    "The minister said the agreement was signed on Monday. Critics doubt the figures, "
    "and the opposition called it a mistake. The report, published in May, disagrees."
)


@pytest.fixture
def team(project):
    return {
        "analysts": [member(project, Membership.Role.ANALYST, name) for name in ("ana", "ben", "cem")],
        "reviewer": member(project, Membership.Role.REVIEWER, "rita"),
    }


def span(rng):
    start = rng.randrange(0, len(TEXT) - 20)
    return start, start + rng.randrange(3, 20)


def mark(article, user, rng, kind=None):
    start, end = span(rng)
    kind = kind or rng.choice(Annotation.Kind.values)
    return create_annotation(article=article, user=user, kind=kind, start=start, end=end, exact=TEXT[start:end])


def assert_kept_as_worked_out(project):
    """The kept figures are those worked out from scratch, summed by this worker and by a new one."""
    for _ in range(2):
        assert kept_agreement(project) == project_agreement(project)
        assert kept_dashboard(project) == project_dashboard(project)
        assert kept_annotations_by_author(project) == annotations_by_author(project)
        forget_sums()  # another web worker, with nothing summed yet


def test_kept_figures_follow_every_kind_of_change(project, team):
    rng = random.Random(21)
    analysts, reviewer = team["analysts"], team["reviewer"]
    articles = [ArticleFactory(project=project, text=f"{TEXT} No. {n}.") for n in range(4)]
    made = [mark(article, user, rng) for article in articles for user in analysts for _ in range(3)]
    assert_kept_as_worked_out(project)

    moved = made[0]
    start, end = span(rng)
    update_annotation(annotation=moved, user=moved.created_by, base_version=moved.version, start=start, end=end)
    assert_kept_as_worked_out(project)
    for annotation in made[1:9]:
        submit_annotation(annotation=annotation, user=annotation.created_by)
    assert_kept_as_worked_out(project)
    review_annotation(annotation=made[1], user=reviewer, decision=Decision.APPROVE)
    review_annotation(annotation=made[2], user=reviewer, decision=Decision.REJECT, reason="Not in the text.")
    review_annotation(annotation=made[3], user=reviewer, decision=Decision.DRAFT)
    assert_kept_as_worked_out(project)
    delete_annotation(annotation=made[4], user=made[4].created_by)
    assert_kept_as_worked_out(project)
    restore_annotation(annotation=made[4], user=made[4].created_by)
    add_comment(annotation=made[5], user=reviewer, body="Which report?")
    link_source(annotation=made[6], source=SourceFactory(project=project), role="cited", user=made[6].created_by)
    assert_kept_as_worked_out(project)
    # A new article, a new analyst, and an analyst who is renamed.
    newcomer = member(project, Membership.Role.ANALYST, "dia")
    mark(ArticleFactory(project=project, text=f"{TEXT} No. 9."), newcomer, rng)
    mark(articles[3], newcomer, rng)
    assert_kept_as_worked_out(project)
    analysts[0].username = "zoe"  # now last by name: the reference of her pairs changes
    analysts[0].save()
    assert_kept_as_worked_out(project)
    articles[1].delete()
    assert_kept_as_worked_out(project)


def test_changes_made_outside_the_services_count_too(project, team):
    """Triggers, not the services, record what changed: a bulk update, an import's spans, history
    written directly."""
    rng = random.Random(5)
    article = ArticleFactory(project=project, text=TEXT)
    for user in team["analysts"][:2]:
        mark(article, user, rng)
    assert_kept_as_worked_out(project)
    Annotation.objects.filter(article=article).update(status="submitted")
    assert_kept_as_worked_out(project)
    imported = ArticleFactory(project=project, text=f"{TEXT} Imported.")
    import_spans(spans=[ImportedSpan(imported, "quote", 4, 12, "")], user=team["analysts"][2])
    assert_kept_as_worked_out(project)
    annotation = article.annotations.first()
    AnnotationEvent.objects.create(annotation=annotation, actor=team["reviewer"], action="approved")
    assert_kept_as_worked_out(project)


def test_only_the_changed_articles_are_worked_out_again(project, team, monkeypatch):
    rng = random.Random(8)
    articles = [ArticleFactory(project=project, text=f"{TEXT} No. {n}.") for n in range(5)]
    for article in articles:
        for user in team["analysts"]:
            mark(article, user, rng)
    worked_out = []
    work_out = figures.work_out
    monkeypatch.setattr(figures, "work_out", lambda ids: worked_out.append(sorted(ids)) or work_out(ids))
    kept_agreement(project)
    assert worked_out == [sorted(article.pk for article in articles)]
    kept_dashboard(project)
    assert len(worked_out) == 1  # the dashboard's shares were worked out with the agreement's
    # The worker's sums take out the changed articles' old shares and add their new ones only.
    added = []
    add = AgreementSums.add
    monkeypatch.setattr(AgreementSums, "add", lambda sums, share, sign=1: added.append(sign) or add(sums, share, sign))
    mark(articles[2], team["analysts"][0], rng)
    AnnotationEvent.objects.create(annotation=articles[4].annotations.first(), action="commented")
    kept_dashboard(project)
    kept_agreement(project)
    assert worked_out[1:] == [sorted([articles[2].pk, articles[4].pk])]
    assert sorted(added) == [-1, -1, 1, 1]
    assert_kept_as_worked_out(project)


@pytest.mark.parametrize(
    ("timed", "median"),
    [
        ([(5, 1)], 5),
        ([(1, 1), (3, 1)], 2),  # halfway between the middle two
        ([(1, 1), (2, 2), (10, 1)], 2),
        ([(1, 2), (4, 1)], 1),
        ([(1, 1), (4, 3)], 4),
        ([(1, 1), (2, 1), (3, 1), (8, 1)], 2.5),
    ],
)
def test_the_median_of_counted_durations_is_percentile_conts(timed, median):
    total = sum(count for _, count in timed)
    assert median_duration(timed, total) == datetime.timedelta(microseconds=median)
    assert median_duration([], 0) is None


def test_a_change_committed_after_the_figures_were_read_is_shown_once_committed(client, project, team):
    """A writer that began before the page read the figures, but committed after it (and after a
    later writer of the same article), is not missed: the figures it may be missing from are those
    read while it was still running."""
    analyst, other = team["analysts"][:2]
    article = ArticleFactory(project=project, text=TEXT)
    create_annotation(article=article, user=analyst, kind="claim", start=4, end=12, exact=TEXT[4:12])
    client.force_login(team["reviewer"])
    dashboard = reverse("review:dashboard", args=[project.pk])
    assert "1 live annotation" in client.get(dashboard).content.decode()
    with psycopg.connect(**connection.get_connection_params()) as slow_writer:
        slow_writer.execute(
            'INSERT INTO annotations_annotation (article_id, kind, start, "end", exact, prefix, suffix, note, '
            "status, tags, created_by_id, created_at, updated_at, version) "
            "VALUES (%s, 'quote', 13, 21, %s, '', '', '', 'draft', '{}', %s, now(), now(), 1)",
            [article.pk, TEXT[13:21], other.pk],
        )
        # A later writer of the same article commits first; the page reads it.
        create_annotation(article=article, user=other, kind="claim", start=4, end=12, exact=TEXT[4:12])
        assert "2 live annotations" in client.get(dashboard).content.decode()
        slow_writer.commit()
    assert "3 live annotations" in client.get(dashboard).content.decode()
    assert kept_dashboard(project) == project_dashboard(project)


def test_the_figures_pages_cost_the_same_queries_at_1x_and_10x(client, project, team):
    rng = random.Random(3)
    client.force_login(team["reviewer"])
    pages = [reverse(f"review:{page}", args=[project.pk]) for page in ("agreement", "dashboard", "progress")]

    def add_articles(count):
        for _ in range(count):
            article = ArticleFactory(project=project, text=f"{TEXT} {rng.random()}")
            for user in team["analysts"]:
                AnnotationFactory(article=article, created_by=user, start=4, end=rng.randrange(10, 30))

    def costs() -> list[int]:
        """Each page's queries with new articles to work out, then with nothing changed."""
        counted = []
        for _ in range(2):
            for url in pages:
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                counted.append(len(captured))
        return counted

    add_articles(3)
    small = costs()
    add_articles(27)
    assert costs() == small
