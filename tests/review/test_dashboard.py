"""The dashboard's figures on known data: annotations and their history at fixed times."""

import datetime

import pytest
from django.urls import reverse

from apps.annotations.models import AnnotationEvent
from apps.review.charts import stacked_bars
from apps.review.dashboard import Week, duration_text, project_dashboard
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory, ProjectFactory
from tests.test_pages import html_problems

UTC = datetime.UTC


def at(day, hour):
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def history(project):
    """Four live annotations and a deleted one over March 2026 (weeks start on Monday 2, 9, 16, 23).

    a1 alice claim, made Mon 2nd:  submitted 2nd 12:00, approved 3rd 12:00        -> 24 h
    a2 alice quote, made Wed 4th:  submitted 4th 09:00, rejected 4th 11:00         ->  2 h
                                   resubmitted 10th 09:00, rejected 10th 15:00     ->  6 h
    a3 bob fact, made Tue 10th:    submitted 10th 10:00, waiting                   -> not timed
    a4 bob claim, made Wed 11th:   submitted 11th 08:00, approved 11th 12:00       ->  4 h, then deleted
    a5 alice claim, made Wed 25th: sent back to draft 25th 12:00, never submitted  -> not timed
    """
    alice, bob = member(project, "analyst", "alice"), member(project, "analyst", "bob")
    reviewer = member(project, "reviewer", "rita")
    article = ArticleFactory(project=project, text="One two three four five six seven eight nine ten.")

    def annotation(user, kind, made, status, start, **extra):
        return AnnotationFactory(
            article=article,
            created_by=user,
            kind=kind,
            status=status,
            created_at=made,
            start=start,
            end=start + 3,
            **extra,
        )

    a1 = annotation(alice, "claim", at(2, 10), "approved", 0)
    a2 = annotation(alice, "quote", at(4, 10), "rejected", 4)
    a3 = annotation(bob, "fact", at(10, 10), "submitted", 8)
    a4 = annotation(bob, "claim", at(11, 8), "approved", 14, deleted_at=at(12, 8))
    a5 = annotation(alice, "claim", at(25, 10), "draft", 19)
    for target, actor, action, when in [
        (a1, alice, "submitted", at(2, 12)),
        (a1, reviewer, "approved", at(3, 12)),
        (a1, alice, "commented", at(3, 13)),  # not part of the flow
        (a2, alice, "submitted", at(4, 9)),
        (a2, reviewer, "rejected", at(4, 11)),
        (a2, alice, "updated", at(9, 9)),
        (a2, alice, "submitted", at(10, 9)),
        (a2, reviewer, "rejected", at(10, 15)),
        (a3, bob, "submitted", at(10, 10)),
        (a4, bob, "submitted", at(11, 8)),
        (a4, reviewer, "approved", at(11, 12)),
        (a4, bob, "deleted", at(12, 8)),
        (a5, reviewer, "returned", at(25, 12)),
    ]:
        AnnotationEvent.objects.create(annotation=target, actor=actor, action=action, at=when)
    # Another project's work counts nowhere here.
    elsewhere = AnnotationFactory(article=ArticleFactory(project=ProjectFactory(name="Elsewhere")), status="approved")
    AnnotationEvent.objects.create(annotation=elsewhere, action="submitted", at=at(2, 1))
    AnnotationEvent.objects.create(annotation=elsewhere, action="approved", at=at(20, 1))
    return reviewer


def test_counts_by_kind_status_and_analyst_leave_out_deleted_annotations(project, history):
    figures = project_dashboard(project)
    # Live: a1 claim approved, a5 claim draft, a2 quote rejected, a3 fact submitted (a4 deleted).
    assert figures.total == 4
    assert {kind: dict(counts) for kind, counts in figures.by_kind.items()} == {
        "claim": {"approved": 1, "draft": 1},
        "quote": {"rejected": 1},
        "fact": {"submitted": 1},
    }
    assert {name: dict(counts) for name, counts in figures.by_analyst.items()} == {
        "alice": {"approved": 1, "rejected": 1, "draft": 1},
        "bob": {"submitted": 1},
    }


def test_weeks_count_what_was_made_submitted_and_decided(project, history):
    # Week of 2nd: made a1, a2; submitted a1, a2; approved a1; rejected a2.
    # Week of 9th: made a3 (a4 is deleted); submitted a2 again, a3, a4; approved a4; rejected a2.
    # Week of 16th: nothing, still a week of the chart. Week of 23rd: made a5; a5 sent back.
    assert project_dashboard(project).weeks == [
        Week(datetime.date(2026, 3, 2), created=2, submitted=2, approved=1, rejected=1),
        Week(datetime.date(2026, 3, 9), created=1, submitted=3, approved=1, rejected=1),
        Week(datetime.date(2026, 3, 16)),
        Week(datetime.date(2026, 3, 23), created=1, returned=1),
    ]
    assert [week.decided for week in project_dashboard(project).weeks] == [2, 2, 0, 1]


def test_median_time_from_submission_to_decision(project, history):
    # Timed: 24 h, 2 h, 6 h, 4 h (a3 waits, a5 was never submitted); sorted 2, 4, 6, 24:
    # the median of an even count is the mean of the middle two, (4 + 6) / 2 = 5 h.
    figures = project_dashboard(project)
    assert figures.median_to_decision == datetime.timedelta(hours=5)
    assert figures.timed_decisions == 4
    assert duration_text(figures.median_to_decision) == "5 h 0 min"


def test_an_empty_project_has_empty_figures(project):
    figures = project_dashboard(project)
    assert (figures.total, figures.weeks, figures.median_to_decision, figures.timed_decisions) == (0, [], None, 0)


def test_the_page_draws_the_figures_as_svg_and_tables(client, project, history):
    client.force_login(history)
    response = client.get(reverse("review:dashboard", args=[project.pk]))
    page = response.content.decode()
    assert html_problems(page) == []
    assert page.count('<svg class="chart"') == 4
    assert 'role="img" aria-labelledby="chart-kinds-title chart-kinds-desc"' in page
    assert "<title>Claim, approved: 1</title>" in page
    assert "<title>Week of 2026-03-09, submitted: 3</title>" in page
    assert "<strong>5 h 0 min</strong>" in page
    assert "style=" not in page.split('<div id="content-main">')[1]  # the CSP refuses inline styles
    table = page.split("Annotations made, submitted and decided per week")[1].split("</table>")[0]
    assert '<th scope="row">2026-03-09</th><td>1</td><td>3</td><td>1</td><td>1</td><td>0</td><td>2</td>' in table
    assert "2026-03-16" not in table  # a quiet week: a zero bar in the charts, no row in the table
    assert table.index("2026-03-23") < table.index("2026-03-02")  # the latest first


def test_stacked_bars_share_one_scale():
    # The longest bar, 4, spans the 450 units of the plot: 112.5 a unit.
    chart = stacked_bars(
        id="c",
        title="t",
        description="d",
        rows={"a": {"x": 1, "y": 3}, "b": {"x": 2}},
        segments={"x": "#111", "y": "#222"},
    )
    assert [(bar.x, bar.width, bar.label) for bar in chart.bars] == [
        ("130", "112.5", "a, x: 1"),
        ("242.5", "337.5", "a, y: 3"),
        ("130", "225", "b, x: 2"),
    ]
