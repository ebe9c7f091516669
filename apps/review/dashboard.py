"""A project's figures for the dashboard, in three queries whatever its size.

The annotations (by kind, status, analyst and week created) count the live ones, as the lists
do. The weekly work and the time to a decision read the history (AnnotationEvent), so they
keep what happened to annotations deleted since. A decision is an approval, a rejection or a
return to draft (all three are a reviewer's); the time to a decision runs from a submission to
the first decision after it, and a decision on a draft that was never submitted is not timed.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Window
from django.db.models.functions import Lead, TruncWeek
from django.utils import timezone

from apps.annotations.models import Annotation, AnnotationEvent, AnnotationKind, AnnotationStatus, EventAction

KINDS = tuple(AnnotationKind.values)
STATUSES = tuple(AnnotationStatus.values)
DECISIONS = (EventAction.APPROVED, EventAction.REJECTED, EventAction.RETURNED)
# The charts stay readable at a bar a week; older weeks are left to the tables of a longer view.
MAX_WEEKS = 52


@dataclass(frozen=True, slots=True)
class Week:
    start: datetime.date
    created: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0

    @property
    def decided(self) -> int:
        return self.approved + self.rejected + self.returned


@dataclass
class Dashboard:
    by_kind: dict[str, Counter]  # kind -> status -> live annotations
    by_analyst: dict[str, Counter]  # user name -> status -> live annotations
    weeks: list[Week]  # consecutive, the last MAX_WEEKS with any activity
    earlier_weeks: int  # weeks with activity before those shown
    median_to_decision: datetime.timedelta | None
    timed_decisions: int

    @property
    def total(self) -> int:
        return sum(sum(statuses.values()) for statuses in self.by_kind.values())


def project_dashboard(project) -> Dashboard:
    annotations = Annotation.objects.live().filter(article__project=project).order_by()
    # Grouped by the author's id: joining the user names before grouping costs as much again.
    rows = annotations.values("kind", "status", "created_by_id", week=TruncWeek("created_at")).annotate(
        count=Count("pk")
    )
    by_kind = {kind: Counter() for kind in KINDS}
    by_author: dict[int, Counter] = defaultdict(Counter)
    created: Counter = Counter()
    for row in rows:
        by_kind[row["kind"]][row["status"]] += row["count"]
        by_author[row["created_by_id"]][row["status"]] += row["count"]
        created[row["week"].date()] += row["count"]
    names = dict(get_user_model().objects.filter(pk__in=by_author).values_list("pk", "username"))

    work, timing = work_per_week(project)
    weeks = consecutive_weeks(created, work)
    return Dashboard(
        by_kind=by_kind,
        by_analyst=dict(sorted((names[pk], counts) for pk, counts in by_author.items())),
        weeks=weeks[-MAX_WEEKS:],
        earlier_weeks=max(0, len(weeks) - MAX_WEEKS),
        median_to_decision=timing[0],
        timed_decisions=timing[1],
    )


def work_per_week(project) -> tuple[dict[datetime.date, Counter], tuple[datetime.timedelta | None, int]]:
    """Submissions and decisions per week and action, and the median time from a submission to
    the decision that follows it with how many were timed, in one pass over the history.

    In the history of one annotation, submissions and decisions alternate, so the event right
    after a submission, if it is a decision, is the first decision on it. The ORM would filter
    the submissions before the window looks for the next event, so the outer query is SQL.
    """
    flow = AnnotationEvent.objects.filter(
        annotation__article__project=project, action__in=(EventAction.SUBMITTED, *DECISIONS)
    ).order_by()
    following = {"partition_by": F("annotation_id"), "order_by": [F("at").asc(), F("pk").asc()]}
    paired = flow.values("action", "at").annotate(
        next_action=Window(Lead("action"), **following), next_at=Window(Lead("at"), **following)
    )
    inner, params = paired.query.sql_with_params()
    # The history is read and paired once; the weekly counts group it by hashing, and only
    # the timed submissions are sorted for the median (grouping sets sorted all of it).
    sql = f"""
        WITH flow AS MATERIALIZED (
            SELECT at, action, next_at, action = %s AND next_action = ANY(%s) AS timed FROM ({inner}) AS events
        )
        SELECT date_trunc('week', at AT TIME ZONE %s) AS week, action, count(*), NULL, NULL
        FROM flow GROUP BY 1, 2
        UNION ALL
        SELECT NULL, NULL, NULL, percentile_cont(0.5) WITHIN GROUP (ORDER BY next_at - at), count(*)
        FROM flow WHERE timed
    """  # noqa: S608 - only our own SQL is formatted in; values are parameters
    arguments = (
        EventAction.SUBMITTED.value,
        [decision.value for decision in DECISIONS],
        *params,
        timezone.get_current_timezone_name(),
    )
    work: dict[datetime.date, Counter] = defaultdict(Counter)
    timing = (None, 0)
    with transaction.atomic(), connection.cursor() as cursor:
        # The window sorts the project's history; in memory that takes a third of the time on disk.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, arguments)
        for week, action, count, median, timed in cursor.fetchall():
            if week is None:
                timing = (median, timed)
            else:
                work[week.date()][action] += count
    return work, timing


def consecutive_weeks(created: Counter, work: dict[datetime.date, Counter]) -> list[Week]:
    """Every week from the first with activity to the last, quiet ones included (as zeros)."""
    active = created.keys() | work.keys()
    if not active:
        return []
    week, last, weeks = min(active), max(active), []
    while week <= last:
        done = work.get(week, Counter())
        weeks.append(
            Week(
                start=week,
                created=created.get(week, 0),
                submitted=done[EventAction.SUBMITTED],
                approved=done[EventAction.APPROVED],
                rejected=done[EventAction.REJECTED],
                returned=done[EventAction.RETURNED],
            )
        )
        week += datetime.timedelta(weeks=1)
    return weeks


def duration_text(duration: datetime.timedelta | None) -> str:
    """A duration as a reviewer reads it: "2 d 3 h", "4 h 10 min", "45 s"."""
    if duration is None:
        return "—"
    seconds = int(duration.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"
