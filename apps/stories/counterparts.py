"""The passage of another text of the story that corresponds to a marked one: the sentences the
alignment pairs with the marked one's, then the clause or quotation inside them that shares its
names, numbers and dates and sits where the marked passage sits in its own sentence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from apps.stories.alignment import _END, _WORD, Pair, Segment, _length_cost, _word_features, align_sentences

_DOUBLE = '"“”„«»‹›「」『』'
_SINGLE = "‚‘’'"
_CLAUSE = ",;:–—("
_TRAILING = " \t\n,;:–—" + _DOUBLE + _SINGLE
_LEADING = " \t\n,;:–—)" + _DOUBLE + _SINGLE
_SPACE = regex.compile(r"\s")


@dataclass(frozen=True)
class Proposal:
    start: int
    end: int
    score: float


def propose_span(
    source: str,
    target: str,
    *,
    start: int,
    end: int,
    kind: str = "",
    source_language: str = "und",
    target_language: str = "und",
) -> Proposal | None:
    """The span of `target` that says what `source[start:end]` says, or None when the target has
    nothing to pair it with."""
    pairs = align_sentences(source, target, left_language=source_language, right_language=target_language)
    if not pairs or not any(p.right for p in pairs):
        return None
    exact = source[start:end]
    region, source_range, anchored, aligned = _region(pairs, start, end, target, exact)
    if region is None:
        return None
    passage_start, passage_end, score = _narrowed(
        source,
        target,
        start,
        end,
        kind,
        region,
        source_range,
        quoted=kind == "quote" or _inside_quotation(source, start),
        aligned=aligned,
    )
    return Proposal(passage_start, passage_end, round(score if anchored else score / 2, 3))


# Which sentences of the target.


def _region(pairs: list[Pair], start: int, end: int, target: str, exact: str):
    touched = [k for k, p in enumerate(pairs) if any(s.start < end and start < s.end for s in p.left)]
    if not touched:
        return None, None, False, False
    source_range = Segment(
        min(s.start for k in touched for s in pairs[k].left), max(s.end for k in touched for s in pairs[k].left)
    )
    rights = [s for k in touched for s in pairs[k].right]
    anchored = aligned = bool(rights)
    if not rights:
        # A sentence the alignment left unpaired: the target's unpaired sentences between the
        # same paired neighbours are the translation that shared no anchor with it.
        before = next((k for k in range(touched[0] - 1, -1, -1) if pairs[k].left and pairs[k].right), -1)
        after = next((k for k in range(touched[-1] + 1, len(pairs)) if pairs[k].left and pairs[k].right), len(pairs))
        rights = [s for k in range(before + 1, after) for s in pairs[k].right if not pairs[k].left]
    # Names and numbers can say better: a sentence that holds clearly more of them wins.
    anchors = _features_of(exact)
    if anchors:
        all_rights = [s for p in pairs for s in p.right]
        best, best_share = None, 0.0
        for sentence in all_rights:
            share = _share(anchors, _features_of(target[sentence.start : sentence.end]))
            if share > best_share:
                best, best_share = sentence, share
        current = _share(anchors, _features_of("".join(target[s.start : s.end] for s in rights))) if rights else 0.0
        if best is not None and best_share >= 0.5 and best_share > current + 0.25:
            rights, anchored, aligned = [best], True, False
    if not rights:
        return None, source_range, False, False
    return Segment(min(s.start for s in rights), max(s.end for s in rights)), source_range, anchored, aligned


def _features_of(text: str) -> set[str]:
    found = set()
    for word in _WORD.findall(text):
        found |= _word_features(word)
    return found


@lru_cache(maxsize=64)
def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(_features_of(text))


def _share(anchors: set[str], found: set[str]) -> float:
    weights = {f: 2.0 if f[0] in "nae" else 1.0 for f in anchors}
    return sum(w for f, w in weights.items() if f in found) / sum(weights.values())


# Which part of those sentences.


def _inside_quotation(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] == " ":
        k -= 1
    return k >= 0 and (text[k] in _DOUBLE + "‚‘" or (text[k] == "," and k > 0 and text[k - 1] == " "))


def _quote_marks(text: str, start: int, end: int) -> list[tuple[int, str, str]]:
    """(offset, family, "open" or "close") of the quotation marks in text[start:end], told apart by
    what is on either side of them (the same mark opens in one language and closes in another)."""
    marks = []
    for k in range(start, end):
        char = text[k]
        if char == ",":
            if k > start and text[k - 1] == " " and k + 1 < end and text[k + 1].isalpha():
                marks.append((k, "single", "open"))
            continue
        if char not in _DOUBLE and char not in _SINGLE:
            continue
        before = text[k - 1] if k > start else " "
        after = text[k + 1] if k + 1 < end else " "
        family = "double" if char in _DOUBLE else "single"
        if before.isalnum() and after.isalnum():
            continue  # an apostrophe
        if before.isspace() or before in "([" or k == start:
            marks.append((k, family, "open"))
        elif after.isspace() or not after.isalnum():
            marks.append((k, family, "close"))
    return marks


def _quotations(text: str, region: Segment) -> list[tuple[int, int]]:
    """The inner spans of the quotations in the region; one whose other mark lies outside it runs
    to the region's edge, and a quotation interrupted by its attribution ("A", he said, "B") is one."""
    marks = _quote_marks(text, region.start, region.end)
    found = []
    used = set()
    for index, (offset, family, side) in enumerate(marks):
        if side == "open":
            closing = next((m for m in marks[index + 1 :] if m[1] == family and m[2] == "close"), None)
            if closing is not None:
                used.add(closing[0])
            found.append((offset + 1, closing[0] if closing else region.end))
    for offset, _family, side in marks:
        if side == "close" and offset not in used and not any(a <= offset <= b for a, b in found):
            found.append((region.start, offset))
    found.sort()
    merged = []
    for inner_start, inner_end in found:
        if merged:
            previous_start, previous_end, quoted = merged[-1]
            between = text[previous_end:inner_start]
            last = text[previous_start:previous_end].rstrip()
            if (
                between.lstrip(_DOUBLE + _SINGLE).startswith(",")
                and last
                and last[-1] not in _END
                and not any(c in _END for c in between[1:])
            ):
                merged[-1] = (previous_start, inner_end, quoted + inner_end - inner_start)
                continue
        merged.append((inner_start, inner_end, inner_end - inner_start))
    return [(a, b, quoted) for a, b, quoted in merged if text[a:b].strip()]


def _cut_points(text: str, region: Segment) -> tuple[list[int], list[int]]:
    starts, ends = {region.start}, {region.end}
    for k in range(region.start, region.end):
        char = text[k]
        if char in "–—" and k > region.start and text[k - 1].isdigit():
            continue  # a range of numbers: 2025–2027
        if char == "." and k > region.start and text[k - 1].isdigit():
            continue  # an ordinal: 11. April
        if char in _CLAUSE or char in _DOUBLE or char in _SINGLE or char in _END:
            ends.add(k)
            ends.add(k + 1)
            starts.add(k + 1)
    return sorted(starts), sorted(ends)


def _trim(text: str, start: int, end: int, keep_end: bool, keep_open: bool) -> tuple[int, int]:
    while start < end and (text[start] in _LEADING and not (keep_open and text[start] == "(")):
        start += 1
    while end > start and text[end - 1] in _TRAILING + ("" if keep_end else "." + "!?…。！？"):
        end -= 1
    if keep_end:
        # The sentence's own full stop stays; the marks after it go.
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        if end < len(text) and text[end] in ".!?…。！？" and end > start and text[end - 1] not in ".!?…。！？":
            end += 1
    return start, end


def _narrowed(source, target, start, end, kind, region, source_range, quoted, aligned):
    exact = source[start:end]
    # Where the passage sits in its sentence says little when the sentence was found by names alone.
    place_weight = 4.0 if aligned else 1.0
    keep_end = exact.rstrip()[-1:] in set(_END) - {":", ";"}
    keep_open = exact.lstrip()[:1] == "("
    shared = _vocabulary(source) & _vocabulary(target)
    anchors = _features_of(exact) & shared
    length = max(source_range.end - source_range.start, 1)
    ratio = len(target) / max(len(source), 1)
    relative_start = (start - source_range.start) / length
    relative_end = (end - source_range.start) / length
    region_length = max(region.end - region.start, 1)
    quotations = _quotations(target, region) if quoted else []
    starts, ends = _cut_points(target, region)
    candidates = {}
    for a in starts:
        for b in ends:
            if b <= a:
                continue
            c_start, c_end = _trim(target, a, b, keep_end, keep_open)
            if c_end - c_start < 2 or (c_start, c_end) in candidates:
                continue
            candidates[(c_start, c_end)] = None
    # A quotation is taken whole, its closing full stop included; an interrupted one is measured
    # by what it quotes.
    quoted_lengths, whole_quotations = {}, set()
    clauses = _clauses(exact)
    for inner_start, inner_end, quoted_length in quotations:
        span = _trim(target, inner_start, inner_end, True, keep_open)
        if inner_start > region.start:
            whole_quotations.add(span)
        candidates[span] = None
        quoted_lengths[span] = quoted_length - (inner_end - inner_start) + (span[1] - span[0])

    best, best_score = None, None
    for c_start, c_end in candidates:
        passage = target[c_start:c_end]
        found = _features_of(passage) & shared
        if anchors or found:
            common = sum(2.0 if f[0] in "nae" else 1.0 for f in anchors & found)
            total = sum(2.0 if f[0] in "nae" else 1.0 for f in anchors) + sum(
                2.0 if f[0] in "nae" else 1.0 for f in found
            )
            dice = 2 * common / total if total else 0.0
        else:
            dice = 0.5
        position = abs((c_start - region.start) / region_length - relative_start) + abs(
            (c_end - region.start) / region_length - relative_end
        )
        measured = quoted_lengths.get((c_start, c_end), len(passage))
        score = (
            3.0 * dice
            - 0.4 * min(_length_cost(len(exact), measured, ratio), 8.0)
            - place_weight * position
            - 0.25 * abs(_clauses(passage) - clauses)
        )
        if (c_start, c_end) in quoted_lengths:
            score += 2.0 if (c_start, c_end) in whole_quotations else 0.5
        if best_score is None or score > best_score:
            best, best_score = (c_start, c_end), score
    if best is None:
        return region.start, region.end, 0.0
    c_start, c_end = _refined(source, target, start, end, *best, anchors)
    return c_start, c_end, max(0.0, min(1.0, (best_score + 4) / 7))


def _clauses(text: str) -> int:
    return sum(text.count(mark) for mark in ",;:–—")


def _refined(source, target, start, end, c_start, c_end, anchors):
    """Drop words before the passage that the marked one does not have: the conjunction of a
    clause ("that" / "dass" once the marked passage starts after it), the words before a name
    the marked passage opens with."""
    words = list(_WORD.finditer(target, c_start, c_end))
    if not words:
        return c_start, c_end
    source_words = list(_WORD.finditer(source, start, end))
    preceding = list(_WORD.finditer(source, max(0, start - 40), start))
    # The name the marked passage opens with (or its second word, after an article).
    for lead in range(min(2, len(source_words))):
        lead_features = _word_features(source_words[lead].group()) & anchors
        if not lead_features or not (
            source_words[lead].group()[0].isupper() or not source_words[lead].group().isalpha()
        ):
            continue
        for k, word in enumerate(words[:8]):
            if _word_features(word.group()) & lead_features:
                keep = max(0, k - lead)
                dropped = words[:keep]
                if dropped and not any(_word_features(w.group()) & anchors for w in dropped):
                    return words[keep].start(), c_end
                break
        break
    if (
        preceding
        and not source[preceding[-1].end() : start].strip()
        and preceding[-1].group().islower()
        and len(words) > 2
        and words[0].group().islower()
        and len(words[0].group()) <= 5
        and not _SPACE.search(target[c_start : words[0].start()])
        and not (_word_features(words[0].group()) & anchors)
    ):
        return words[1].start(), c_end
    return c_start, c_end
