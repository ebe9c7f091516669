"""A project's figures for the dashboard, in three queries whatever its size.

The annotations (by kind, status, analyst and week created) count the live ones, as the lists
do. The weekly work and the time to a decision read the history (AnnotationEvent), so they
keep what happened to annotations deleted since. A decision is an approval, a rejection or a
return to draft (all three are a reviewer's); the time to a decision runs from a submission to
the first decision after it, and a decision on a draft that was never submitted is not timed.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
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


# Kept per article (see figures.py): each article's share of the dashboard, by user id, in flat lists
# of numbers (a page reads thousands of them): kinds, statuses and actions by their index, weeks by
# the ordinal of their Monday.
FLOW = (EventAction.SUBMITTED, *DECISIONS)


def article_shares(article_ids: Iterable[int]) -> dict[int, dict]:
    """Article id -> its share of the dashboard, in two queries: its live annotations counted by
    kind, status and author (kind, status, author, count; ...), and by week made (week, count; ...);
    its history's submissions and decisions by week and action (week, action, count; ...); and how
    long each timed decision took (microseconds), paired as work_per_week pairs them.

    In SQL, weeks and all: read through the ORM, a project's 100,000 annotations spent most of
    their time making each row's week an aware datetime.
    """
    article_ids = list(article_ids)
    shares = {pk: {"counts": [], "made": [], "work": [], "timed": []} for pk in article_ids}
    annotations, events = Annotation._meta.db_table, AnnotationEvent._meta.db_table
    # The Monday of the week, as the ordinal of Python's dates (0001-01-01 is 1).
    week = "date_trunc('week', {} AT TIME ZONE %(zone)s)::date - DATE '0001-01-01' + 1"
    counts = f"""
        SELECT article_id, kind, status, created_by_id, {week.format("created_at")} AS week, count(*)
          FROM {annotations}
         WHERE article_id = ANY(%(articles)s) AND deleted_at IS NULL
         GROUP BY GROUPING SETS ((article_id, kind, status, created_by_id), (article_id, week))
    """  # noqa: S608 - only our own SQL is formatted in; values are parameters
    # In the history of one annotation, submissions and decisions alternate, so the event right
    # after a submission, if it is a decision, is the first decision on it.
    work = f"""
        WITH flow AS MATERIALIZED (
            SELECT a.article_id, e.at, e.action,
                   lead(e.at) OVER following AS next_at, lead(e.action) OVER following AS next_action
              FROM {events} e JOIN {annotations} a ON a.id = e.annotation_id
             WHERE a.article_id = ANY(%(articles)s) AND e.action = ANY(%(flow)s)
            WINDOW following AS (PARTITION BY e.annotation_id ORDER BY e.at, e.id)
        )
        SELECT article_id, {week.format("at")}, action, count(*), NULL FROM flow GROUP BY 1, 2, 3
        UNION ALL
        SELECT article_id, NULL, NULL, NULL, array_agg((extract(epoch FROM next_at - at) * 1000000)::bigint)
          FROM flow
         WHERE action = %(submitted)s AND next_action = ANY(%(decisions)s)
         GROUP BY 1
    """  # noqa: S608 - only our own SQL is formatted in; values are parameters
    arguments = {
        "articles": article_ids,
        "zone": timezone.get_current_timezone_name(),
        "flow": [EventAction.SUBMITTED.value, *(decision.value for decision in DECISIONS)],
        "submitted": EventAction.SUBMITTED.value,
        "decisions": [decision.value for decision in DECISIONS],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(counts, arguments)
        for article_id, kind, status, author, made, count in cursor.fetchall():
            if made is None:
                shares[article_id]["counts"] += [KINDS.index(kind), STATUSES.index(status), author, count]
            else:
                shares[article_id]["made"] += [made, count]
        # The window sorts the articles' history; in memory that takes a third of the time on disk.
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(work, arguments)
        for article_id, made, action, count, timed in cursor.fetchall():
            if made is None:
                shares[article_id]["timed"] = timed
            else:
                shares[article_id]["work"] += [made, FLOW.index(action), count]
    return shares


class DashboardSums:
    """The dashboard's counts summed over articles' shares, in lists indexed by kind, status and
    action: a share is added, and taken out again (`sign` -1) when its article changes."""

    def __init__(self):
        self.width = len(STATUSES)
        self.by_kind = [0] * (len(KINDS) * self.width)
        self.by_author: dict[int, list[int]] = {}
        self.made: Counter = Counter()  # week -> annotations made
        self.work: dict[int, list[int]] = {}  # week -> count per action of FLOW
        self.timed: Counter = Counter()  # microseconds -> decisions that took them

    def add(self, share: dict, sign: int = 1) -> None:
        width, counts = self.width, share["counts"]
        for kind, status, author, count in zip(counts[::4], counts[1::4], counts[2::4], counts[3::4], strict=True):
            self.by_kind[kind * width + status] += sign * count
            statuses = self.by_author.get(author)
            if statuses is None:
                statuses = self.by_author[author] = [0] * width
            statuses[status] += sign * count
        weeks = share["made"]
        for week, count in zip(weeks[::2], weeks[1::2], strict=True):
            self.made[week] += sign * count
        done = share["work"]
        for week, action, count in zip(done[::3], done[1::3], done[2::3], strict=True):
            actions = self.work.get(week)
            if actions is None:
                actions = self.work[week] = [0] * len(FLOW)
            actions[action] += sign * count
        for duration in share["timed"]:
            self.timed[duration] += sign

    def figures(self, shares, names_of: Callable[[set[int]], Mapping[int, str]]) -> Dashboard:
        """The project's dashboard, naming the authors through `names_of(ids)`: the same figures as
        project_dashboard. (`shares`, the articles' as figures of other pages take them, are summed
        already.)"""
        width = self.width

        def counter(numbers, labels) -> Counter:
            return +Counter(dict(zip(labels, numbers, strict=True)))

        authors = {author: counts for author, counts in self.by_author.items() if any(counts)}
        names = names_of(set(authors))
        weeks = consecutive_weeks(
            Counter({datetime.date.fromordinal(week): count for week, count in self.made.items() if count}),
            {datetime.date.fromordinal(week): counter(actions, FLOW) for week, actions in self.work.items()},
        )
        timed = sorted((duration, count) for duration, count in self.timed.items() if count)
        decisions = sum(count for _, count in timed)
        return Dashboard(
            by_kind={
                kind: counter(self.by_kind[n * width : (n + 1) * width], STATUSES) for n, kind in enumerate(KINDS)
            },
            by_analyst=dict(sorted((names[pk], counter(counts, STATUSES)) for pk, counts in authors.items())),
            weeks=weeks[-MAX_WEEKS:],
            earlier_weeks=max(0, len(weeks) - MAX_WEEKS),
            median_to_decision=median_duration(timed, decisions),
            timed_decisions=decisions,
        )


def median_duration(timed: list[tuple[int, int]], total: int) -> datetime.timedelta | None:
    """As percentile_cont(0.5): the middle one of the durations (microseconds, with how many took
    each, in order), or halfway between the middle two."""
    if not total:
        return None
    wanted, middle, seen = {(total - 1) // 2, total // 2}, [], 0
    for duration, count in timed:
        middle += [duration] * sum(seen <= n < seen + count for n in wanted)
        seen += count
        if len(middle) == len(wanted):
            break
    return datetime.timedelta(microseconds=statistics.median(middle))


def dashboard_of_shares(shares: Iterable[dict], names_of: Callable[[set[int]], Mapping[int, str]]) -> Dashboard:
    """The project's dashboard from its articles' shares at once (see DashboardSums.figures)."""
    sums = DashboardSums()
    for share in shares:
        sums.add(share)
    return sums.figures((), names_of)
