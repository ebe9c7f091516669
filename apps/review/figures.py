"""A project's review figures, kept per article and worked out again only where annotations changed.

The dashboard and the agreement read every annotation of a project and its history: for 100,000
annotations, seconds of work. Both are sums over articles, so each article's share of them is kept
in the database (ArticleFigures), stamped with the oldest transaction still running when its
annotations were read (PostgreSQL's snapshot xmin). Triggers record each transaction that changes
an article's annotations or their history, whoever writes them (annotations.ArticleChange); a
share is stale once a change by its stamp's transaction or a later one is recorded, since every
change the share may not show was made by one of those. A page looks up which of its project's
shares are stale and works those out again and stores them; the web workers share what any of
them worked out.

A counter per article would tell the same, but the writer's update of it holds its row until the
commit, so two transactions changing the same articles in different orders could deadlock there;
the transactions' rows are only ever inserted. Once a share is stored, the article's rows older
than its stamp tell nothing more and go.

Each web worker keeps its sums of the shares per project and page (Sums): when articles change,
their old shares are taken out of the sums and their new ones added, so a page costs the work of
what changed since, plus naming the users by their names of the moment.
"""

import json
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

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
# From this many stale articles on, one web worker works them out while the others wait for it,
# rather than all of them doing it at once (a new database: seconds each).
MANY_STALE = 200
# PostgreSQL's advisory locks take two numbers: this one, and the project's id.
LOCK_CLASS = 2113
# Sums a web worker keeps, one per project and page (about 2 MB for 100,000 annotations).
KEPT_SUMS = 8


def figures_version() -> str:
    return f"{FIGURES_VERSION}:{settings.TIME_ZONE}"


def fresh_articles(project) -> tuple[list[tuple[int, str, int]], dict[int, dict]]:
    """(id, title, stamp) of each article of the project that has or had annotations, by title (as
    the database orders them) and id, once the stale shares are worked out again and kept; and the
    shares so worked out (id -> page -> share)."""
    rows = articles_with_figures(project)
    stale = [pk for pk, _, _, is_stale in rows if is_stale]
    if len(stale) >= MANY_STALE:
        with project_lock(project):
            rows = articles_with_figures(project)  # what another worker did meanwhile is done
            stale = [pk for pk, _, _, is_stale in rows if is_stale]
            stamp, shares = work_out(stale) if stale else (None, {})
    else:
        stamp, shares = work_out(stale) if stale else (None, {})
    return [(pk, title, stamp if is_stale else kept_from) for pk, title, kept_from, is_stale in rows], shares


def articles_with_figures(project) -> list[tuple[int, str, int | None, bool]]:
    """(id, title, stamp of its kept share, whether that is stale) of each latest version of an
    article of the project that has or had annotations, by title and id."""
    articles, figures, changes = (model._meta.db_table for model in (Article, ArticleFigures, ArticleChange))
    sql = f"""
        SELECT a.id, a.title, f.worked_out_from,
               f.article_id IS NULL OR f.version <> %(version)s
               OR EXISTS (SELECT FROM {changes} c WHERE c.article_id = a.id AND c.transaction_id >= f.worked_out_from)
          FROM {articles} a LEFT JOIN {figures} f ON f.article_id = a.id
         WHERE a.project_id = %(project)s
           AND (f.article_id IS NOT NULL OR EXISTS (SELECT FROM {changes} c WHERE c.article_id = a.id))
           -- The latest version of each text only: an earlier one's annotations are carried to it.
           AND NOT EXISTS (SELECT FROM {articles} later WHERE later.replaces_id = a.id)
         ORDER BY a.title, a.id
    """  # noqa: S608 - only our tables' names are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, {"version": figures_version(), "project": project.pk})
        return cursor.fetchall()


@contextmanager
def project_lock(project):
    """Hold the project's figures lock (a session's advisory lock) while working them out."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, project.pk])
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, project.pk])


def work_out(article_ids: list[int]) -> tuple[int, dict[int, dict]]:
    """Work out the articles' shares of every page and keep them; return their stamp, and the
    shares (id -> page -> share)."""
    with connection.cursor() as cursor:
        # Taken before the annotations are read: whatever they do not show, a transaction of
        # this id or later wrote.
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        (stamp,) = cursor.fetchone()
    agreements = agreement.article_shares(article_ids)
    dashboards = dashboard.article_shares(article_ids)
    table, changes = ArticleFigures._meta.db_table, ArticleChange._meta.db_table
    # Not over shares another request worked out later meanwhile.
    keep = f"""
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
    with connection.cursor() as cursor:
        cursor.execute(keep, [stamp, figures_version(), *shares])
        # The shares show every change made before the stamp.
        forget = f"DELETE FROM {changes} WHERE article_id = ANY(%s) AND transaction_id < %s"  # noqa: S608
        cursor.execute(forget, [article_ids, stamp])
    return stamp, {pk: {"agreement": agreements[pk], "dashboard": dashboards[pk]} for pk in article_ids}


def kept_shares(project, page: str, article_ids: list[int] | None = None) -> dict[int, dict]:
    """Article id -> its kept share of `page`'s figures, for the project's articles (or these)."""
    if page not in PAGES:
        raise ValueError(f"No such figures: {page}")
    shares = ArticleFigures.objects.filter(article__project=project)
    if article_ids is not None:
        shares = shares.filter(article_id__in=article_ids)
    return dict(shares.values_list("article_id", page))


def user_names(ids) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=set(ids)).values_list("pk", "username"))


@dataclass
class Sums:
    """A web worker's sums of one page's shares of a project, with the shares summed."""

    total: object  # AgreementSums, DashboardSums, AuthorSums: add(share, sign), figures(shares, names_of)
    articles: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> (title, stamp) summed
    shares: dict[int, dict] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # of the users the figures name
    figures: object = None


_sums: OrderedDict[tuple, Sums] = OrderedDict()


def forget_sums() -> None:
    """Make this process sum the kept shares again (the shares themselves stay kept)."""
    _sums.clear()


def summed(project, page: str, sums: Callable):
    """`sums().figures(shares, names_of)` over the project's articles' fresh shares of `page`
    ((id, title, share) by title), `names_of(ids)` naming the users. Of the worker's sums kept from
    before, only the articles that changed since (their share, or their title) are taken out and
    added again; the same figures while nothing changed and no user it names was renamed.

    A share worked out again may keep its stamp (while an older transaction is still running), so
    every article worked out now counts as changed.
    """
    articles, worked_out = fresh_articles(project)
    now = {pk: (title, stamp) for pk, title, stamp in articles}
    key = (project.pk, page, sums.__qualname__)
    kept = _sums.pop(key, None) or Sums(sums())
    changed = {pk for pk, seen in now.items() if kept.articles.get(pk) != seen} | worked_out.keys()
    gone = kept.articles.keys() - now.keys()
    if changed or gone or kept.figures is None or user_names(kept.names) != kept.names:
        shares = {pk: worked_out[pk][page] for pk in changed if pk in worked_out}
        missing = [pk for pk in changed if pk not in shares]
        if missing:
            shares |= kept_shares(project, page, None if len(missing) == len(now) else missing)
        # Python alone from here: the sums are changed whole or, should that fail, forgotten.
        for pk in changed | gone:
            if (old := kept.shares.pop(pk, None)) is not None:
                kept.total.add(old, -1)
        for pk, share in shares.items():
            kept.total.add(share)
            kept.shares[pk] = share
        kept.articles = {pk: seen for pk, seen in now.items() if pk in kept.shares}
        names = {}

        def names_of(ids):
            names.update(user_names(ids))
            return names

        rows = [(pk, title, kept.shares[pk]) for pk, title, _ in articles if pk in kept.shares]
        kept.figures, kept.names = kept.total.figures(rows, names_of), names
    _sums[key] = kept
    while len(_sums) > KEPT_SUMS:
        _sums.popitem(last=False)
    return kept.figures


class AuthorSums:
    """Live annotations per author summed over articles' dashboard shares."""

    def __init__(self):
        self.counts: dict[int, int] = {}

    def add(self, share: dict, sign: int = 1) -> None:
        numbers = share["counts"]
        for author, count in zip(numbers[2::4], numbers[3::4], strict=True):
            self.counts[author] = self.counts.get(author, 0) + sign * count

    def figures(self, shares, names_of) -> dict[int, int]:
        return {author: count for author, count in self.counts.items() if count}


def kept_agreement(project) -> agreement.ProjectAgreement:
    """project_agreement(project), from the articles' kept shares."""
    return summed(project, "agreement", agreement.AgreementSums)


def kept_dashboard(project) -> dashboard.Dashboard:
    """project_dashboard(project), from the articles' kept shares."""
    return summed(project, "dashboard", dashboard.DashboardSums)


def kept_annotations_by_author(project) -> dict[int, int]:
    """progress.annotations_by_author(project): user id -> live annotations they made in the
    project, from the articles' kept dashboard shares."""
    return summed(project, "dashboard", AuthorSums)
