"""Which articles of a project probably tell the same story: found once, after an import."""

from collections import Counter, defaultdict
from functools import cache
from itertools import chain
from typing import NamedTuple

from django.db import connection

from apps.articles.models import Article, StoryMatch
from apps.articles.similarity import resemblance, story_kind

# How many of the project's most recent overlapping articles each new one is compared with.
MATCH_CANDIDATES = 200
# How many of a project's newest articles are read once per batch and checked for shared signals.
NEWEST_READ = 2 * MATCH_CANDIDATES


class Profile(NamedTuple):
    """What resemblance compares of an article; the signals as a set, built once per article."""

    language: str
    signals: frozenset[str]
    length: int


@cache
def newest_sql() -> str:
    """A project's newest articles, newest first, with what resemblance compares."""
    table, project, id_, imported_at, language, fingerprint, length = columns()
    return (
        f"SELECT {id_}, {imported_at}, {language}, {fingerprint}, {length} FROM {table}"
        f" WHERE {project} = %s ORDER BY {imported_at} DESC, {id_} DESC LIMIT %s"
    )


@cache
def older_candidates_sql() -> str:
    """A project's articles older than a given one that share a signal with an article, newest
    first. Written once rather than compiled as a queryset per article, which cost more than
    running it. The plain bound on imported_at lets the index start below the articles read."""
    table, project, id_, imported_at, _, fingerprint, _ = columns()
    return (
        f"SELECT {id_} FROM {table}"
        f" WHERE {project} = %s AND {fingerprint} && %s::varchar[] AND {id_} <> %s"
        f" AND {imported_at} <= %s AND ({imported_at}, {id_}) < (%s, %s)"
        f" ORDER BY {imported_at} DESC, {id_} DESC LIMIT %s"
    )


def columns() -> tuple[str, ...]:
    meta, quote = Article._meta, connection.ops.quote_name
    names = ("project", "id", "imported_at", "language", "fingerprint", "text_length")
    return (quote(meta.db_table), *(quote(meta.get_field(name).column) for name in names))


class Window:
    """A project's newest articles, read once per batch, with the positions (newest first) of
    those that write each signal: counting an article's signals in it gives, at once, which of
    them share a signal with it and how many."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        self.writers: dict[str, list[int]] = defaultdict(list)
        for position, (_, _, _, signals, _) in enumerate(rows):
            for signal in signals:
                self.writers[signal].append(position)

    @property
    def full(self) -> bool:
        return len(self.rows) == NEWEST_READ

    def sharing(self, pk: int, signals) -> list[tuple[int, int]]:
        """(article, signals shared) of up to MATCH_CANDIDATES newest articles that share a signal
        with article `pk`, newest first."""
        writers = self.writers
        counts = Counter(chain.from_iterable(writers[signal] for signal in signals if signal in writers))
        found = [(self.rows[position][0], counts[position]) for position in sorted(counts)]
        return [(other, shared) for other, shared in found if other != pk][:MATCH_CANDIDATES]


def match_stories(*, article_ids: list[int]) -> int:
    """Find, once, the articles of the same project that probably tell the same story as each of
    these, and keep each pair in both directions; return how many articles matched others.

    Run after an import (in the background) rather than on every view of an article page.
    Each article is compared with the project's MATCH_CANDIDATES newest articles that share a
    signal with it. Those are nearly always among the newest few hundred, which are read once
    per project and batch (a Window): PostgreSQL compared the signal arrays at about 15 µs a
    row, 3 ms per article, and intersecting the sets here 0.6 ms. Only an article that shares
    too few signals with them looks further back, in a query of its own, planned with its own
    signals (the signal index finds rare ones).
    """
    profiles, compared, windows = {}, [], {}
    batch = Article.objects.filter(pk__in=article_ids).values_list(
        "pk", "project_id", "language", "fingerprint", "text_length"
    )
    with connection.cursor() as cursor:
        for pk, project_id, language, signals, length in batch:
            profiles[pk] = Profile(language, frozenset(signals), length)
            if project_id not in windows:
                cursor.execute(newest_sql(), [project_id, NEWEST_READ])
                windows[project_id] = Window(cursor.fetchall())
                for other, _, other_language, other_signals, other_length in windows[project_id].rows:
                    profiles.setdefault(other, Profile(other_language, frozenset(other_signals), other_length))
            window = windows[project_id]
            others = window.sharing(pk, signals)
            if signals and len(others) < MATCH_CANDIDATES and window.full:
                oldest, oldest_at, *_ = window.rows[-1]
                left = MATCH_CANDIDATES - len(others)
                cursor.execute(older_candidates_sql(), [project_id, signals, pk, oldest_at, oldest_at, oldest, left])
                others += [(other, None) for (other,) in cursor.fetchall()]
            compared.append((pk, others))
    unread = {other for _, others in compared for other, _ in others} - profiles.keys()
    for pk, language, signals, length in Article.objects.filter(pk__in=unread).values_list(
        "pk", "language", "fingerprint", "text_length"
    ):
        profiles[pk] = Profile(language, frozenset(signals), length)
    matches: dict[tuple[int, int], StoryMatch] = {}
    for article, others in compared:
        one = profiles[article]
        for other, shared in others:
            two = profiles.get(other)
            if two is None:
                continue  # deleted since it was found
            if shared is None:  # an older article, found by its own query
                shared = len(one.signals & two.signals)
            kind = story_kind(
                shared, len(one.signals), one.language, one.length, len(two.signals), two.language, two.length
            )
            if kind:
                found = resemblance(one.signals, one.language, one.length, two.signals, two.language, two.length)
                signals = sorted(found.signals)
                for first, second in ((article, other), (other, article)):
                    matches[first, second] = StoryMatch(
                        article_id=first, other_id=second, kind=found.kind, score=found.score, signals=signals
                    )
    StoryMatch.objects.bulk_create(matches.values(), ignore_conflicts=True)
    return len({article_id for article_id, _ in matches})
