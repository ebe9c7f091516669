"""Two articles of a story in two columns, each paragraph on the row of the one it corresponds to.

Each column holds every line of its article's text in text order (the workbench's script rebuilds
the text and every offset from them), grouped into rows: row i of both columns shows the i-th pair
of paragraphs the alignment found, and a CSS grid gives both the height of the taller one.
"""

from bisect import bisect_right
from dataclasses import dataclass

from django.db import models
from django.utils.safestring import SafeString

from apps.annotations.rendering import RenderedBlock, blocks_html, render_blocks, spans
from apps.articles.models import Article
from apps.stories.alignment import Pair, Segment, align_paragraphs


@dataclass(frozen=True)
class Cell:
    html: SafeString
    only_here: bool  # the text here has no counterpart in the other column
    empty: bool  # the other column's text has no counterpart here


@dataclass(frozen=True)
class Column:
    article: Article
    side: str  # "left" or "right"
    cells: list[Cell]


def by_publication(articles):
    """A story's articles in the order they were published (undated last), then imported."""
    return articles.order_by(models.F("published_on").asc(nulls_last=True), "imported_at", "pk")


def block_id_prefix(article: Article) -> str:
    # Not the workbench's "block-": the two columns' paragraphs need ids of their own.
    return f"article-{article.pk}-block-"


def rows_of(rendered: list[RenderedBlock], segments: list[tuple[Segment, ...]]) -> list[list[RenderedBlock]]:
    """The text's lines grouped by the row of the paragraph they belong to.

    A line goes to the row of the last paragraph starting at or before it (the blank lines after
    a paragraph stay with it); rows never go back, so that the lines stay in text order.
    """
    starts = sorted((segment.start, row) for row, run in enumerate(segments) for segment in run)
    positions = [start for start, _ in starts]
    rows: list[list[RenderedBlock]] = [[] for _ in segments] or [[]]
    row = 0
    for item in rendered:
        at = bisect_right(positions, item.block.start)
        if at:
            row = max(row, starts[at - 1][1])
        rows[row].append(item)
    return rows


def column(article: Article, side: str, segments: list[tuple[Segment, ...]], pairs: list[Pair] | None, user) -> Column:
    """One article's column, with the annotations the user may see (blind mode holds) highlighted."""
    annotations = spans(article.annotations.live().open_to(user))
    rendered = render_blocks(article, annotations, viewer_id=user.pk)
    prefix = block_id_prefix(article)
    cells = []
    for index, blocks in enumerate(rows_of(rendered, segments)):
        has_text = bool(segments[index]) if segments else True
        one_sided = bool(pairs) and pairs[index].one_sided
        cells.append(
            Cell(
                html=blocks_html(blocks, id_prefix=prefix),
                only_here=one_sided and has_text,
                empty=one_sided and not has_text,
            )
        )
    return Column(article=article, side=side, cells=cells)


def side_by_side(left: Article, right: Article | None, user, *, only: str = "") -> list[Column]:
    """The columns of two articles aligned paragraph by paragraph; of one alone, its paragraphs.
    `only` ("left" or "right"): that column alone, as the page renders it again."""
    if right is None:
        return [column(left, "left", [], None, user)] if only in ("", "left") else []
    pairs = align_paragraphs(left.text, right.text, left_language=left.language, right_language=right.language)
    columns = []
    if only in ("", "left"):
        columns.append(column(left, "left", [pair.left for pair in pairs], pairs, user))
    if only in ("", "right"):
        columns.append(column(right, "right", [pair.right for pair in pairs], pairs, user))
    return columns
