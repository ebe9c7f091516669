"""Build an article's highlighted HTML and its annotation list in plain Python.

Both are rendered here rather than in templates because a long article carries thousands of
annotations and the template engine costs tens of microseconds per variable; the page must
render in a few milliseconds whatever the count. Every piece of user text goes through
`html.escape`; markup is only ever our own. Overlapping spans are cut into flat segments,
each naming all the annotations that cover it, so any nesting shows.
"""

from dataclasses import dataclass
from functools import cache
from html import escape
from itertools import pairwise
from typing import NamedTuple

from django.db import connections, router
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from apps.annotations.models import Annotation, AnnotationKind, AnnotationStatus, LinkRole
from apps.articles.models import Article, TextBlock
from apps.projects.permissions import blinded_project_ids

# The list shows the start of each annotated passage; the text itself has the rest.
EXCERPT_CHARS = 90
# Opening quotation marks of the languages articles come in, each with the marks that close it
# (English, German, Polish, French, Swedish, Japanese...); not the ASCII apostrophe, which
# opens far more elisions ('90s) than quotations.
CLOSING_MARKS = {
    '"': '"',
    "“": "”",
    "”": "”",
    "„": "“”",
    "‘": "’",
    "‚": "‘’",
    "«": "»",
    "»": "«",
    "‹": "›",
    "「": "」",
    "『": "』",
}
DOUBLE_MARKS = set('"“”„«»「」『』')
# Punctuation that may follow the closing mark of a passage: `“No deal”.` is a quotation too.
TRAILING_PUNCTUATION = ".,;:!?…،؛؟۔"

KIND_LABELS = dict(AnnotationKind.choices)
STATUS_LABELS = dict(AnnotationStatus.choices)
ROLE_LABELS = dict(LinkRole.choices)


class ListedAnnotation(NamedTuple):
    """What the article page needs of one annotation: a `for_listing` row, cheap to build by the thousand."""

    pk: int
    kind: str
    start: int
    end: int
    excerpt: str
    status: str
    author_id: int
    author: str
    links: list[dict[str, str]]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


class Span(NamedTuple):
    """The least a highlight needs; with its author, to tell whose it is where several analysts' show."""

    pk: int
    kind: str
    start: int
    end: int
    author_id: int | None = None
    author: str = ""


SPAN_FIELDS = ("pk", "kind", "start", "end", "created_by_id", "created_by__username")


def spans(annotations) -> list[Span]:
    return list(map(Span._make, annotations.values_list(*SPAN_FIELDS)))


# Stand-ins for an article's id and a stretch's ends in the statement of `overlapping_spans`,
# compiled once: no id is negative, no text two billion characters long (and the ends stay
# within the column's range, outside which Django answers a comparison without the database).
ARTICLE, BEFORE, AFTER = -2_000_000_001, 2_000_000_002, 2_000_000_003
overlapping_statements: dict = {}


def overlapping_spans(article: Article, user, start: int, end: int) -> list[Span]:
    """The live annotations of the article the user may see (blind mode) that overlap start–end:
    `spans()` of `article.annotations.live().open_to(user)` within the stretch.

    Every span create and edit answers with the text blocks it changed; compiling the query took
    four times as long as running it. Its SQL depends only on who is blinded where, so it is
    compiled once per such scope and process, with stand-ins for the article and the stretch
    whose places among the parameters are noted.
    """
    hidden = tuple(sorted(blinded_project_ids(user)))
    if {user.pk, *hidden} & {ARTICLE, BEFORE, AFTER}:
        annotations = article.annotations.live().open_to(user).filter(start__lt=end, end__gt=start)
        return spans(annotations)
    statement = overlapping_statements.get((user.pk, hidden))
    if statement is None:
        annotations = (
            Annotation.objects.filter(article_id=ARTICLE).live().open_to(user).filter(start__lt=BEFORE, end__gt=AFTER)
        )
        sql, params = annotations.values_list(*SPAN_FIELDS).query.sql_with_params()
        places = {i: param for i, param in enumerate(params) if param in (ARTICLE, BEFORE, AFTER)}
        if len(overlapping_statements) >= 1024:
            overlapping_statements.clear()
        statement = overlapping_statements[user.pk, hidden] = (sql, list(params), places)
    sql, params, places = statement
    params = params.copy()
    values = {ARTICLE: article.pk, BEFORE: end, AFTER: start}
    for place, stand_in in places.items():
        params[place] = values[stand_in]
    with connections[router.db_for_read(Annotation)].cursor() as cursor:
        cursor.execute(sql, params)
        return list(map(Span._make, cursor.fetchall()))


# Colours told apart by every kind of colour vision (Okabe–Ito, darkened for white text), one per
# author by their id, so that the same analyst has the same colour on every article.
AUTHOR_COLOURS = 6


def label_html(annotation, viewer_id: int | None) -> str:
    """The kind label that opens a highlight; another person's carries their name (drawn by CSS
    after the kind, "CLAIM · ana"), so overlapping spans of two analysts tell whose is whose."""
    kind, pk = annotation.kind, annotation.pk
    author = getattr(annotation, "author", "")
    if not author or annotation.author_id == viewer_id:
        return f'<span class="hl-label hl-label-{kind}" data-label-for="{pk}" aria-hidden="true"></span>'
    name = escape(author)
    return (
        f'<span class="hl-label hl-label-{kind} hl-author-{annotation.author_id % AUTHOR_COLOURS}" '
        f'data-label-for="{pk}" data-author="{name}" title="{KIND_LABELS[kind]} by {name}" aria-hidden="true"></span>'
    )


def listed(annotations) -> list[ListedAnnotation]:
    """The annotations of a queryset as the article page lists them, in text order."""
    return list(map(ListedAnnotation._make, annotations.for_listing(EXCERPT_CHARS)))


@dataclass(frozen=True, slots=True)
class RenderedBlock:
    block: TextBlock
    html: SafeString


def render_blocks(
    article: Article, annotations, blocks: list[TextBlock] | None = None, *, viewer_id: int | None = None
) -> list[RenderedBlock]:
    """Return the article's blocks (or only `blocks`) with `annotations` highlighted in them;
    those of others than `viewer_id` name their author (when the annotations carry one)."""
    blocks = article.blocks() if blocks is None else blocks
    spans = sorted((a.start, a.end, a.pk, a.kind, label_html(a, viewer_id)) for a in annotations)
    rendered, active, next_span = [], [], 0
    for block in blocks:
        # Sweep: spans join `active` when the text reaches them and leave once it passes their end.
        while next_span < len(spans) and spans[next_span][0] < block.end:
            active.append(spans[next_span])
            next_span += 1
        active = [span for span in active if span[1] > block.start]
        inside = [span for span in active if span[0] < block.end]
        rendered.append(RenderedBlock(block, mark_safe(_highlight(block, inside))))  # noqa: S308 - escaped
    return rendered


def blocks_html(rendered: list[RenderedBlock], *, out_of_band: bool = False, id_prefix: str = "block-") -> SafeString:
    """The blocks as paragraphs and headings; `out_of_band` makes htmx swap each in by its id.

    A page that shows several texts gives each its own `id_prefix`: ids are unique in a page.
    """
    oob = ' hx-swap-oob="true"' if out_of_band else ""
    parts = []
    for item in rendered:
        tag = "h2" if item.block.is_heading else "p"
        css = "block heading" if item.block.is_heading else "block"
        start = item.block.start
        parts.append(
            f'<{tag} class="{css}" id="{id_prefix}{start}" data-start="{start}" dir="auto"{oob}>{item.html}</{tag}>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - block html is escaped in _highlight


def _highlight(block: TextBlock, spans) -> str:
    if not spans:
        return escape(block.text, quote=False)
    opening, closing = {}, {}
    for span in spans:
        opening.setdefault(max(span[0], block.start), []).append(span)
        closing.setdefault(min(span[1], block.end), []).append(span)
    points = sorted({block.start, block.end, *opening, *closing})
    covering = {}  # pk -> kind, in the spans' text order
    parts = []
    # Most blocks hold nothing to escape; checking once spares a call per segment.
    plain = not any(character in block.text for character in "&<>")
    for left, right in pairwise(points):
        for _, _, pk, _, _ in closing.get(left, ()):
            del covering[pk]
        for start, _, pk, kind, label in opening.get(left, ()):
            covering[pk] = kind
            if start >= block.start:
                parts.append(label)
        text = block.text[left - block.start : right - block.start]
        if not plain:
            text = escape(text, quote=False)
        if covering:
            kinds = " ".join(sorted({f"hl-{kind}" for kind in covering.values()}))
            ids = " ".join(map(str, covering))
            parts.append(f'<mark class="hl {kinds}" data-ids="{ids}">{text}</mark>')
        else:
            parts.append(text)
    return "".join(parts)


def unquoted(excerpt: str, *, complete: bool) -> str:
    """The passage without the quotation marks that enclose it whole, as the list sets its own.

    A passage opens one quotation when the first mark that closes it ends the passage (before
    any full stop); in a passage cut short, when none closes it within the excerpt.
    """
    closing = CLOSING_MARKS.get(excerpt[:1])
    if not closing:
        return excerpt
    body = excerpt[1:]
    quoted = body.rstrip(TRAILING_PUNCTUATION)
    if complete:
        if not quoted or quoted[-1] not in closing:
            return excerpt
        body, quoted = quoted[:-1] + body[len(quoted) :], quoted[:-1]
    return body if not any(mark in quoted for mark in closing) else excerpt


def quoted_html(excerpt: str, *, complete: bool) -> str:
    """The excerpt once between English quotation marks, as the list is in English.

    The marks stay outside the passage, which is isolated in a `<bdi>`: inside it a right-to-left
    passage takes its own direction, and the marks around it keep theirs instead of swapping
    sides. A passage that still holds double marks gets single ones around it.
    """
    passage = unquoted(excerpt, complete=complete)
    if not complete:
        passage += "…"
    opening, closing = ("‘", "’") if DOUBLE_MARKS.intersection(passage) else ("“", "”")
    return f'<span class="excerpt">{opening}<bdi>{escape(passage)}</bdi>{closing}</span>'


@cache
def source_address_prefix() -> str:
    return reverse("directory:detail", args=[1]).removesuffix("1/")


def source_address(pk: int) -> str:
    """The source's page in the directory (Source.get_absolute_url, without a model instance per link)."""
    return f"{source_address_prefix()}{int(pk)}/"


def annotation_list_html(annotations: list[ListedAnnotation]) -> SafeString:
    parts = []
    for a in annotations:
        complete = len(a.excerpt) <= EXCERPT_CHARS
        excerpt = a.excerpt if complete else a.excerpt[: EXCERPT_CHARS - 1]
        meta = [STATUS_LABELS[a.status], escape(a.author)]
        meta += [
            f'{ROLE_LABELS[link["role"]]} <a class="source-link" href="{source_address(link["source_id"])}">'
            f"{escape(link['source'])}</a>"
            for link in a.links
        ]
        parts.append(
            f'<li class="annotation-item kind-{a.kind}" data-id="{a.pk}" data-start="{a.start}">'
            f'<a href="#" class="jump" data-id="{a.pk}"><span class="kind-label">{a.kind_label}</span> '
            f'{quoted_html(excerpt, complete=complete)}</a><span class="meta">{" · ".join(meta)}</span></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every user-supplied piece is escaped


def passage_html(annotation) -> SafeString:
    """The paragraphs an annotation lies in, with it alone highlighted: what a reviewer reads."""
    article = annotation.article
    blocks = [b for b in article.blocks() if b.start < annotation.end and b.end > annotation.start]
    span = Span(annotation.pk, annotation.kind, annotation.start, annotation.end)
    return blocks_html(render_blocks(article, [span], blocks))
