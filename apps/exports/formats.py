"""Every export format, written piece by piece from a Selection.

A writer yields text; `progress` (when given) is told how many annotations each piece
covered, for the command's progress bar and the background job's page, and the context's
`tally` what the file holds (the same span marked by two analysts is one span in doccano),
which is what the command line reports as written.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.annotations.models import Annotation
from apps.claims.models import Evidence
from apps.exports import claimreview, w3c
from apps.exports.rows import (
    AnnotationRow,
    Selection,
    annotation_chunks,
    articles_with_annotations,
    distinct_spans,
    overlapping,
)

Progress = Callable[[int], None]


@dataclass
class Tally:
    """What an export file holds, counted while it is written."""

    annotations: int = 0
    # doccano: spans that overlap another span of their text.
    overlapping: int = 0
    # Label Studio: analysts whose annotations went without `completed_by` (they have no email address).
    unattributed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ExportContext:
    """Where the export will be found (its IRI), what it is called, and how absolute IRIs start."""

    base_url: str
    id: str
    label: str
    progress: Progress | None = None
    tally: Tally = field(default_factory=Tally)

    def advance(self, count: int) -> None:
        if self.progress and count:
            self.progress(count)

    def wrote(self, count: int) -> None:
        self.tally.annotations += count


def every_annotation(annotations: QuerySet) -> QuerySet:
    return annotations


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extension: str
    content_type: str
    write: Callable[[Selection, ExportContext], Iterator[str]]
    # The status exported when none is asked for ("" for every status).
    default_status: str = ""
    # Which of the selection's annotations the format holds.
    holds: Callable[[QuerySet], QuerySet] = every_annotation
    # What one annotation of the file is, when not a row: the formats of spans keep one per
    # (start, end, kind) of an article, Label Studio one per analyst too.
    distinct_by: tuple[str, ...] = ()

    def annotations(self, selection: Selection) -> QuerySet:
        """The annotations the writer reads."""
        return self.holds(selection.annotations())

    def count(self, selection: Selection) -> int:
        """How many annotations the file holds, as its tally counts them once written."""
        annotations = self.annotations(selection)
        if self.distinct_by:
            return annotations.order_by().values(*self.distinct_by).distinct().count()
        return annotations.count()


def counted(chunks, context: ExportContext) -> Iterator[AnnotationRow]:
    for chunk in chunks:
        yield from chunk
        context.advance(len(chunk))
        context.wrote(len(chunk))


def evidence_of(selection: Selection) -> QuerySet:
    """The evidence links of the selection's annotations, each passage's article without its text."""
    bulk = ("text", "original", "search", "names", "fingerprint", "headings")
    deferred = [f"{path}__{name}" for path in ("article", "annotation__article") for name in bulk]
    return (
        Evidence.objects.filter(annotation__in=selection.annotations().order_by().values("pk"))
        .select_related("annotation__article", "article", "created_by")
        .defer(*deferred)
        .order_by("annotation__article_id", "annotation_id", "pk")
    )


def write_w3c(selection: Selection, context: ExportContext) -> Iterator[str]:
    annotations = counted(annotation_chunks(selection.annotations(), with_text=True), context)
    evidence = evidence_of(selection)
    yield from w3c.stream_collection(
        annotations,
        id=context.id,
        label=context.label,
        total=selection.count() + evidence.count(),
        base_url=context.base_url,
        evidence=evidence.iterator(chunk_size=2000),
    )


# Characters that make a spreadsheet read a cell as a formula (or as a command, via DDE).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "annotation_id",
    "article_id",
    "article_title",
    "article_url",
    "language",
    "kind",
    "status",
    "text",
    "prefix",
    "suffix",
    "start",
    "end",
    "speaker",
    "sources",
    "note",
    "tags",
    "author",
    "created",
    "updated",
]


def neutralised(value):
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(annotation: AnnotationRow) -> list:
    """The row, its free text neutralised (ids, dates, choices and web addresses cannot start a formula)."""
    speaker_role = annotation.speaker_role
    article = annotation.article
    return [
        annotation.pk,
        article.pk,
        neutralised(article.title),
        article.url,
        article.language,
        annotation.kind,
        annotation.status,
        neutralised(annotation.exact),
        neutralised(annotation.prefix),
        neutralised(annotation.suffix),
        annotation.start,
        annotation.end,
        neutralised("; ".join(link.source_name for link in annotation.links if link.role == speaker_role)),
        neutralised("; ".join(f"{link.role}: {link.source_name}" for link in annotation.links)),
        neutralised(annotation.note),
        neutralised(", ".join(annotation.tags)),
        neutralised(annotation.author),
        w3c.timestamp(annotation.created_at),
        w3c.timestamp(annotation.updated_at),
    ]


def write_csv(selection: Selection, context: ExportContext) -> Iterator[str]:
    """One row per annotation, UTF-8 with a byte order mark (spreadsheets read the encoding from it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for chunk in annotation_chunks(selection.annotations()):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(csv_row(annotation) for annotation in chunk)
        yield buffer.getvalue()
        context.advance(len(chunk))
        context.wrote(len(chunk))


def span_label(kind: str) -> str:
    """Labels as doccano and Label Studio projects usually name them (the peers' own files: CLAIM, QUOTE)."""
    return kind.upper()


def article_metadata(article) -> dict:
    metadata = {"title": article.title, "lang": article.language}
    if article.url:
        metadata["url"] = article.url
    return metadata


def write_doccano(selection: Selection, context: ExportContext) -> Iterator[str]:
    """doccano's JSONL: an article a line, its spans as [start, end, label] in code points, as doccano counts.

    doccano exports a file per annotator; `selection.analyst` makes that analyst's file.
    """
    for item in articles_with_annotations(selection):
        article = item.article
        spans = [[a.start, a.end, span_label(a.kind)] for a in distinct_spans(item.annotations)]
        line = {"id": article.pk, "text": article.text, **article_metadata(article), "label": spans}
        yield w3c.dumps(line) + "\n"
        context.advance(len(item.annotations))
        context.wrote(len(spans))
        context.tally.overlapping += overlapping((start, end) for start, end, _ in spans)


def label_studio_region(annotation: AnnotationRow) -> dict:
    return {
        "id": f"a{annotation.pk}",
        "type": "labels",
        "value": {
            "start": annotation.start,
            "end": annotation.end,
            "text": annotation.exact,
            "labels": [span_label(annotation.kind)],
        },
        "origin": "manual",
        "to_name": "text",
        "from_name": "label",
    }


def label_studio_annotation(annotations: list[AnnotationRow], email: str) -> dict:
    """One analyst's spans of a task as one Label Studio annotation, completed by them.

    Label Studio credits an imported annotation to its member with the email address in
    `completed_by`; without one, to whoever imports the file.
    """
    annotation = {"completed_by": {"email": email}} if email else {}
    annotation["result"] = [label_studio_region(a) for a in distinct_spans(annotations)]
    annotation.update(
        was_cancelled=False,
        ground_truth=False,
        created_at=w3c.timestamp(min(a.created_at for a in annotations)),
        updated_at=w3c.timestamp(max(a.updated_at for a in annotations)),
    )
    return annotation


def analyst_emails(selection: Selection) -> dict[str, str]:
    """The email address of each analyst of the selection who has one, by user name."""
    users = get_user_model().objects.filter(pk__in=selection.annotations().values("created_by_id")).exclude(email="")
    return dict(users.values_list("username", "email"))


def write_label_studio(selection: Selection, context: ExportContext) -> Iterator[str]:
    """Label Studio's JSON export: a list of tasks, each with its text in `data` and, for each
    analyst who marked spans in it, an annotation of regions `completed_by` them.

    The regions are for a labeling config with `<Labels name="label" toName="text">` over
    `<Text name="text" value="$text">` holding the labels CLAIM, QUOTE and FACT.
    """
    emails = analyst_emails(selection)
    yield "["
    separator = "\n"
    for item in articles_with_annotations(selection):
        article = item.article
        task = {"id": article.pk, "data": {"text": article.text, **article_metadata(article)}, "annotations": []}
        # Sorting keeps each analyst's spans in the order of the text.
        by_analyst = sorted(item.annotations, key=lambda a: a.author)
        for author, own in groupby(by_analyst, key=lambda a: a.author):
            annotation = label_studio_annotation(list(own), emails.get(author, ""))
            task["annotations"].append(annotation)
            context.wrote(len(annotation["result"]))
            if author not in emails:
                context.tally.unattributed.add(author)
        yield separator + w3c.dumps(task)
        separator = ",\n"
        context.advance(len(item.annotations))
    yield "\n]\n"


def write_claimreview(selection: Selection, context: ExportContext) -> Iterator[str]:
    annotations = counted(annotation_chunks(claimreview.reviewable(selection.annotations())), context)
    yield from claimreview.stream(annotations, base_url=context.base_url)


FORMATS = {
    each.name: each
    for each in [
        Format("w3c", "W3C Web Annotations (JSON-LD)", "jsonld", w3c.MEDIA_TYPE, write_w3c),
        Format("csv", "CSV (spreadsheets)", "csv", "text/csv; charset=utf-8", write_csv),
        Format(
            "doccano",
            "doccano (JSONL)",
            "jsonl",
            "application/jsonl; charset=utf-8",
            write_doccano,
            default_status=Annotation.Status.APPROVED,
            distinct_by=("article_id", "start", "end", "kind"),
        ),
        Format(
            "labelstudio",
            "Label Studio (JSON)",
            "json",
            "application/json",
            write_label_studio,
            default_status=Annotation.Status.APPROVED,
            distinct_by=("created_by_id", "article_id", "start", "end", "kind"),
        ),
        Format(
            "claimreview",
            "ClaimReview (schema.org JSON-LD)",
            "jsonld",
            "application/ld+json",
            write_claimreview,
            holds=claimreview.reviewable,
        ),
    ]
}


def export_chunks(fmt: Format, selection: Selection, context: ExportContext) -> Iterator[bytes]:
    """The export as UTF-8 bytes, in pieces of a useful size for a response or a file."""
    pending, size = [], 0
    for piece in fmt.write(selection, context):
        pending.append(piece)
        size += len(piece)
        if size >= 64 * 1024:
            yield "".join(pending).encode()
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode()
