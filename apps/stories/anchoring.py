"""Where each annotation of one version of a text lands in the next: re-anchoring by the W3C
TextQuoteSelector (the quoted words with a little context on each side), as Hypothesis does,
with diff-match-patch's diff and fuzzy matching.

Nothing here touches the database: `versions.add_version` stores what this module works out.
Offsets are code points, as Python's str and Article.text count them.
"""

from __future__ import annotations

import difflib
import enum
import re
import time
from bisect import bisect_right
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from apps.annotations.models import whole_characters

DIFF_DELETE, DIFF_INSERT, DIFF_EQUAL = -1, 1, 0

# Re-anchoring stays bounded in time whatever the edits. The diff of the two texts gives up
# refining after TEXT_DIFF_SECONDS (diff-match-patch's own deadline) and answers a coarser diff;
# fuzzy matching stops at REANCHOR_SECONDS, and the passages left are then orphaned for a
# reviewer to place (only a text rewritten throughout gets there: see bench/reanchor_bench.py).
TEXT_DIFF_SECONDS = 0.5
REANCHOR_SECONDS = 1.0
# A changed passage still counts as the same passage from this similarity on (1 is the same words).
FUZZY_THRESHOLD = 0.5
# Occurrences of a quote looked at when its words are found elsewhere in the new text.
MAX_OCCURRENCES = 50
# A passage the diff cannot carry is looked for by this many of its first and last characters,
# found at most this many times each.
EDGE_CHARS = 24
MAX_EDGE_OCCURRENCES = 5


class State(enum.StrEnum):
    EXACT = "exact"  # the edits left the passage as it was: the diff carries it to the same words
    MOVED = "moved"  # the same words, found elsewhere than where the diff carries them
    FUZZY = "fuzzy"  # changed a little: the passage most like it, with a score
    ORPHANED = "orphaned"  # gone from the new text


@dataclass(frozen=True, slots=True)
class Quote:
    """What re-anchoring knows of an annotation: its span and TextQuoteSelector."""

    start: int
    end: int
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Placement:
    state: State
    start: int | None = None
    end: int | None = None
    score: float = 0.0


def matcher() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = TEXT_DIFF_SECONDS
    return dmp


class TextMap:
    """The diff of an old text and a new one, read as a map of old offsets onto new ones."""

    def __init__(self, old: str, new: str, dmp: diff_match_patch | None = None, *, began: float | None = None):
        self.old, self.new = old, new
        self.dmp = dmp or matcher()
        began = time.monotonic() if began is None else began
        self.deadline = began + REANCHOR_SECONDS
        diffs = diff_texts(self.dmp, old, new, began + TEXT_DIFF_SECONDS)
        # Each run of the diff as (old start, new start, old length, new length, operation),
        # sorted by old start, so that an offset is looked up by bisection.
        runs, old_at, new_at = [], 0, 0
        for operation, text in diffs:
            old_length = 0 if operation == DIFF_INSERT else len(text)
            new_length = 0 if operation == DIFF_DELETE else len(text)
            runs.append((old_at, new_at, old_length, new_length, operation))
            old_at += old_length
            new_at += new_length
        self.runs = runs
        self.starts = [run[0] for run in runs]
        self.unchanged = all(run[4] == DIFF_EQUAL for run in runs)

    def offset(self, position: int, *, at_end: bool = False) -> int:
        """Where an old offset lands in the new text; one inside deleted text lands where the
        deletion was. Text inserted at the offset stays out of a span: it goes before a start,
        and after an end (`at_end`)."""
        if at_end:
            if position <= 0:
                return 0
            old_start, new_start, _, _, operation = self.run_of(position - 1)
            return new_start + (position - old_start) if operation == DIFF_EQUAL else new_start
        old_start, new_start, old_length, new_length, operation = self.run_of(position)
        if operation == DIFF_EQUAL:
            return new_start + (position - old_start)
        return new_start + (new_length if operation == DIFF_INSERT else 0)

    def run_of(self, position: int) -> tuple[int, int, int, int, int]:
        """The run holding the old text's character at `position` (the last run at the text's end)."""
        # An insertion has no old length and sorts before the run that starts where it stands.
        index = max(0, bisect_right(self.starts, position) - 1)
        return self.runs[index]

    def untouched(self, start: int, end: int) -> bool:
        """Whether no edit falls inside old[start:end]: the span lies in one unchanged run."""
        old_start, _, old_length, _, operation = self.run_of(start)
        return operation == DIFF_EQUAL and end <= old_start + old_length

    def place(self, quote: Quote) -> Placement:
        """Where the quoted passage is in the new text, and how sure that is."""
        new = self.new
        if self.unchanged or self.untouched(quote.start, quote.end):
            start = self.offset(quote.start)
            return Placement(State.EXACT, start, start + (quote.end - quote.start), 1.0)
        expected = self.offset(quote.start)
        found = self.same_words(quote, expected)
        if found is not None:
            start = found
            # The edit left the passage where the diff carries it, only its surroundings changed.
            state = State.EXACT if start == expected else State.MOVED
            return Placement(state, start, start + len(quote.exact), 1.0)
        if time.monotonic() > self.deadline:
            return Placement(State.ORPHANED)
        start, end = expected, self.offset(quote.end, at_end=True)
        score = similarity(self.dmp, quote.exact, new[start:end]) if start < end else 0.0
        if score < FUZZY_THRESHOLD:
            start, end, score = self.by_edges(quote, expected, start, end, score)
        if score < FUZZY_THRESHOLD:
            return Placement(State.ORPHANED, score=round(score, 3))
        start, end = trimmed(new, start, end)
        start, end = whole(new, start, end)
        if start >= end:
            return Placement(State.ORPHANED, score=round(score, 3))
        if new[start:end] == quote.exact:  # changed around it only
            return Placement(State.MOVED if start != expected else State.EXACT, start, end, 1.0)
        return Placement(State.FUZZY, start, end, round(score, 3))

    def same_words(self, quote: Quote, expected: int) -> int | None:
        """The start of the quote's very words in the new text, where the context fits best."""
        exact, new = quote.exact, self.new
        occurrences, position = [], new.find(exact)
        while position != -1 and len(occurrences) < MAX_OCCURRENCES:
            occurrences.append(position)
            position = new.find(exact, position + 1)
        if not occurrences:
            return None
        best = max(occurrences, key=lambda at: (self.context_fit(quote, at), -abs(at - expected)))
        # A few words found once are the passage; found many times, their context must tell
        # which (a short quote such as "the" occurs everywhere).
        if len(occurrences) == 1 and len(exact) >= 12 or self.context_fit(quote, best) >= 0.5:
            return best
        return None

    def context_fit(self, quote: Quote, at: int) -> float:
        """How much of the quote's prefix and suffix surround the words at `at` (0 to 1)."""
        new, end = self.new, at + len(quote.exact)
        parts = []
        if quote.prefix:
            parts.append(common_suffix(quote.prefix, new[max(0, at - len(quote.prefix)) : at]) / len(quote.prefix))
        if quote.suffix:
            parts.append(common_prefix(quote.suffix, new[end : end + len(quote.suffix)]) / len(quote.suffix))
        return sum(parts) / len(parts) if parts else 0.0

    def by_edges(self, quote: Quote, expected: int, start: int, end: int, score: float) -> tuple[int, int, float]:
        """Find a passage the diff cannot carry (moved and changed) by its first or last words
        found as they were, the extent between them or from either as long as the quote."""
        exact, new = quote.exact, self.new
        length = len(exact)
        edge = min(EDGE_CHARS, max(1, length // 3))
        if length < 2 * edge:
            return start, end, score
        heads = occurrences(new, exact[:edge], MAX_EDGE_OCCURRENCES)
        tails = [at + edge for at in occurrences(new, exact[-edge:], MAX_EDGE_OCCURRENCES)]
        candidates = {(head, head + length) for head in heads} | {(tail - length, tail) for tail in tails}
        candidates |= {(head, tail) for head in heads for tail in tails if 0 < tail - head <= 2 * length}
        best = (score, start, end)
        for found_start, found_end in candidates:
            found_start, found_end = max(0, found_start), min(len(new), found_end)
            if found_start < found_end:
                found_score = similarity(self.dmp, exact, new[found_start:found_end])
                best = max(best, (found_score, found_start, found_end), key=lambda each: each[0])
        return best[1], best[2], best[0]


def occurrences(text: str, words: str, limit: int) -> list[int]:
    found, at = [], text.find(words)
    while at != -1 and len(found) < limit:
        found.append(at)
        at = text.find(words, at + 1)
    return found


def diff_texts(dmp: diff_match_patch, old: str, new: str, deadline: float) -> list[tuple[int, str]]:
    """The diff of two versions, paragraph by paragraph first: changed paragraphs are then
    compared word by word, each with the one it replaces when as many were replaced as
    inserted, so that an edit in every paragraph stays as cheap as an edit in one. The whole
    diff stays within the `deadline` (time.monotonic()); past it, what is left is compared coarsely."""
    # diff-match-patch reads its deadlines off time.time().
    deadline = time.time() + (deadline - time.monotonic())
    old_lines, new_lines = LINE.findall(old), LINE.findall(new)
    # Paragraphs matched by the standard library's matcher, which finds the unchanged ones by
    # hashing: a text whose every paragraph changed costs it nothing (diff-match-patch's bisection
    # over a thousand changed paragraphs took a second).
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    by_line = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            by_line.append((DIFF_EQUAL, "".join(old_lines[i1:i2])))
            continue
        if i1 < i2:
            by_line.append((DIFF_DELETE, "".join(old_lines[i1:i2])))
        if j1 < j2:
            by_line.append((DIFF_INSERT, "".join(new_lines[j1:j2])))
    words = Words()
    diffs, deleted, inserted = [], [], []

    def changed_block():
        removed, added = "".join(deleted), "".join(inserted)
        deleted.clear()
        inserted.clear()
        if not removed or not added:
            diffs.extend([(DIFF_DELETE, removed)] if removed else [(DIFF_INSERT, added)] if added else [])
            return
        removed_lines, added_lines = LINE.findall(removed), LINE.findall(added)
        if len(removed_lines) == len(added_lines) > 1 and time.time() < deadline:
            pairs = zip(removed_lines, added_lines, strict=True)
        else:
            pairs = [(removed, added)]
        for before, after in pairs:
            diffs.extend(words.diff(dmp, before, after, deadline))

    for operation, text in by_line:
        if operation == DIFF_DELETE:
            deleted.append(text)
        elif operation == DIFF_INSERT:
            inserted.append(text)
        else:
            changed_block()
            diffs.append((operation, text))
    changed_block()
    return diffs


LINE = re.compile(r"[^\n]*\n|[^\n]+")
# Words, runs of white space, and each other character alone (a punctuation mark, an emoji's part).
TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


class Words:
    """diff-match-patch over words: each distinct word stands for one character while the diff
    runs (as its own line mode does with lines), so that it compares a tenth as many units."""

    def __init__(self):
        self.tokens, self.codes = [""], {}

    def encode(self, text: str) -> str:
        codes = []
        for token in TOKEN.findall(text):
            code = self.codes.get(token)
            if code is None:
                code = self.codes[token] = len(self.tokens)
                self.tokens.append(token)
            codes.append(chr(code))
        return "".join(codes)

    def diff(self, dmp: diff_match_patch, before: str, after: str, deadline: float) -> list[tuple[int, str]]:
        diffs = dmp.diff_main(self.encode(before), self.encode(after), False, deadline)
        dmp.diff_charsToLines(diffs, self.tokens)
        return diffs


def similarity(dmp: diff_match_patch, a: str, b: str) -> float:
    """1 for the same words, 0 for nothing in common: one less the share of characters an
    edit changes (diff-match-patch's Levenshtein distance over the longer of the two), with
    whole words changed (comparing words is what keeps this cheap for passages that differ)."""
    if not a or not b:
        return 0.0
    if abs(len(a) - len(b)) > max(len(a), len(b)) // 2 + 1:
        return 0.0  # far too long or too short to be the same passage, and costly to compare
    # Two passages of a few hundred characters: a fiftieth of a second is plenty.
    diffs = Words().diff(dmp, a, b, time.time() + 0.02)
    return max(0.0, 1.0 - dmp.diff_levenshtein(diffs) / max(len(a), len(b)))


def whole(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to whole user-perceived characters; ASCII on both sides of an edge cuts
    nothing, and spares segmenting its line."""
    if all(ord(text[at]) < 128 for at in (start - 1, start, end - 1, end) if 0 <= at < len(text)):
        return start, end
    return whole_characters(text, start, end)


def common_prefix(a: str, b: str) -> int:
    length = min(len(a), len(b))
    for index in range(length):
        if a[index] != b[index]:
            return index
    return length


def common_suffix(a: str, b: str) -> int:
    length = min(len(a), len(b))
    for index in range(1, length + 1):
        if a[-index] != b[-index]:
            return index - 1
    return length


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without white space at its edges: a mapped edit may bring a line feed along."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def reanchor(old: str, new: str, quotes: list[Quote]) -> list[Placement]:
    """Place each quote of `old` in `new`: one diff of the two texts, then each quote by it."""
    if not quotes:
        return []
    text_map = TextMap(old, new, began=time.monotonic())
    return [text_map.place(quote) for quote in quotes]
