"""Which parts of two texts of one story correspond: paragraphs and sentences, paired across
languages without a translation service.

The pairs are runs of segments (one-to-one, one-to-many, many-to-one); a run with nothing on
one side is a part that exists in one text only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    """A paragraph or sentence: code-point offsets into its article's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Pair:
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    score: float

    @property
    def one_sided(self) -> bool:
        return not self.left or not self.right


_LINE = re.compile(r"[^\n]+")
_SENTENCE = re.compile(r"[^.!?。！？\n]+(?:[.!?。！？]+[”“»«\"']?|$)", re.MULTILINE)


def paragraphs(text: str) -> list[Segment]:
    return [Segment(m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]


def sentences(text: str, language: str = "und") -> list[Segment]:
    return [Segment(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def _in_order(left: list[Segment], right: list[Segment]) -> list[Pair]:
    pairs = [Pair((a,), (b,), 0.0) for a, b in zip(left, right, strict=False)]
    pairs += [Pair((a,), (), 0.0) for a in left[len(right) :]]
    pairs += [Pair((), (b,), 0.0) for b in right[len(left) :]]
    return pairs


def align_paragraphs(left: str, right: str, *, left_language: str = "und", right_language: str = "und") -> list[Pair]:
    """The paragraphs of two texts paired, in the order of both texts."""
    return _in_order(paragraphs(left), paragraphs(right))


def align_sentences(left: str, right: str, *, left_language: str = "und", right_language: str = "und") -> list[Pair]:
    """The sentences of two texts paired, in the order of both texts."""
    return _in_order(sentences(left, left_language), sentences(right, right_language))
