"""Read what an export writes, a chunk at a time: memory stays flat whatever the project's size.

Annotations come from one server-side cursor (`.iterator(chunk_size=...)`); each chunk then
loads its links with their sources in one query, and, for the formats that carry the text,
the texts of the articles met for the first time in one more. Article texts never ride along
on every annotation row.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import batched

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from apps.annotations.models import Annotation, Link
from apps.articles.models import Article

CHUNK_SIZE = 2000
# What each annotation row brings of its article; the text is loaded once per article when needed.
ARTICLE_FIELDS = ("id", "project_id", "story_id", "title", "language", "url", "author", "published_on", "publisher")
LINKS = Prefetch("links", queryset=Link.objects.select_related("source", "created_by").order_by("role", "pk"))


@dataclass(frozen=True)
class Selection:
    """What to export: a project, optionally narrowed to one article, one story or one status."""

    project_id: int
    article_id: int | None = None
    story_id: int | None = None
    status: str = ""

    def articles(self) -> QuerySet:
        articles = Article.objects.filter(project_id=self.project_id)
        if self.article_id:
            articles = articles.filter(pk=self.article_id)
        if self.story_id:
            articles = articles.filter(story_id=self.story_id)
        return articles.order_by("pk")

    def annotations(self) -> QuerySet:
        annotations = Annotation.objects.live().filter(article__project_id=self.project_id)
        if self.article_id:
            annotations = annotations.filter(article_id=self.article_id)
        if self.story_id:
            annotations = annotations.filter(article__story_id=self.story_id)
        if self.status:
            annotations = annotations.filter(status=self.status)
        return annotations

    def count(self) -> int:
        return self.annotations().count()


def for_export(annotations: QuerySet) -> QuerySet:
    """Annotations with what every format shows of them, in article and text order.

    The links (with their sources) are not in it: `load_links` loads them per chunk.
    """
    article_fields = [f"article__{name}" for name in ARTICLE_FIELDS]
    return (
        annotations.select_related("article__publisher", "created_by")
        .only(
            *[field.name for field in Annotation._meta.concrete_fields if field.name != "article"],
            "article",
            *article_fields,
            "article__publisher__name",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
        )
        .order_by("article_id", "start", "end", "pk")
    )


def load_links(annotations: list[Annotation]) -> None:
    """Load every annotation's links with their sources and authors, in one query for the lot."""
    prefetch_related_objects(annotations, LINKS)


def annotation_chunks(
    annotations: QuerySet, *, with_text: bool = False, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[Annotation]]:
    """The annotations in chunks, each with its links loaded and, `with_text`, its article's text.

    Queries per chunk: one for the links, one for the texts of the articles new in the chunk;
    rows arrive by article, so a text is read once.
    """
    texts: dict[int, str] = {}
    for chunk in batched(for_export(annotations).iterator(chunk_size=chunk_size), chunk_size, strict=False):
        chunk = list(chunk)
        load_links(chunk)
        if with_text:
            wanted = {annotation.article_id for annotation in chunk} - texts.keys()
            # Only the articles of this chunk are kept: the rows come by article.
            texts = {pk: text for pk, text in texts.items() if pk in wanted or pk == chunk[-1].article_id}
            texts.update(Article.objects.filter(pk__in=wanted).values_list("pk", "text"))
            for annotation in chunk:
                annotation.article.text = texts[annotation.article_id]
        yield chunk


def annotations_of(annotations: QuerySet, **options) -> Iterator[Annotation]:
    for chunk in annotation_chunks(annotations, **options):
        yield from chunk


@dataclass
class ArticleWithAnnotations:
    article: Article
    annotations: list[Annotation]


def articles_with_annotations(
    selection: Selection, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[ArticleWithAnnotations]:
    """Every article of the selection (annotated or not) with its annotations, one article at a time.

    Articles and annotations come from two cursors in the same order, merged as they go: at
    most one article's annotations are held at once.
    """
    annotations = annotations_of(selection.annotations(), chunk_size=chunk_size)
    pending = next(annotations, None)
    articles = selection.articles().only(*ARTICLE_FIELDS, "text")
    for article in articles.iterator(chunk_size=max(1, chunk_size // 20)):
        own = []
        while pending is not None and pending.article_id == article.pk:
            own.append(pending)
            pending = next(annotations, None)
        yield ArticleWithAnnotations(article, own)


def distinct_spans(annotations: Iterable[Annotation]) -> list[Annotation]:
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
