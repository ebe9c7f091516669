"""A project's review figures, kept per article and worked out again only where annotations changed.

The dashboard and the agreement read every annotation of a project and its history: for 100,000
annotations, seconds of work. Both are sums over articles, so each article's share of them is kept
in the database (ArticleFigures), stamped with the oldest transaction still running when its
annotations were read (PostgreSQL's snapshot xmin). Triggers record each transaction that changes
an article's annotations or their history, whoever writes them (annotations.ArticleChange); a
share is stale once a change by its stamp's transaction or a later one is recorded, since every
change the share may not show was made by one of those. A page looks up which of its project's
shares are stale, works those out again and stores them, then sums the shares and names the users
they count by today's names. A change costs the work of its own article, and the web workers
share what any of them worked out.

A counter per article would tell the same, but the writer's update of it holds its row until the
commit, so two transactions changing the same articles in different orders could deadlock there;
the transactions' rows are only ever inserted. Once a share is stored, the article's rows older
than its stamp tell nothing more and go.

Each web worker also keeps the last sums it made per project and page, with the articles' titles
and stamps they were made from: while those and the users' names are the same, so are the sums.
"""

import json
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from apps.annotations.models import ArticleChange
from apps.articles.models import Article
from apps.review import agreement, dashboard
from apps.review.models import ArticleFigures

# A share worked out by other code, or for weeks in another time zone, is worked out again.
FIGURES_VERSION = "3"
PAGES = ("agreement", "dashboard")
# Sums a web worker keeps: one per project and page (a few hundred kilobytes for 100,000 annotations).
KEPT_SUMS = 16


def figures_version() -> str:
    return f"{FIGURES_VERSION}:{settings.TIME_ZONE}"


def fresh_articles(project) -> tuple[list[tuple[int, str, int]], bool]:
    """(id, title, stamp) of each article of the project that has or had annotations, by title (as
    the database orders them) and id, once the stale shares are worked out again and kept; and
    whether any was."""
    articles, figures, changes = (model._meta.db_table for model in (Article, ArticleFigures, ArticleChange))
    sql = f"""
        SELECT a.id, a.title, f.worked_out_from,
               f.article_id IS NULL OR f.version <> %(version)s
               OR EXISTS (SELECT FROM {changes} c WHERE c.article_id = a.id AND c.transaction_id >= f.worked_out_from)
          FROM {articles} a LEFT JOIN {figures} f ON f.article_id = a.id
         WHERE a.project_id = %(project)s
           AND (f.article_id IS NOT NULL OR EXISTS (SELECT FROM {changes} c WHERE c.article_id = a.id))
         ORDER BY a.title, a.id
    """  # noqa: S608 - only our tables' names are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, {"version": figures_version(), "project": project.pk})
        rows = cursor.fetchall()
    stale = [pk for pk, _, _, is_stale in rows if is_stale]
    stamp = work_out(stale) if stale else None
    return [(pk, title, stamp if is_stale else kept_from) for pk, title, kept_from, is_stale in rows], bool(stale)


def work_out(article_ids: list[int]) -> int:
    """Work out the articles' shares of every page and keep them; return their stamp."""
    with connection.cursor() as cursor:
        # Taken before the annotations are read: whatever they do not show, a transaction of
        # this id or later wrote.
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        (stamp,) = cursor.fetchone()
    agreements = agreement.article_shares(article_ids)
    dashboards = dashboard.article_shares(article_ids)
    table = ArticleFigures._meta.db_table
    # Not over shares another request worked out later meanwhile.
    sql = f"""
        INSERT INTO {table} (article_id, worked_out_from, version, agreement, dashboard)
        SELECT article, %s, %s, agreement::jsonb, dashboard::jsonb
          FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS shares (article, agreement, dashboard)
        ON CONFLICT (article_id) DO UPDATE
           SET worked_out_from = EXCLUDED.worked_out_from, version = EXCLUDED.version,
               agreement = EXCLUDED.agreement, dashboard = EXCLUDED.dashboard
         WHERE {table}.worked_out_from <= EXCLUDED.worked_out_from
    """  # noqa: S608 - only our table's name is formatted in
    shares = [
        article_ids,
        [json.dumps(agreements[pk]) for pk in article_ids],
        [json.dumps(dashboards[pk]) for pk in article_ids],
    ]
    changes = ArticleChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, figures_version(), *shares])
        # The shares show every change made before the stamp.
        forget = f"DELETE FROM {changes} WHERE article_id = ANY(%s) AND transaction_id < %s"  # noqa: S608
        cursor.execute(forget, [article_ids, stamp])
    return stamp


def kept_shares(project, page: str) -> dict[int, dict]:
    """Article id -> its kept share of `page`'s figures, for the project's articles."""
    if page not in PAGES:
        raise ValueError(f"No such figures: {page}")
    return dict(ArticleFigures.objects.filter(article__project=project).values_list("article_id", page))


def user_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=set(ids)).values_list("pk", "username"))


@dataclass
class Sums:
    articles: list[tuple[int, str, int]]  # the (id, title, stamp) of the articles summed
    names: dict[int, str]  # of the users the figures name
    figures: object


_sums: OrderedDict[tuple, Sums] = OrderedDict()


def forget_sums() -> None:
    """Make this process sum the kept shares again (the shares themselves stay kept)."""
    _sums.clear()


def summed(project, page: str, add_up: Callable):
    """`add_up(rows, names_of)` over the project's articles' fresh shares of `page` ((id, title,
    share) by title), `names_of(ids)` giving the users' names; made again only when an article's
    share or title, or the name of a user it named, changed since.

    A share worked out again may keep its stamp (while an older transaction is still running), so
    the sums are made again whenever one was.
    """
    articles, worked_out = fresh_articles(project)
    key = (project.pk, page, add_up.__qualname__)
    kept = _sums.get(key)
    if kept and not worked_out and kept.articles == articles and user_names(kept.names) == kept.names:
        _sums.move_to_end(key)
        return kept.figures
    shares = kept_shares(project, page)
    rows = [(pk, title, shares[pk]) for pk, title, _ in articles if pk in shares]
    names = {}

    def names_of(ids):
        names.update(user_names(ids))
        return names

    figures = add_up(rows, names_of)
    _sums[key] = Sums(articles, names, figures)
    while len(_sums) > KEPT_SUMS:
        _sums.popitem(last=False)
    return figures


def kept_agreement(project) -> agreement.ProjectAgreement:
    """project_agreement(project), from the articles' kept shares."""
    return summed(project, "agreement", agreement.agreement_of_shares)


def dashboard_of_rows(rows, names_of) -> dashboard.Dashboard:
    return dashboard.dashboard_of_shares((share for _, _, share in rows), names_of)


def kept_dashboard(project) -> dashboard.Dashboard:
    """project_dashboard(project), from the articles' kept shares."""
    return summed(project, "dashboard", dashboard_of_rows)


def annotations_by_author(rows, names_of) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for _, _, share in rows:
        numbers = share["counts"]
        for author, count in zip(numbers[2::4], numbers[3::4], strict=True):
            counts[author] += count
    return dict(counts)


def kept_annotations_by_author(project) -> dict[int, int]:
    """progress.annotations_by_author(project): user id -> live annotations they made in the
    project, from the articles' kept dashboard shares."""
    return summed(project, "dashboard", annotations_by_author)
