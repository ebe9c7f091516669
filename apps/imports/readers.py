"""Read files, JSON lines and pages into article drafts, refusing what cannot be an article.

Nothing here touches the database: `store.import_stream` stores what this module reads.
"""

import codecs
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import InitVar, dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from apps.articles.similarity import content_hash
from apps.imports.normalise import (
    BINARY_REFUSAL,
    BINARY_SAMPLE_BYTES,
    ImportRefused,
    ParsedText,
    decode_bytes,
    detect_language,
    looks_binary,
    make_title,
    parse_date,
    parse_html,
    parse_markdown,
    parse_plain,
    utf16_without_bom,
)
from apps.sources.validators import web_url

TEXT_SUFFIXES = {".txt", ".text", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json", ".jsonld"}
ACCEPTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | MARKDOWN_SUFFIXES | JSON_SUFFIXES
# Read line by line however large they are: the size limit applies to each line (article).
STREAMED_SUFFIXES = {".jsonl", ".ndjson"}
# How much of a file file_refusal looks at.
HEAD_BYTES = BINARY_SAMPLE_BYTES


@dataclass
class SpanDraft:
    """A span brought in from another tool: offsets into the input's own text, and its words."""

    start: int
    end: int
    label: str
    exact: str


@dataclass
class ArticleDraft:
    parsed: ParsedText
    original: bytes
    original_name: str
    original_format: str
    title: str = ""
    url: str = ""
    language: str = ""
    spans: list[SpanDraft] = field(default_factory=list)
    # The text the spans' offsets point into, before normalisation.
    span_text: str = ""
    # Fetched from its web address: a changed text of a page stored before is its next version.
    fetched: bool = False
    # The input as read (text, markup or JSON string), before normalisation.
    raw_text: InitVar[str] = ""
    # Article.content_hash, to find a repeated text before storing it.
    digest: str = field(init=False)
    # Whether the input held decomposed characters (NFD) that the stored text composes (NFC):
    # the same characters then stand at other offsets, and so do the spans brought with it.
    normalised: bool = field(init=False, default=False)

    def __post_init__(self, raw_text: str):
        self.normalised = not unicodedata.is_normalized("NFC", raw_text or self.span_text)
        parsed = self.parsed
        if not parsed.text.strip():
            raise ImportRefused("There is no text in it once markup and blank space are removed.")
        self.title = " ".join((self.title or parsed.title).split())[:500] or make_title(parsed.text, parsed.headings)
        self.language = normalise_language(self.language or parsed.language) or detect_language(parsed.text)
        self.digest = content_hash(parsed.text)


@dataclass
class ReadItem:
    """One thing read from the input: a draft, or the reason it was refused."""

    label: str
    draft: ArticleDraft | None = None
    error: str = ""


def normalise_language(code: str) -> str:
    """ "de-AT" and "DE" both become "de"; anything that is not ISO 639-1 becomes ""."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isalpha() else ""


def too_large(what: str, size: int, limit: int) -> str:
    return f"The {what} is {filesizeformat(size)}; the limit is {filesizeformat(limit)}."


def unsupported(suffix: str) -> str:
    return f"“{suffix}” files are not supported; use .txt, .md, .html, .jsonl, .json or .jsonld."


def file_refusal(name: str, size: int, head: bytes) -> str:
    """Why a file cannot be imported, told from its name, its size and its first HEAD_BYTES; "" if it must be read.

    The import page answers at once when every file is refused this way, without starting a
    job; reading the file checks the same again.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        return unsupported(suffix)
    limit = settings.IMPORT_MAX_BYTES
    if size > limit and suffix not in STREAMED_SUFFIXES:
        return too_large("file", size, limit)
    whole = size <= len(head)
    if whole and suffix not in STREAMED_SUFFIXES:
        try:
            decode_bytes(head)
        except ImportRefused as refusal:
            return str(refusal)
        return ""
    if whole and not head.strip():
        return "The file is empty."
    # A file in UTF-16 has NULs at every other byte; only decoding tells it from binary data.
    unicode_start = head.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not unicode_start and not utf16_without_bom(head) and looks_binary(head):
        return BINARY_REFUSAL
    return ""


def read_upload(name: str, data: bytes) -> Iterator[ReadItem]:
    """Read one uploaded or local file into one or more drafts (JSON lines give many)."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        yield ReadItem(name, error=unsupported(suffix))
        return
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        yield ReadItem(name, error=too_large("file", len(data), limit))
        return
    try:
        text = decode_bytes(data)
    except ImportRefused as refusal:
        yield ReadItem(name, error=str(refusal))
        return
    if suffix in JSON_SUFFIXES:
        yield from read_json_records(name, text)
        return
    try:
        if suffix in HTML_SUFFIXES:
            parsed, fmt = parse_html(text), "html"
        elif suffix in MARKDOWN_SUFFIXES:
            parsed, fmt = parse_markdown(text), "markdown"
        else:
            parsed, fmt = parse_plain(text), "text"
        draft = ArticleDraft(parsed, original=data, original_name=name, original_format=fmt, raw_text=text)
        yield ReadItem(name, draft)
    except ImportRefused as refusal:
        yield ReadItem(name, error=str(refusal))


TOO_DEEP = "The JSON is nested too deeply to be an article; nothing of it was imported."


def json_problem(error: json.JSONDecodeError) -> str:
    # The decoder's own words, which sometimes end in "at" ("Unterminated string starting at").
    return error.msg.removesuffix(" at")


def read_json_records(name: str, text: str) -> Iterator[ReadItem]:
    """JSON Lines (one object a line), one JSON document holding an object or a list, or W3C Web Annotations."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            document = None  # JSON Lines, read (and refused where broken) line by line below
        if is_web_annotation(document):
            yield from read_web_annotations(name, document)
            return
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as error:
            yield ReadItem(name, error=f"Not valid JSON: {json_problem(error)} (line {error.lineno}).")
            return
        except RecursionError:
            yield ReadItem(name, error=TOO_DEEP)
            return
        if records and all(is_web_annotation(record) for record in records):
            yield from read_web_annotations(name, records)
            return
        for number, record in enumerate(records, start=1):
            yield read_record(f"{name} item {number}", record)
        return
    yield from read_json_lines(name, text.splitlines())


def read_json_lines(name: str, lines) -> Iterator[ReadItem]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield read_json_line(f"{name} line {number}", line)


def read_json_line(label: str, line: str) -> ReadItem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return ReadItem(label, error=f"Not valid JSON: {json_problem(error)} at column {error.colno}.")
    except RecursionError:
        return ReadItem(label, error=TOO_DEEP)
    return read_record(label, record, original=line.strip().encode())


# What crawlers, doccano, Label Studio and schema.org call each field, in order of preference.
METADATA_KEYS = {
    "title": ("title", "headline"),
    "url": ("url", "link", "source_url"),
    "language": ("language", "lang", "languageCode", "locale", "inLanguage"),
    "author": ("author", "authors", "byline", "creator"),
    "publisher": ("publisher", "source", "site_name", "sitename", "outlet"),
    "published": ("published", "date", "published_at", "publishedAt", "datePublished", "pubdate"),
}
# Fields that may hold several names (["A. Writer", "B. Writer"]) or a schema.org object ({"name": ...}).
NAME_FIELDS = {"author", "publisher"}


def read_record(label: str, record, original: bytes | None = None) -> ReadItem:
    """Read one JSON object: our own format, doccano's JSONL, or a Label Studio task.

    `original` is the record as it came in, when it came as its own line; otherwise the
    record is kept as JSON.
    """
    if not isinstance(record, dict):
        return ReadItem(label, error="Each line must be a JSON object with a “text” or “html” field.")
    spans: list[SpanDraft] = []
    if isinstance(record.get("data"), dict):  # Label Studio task
        spans = label_studio_spans(record)
        record = {**record, **record["data"]}
    body_text, body_html = record.get("text"), record.get("html")
    if not isinstance(body_text, str) and not isinstance(body_html, str):
        return ReadItem(label, error="The object has no “text” or “html” string.")
    if "label" in record or "labels" in record:  # doccano
        spans = doccano_spans(record.get("label", record.get("labels")), body_text or "")
    try:
        parsed = parse_html(body_html) if isinstance(body_html, str) and not body_text else parse_plain(body_text)
        metadata = read_metadata(record)
        parsed.author = metadata["author"] or parsed.author
        parsed.publisher = metadata["publisher"] or parsed.publisher
        parsed.published_on = metadata["published"] or parsed.published_on
        draft = ArticleDraft(
            parsed,
            original=original or json.dumps(record, ensure_ascii=False).encode(),
            original_name=label,
            original_format="json",
            title=metadata["title"],
            url=web_address(metadata["url"]),
            language=metadata["language"],
            spans=spans,
            span_text=(body_text or "") if spans else "",
            raw_text=body_text if isinstance(body_text, str) and body_text else body_html,
        )
    except ImportRefused as refusal:
        return ReadItem(label, error=str(refusal))
    return ReadItem(label, draft)


def web_address(url: str) -> str:
    """The article's address, if it is a web page's: nothing else may become a link."""
    url = url.strip()
    if url:
        try:
            web_url(url)
        except ValidationError:
            raise ImportRefused(f"“url” must be an http:// or https:// address, not {url[:80]!r}.") from None
    return url


def read_metadata(record: dict) -> dict:
    """Each field of METADATA_KEYS from the first of its keys the record has.

    Strings ("" when missing), but the publication date: a date, or None.
    """
    metadata = {}
    for field_name, keys in METADATA_KEYS.items():
        key = next((key for key in keys if record.get(key) not in (None, "", [])), "")
        value = record.get(key, "")
        if field_name in NAME_FIELDS:
            value = read_names(value)
        if not isinstance(value, str):
            allowed = "a string or a list of strings" if field_name in NAME_FIELDS else "a string"
            raise ImportRefused(f"“{key}” must be {allowed}.")
        if field_name == "published":
            value = parse_date(value) if key else None
            if key and value is None:
                raise ImportRefused(f"“{key}” is not a date like 2025-01-31: {record[key]!r}.")
        metadata[field_name] = value
    return metadata


def read_names(value):
    """Names as one string: "A, B" for a list, the name of a schema.org object; anything else as it is."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"]
    if isinstance(value, list):
        names = [read_names(item) for item in value]
        if all(isinstance(name, str) for name in names):
            return ", ".join(name for name in names if name.strip())
    return value


def doccano_spans(labels, text: str) -> list[SpanDraft]:
    """doccano exports [start, end, label] triples in code points, like Python (and Label Studio's
    JSON_MIN its regions under the same key).

    A triple whose offsets fall outside the text keeps no words, so it is counted among the
    spans that could not be placed rather than dropped unseen.
    """
    spans = []
    for item in labels or []:
        if isinstance(item, list | tuple) and len(item) == 3 and all(isinstance(n, int) for n in item[:2]):
            start, end, label = item
            exact = text[start:end] if 0 <= start < end <= len(text) else ""
            spans.append(SpanDraft(start, end, str(label), exact))
        elif isinstance(item, dict) and isinstance(item.get("labels"), list) and item["labels"]:
            # Label Studio's JSON_MIN export: {start, end, text, labels}, the words beside the offsets.
            start = item.get("start") if isinstance(item.get("start"), int) else 0
            end = item.get("end") if isinstance(item.get("end"), int) else 0
            exact = item.get("text") if isinstance(item.get("text"), str) else ""
            spans.append(SpanDraft(start, end, str(item["labels"][0]), exact))
    return spans


def label_studio_spans(task: dict) -> list[SpanDraft]:
    """Label Studio keeps the span's words beside its offsets; the words are what count.

    Results without labels (choices, relations, ratings) are not spans. Labelled ones without
    words are kept, and counted among those that could not be placed.
    """
    spans = []
    for annotation in task.get("annotations") or []:
        for result in (annotation or {}).get("result") or []:
            value = (result or {}).get("value") or {}
            labels = value.get("labels") or value.get("hypertextlabels") or []
            if labels:
                start = value.get("start") if isinstance(value.get("start"), int) else 0
                end = value.get("end") if isinstance(value.get("end"), int) else 0
                exact = value.get("text") if isinstance(value.get("text"), str) else ""
                spans.append(SpanDraft(start, end, str(labels[0]), exact))
    return spans


W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
W3C_TYPES = {"Annotation", "AnnotationPage", "AnnotationCollection"}


def is_web_annotation(document) -> bool:
    """A W3C Web Annotation, page or collection (by its JSON-LD context or its type)."""
    if not isinstance(document, dict):
        return False
    context, kind = document.get("@context"), document.get("type")
    contexts = context if isinstance(context, list) else [context]
    kinds = kind if isinstance(kind, list) else [kind]
    return W3C_CONTEXT in contexts or any(k in W3C_TYPES for k in kinds if isinstance(k, str))


def web_annotations_in(document) -> Iterator[dict]:
    """The annotations of a collection (its embedded first page), a page, a list or a @graph."""
    if isinstance(document, list):
        for each in document:
            yield from web_annotations_in(each)
    elif isinstance(document, dict):
        kinds = document.get("type") if isinstance(document.get("type"), list) else [document.get("type")]
        if "AnnotationCollection" in kinds:
            yield from web_annotations_in(document.get("first"))
        elif "AnnotationPage" in kinds:
            yield from web_annotations_in(document.get("items"))
        elif "@graph" in document:
            yield from web_annotations_in(document["@graph"])
        elif "Annotation" in kinds:
            yield document


def web_annotation_span(annotation: dict) -> tuple[dict, SpanDraft] | None:
    """The annotation's target (its source described) and its span: positions, words and classifying label."""
    target = annotation.get("target")
    target = target[0] if isinstance(target, list) and target else target
    if not isinstance(target, dict) or not isinstance(target.get("source"), dict):
        return None
    selectors = target.get("selector")
    selectors = [s for s in (selectors if isinstance(selectors, list) else [selectors]) if isinstance(s, dict)]
    position = next((s for s in selectors if s.get("type") == "TextPositionSelector"), {})
    quote = next((s for s in selectors if s.get("type") == "TextQuoteSelector"), {})
    bodies = annotation.get("body")
    bodies = bodies if isinstance(bodies, list) else [bodies]
    label = next(
        (b["value"] for b in bodies if isinstance(b, dict) and b.get("purpose") == "classifying" and "value" in b), ""
    )
    start, end = position.get("start"), position.get("end")
    if not (isinstance(start, int) and isinstance(end, int)):
        start = end = 0
    exact = quote.get("exact") if isinstance(quote.get("exact"), str) else ""
    return target, SpanDraft(start, end, str(label), exact)


def read_web_annotations(name: str, document) -> Iterator[ReadItem]:
    """W3C Web Annotations that embed the text they target (the `value` of the target's source,
    as Sourcetrace's own export writes it): an article per text, with its spans.

    Annotations of a text the file does not hold cannot be placed: each such text is refused
    with its reason.
    """
    sources: dict[str, dict] = {}
    spans: dict[str, list[SpanDraft]] = {}
    for annotation in web_annotations_in(document):
        found = web_annotation_span(annotation)
        if found is None:
            continue
        target, span = found
        source = target["source"]
        key = str(source.get("id", len(sources)))
        described = sources.setdefault(key, {"scope": target.get("scope")})
        described.update({k: v for k, v in source.items() if v not in (None, "")})
        spans.setdefault(key, []).append(span)
    if not sources:
        yield ReadItem(name, error="The W3C annotations hold no target with a text to import.")
    for number, (key, source) in enumerate(sources.items(), start=1):
        label = f"{name} text {number}"
        text = source.get("value")
        if not isinstance(text, str):
            yield ReadItem(
                label, error=f"The annotations of {key[:200]} do not hold its text, so they cannot be placed."
            )
            continue
        scope = source.get("scope") if isinstance(source.get("scope"), str) else ""
        title, language = source.get("label"), source.get("language")
        try:
            draft = ArticleDraft(
                parse_plain(text),
                original=json.dumps(source, ensure_ascii=False).encode(),
                original_name=label,
                original_format="json",
                title=title if isinstance(title, str) else "",
                url=web_address(scope),
                language=language if isinstance(language, str) else "",
                spans=spans[key],
                span_text=text,
                raw_text=text,
            )
        except ImportRefused as refusal:
            yield ReadItem(label, error=str(refusal))
            continue
        yield ReadItem(label, draft)


def read_pasted(text: str, title: str = "") -> ReadItem:
    label = "pasted text"
    try:
        return ReadItem(
            label,
            ArticleDraft(
                parse_plain(text),
                original=text.encode(),
                original_name=label,
                original_format="text",
                title=title,
                raw_text=text,
            ),
        )
    except ImportRefused as refusal:
        return ReadItem(label, error=str(refusal))
