import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from apps.articles.importing import ArticleDraft, SpanDraft
from apps.articles.models import Article, Story, content_hash
from apps.articles.similarity import fingerprint
from apps.sources.models import Source
from apps.sources.services import find_or_create_source

logger = logging.getLogger(__name__)


@dataclass
class ImportOutcome:
    label: str
    status: str  # "imported", "duplicate" or "refused"
    message: str = ""
    article: Article | None = None


def import_draft(*, project, draft: ArticleDraft, user=None) -> ImportOutcome:
    """Store one draft as an article of `project`, in its own transaction.

    The same text is stored once per project: a second import, even a concurrent one, finds
    the unique (project, content_hash) constraint and reports a duplicate.
    """
    parsed = draft.parsed
    digest = content_hash(parsed.text)
    existing = Article.objects.filter(project=project, content_hash=digest).only("pk", "title").first()
    if existing:
        return ImportOutcome(draft.original_name, "duplicate", f"Same text as “{existing.title}”.", existing)
    try:
        with transaction.atomic():
            publisher = None
            if parsed.publisher:
                publisher = find_or_create_source(project=project, name=parsed.publisher, kind=Source.Kind.OUTLET)
            article = Article.objects.create(
                project=project,
                title=draft.title,
                text=parsed.text,
                headings=parsed.headings,
                language=draft.language,
                url=draft.url[:2000],
                publisher=publisher,
                author=parsed.author[:300],
                published_on=parsed.published_on,
                original=draft.original,
                original_name=draft.original_name[:500],
                original_format=draft.original_format,
                content_hash=digest,
                text_length=len(parsed.text),
                fingerprint=fingerprint(parsed.text),
                imported_by=user,
            )
            skipped = import_spans(article=article, draft=draft, user=user)
    except IntegrityError:
        existing = Article.objects.filter(project=project, content_hash=digest).first()
        if existing:
            return ImportOutcome(draft.original_name, "duplicate", f"Same text as “{existing.title}”.", existing)
        logger.exception("Import of %s failed", draft.original_name)
        return ImportOutcome(draft.original_name, "refused", "The database refused this article.")
    message = f"{skipped} span(s) could not be placed in the text and were left out." if skipped else ""
    return ImportOutcome(draft.original_name, "imported", message, article)


def import_spans(*, article: Article, draft: ArticleDraft, user) -> int:
    """Import another tool's spans as draft annotations; return how many could not be placed."""
    from apps.annotations.models import Annotation

    if not draft.spans:
        return 0
    if user is None:
        return len(draft.spans)
    annotations, skipped = [], 0
    for span in draft.spans:
        kind = span.label.strip().lower()
        position = locate(article.text, span, len(draft.span_text))
        if kind not in Annotation.Kind.values or position is None:
            skipped += 1
            continue
        annotation = Annotation(article=article, kind=kind, created_by=user, note=f"Imported label: {span.label}")
        annotation.anchor(*position)
        annotations.append(annotation)
    Annotation.objects.bulk_create(annotations)
    return skipped


def locate(text: str, span: SpanDraft, source_length: int) -> tuple[int, int] | None:
    """Find the span's words in the normalised text, nearest to where they stood in the input.

    Normalising line ends and composed characters moves offsets, so the words, not the
    numbers, decide where the span lands.
    """
    from apps.articles.text import clean_text

    exact = clean_text(span.exact).strip()
    if not exact:
        return None
    expected = round(span.start * len(text) / max(1, source_length))
    best, position = None, text.find(exact)
    while position != -1:
        if best is None or abs(position - expected) < abs(best - expected):
            best = position
        position = text.find(exact, position + 1)
    return (best, best + len(exact)) if best is not None else None


def join_story(*, article: Article, other: Article) -> Story:
    """Put two articles of one project into the same story, merging their stories if both have one."""
    if article.project_id != other.project_id:
        raise ValueError("Articles of different projects cannot share a story.")
    with transaction.atomic():
        story = article.story or other.story or Story.objects.create(project=article.project, title=article.title)
        for member in (article, other):
            if member.story_id and member.story_id != story.pk:
                Article.objects.filter(story_id=member.story_id).update(story=story)
        Article.objects.filter(pk__in=[article.pk, other.pk]).update(story=story)
    article.refresh_from_db(fields=["story"])
    return story


def import_items(*, project, items, user=None) -> list[ImportOutcome]:
    """Import every readable item on its own; a refused or failing one stops none of the others."""
    outcomes = []
    for item in items:
        if item.draft is None:
            outcomes.append(ImportOutcome(item.label, "refused", item.error))
            continue
        try:
            outcomes.append(import_draft(project=project, draft=item.draft, user=user))
        except Exception:  # one broken article must not cost the batch the others
            logger.exception("Import of %s failed", item.label)
            outcomes.append(ImportOutcome(item.label, "refused", "It could not be stored; the error was logged."))
    return outcomes
