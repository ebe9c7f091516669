import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import batched

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.articles.bulk import copy_insert
from apps.articles.importing import ArticleDraft, ReadItem, SpanDraft, read_upload
from apps.articles.models import Article, ImportJob, ImportUpload, Story
from apps.sources.models import Source
from apps.sources.services import find_or_create_source

logger = logging.getLogger(__name__)

# Articles written per transaction: large enough that per-statement costs vanish, small enough
# that a failing batch is cheap to retry article by article.
IMPORT_BATCH_SIZE = 250


@dataclass
class ImportOutcome:
    label: str
    status: str  # "imported", "duplicate" or "refused"
    message: str = ""
    article: Article | None = None

    def as_dict(self) -> dict:
        """What the import pages show of it; also how an import job keeps it."""
        return {
            "label": self.label,
            "status": self.status,
            "message": self.message,
            "article_url": self.article.get_absolute_url() if self.article else "",
            "article_title": self.article.title if self.article else "",
        }


def duplicate_of(label: str, article: Article) -> ImportOutcome:
    return ImportOutcome(label, "duplicate", f"Same text as “{article.title}”.", article)


def import_items(*, project, items: Iterable[ReadItem], user=None) -> list[ImportOutcome]:
    return list(import_stream(project=project, items=items, user=user))


def import_stream(
    *, project, items: Iterable[ReadItem], user=None, batch_size: int = IMPORT_BATCH_SIZE
) -> Iterator[ImportOutcome]:
    """Import every readable item, a batch at a time; a refused or failing one stops none of the others."""
    for batch in batched(items, batch_size, strict=False):
        yield from import_batch(project=project, items=batch, user=user)


def import_batch(*, project, items: Sequence[ReadItem], user=None) -> list[ImportOutcome]:
    """Store a batch of items in one transaction, falling back to one transaction per article.

    Writing a batch at once is what makes large imports fast. When the batch fails (a
    concurrent import stored one of its texts first, or one article breaks), it is retried
    article by article, so each article is still all-or-nothing on its own.
    """
    outcomes: list[ImportOutcome | None] = [None] * len(items)
    first_with_digest: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, item in enumerate(items):
        if item.draft is None:
            outcomes[index] = ImportOutcome(item.label, "refused", item.error)
        elif item.draft.digest in first_with_digest:
            repeats.append((index, first_with_digest[item.draft.digest]))
        else:
            first_with_digest[item.draft.digest] = index
    stored_before = Article.objects.filter(project=project, content_hash__in=list(first_with_digest))
    for article in stored_before.only("pk", "title", "content_hash"):
        index = first_with_digest.pop(article.content_hash)
        outcomes[index] = duplicate_of(items[index].label, article)
    fresh = list(first_with_digest.values())
    try:
        with transaction.atomic():
            articles = store_drafts(project=project, drafts=[items[i].draft for i in fresh], user=user)
        for index, (article, skipped) in zip(fresh, articles, strict=True):
            outcomes[index] = imported(items[index].label, article, skipped)
    except Exception:  # noqa: BLE001 - which article broke the batch is found by retrying them one by one
        for index in fresh:
            outcomes[index] = import_one(project=project, item=items[index], user=user)
    for index, first in repeats:
        earlier = outcomes[first]
        outcomes[index] = (
            duplicate_of(items[index].label, earlier.article)
            if earlier.article
            else ImportOutcome(items[index].label, earlier.status, earlier.message)
        )
    return outcomes


def import_one(*, project, item: ReadItem, user=None) -> ImportOutcome:
    """Store one article in its own transaction; the same text is stored once per project.

    A second import, even a concurrent one, meets the unique (project, content_hash)
    constraint and reports a duplicate.
    """
    draft = item.draft
    try:
        with transaction.atomic():
            [(article, skipped)] = store_drafts(project=project, drafts=[draft], user=user)
    except IntegrityError:
        existing = Article.objects.filter(project=project, content_hash=draft.digest).first()
        if existing:
            return duplicate_of(item.label, existing)
        logger.exception("Import of %s failed", item.label)
        return ImportOutcome(item.label, "refused", "The database refused this article.")
    except Exception:  # one broken article must not cost the batch the others
        logger.exception("Import of %s failed", item.label)
        return ImportOutcome(item.label, "refused", "It could not be stored; the error was logged.")
    return imported(item.label, article, skipped)


def imported(label: str, article: Article, skipped_spans: int) -> ImportOutcome:
    message = f"{skipped_spans} span(s) could not be placed in the text and were left out." if skipped_spans else ""
    return ImportOutcome(label, "imported", message, article)


def store_drafts(*, project, drafts: list[ArticleDraft], user=None) -> list[tuple[Article, int]]:
    """Insert the drafts' articles and spans; return each article with how many spans were left out.

    Call inside a transaction: on any error nothing of the drafts may stay.
    """
    from apps.annotations.models import Annotation

    publishers = {}
    for name in {draft.parsed.publisher for draft in drafts if draft.parsed.publisher}:
        publishers[name] = find_or_create_source(project=project, name=name, kind=Source.Kind.OUTLET)
    articles = copy_insert(
        [article_from_draft(project, draft, user, publishers.get(draft.parsed.publisher)) for draft in drafts]
    )
    annotations, skipped = [], []
    for article, draft in zip(articles, drafts, strict=True):
        placed, left_out = span_annotations(article=article, draft=draft, user=user)
        annotations += placed
        skipped.append(left_out)
    Annotation.objects.bulk_create(annotations)
    return list(zip(articles, skipped, strict=True))


def article_from_draft(project, draft: ArticleDraft, user, publisher: Source | None) -> Article:
    parsed = draft.parsed
    return Article(
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
        content_hash=draft.digest,
        text_length=len(parsed.text),
        fingerprint=draft.signals,
        imported_by=user,
    )


def span_annotations(*, article: Article, draft: ArticleDraft, user) -> tuple[list, int]:
    """Another tool's spans as draft annotations, and how many could not be placed."""
    from apps.annotations.models import Annotation

    if not draft.spans or user is None:
        return [], len(draft.spans)
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
    return annotations, skipped


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


def start_import_job(*, project, user, uploads: list[tuple[str, bytes]]) -> ImportJob:
    """Keep the uploads and queue their import as a background task; return the job to follow."""
    from apps.articles.tasks import import_uploads

    with transaction.atomic():
        job = ImportJob.objects.create(project=project, created_by=user)
        ImportUpload.objects.bulk_create(ImportUpload(job=job, name=name, data=data) for name, data in uploads)
        transaction.on_commit(lambda: import_uploads.enqueue(job.pk))
    return job


# Articles stored between two progress updates of a background import.
PROGRESS_STEP = 25


def run_import_job(job: ImportJob) -> None:
    """Import the job's uploads, recording progress as it goes and every outcome at the end.

    If the import stops half-way, what was stored stays stored and the job says so: running
    the same files again imports the rest and skips the rest as duplicates.
    """
    this_job = ImportJob.objects.filter(pk=job.pk)
    this_job.update(state=ImportJob.State.RUNNING)
    try:
        items = [item for upload in job.uploads.all() for item in read_upload(upload.name, bytes(upload.data))]
        this_job.update(total=len(items))
        outcomes, step = [], Counter()
        for outcome in import_stream(project=job.project, items=items, user=job.created_by, batch_size=PROGRESS_STEP):
            outcomes.append(outcome.as_dict())
            step[outcome.status] += 1
            if step.total() == PROGRESS_STEP:
                record_progress(this_job, step)
                step = Counter()
        record_progress(this_job, step)
        job.uploads.all().delete()
        this_job.update(state=ImportJob.State.DONE, outcomes=outcomes, finished_at=timezone.now())
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        this_job.update(
            state=ImportJob.State.FAILED,
            finished_at=timezone.now(),
            error="The import stopped because of an error, which was logged. The articles counted as "
            "imported are stored; import the same files again to add the rest.",
        )
        raise


def record_progress(this_job, counts: Counter) -> None:
    this_job.update(
        imported=F("imported") + counts["imported"],
        duplicates=F("duplicates") + counts["duplicate"],
        refused=F("refused") + counts["refused"],
    )
