"""Which articles of a project probably tell the same story: found once, after an import."""

from functools import cache
from typing import NamedTuple

from django.db import connection

from apps.articles.models import Article, StoryMatch
from apps.articles.similarity import resemblance

# How many of the project's most recent overlapping articles each new one is compared with.
MATCH_CANDIDATES = 200


class Profile(NamedTuple):
    """What resemblance compares of an article; the signals as a set, built once per article."""

    language: str
    signals: frozenset[str]
    length: int


@cache
def candidates_sql() -> str:
    """A project's most recent articles sharing a signal with one article. Written once rather
    than compiled as a queryset per article, which cost more than running it."""
    meta, quote = Article._meta, connection.ops.quote_name

    def column(field: str) -> str:
        return quote(meta.get_field(field).column)

    return (
        f"SELECT {column('id')} FROM {quote(meta.db_table)}"
        f" WHERE {column('project')} = %s AND {column('fingerprint')} && %s::varchar[] AND {column('id')} <> %s"
        f" ORDER BY {column('imported_at')} DESC LIMIT %s"
    )


def match_stories(*, article_ids: list[int]) -> int:
    """Find, once, the articles of the same project that probably tell the same story as each of
    these, and keep each pair in both directions; return how many articles matched others.

    Run after an import (in the background) rather than on every view of an article page.
    The same recent articles are candidates of most articles of a batch, so each candidate is
    read, and its signals made a set, once per batch.
    """
    profiles, compared = {}, []
    batch = Article.objects.filter(pk__in=article_ids).values_list(
        "pk", "project_id", "language", "fingerprint", "text_length"
    )
    with connection.cursor() as cursor:
        for pk, project_id, language, signals, length in batch:
            profiles[pk] = Profile(language, frozenset(signals), length)
            # Planned with this article's own signals, the query walks the project's newest
            # articles when its signals are common and uses the signal index when they are rare;
            # one query for the whole batch is planned blind and reads every overlapping article.
            cursor.execute(candidates_sql(), [project_id, signals, pk, MATCH_CANDIDATES])
            compared.append((pk, [other for (other,) in cursor.fetchall()]))
    unread = {other for _, others in compared for other in others} - profiles.keys()
    for pk, language, signals, length in Article.objects.filter(pk__in=unread).values_list(
        "pk", "language", "fingerprint", "text_length"
    ):
        profiles[pk] = Profile(language, frozenset(signals), length)
    matches: dict[tuple[int, int], StoryMatch] = {}
    for article, others in compared:
        one = profiles[article]
        for other in others:
            two = profiles.get(other)
            if two is None:
                continue  # deleted since it was found
            found = resemblance(one.signals, one.language, one.length, two.signals, two.language, two.length)
            if found:
                signals = sorted(found.signals)
                for first, second in ((article, other), (other, article)):
                    matches[first, second] = StoryMatch(
                        article_id=first, other_id=second, kind=found.kind, score=found.score, signals=signals
                    )
    StoryMatch.objects.bulk_create(matches.values(), ignore_conflicts=True)
    return len({article_id for article_id, _ in matches})
