"""Every export format, written piece by piece from a Selection.

A writer yields text; `progress` (when given) is told how many annotations each piece
covered, for the command's progress bar and the background job's page.
"""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from apps.exports import claimreview, w3c
from apps.exports.rows import AnnotationRow, Selection, annotation_chunks, articles_with_annotations, distinct_spans

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ExportContext:
    """Where the export will be found (its IRI), what it is called, and how absolute IRIs start."""

    base_url: str
    id: str
    label: str
    progress: Progress | None = None

    def advance(self, count: int) -> None:
        if self.progress and count:
            self.progress(count)


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    extension: str
    content_type: str
    write: Callable[[Selection, ExportContext], Iterator[str]]


def counted(chunks, context: ExportContext) -> Iterator[AnnotationRow]:
    for chunk in chunks:
        yield from chunk
        context.advance(len(chunk))


def write_w3c(selection: Selection, context: ExportContext) -> Iterator[str]:
    annotations = counted(annotation_chunks(selection.annotations(), with_text=True), context)
    yield from w3c.stream_collection(
        annotations, id=context.id, label=context.label, total=selection.count(), base_url=context.base_url
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


def span_label(kind: str) -> str:
    """Labels as doccano and Label Studio projects usually name them (the peers' own files: CLAIM, QUOTE)."""
    return kind.upper()


def article_metadata(article) -> dict:
    metadata = {"title": article.title, "lang": article.language}
    if article.url:
        metadata["url"] = article.url
    return metadata


def write_doccano(selection: Selection, context: ExportContext) -> Iterator[str]:
    """doccano's JSONL: an article a line, its spans as [start, end, label] in code points, as doccano counts."""
    for item in articles_with_annotations(selection):
        article = item.article
        spans = [[a.start, a.end, span_label(a.kind)] for a in distinct_spans(item.annotations)]
        line = {"id": article.pk, "text": article.text, **article_metadata(article), "label": spans}
        yield w3c.dumps(line) + "\n"
        context.advance(len(item.annotations))


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


def write_label_studio(selection: Selection, context: ExportContext) -> Iterator[str]:
    """Label Studio's JSON export: a list of tasks, each with its text in `data` and one annotation of regions.

    The regions are for a labeling config with `<Labels name="label" toName="text">` over
    `<Text name="text" value="$text">` holding the labels CLAIM, QUOTE and FACT.
    """
    yield "["
    separator = "\n"
    for item in articles_with_annotations(selection):
        article = item.article
        task = {"id": article.pk, "data": {"text": article.text, **article_metadata(article)}, "annotations": []}
        if item.annotations:
            regions = [label_studio_region(a) for a in distinct_spans(item.annotations)]
            updated = max(a.updated_at for a in item.annotations)
            task["annotations"].append(
                {"result": regions, "was_cancelled": False, "updated_at": w3c.timestamp(updated)}
            )
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
        Format("doccano", "doccano (JSONL)", "jsonl", "application/jsonl; charset=utf-8", write_doccano),
        Format("labelstudio", "Label Studio (JSON)", "json", "application/json", write_label_studio),
        Format("claimreview", "ClaimReview (schema.org JSON-LD)", "jsonld", "application/ld+json", write_claimreview),
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
