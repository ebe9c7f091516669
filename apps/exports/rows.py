"""Read what an export writes, a chunk at a time: memory stays flat whatever the project's size.

Annotations come from one server-side cursor (`.iterator(chunk_size=...)`) as plain rows, not
model instances (building instances cost more than all the writing). Each chunk then loads
its links with their sources in one query, and its articles (their texts only for the formats
that carry them) in one more. An article's fields never ride along on every annotation row.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import batched

from django.db.models import BooleanField, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from apps.annotations.models import Annotation, AnnotationFilters, Link
from apps.articles.models import Article
from apps.stories.models import Counterpart

CHUNK_SIZE = 2000
# For callers that load model instances (the API): what `AnnotationRow.of` reads of the links.
LINKS = Prefetch("links", queryset=Link.objects.select_related("source", "created_by").order_by("role", "pk"))
SPEAKER_ROLES = {Annotation.Kind.QUOTE: Link.Role.SAID_BY, Annotation.Kind.CLAIM: Link.Role.CLAIMANT}


@dataclass(slots=True)
class ArticleRow:
    pk: int
    title: str
    language: str
    url: str
    author: str
    published_on: date | None
    publisher: str
    text: str | None = None

    FIELDS = ("pk", "title", "language", "url", "author", "published_on", "publisher__name")

    @classmethod
    def of(cls, article: Article, *, with_text: bool = False) -> "ArticleRow":
        """The row of a loaded article; its publisher only if loaded with it (W3C has no use for it)."""
        loaded = article.publisher_id and Article._meta.get_field("publisher").is_cached(article)
        publisher = article.publisher.name if loaded else ""
        text = article.text if with_text else None
        return cls(
            article.pk,
            article.title,
            article.language,
            article.url,
            article.author,
            article.published_on,
            publisher,
            text,
        )


@dataclass(slots=True)
class SourceLink:
    """A link of an annotation, with what the exports show of its source."""

    role: str
    source_id: int
    source_kind: str
    source_name: str
    source_url: str
    created_at: datetime
    created_by: str | None
    created_by_name: str

    FIELDS = (
        "annotation_id",
        "role",
        "source_id",
        "source__kind",
        "source__name",
        "source__url",
        "created_at",
        "created_by__username",
        "created_by__first_name",
        "created_by__last_name",
    )

    @classmethod
    def of(cls, link: Link) -> "SourceLink":
        user = link.created_by
        return cls(
            link.role,
            link.source_id,
            link.source.kind,
            link.source.name,
            link.source.url,
            link.created_at,
            user.get_username() if user else None,
            user.get_full_name() if user else "",
        )


@dataclass(slots=True)
class AnnotationRow:
    pk: int
    article_id: int
    kind: str
    status: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    note: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    reviewed_at: datetime | None
    author: str
    author_name: str
    article: ArticleRow | None = None
    links: list[SourceLink] = field(default_factory=list)
    # Ids of the annotations of other articles of the story that mark the same passage.
    counterparts: list[int] = field(default_factory=list)

    FIELDS = (
        "pk",
        "article_id",
        "kind",
        "status",
        "start",
        "end",
        "exact",
        "prefix",
        "suffix",
        "note",
        "tags",
        "created_at",
        "updated_at",
        "reviewed_at",
        "created_by__username",
    )

    @classmethod
    def of(cls, annotation: Annotation, *, with_text: bool = False) -> "AnnotationRow":
        """The row of an annotation loaded as a model (with article, created_by and links, see LINKS)."""
        user = annotation.created_by
        return cls(
            annotation.pk,
            annotation.article_id,
            annotation.kind,
            annotation.status,
            annotation.start,
            annotation.end,
            annotation.exact,
            annotation.prefix,
            annotation.suffix,
            annotation.note,
            list(annotation.tags),
            annotation.created_at,
            annotation.updated_at,
            annotation.reviewed_at,
            user.get_username(),
            user.get_full_name(),
            ArticleRow.of(annotation.article, with_text=with_text),
            [SourceLink.of(link) for link in annotation.links.all()],
        )

    @property
    def speaker_role(self) -> str | None:
        """The link role that names who a quote or claim is attributed to."""
        return SPEAKER_ROLES.get(self.kind)


@dataclass(frozen=True)
class Selection:
    """What to export: a project, optionally narrowed to one article, one story, one status
    ("" for every one) or one analyst's annotations (their user name), and to the annotation
    list's `filters` (kind, tag, language, source and role, dates, words), as `viewer` sees it
    (blind mode hides other analysts' annotations from an analyst; None is the operator at the
    command line, who sees everything).

    Narrowed by `filters`, the selection's articles are those with a selected annotation: the
    formats that list every article (doccano, Label Studio) then hold what the list showed, not
    the project's other articles without a span."""

    project_id: int
    article_id: int | None = None
    story_id: int | None = None
    status: str = ""
    analyst: str = ""
    filters: AnnotationFilters = AnnotationFilters()
    viewer: object = field(default=None, compare=False)

    def __post_init__(self):
        # The selection's own status and analyst, never the filters', say which of those are exported.
        if self.filters.status or self.filters.author:
            object.__setattr__(self, "filters", self.filters.without("status", "author"))

    def articles(self) -> QuerySet:
        articles = Article.objects.filter(project_id=self.project_id)
        if self.article_id:
            articles = articles.filter(pk=self.article_id)
        else:  # a project's or a story's latest texts; an earlier version is exported from its own page
            articles = articles.latest_versions()
        if self.story_id:
            articles = articles.filter(story_id=self.story_id)
        if self.filters:
            articles = articles.filter(pk__in=self.annotations().order_by().values("article_id"))
        return articles.order_by("pk")

    def annotations(self) -> QuerySet:
        annotations = Annotation.objects.live().filter(article__project_id=self.project_id)
        if self.article_id:
            annotations = annotations.filter(article_id=self.article_id)
        else:
            annotations = annotations.of_latest_versions()
        if self.story_id:
            annotations = annotations.filter(article__story_id=self.story_id)
        if self.status:
            annotations = annotations.filter(status=self.status)
        if self.analyst:
            annotations = annotations.filter(created_by__username=self.analyst)
        if self.filters:
            annotations = annotations.filtered(self.filters)
        if self.viewer is not None:
            annotations = annotations.open_to(self.viewer)
        return annotations

    def count(self) -> int:
        return self.annotations().count()

    def analysts(self) -> list[str]:
        """The user names of those whose annotations the selection holds (its status aside)."""
        annotations = replace(self, status="", analyst="").annotations()
        names = annotations.order_by("created_by__username").values_list("created_by__username", flat=True)
        return list(names.distinct())


def full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def links_of(annotation_ids: list[int]) -> dict[int, list[SourceLink]]:
    links: dict[int, list[SourceLink]] = {}
    # One array parameter rather than IN with thousands: Django prepares each of those one by one.
    of_chunk = RawSQL("annotation_id = ANY(%s)", (annotation_ids,), output_field=BooleanField())
    rows = Link.objects.filter(of_chunk).order_by("annotation_id", "role", "pk")
    for annotation_id, *values, first, last in rows.values_list(*SourceLink.FIELDS).iterator(chunk_size=CHUNK_SIZE):
        links.setdefault(annotation_id, []).append(SourceLink(*values, full_name(first, last)))
    return links


def counterparts_within(annotation_ids: list[int], annotations: QuerySet) -> dict[int, list[int]]:
    """The counterparts of the annotations, among `annotations` (the selection as its viewer sees it)."""
    of_chunk = RawSQL(
        "(annotation_id = ANY(%s) OR other_id = ANY(%s))", (annotation_ids, annotation_ids), output_field=BooleanField()
    )
    wanted = set(annotation_ids)
    pairs = list(Counterpart.objects.filter(of_chunk).values_list("annotation_id", "other_id"))
    if not pairs:
        return {}
    partners = {pk for pair in pairs for pk in pair} - wanted
    seen = wanted | set(annotations.filter(pk__in=partners).values_list("pk", flat=True))
    found: dict[int, list[int]] = {}
    for first, second in sorted(pairs):
        if first in seen and second in seen:
            for own, other in ((first, second), (second, first)):
                if own in wanted:
                    found.setdefault(own, []).append(other)
    return found


def articles_of(article_ids: list[int], *, with_text: bool) -> dict[int, ArticleRow]:
    fields = ArticleRow.FIELDS + (("text",) if with_text else ())
    rows = Article.objects.filter(pk__in=article_ids).values_list(*fields)
    return {row[0]: ArticleRow(*row) for row in rows}


def annotation_chunks(
    annotations: QuerySet, *, with_text: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[AnnotationRow]]:
    """The annotations in chunks of rows, each with its links and article (`with_text`: and its text).

    Queries per chunk: one for the links, one for the articles new in the chunk; rows arrive
    by article, so an article (and its text) is read once.
    """
    rows = (
        annotations.order_by("article_id", "start", "end", "pk")
        .values_list(*AnnotationRow.FIELDS, "created_by__first_name", "created_by__last_name")
        .iterator(chunk_size=chunk_size)
    )
    articles: dict[int, ArticleRow] = {}
    for batch in batched(rows, chunk_size, strict=False):
        chunk = [AnnotationRow(*values, full_name(first, last)) for *values, first, last in batch]
        links = links_of([row.pk for row in chunk])
        counterparts = counterparts_within([row.pk for row in chunk], annotations)
        # Only the articles of this chunk are kept: the rows come by article.
        wanted = {row.article_id for row in chunk}
        articles = {pk: article for pk, article in articles.items() if pk in wanted}
        articles.update(articles_of(list(wanted - articles.keys()), with_text=with_text))
        for row in chunk:
            row.article = articles[row.article_id]
            row.links = links.get(row.pk, [])
            row.counterparts = counterparts.get(row.pk, [])
        yield chunk


def annotations_of(annotations: QuerySet, **options) -> Iterator[AnnotationRow]:
    for chunk in annotation_chunks(annotations, **options):
        yield from chunk


@dataclass
class ArticleWithAnnotations:
    article: ArticleRow
    annotations: list[AnnotationRow]


def articles_with_annotations(
    selection: Selection, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[ArticleWithAnnotations]:
    """Every article of the selection (annotated or not) with its text and annotations, one at a time.

    Articles and annotations come from two cursors in the same order, merged as they go: at
    most one article's annotations are held at once.
    """
    annotations = annotations_of(selection.annotations(), chunk_size=chunk_size)
    pending = next(annotations, None)
    articles = selection.articles().values_list(*ArticleRow.FIELDS, "text")
    for values in articles.iterator(chunk_size=max(1, chunk_size // 20)):
        article = ArticleRow(*values)
        own = []
        while pending is not None and pending.article_id == article.pk:
            own.append(pending)
            pending = next(annotations, None)
        yield ArticleWithAnnotations(article, own)


def distinct_spans(annotations: Iterable[AnnotationRow]) -> list[AnnotationRow]:
    """One annotation per (start, end, kind): what span-only formats can tell apart.

    Two analysts marking the same words as the same kind is one labelled span in doccano or
    Label Studio, and one again once imported back.
    """
    seen, distinct = set(), []
    for annotation in annotations:
        key = (annotation.start, annotation.end, annotation.kind)
        if key not in seen:
            seen.add(key)
            distinct.append(annotation)
    return distinct


def overlapping(spans: Iterable[tuple[int, int]]) -> int:
    """How many of the spans (start, end) of one text overlap another of them.

    Sorted by start, a span overlaps an earlier one when it starts before the furthest end so
    far, and a later one when the next span starts before its end.
    """
    spans = sorted(spans)
    count, reach = 0, -1
    for index, (start, end) in enumerate(spans):
        later = index + 1 < len(spans) and spans[index + 1][0] < end
        count += start < reach or later
        reach = max(reach, end)
    return count
