"""The curation view's rows: an article's live annotations cut into passages, side by side.

A passage gathers the annotations of one kind whose spans overlap, directly or through one
another, by any analyst. It is agreed when every analyst of the article marked exactly the same
characters once, differs when all marked it but not the same characters, and is partial when
some analysts did not mark it at all.
"""

from bisect import bisect_right
from dataclasses import dataclass, field

from apps.annotations.models import Annotation
from apps.annotations.rendering import RenderedBlock, Span, render_blocks

AGREED, DIFFERENT, PARTIAL = "agreed", "different", "partial"
STATE_LABELS = {
    AGREED: "Same span",
    DIFFERENT: "Different spans",
    PARTIAL: "Not everyone",
}


@dataclass
class Passage:
    kind: str
    start: int
    end: int
    annotations: list[Annotation] = field(default_factory=list)
    cells: list[list[Annotation]] = field(default_factory=list)  # one per analyst, in column order
    state: str = PARTIAL
    context: list[RenderedBlock] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def kind_label(self) -> str:
        return Annotation.Kind(self.kind).label


def article_passages(article) -> tuple[list[str], list[Passage]]:
    """The analysts (user names, the columns) and the passages of `article`, in text order."""
    annotations = list(
        article.annotations.live()
        .select_related("created_by")
        .only("pk", "kind", "start", "end", "exact", "status", "version", "article_id", "created_by__username")
        .order_by("start", "end", "pk")
    )
    analysts = sorted({annotation.created_by.get_username() for annotation in annotations})
    passages = []
    for kind in Annotation.Kind.values:
        current = None
        for annotation in (a for a in annotations if a.kind == kind):
            if current is None or annotation.start >= current.end:
                current = Passage(kind, annotation.start, annotation.end)
                passages.append(current)
            current.end = max(current.end, annotation.end)
            current.annotations.append(annotation)
    passages.sort(key=lambda passage: (passage.start, passage.end, passage.kind))

    blocks = article.blocks()
    block_starts = [block.start for block in blocks]
    for passage in passages:
        by_analyst = {name: [] for name in analysts}
        for annotation in passage.annotations:
            by_analyst[annotation.created_by.get_username()].append(annotation)
        passage.cells = list(by_analyst.values())
        spans = {(annotation.start, annotation.end) for annotation in passage.annotations}
        if any(not cell for cell in passage.cells):
            passage.state = PARTIAL
        elif len(spans) == 1 and all(len(cell) == 1 for cell in passage.cells):
            passage.state = AGREED
        else:
            passage.state = DIFFERENT
        # The lines the passage lies in, with every analyst's version highlighted (escaped there).
        first = max(bisect_right(block_starts, passage.start) - 1, 0)
        last = bisect_right(block_starts, max(passage.end - 1, passage.start))
        marked = [Span(a.pk, a.kind, a.start, a.end) for a in passage.annotations]
        passage.context = render_blocks(article, marked, blocks[first:last])
    return analysts, passages
