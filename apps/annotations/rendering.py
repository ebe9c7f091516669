"""Build an article's highlighted HTML in one pass over its text and the spans' boundaries.

Every piece of text goes through `escape`; markup is only ever our own. Overlapping spans are
cut into flat segments, each naming all the annotations that cover it, so any nesting shows.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.articles.models import Article, TextBlock


@dataclass(frozen=True, slots=True)
class RenderedBlock:
    block: TextBlock
    html: SafeString


def render_blocks(article: Article, annotations, blocks: list[TextBlock] | None = None) -> list[RenderedBlock]:
    """Return the article's blocks (or only `blocks`) with `annotations` highlighted in them."""
    blocks = article.blocks() if blocks is None else blocks
    spans = sorted((a.start, a.end, a.pk, a.kind) for a in annotations)
    rendered, active, next_span = [], [], 0
    for block in blocks:
        # Sweep: spans join `active` when the text reaches them and leave once it passes their end.
        while next_span < len(spans) and spans[next_span][0] < block.end:
            active.append(spans[next_span])
            next_span += 1
        active = [span for span in active if span[1] > block.start]
        inside = [span for span in active if span[0] < block.end]
        rendered.append(RenderedBlock(block, _render_block(block, inside)))
    return rendered


def _render_block(block: TextBlock, spans) -> SafeString:
    if not spans:
        return escape(block.text)
    cuts = {block.start, block.end}
    for start, end, _, _ in spans:
        cuts.add(max(start, block.start))
        cuts.add(min(end, block.end))
    points = sorted(cuts)
    starts_at = {}
    for start, _, pk, kind in spans:
        if start >= block.start:
            starts_at.setdefault(start, []).append((pk, kind))
    parts = []
    for left, right in zip(points, points[1:], strict=False):
        for pk, kind in starts_at.get(left, ()):
            parts.append(f'<span class="hl-label hl-label-{kind}" data-label-for="{pk}" aria-hidden="true"></span>')
        covering = [(pk, kind) for start, end, pk, kind in spans if start <= left and end >= right]
        text = escape(block.text[left - block.start : right - block.start])
        if covering:
            kinds = " ".join(sorted({f"hl-{kind}" for _, kind in covering}))
            ids = " ".join(str(pk) for pk, _ in covering)
            parts.append(f'<mark class="hl {kinds}" data-ids="{ids}">{text}</mark>')
        else:
            parts.append(text)
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
