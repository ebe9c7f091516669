"""Store what the readers made of the input: articles in batches, with the spans they brought."""

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import batched

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.annotations.models import Annotation
from apps.annotations.services import ImportedSpan, import_spans
from apps.articles.models import Article
from apps.articles.services import METADATA, fill_empty_metadata, store_articles
from apps.imports.models import Outcome
from apps.imports.normalise import clean_text
from apps.imports.readers import ArticleDraft, ReadItem, SpanDraft
from apps.sources.models import Source
from apps.sources.services import find_or_create_source
from apps.stories.versions import add_version
from config.middleware import is_database_outage

logger = logging.getLogger(__name__)

# Articles written per transaction: large enough that per-statement costs vanish, small enough
# that a failing batch is cheap to retry article by article.
IMPORT_BATCH_SIZE = 250
# The author of spans imported with no user to credit them to (import_articles without --user).
IMPORT_ACCOUNT = "import"


@dataclass
class ImportOutcome:
    label: str
    status: Outcome
    message: str = ""
    article: Article | None = None
    # Of the spans the input brought (doccano, Label Studio), how many became draft annotations.
    spans_placed: int = 0
    spans_skipped: int = 0
    # The text was normalised to NFC (see ArticleDraft.normalised).
    normalised: bool = False
    # The article imported, or the one it repeats, also once the instance is left behind.
    article_id: int | None = None
    article_title: str = ""

    def __post_init__(self):
        if self.article is not None:
            self.article_id, self.article_title = self.article.pk, self.article.title

    def detached(self) -> "ImportOutcome":
        """The outcome without its article instance, small enough to send from another process."""
        return ImportOutcome(
            self.label,
            self.status,
            self.message,
            spans_placed=self.spans_placed,
            spans_skipped=self.spans_skipped,
            normalised=self.normalised,
            article_id=self.article_id,
            article_title=self.article_title,
        )

    def as_dict(self) -> dict:
        """What the import pages show of it."""
        return {
            "label": self.label,
            "status": str(self.status),
            "message": self.message,
            "article_url": Article(pk=self.article_id).get_absolute_url() if self.article_id else "",
            "article_title": self.article_title,
        }


def duplicate_of(label: str, article: Article, filled: Sequence[str] = ()) -> ImportOutcome:
    message = f"Same text as “{article.title}”."
    if filled:
        message += f" Its empty {', '.join(filled)} filled in from this one."
    return ImportOutcome(label, Outcome.DUPLICATE, message, article)


def repeated(*, project, item: ReadItem, article: Article) -> ImportOutcome:
    """A text stored before: what it lacks of the metadata this import brings is filled in."""
    draft = item.draft
    parsed = draft.parsed
    missing_publisher = article.publisher_id is None and parsed.publisher
    values = {
        "url": draft.url[:2000],
        "author": parsed.author[:300],
        "published_on": parsed.published_on,
        "language": draft.language,
        "publisher": (
            find_or_create_source(project=project, name=parsed.publisher, kind=Source.Kind.OUTLET)
            if missing_publisher
            else None
        ),
    }
    return duplicate_of(item.label, article, fill_empty_metadata(article=article, values=values))


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
            outcomes[index] = ImportOutcome(item.label, Outcome.REFUSED, item.error)
        elif item.draft.digest in first_with_digest:
            repeats.append((index, first_with_digest[item.draft.digest]))
        else:
            first_with_digest[item.draft.digest] = index
    stored_before = Article.objects.filter(project=project, content_hash__in=list(first_with_digest))
    for article in stored_before.only("pk", "title", "content_hash", *METADATA):
        index = first_with_digest.pop(article.content_hash)
        outcomes[index] = repeated(project=project, item=items[index], article=article)
    fresh = list(first_with_digest.values())
    for index, earlier in earlier_versions(project=project, items=items, indexes=fresh, user=user).items():
        fresh.remove(index)
        outcomes[index] = new_version(item=items[index], article=earlier, user=user)
    try:
        with transaction.atomic():
            stored = store_drafts(project=project, drafts=[items[i].draft for i in fresh], user=user)
        for index, (article, placed, skipped) in zip(fresh, stored, strict=True):
            outcomes[index] = imported(items[index], article, placed, skipped, user)
    except Exception as error:  # which article broke the batch is found by retrying them one by one
        if is_database_outage(error):
            raise  # no article's fault: the import stops, and the batch is read again (see tasks.JobRun.go_on)
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


def earlier_versions(*, project, items: Sequence[ReadItem], indexes: list[int], user) -> dict[int, Article]:
    """Of the items fetched from the web whose text is not stored yet, those whose address
    names an article stored before: index -> that article's latest version.

    Only a fetched page: a file or a JSON line may share its address with another text (a
    site's front page, a feed), while a page fetched again is the same page, changed.
    """
    if user is None:
        return {}
    urls = {index: items[index].draft.url for index in indexes if items[index].draft.fetched and items[index].draft.url}
    if not urls:
        return {}
    stored = (
        Article.objects.filter(project=project, url__in=set(urls.values()))
        .latest_versions()
        .only("pk", "project_id", "title", "url")
        .order_by("imported_at", "pk")
    )
    latest = {article.url: article for article in stored}
    return {index: latest[url] for index, url in urls.items() if url in latest}


def new_version(*, item: ReadItem, article: Article, user) -> ImportOutcome:
    """Store the changed text of a page as the next version of its article."""
    draft = item.draft
    try:
        added = add_version(
            article=article,
            text=draft.parsed.text,
            user=user,
            title=draft.title,
            original=draft.original,
            original_name=draft.original_name,
            original_format=draft.original_format,
            headings=draft.parsed.headings,
        )
    except ValidationError as refusal:  # VersionRefused among them
        return ImportOutcome(item.label, Outcome.REFUSED, " ".join(refusal.messages))
    except PermissionDenied as refusal:
        return ImportOutcome(item.label, Outcome.REFUSED, str(refusal))
    carried = ", ".join(f"{count} {state}" for state, count in added.counts.items() if count)
    message = f"The page changed since “{article.title}” was imported: this is its next version."
    if carried:
        message += f" Its annotations were carried over: {carried}."
    return ImportOutcome(item.label, Outcome.IMPORTED, message, added.article)


def import_one(*, project, item: ReadItem, user=None) -> ImportOutcome:
    """Store one article in its own transaction; the same text is stored once per project.

    A second import, even a concurrent one, meets the unique (project, content_hash)
    constraint and reports a duplicate.
    """
    draft = item.draft
    try:
        with transaction.atomic():
            [(article, placed, skipped)] = store_drafts(project=project, drafts=[draft], user=user)
    except IntegrityError:
        existing = Article.objects.filter(project=project, content_hash=draft.digest).first()
        if existing:
            return repeated(project=project, item=item, article=existing)
        logger.exception("Import of %s failed", item.label)
        return ImportOutcome(item.label, Outcome.REFUSED, "The database refused this article.")
    except ValidationError as refusal:  # a value the articles refuse (store_articles checks them)
        return ImportOutcome(item.label, Outcome.REFUSED, " ".join(refusal.messages))
    except Exception as error:  # one broken article must not cost the batch the others
        if is_database_outage(error):
            raise
        logger.exception("Import of %s failed", item.label)
        return ImportOutcome(item.label, Outcome.REFUSED, "It could not be stored; the error was logged.")
    return imported(item, article, placed, skipped, user)


NORMALISED = "Its text was normalised to NFC (composed characters)"
NORMALISED_SPANS = "; its spans cover the same characters at new offsets"


def imported(item: ReadItem, article: Article, spans_placed: int, spans_skipped: int, user) -> ImportOutcome:
    messages = []
    normalised = item.draft.normalised
    if normalised:
        messages.append(NORMALISED + (NORMALISED_SPANS if item.draft.spans else "") + ".")
    if spans_placed:
        author = user.get_username() if user else IMPORT_ACCOUNT
        messages.append(f"{spans_placed} span(s) placed as drafts by “{author}”.")
    if spans_skipped:
        messages.append(
            f"{spans_skipped} span(s) could not be placed (their label is not claim, quote or fact, "
            "or their words are not in the text) and were left out."
        )
    return ImportOutcome(
        item.label, Outcome.IMPORTED, " ".join(messages), article, spans_placed, spans_skipped, normalised
    )


def get_import_account():
    """Return the author of spans imported with no user, creating it the first time.

    Spans need an author, and one that plainly is not a person: the account is inactive and
    its password unusable, so nobody can log in as it.
    """
    account, _ = get_user_model().objects.get_or_create(
        username=IMPORT_ACCOUNT, defaults={"is_active": False, "password": make_password(None)}
    )
    return account


def store_drafts(*, project, drafts: list[ArticleDraft], user=None) -> list[tuple[Article, int, int]]:
    """Insert the drafts' articles and spans; return each article with how many spans were placed and left out.

    Spans are never dropped for want of a user: without one they are credited to the import
    account. Call inside a transaction: on any error nothing of the drafts may stay.
    """
    publishers = {}
    for name in {draft.parsed.publisher for draft in drafts if draft.parsed.publisher}:
        publishers[name] = find_or_create_source(project=project, name=name, kind=Source.Kind.OUTLET)
    articles = store_articles(
        articles=[article_from_draft(project, draft, user, publishers.get(draft.parsed.publisher)) for draft in drafts]
    )
    spans, stored = [], []
    for article, draft in zip(articles, drafts, strict=True):
        placed, left_out = place_spans(article=article, draft=draft)
        spans += placed
        stored.append((article, len(draft.spans) - left_out, left_out))
    if spans:
        import_spans(spans=spans, user=user or get_import_account())
    return stored


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
        imported_by=user,
    )


def place_spans(*, article: Article, draft: ArticleDraft) -> tuple[list[ImportedSpan], int]:
    """Another tool's spans placed in the stored text, and how many could not be placed.

    A span marked twice (the same kind at the same place) becomes one annotation, as an
    author can mark a passage only once.
    """
    placed, skipped = {}, 0
    for span in draft.spans:
        kind = span.label.strip().lower()
        position = locate(article.text, span, len(draft.span_text))
        if kind not in Annotation.Kind.values or position is None:
            skipped += 1
            continue
        placed.setdefault((kind, *position), ImportedSpan(article, kind, *position, f"Imported label: {span.label}"))
    return list(placed.values()), skipped


def locate(text: str, span: SpanDraft, source_length: int) -> tuple[int, int] | None:
    """Find the span's words in the normalised text, nearest to where they stood in the input.

    Normalising line ends and composed characters moves offsets, so the words, not the
    numbers, decide where the span lands.
    """
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
