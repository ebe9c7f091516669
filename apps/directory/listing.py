"""What the directory reads: a project's sources with their counts, a source's articles and
annotations, and the likely duplicates among them. Every function is scoped to the user's
projects, and blind mode hides other analysts' annotations (and their count) as everywhere."""

from dataclasses import dataclass

from django.db import connection, models
from django.db.models.functions import Cast, Coalesce

from apps.annotations.models import Annotation, Link
from apps.articles.models import Article
from apps.sources.models import Source, folded

# Close enough to be worth a manager's look: "Lukashenko" and "Lukashenka" (0.6), not "Ivanov"
# and "Ivanova" kept apart by kind or by their other letters.
DUPLICATE_SIMILARITY = 0.55
MAX_DUPLICATES = 200


def linked_annotations(user):
    """The live annotations the user may see (blind mode included)."""
    return Annotation.objects.visible_to(user).live()


def sources_for(user, *, query: str = "", kind: str = "", project: int | None = None):
    """The user's sources, best match first for a query (name and aliases, folded, typos
    tolerated), else by name; each with `annotation_count` (those the user sees) and `article_count`."""
    sources = Source.objects.visible_to(user)
    if project:
        sources = sources.filter(project_id=project)
    if kind:
        sources = sources.filter(kind=kind)
    sources = sources.matching(query) if query.strip() else sources.order_by("name", "pk")
    seen = (
        Link.objects.filter(source=models.OuterRef("pk"), annotation__in=linked_annotations(user))
        .order_by()
        .values("source")
        .annotate(count=models.Count("annotation", distinct=True))
        .values("count")
    )
    published = (
        Article.objects.filter(publisher=models.OuterRef("pk"))
        .order_by()
        .values("publisher")
        .annotate(count=models.Count("pk"))
        .values("count")
    )
    return sources.select_related("project").annotate(
        annotation_count=Coalesce(models.Subquery(seen), 0), article_count=Coalesce(models.Subquery(published), 0)
    )


def ordered(rows, oldest_first: bool, prefix: str = ""):
    date = Coalesce(f"{prefix}published_on", Cast(f"{prefix}imported_at", models.DateField()))
    if oldest_first:
        return rows.order_by(date.asc(nulls_last=True), "pk")
    return rows.order_by(date.desc(nulls_last=True), "-pk")


def published_articles(source: Source, *, oldest_first: bool = False):
    return ordered(Article.objects.filter(project=source.project_id, publisher=source), oldest_first).only(
        "pk", "title", "language", "author", "published_on", "imported_at", "project_id"
    )


def written_articles(source: Source, *, oldest_first: bool = False):
    """The articles whose author is the person, by name or alias, compared folded ("Mil- Man"
    wrote what "Mil-Man" wrote). Only people write articles here."""
    if source.kind != Source.Kind.PERSON:
        return Article.objects.none()
    spellings = [folded(models.Value(spelling)) for spelling in [source.name, *source.aliases] if spelling.strip()]
    articles = Article.objects.filter(project=source.project_id).exclude(author="")
    articles = articles.alias(author_key=folded("author")).filter(author_key__in=spellings)
    return ordered(articles, oldest_first).only(
        "pk", "title", "language", "author", "published_on", "imported_at", "project_id"
    )


def source_links(user, source: Source, *, oldest_first: bool = False, claims_only: bool = False):
    """The source's links to the annotations the user sees, across articles and languages, each
    with its annotation and article: the oldest article first, or the newest."""
    links = Link.objects.filter(source=source, annotation__in=linked_annotations(user))
    if claims_only:
        links = links.filter(role=Link.Role.CLAIMANT, annotation__kind=Annotation.Kind.CLAIM)
    links = links.select_related("annotation__article", "annotation__created_by").only(
        "pk",
        "role",
        "note",
        "annotation__id",
        "annotation__kind",
        "annotation__status",
        "annotation__exact",
        "annotation__prefix",
        "annotation__suffix",
        "annotation__start",
        "annotation__created_by__username",
        "annotation__article__id",
        "annotation__article__title",
        "annotation__article__language",
        "annotation__article__published_on",
        "annotation__article__imported_at",
        "annotation__article__project_id",
    )
    date = Coalesce("annotation__article__published_on", Cast("annotation__article__imported_at", models.DateField()))
    if oldest_first:
        return links.order_by(date.asc(nulls_last=True), "annotation__article_id", "annotation__start", "pk")
    return links.order_by(date.desc(nulls_last=True), "-annotation__article_id", "annotation__start", "pk")


@dataclass
class Duplicate:
    first: Source
    second: Source
    same_name: bool  # the same name folded, or one's name is the other's alias
    similarity: float


def likely_duplicates(project_id: int, *, source_id: int | None = None) -> list[Duplicate]:
    """Pairs of the project's sources that may be one: the same name folded (whatever their kinds,
    or a name that is the other's alias), or very close names of the same kind; the surest first.

    The trigram index of the sources' spellings finds each name's look-alikes, so this does not
    compare every pair.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH pairs AS (
                SELECT DISTINCT ON (LEAST(a.id, b.id), GREATEST(a.id, b.id))
                       LEAST(a.id, b.id) AS first, GREATEST(a.id, b.id) AS second,
                       sourcetrace_fold(a.name) = ANY(
                           ARRAY(SELECT sourcetrace_fold(s) FROM unnest(array_prepend(b.name, b.aliases)) AS s)
                       ) AS same_name,
                       similarity(sourcetrace_fold(a.name), sourcetrace_fold(b.name)) AS score,
                       a.kind = b.kind AS same_kind
                  FROM sources_source a
                  JOIN sources_source b
                    ON b.project_id = a.project_id AND b.id <> a.id
                   AND sourcetrace_fold(a.name) <%% sourcetrace_spellings(b.name, b.aliases)
                 WHERE a.project_id = %s AND sourcetrace_fold(a.name) <> ''
                   AND (%s::bigint IS NULL OR %s IN (a.id, b.id))
                 ORDER BY LEAST(a.id, b.id), GREATEST(a.id, b.id), 3 DESC
            )
            SELECT first, second, same_name, score FROM pairs
             WHERE same_name OR (same_kind AND score >= %s)
             ORDER BY same_name DESC, score DESC, first, second
             LIMIT %s
            """,
            [project_id, source_id, source_id, DUPLICATE_SIMILARITY, MAX_DUPLICATES],
        )
        rows = cursor.fetchall()
    sources = Source.objects.in_bulk({pk for row in rows for pk in row[:2]})
    return [
        Duplicate(sources[first], sources[second], same_name, score)
        for first, second, same_name, score in rows
        if first in sources and second in sources
    ]
