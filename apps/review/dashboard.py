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

from django.db import connection
from django.db.models import Count, F, Window
from django.db.models.functions import Lead, TruncWeek

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
    rows = annotations.values("kind", "status", "created_by__username", week=TruncWeek("created_at")).annotate(
        count=Count("pk")
    )
    by_kind = {kind: Counter() for kind in KINDS}
    by_analyst: dict[str, Counter] = defaultdict(Counter)
    created: Counter = Counter()
    for row in rows:
        by_kind[row["kind"]][row["status"]] += row["count"]
        by_analyst[row["created_by__username"]][row["status"]] += row["count"]
        created[row["week"].date()] += row["count"]

    events = AnnotationEvent.objects.filter(annotation__article__project=project).order_by()
    work: dict[datetime.date, Counter] = defaultdict(Counter)
    flow = events.filter(action__in=(EventAction.SUBMITTED, *DECISIONS))
    for row in flow.values("action", week=TruncWeek("at")).annotate(count=Count("pk")):
        work[row["week"].date()][row["action"]] += row["count"]

    timing = time_to_decision(flow)
    weeks = consecutive_weeks(created, work)
    return Dashboard(
        by_kind=by_kind,
        by_analyst=dict(sorted(by_analyst.items())),
        weeks=weeks[-MAX_WEEKS:],
        earlier_weeks=max(0, len(weeks) - MAX_WEEKS),
        median_to_decision=timing["median"],
        timed_decisions=timing["timed"],
    )


def time_to_decision(flow) -> dict:
    """The median time from a submission to the decision that follows it, and how many were timed.

    In the history of one annotation, submissions and decisions alternate, so the event right
    after a submission, if it is a decision, is the first decision on it. The ORM would filter
    the submissions before the window looks for the next event, so the outer query is SQL.
    """
    following = {"partition_by": F("annotation_id"), "order_by": [F("at").asc(), F("pk").asc()]}
    paired = flow.values("action", "at").annotate(
        next_action=Window(Lead("action"), **following), next_at=Window(Lead("at"), **following)
    )
    inner, params = paired.query.sql_with_params()
    sql = (
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY next_at - at), count(*) "  # noqa: S608 - our own SQL
        f"FROM ({inner}) AS flow WHERE action = %s AND next_action = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, EventAction.SUBMITTED.value, [decision.value for decision in DECISIONS]))
        median, timed = cursor.fetchone()
    return {"median": median, "timed": timed}


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
