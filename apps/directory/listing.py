"""What the directory reads: a project's sources with their counts, a source's articles and
annotations, and the likely duplicates among them. Every function is scoped to the user's
projects, and blind mode hides other analysts' annotations (and their count) as everywhere."""

from dataclasses import dataclass

from django.db import connection, models, transaction
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
    """Pairs of the project's sources that may be one: the same name folded (whatever their kinds),
    or one's name folded is the other's alias; then very close names of the same kind. The surest first.

    Neither part compares every pair: equal spellings meet in a hash join, and each name's
    look-alikes come from the trigram index of the sources' spellings (pg_trgm's `%` with the
    threshold set for this transaction).
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [DUPLICATE_SIMILARITY])
        cursor.execute(
            """
            WITH keys AS (
                SELECT s.id, sourcetrace_fold(spelling) AS key, spelling = s.name AS is_name
                  FROM sources_source s, unnest(array_prepend(s.name, s.aliases)) AS spelling
                 WHERE s.project_id = %(project)s
            ), same AS (
                SELECT DISTINCT LEAST(a.id, b.id) AS first, GREATEST(a.id, b.id) AS second
                  FROM keys a JOIN keys b ON b.key = a.key AND b.id <> a.id
                 WHERE a.is_name AND a.key <> ''
                   AND (%(source)s::bigint IS NULL OR %(source)s IN (a.id, b.id))
            ), close AS (
                SELECT LEAST(a.id, b.id) AS first, GREATEST(a.id, b.id) AS second,
                       max(similarity(sourcetrace_fold(a.name), sourcetrace_fold(b.name))) AS score
                  FROM sources_source a
                 CROSS JOIN LATERAL (
                       SELECT b.id, b.name FROM sources_source b
                        WHERE sourcetrace_spellings(b.name, b.aliases) %% sourcetrace_fold(a.name)
                          AND b.project_id = a.project_id AND b.kind = a.kind AND b.id <> a.id
                 ) AS b
                 WHERE a.project_id = %(project)s
                   AND (%(source)s::bigint IS NULL OR a.id = %(source)s)
                 GROUP BY 1, 2
            )
            SELECT first, second, true, 1.0 FROM same
             UNION ALL
            SELECT first, second, false, score FROM close
             WHERE score >= %(threshold)s
               AND NOT EXISTS (SELECT FROM same WHERE same.first = close.first AND same.second = close.second)
             ORDER BY 3 DESC, 4 DESC, 1, 2
             LIMIT %(limit)s
            """,
            {"project": project_id, "source": source_id, "threshold": DUPLICATE_SIMILARITY, "limit": MAX_DUPLICATES},
        )
        rows = cursor.fetchall()
        # Within a caller's transaction the setting would outlive this query.
        cursor.execute("RESET pg_trgm.similarity_threshold")
    sources = Source.objects.in_bulk({pk for row in rows for pk in row[:2]})
    return [
        Duplicate(sources[first], sources[second], same_name, float(score))
        for first, second, same_name, score in rows
        if first in sources and second in sources
    ]
