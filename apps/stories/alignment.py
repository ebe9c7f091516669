"""Which parts of two texts of one story correspond: paragraphs and sentences, paired across
languages without a translation service.

The pairs are runs of segments (one-to-one, one-to-many, many-to-one); a run with nothing on
one side is a part that exists in one text only. Parts of a paired run that exist on one side
only (a name phrase the other text never mentions, a sentence inside a paired paragraph) are
listed in the pair's `left_only` / `right_only`.

Sentences are paired by dynamic programming as Gale and Church did (lengths in characters,
their ratio estimated from the two texts), with anchors that survive translation as the second
signal, as hunalign and Simard's cognates do: numbers in any script, names and other words
folded to Latin letters (their first four letters, and for names and caseless scripts their
consonants), emoji and quotation marks.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import regex
from anyascii import anyascii
from sentencex import segment


@dataclass(frozen=True, order=True)
class Segment:
    """A paragraph or sentence: code-point offsets into its article's text."""

    start: int
    end: int

    def text(self, of: str) -> str:
        return of[self.start : self.end]


@dataclass(frozen=True)
class Pair:
    left: tuple[Segment, ...]
    right: tuple[Segment, ...]
    score: float
    # Parts inside the paired segments that the other side does not have.
    left_only: tuple[Segment, ...] = field(default=(), compare=False)
    right_only: tuple[Segment, ...] = field(default=(), compare=False)

    @property
    def one_sided(self) -> bool:
        return not self.left or not self.right


_LINE = regex.compile(r"[^\n]+")
_LETTERS = regex.compile(r"[\p{L}\p{M}]+")
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*")
_NUMBER = regex.compile(r"\p{Nd}+")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}")
_QUOTES = '"“”„«»‹›「」『』‚‘’'
_OPENING = '“„«‹「『‚‘"'
_CLOSING = {"“": "”“", "„": "“”", "«": "»", "‹": "›", "「": "」", "『": "』", "‚": "‘’", "‘": "’", '"': '"', "»": "«"}
_END = ".!?…:;。！？؟।"
_VOWELS = str.maketrans("", "", "aeiouy")
_DOUBLES = regex.compile(r"(.)\1+")
_NOT_LATIN = regex.compile(r"[^a-z]")
# sentencex knows the rules of most languages by their ISO 639-1 code; "und" gets the generic ones.
_GENERIC = "en"


def paragraphs(text: str) -> list[Segment]:
    return [_trimmed(text, m.start(), m.end()) for m in _LINE.finditer(text) if m.group().strip()]


def sentences(text: str, language: str = "und") -> list[Segment]:
    """The sentences of `text`, never across a line break, and the sentences of a long quotation
    apart (the segmenter keeps a quotation whole, a translation often splits it differently)."""
    language = language if language and language != "und" else _GENERIC
    found = []
    for paragraph in paragraphs(text):
        for start, end in _segmented(text[paragraph.start : paragraph.end], language):
            for inner_start, inner_end in _quotation_split(
                text[paragraph.start + start : paragraph.start + end], language
            ):
                piece = _trimmed(text, paragraph.start + start + inner_start, paragraph.start + start + inner_end)
                if piece.start >= piece.end:
                    continue
                # A closing mark the segmenter left alone belongs to the sentence before it.
                if found and not _WORD.search(text, piece.start, piece.end) and found[-1].end >= paragraph.start:
                    found[-1] = Segment(found[-1].start, piece.end)
                else:
                    found.append(piece)
    return found


def align_paragraphs(left: str, right: str, *, left_language: str = "und", right_language: str = "und") -> list[Pair]:
    """The paragraphs of two texts paired, from the pairs of their sentences: a run of paragraphs
    on one side pairs with a run on the other where their sentences correspond."""
    return list(_paragraph_pairs(left, right, left_language or "und", right_language or "und"))


def align_sentences(left: str, right: str, *, left_language: str = "und", right_language: str = "und") -> list[Pair]:
    """The sentences of two texts paired, in the order of both texts (1-1, 1-2, 2-1, 1-0, 0-1)."""
    return list(_sentence_pairs(left, right, left_language or "und", right_language or "und"))


# The segmenter and the helpers of `sentences`.


def _trimmed(text: str, start: int, end: int) -> Segment:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Segment(start, end)


def _segmented(text: str, language: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for piece in segment(language, text):
        start = text.find(piece, position) if piece else -1
        if start < 0:
            continue
        spans.append((start, start + len(piece)))
        position = start + len(piece)
    return spans or [(0, len(text))]


def _quotation_split(sentence: str, language: str) -> list[tuple[int, int]]:
    cuts = []
    for opening, closing in _quotations(sentence):
        inner = sentence[opening + 1 : closing]
        if len(inner) < 40:
            continue
        for _start, end in _segmented(inner, language)[:-1]:
            cut = opening + 1 + end
            cuts.append(cut)
    bounds = [0, *sorted(set(cuts)), len(sentence)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if sentence[a:b].strip()]


def _quotations(text: str) -> list[tuple[int, int]]:
    """Offsets of the opening and closing marks of the quotations in `text` (outermost only)."""
    found, index = [], 0
    while index < len(text):
        char = text[index]
        if char in _OPENING and (index == 0 or not text[index - 1].isalnum() or char in "“„«「『"):
            closers = _CLOSING.get(char, char)
            end = next(
                (
                    i
                    for i in range(index + 1, len(text))
                    if text[i] in closers and (i + 1 == len(text) or not text[i + 1].isalnum() or text[i] in "”“»」』")
                ),
                -1,
            )
            if end > index:
                found.append((index, end))
                index = end + 1
                continue
        index += 1
    return found


# Anchors.


def _fold(word: str) -> str:
    return anyascii(word).lower()


def _skeleton(folded: str) -> str:
    return _DOUBLES.sub(r"\1", _NOT_LATIN.sub("", folded[:1] + folded[1:].translate(_VOWELS)))


def _is_caseless(word: str) -> bool:
    return word.lower() == word.upper()


@lru_cache(maxsize=65536)
def _word_features(word: str) -> frozenset[str]:
    features = set()
    for number in _NUMBER.findall(word):
        digits = "".join(str(unicodedata.digit(c, 0)) for c in number).lstrip("0") or "0"
        features.add("n:" + digits)
    for letters in _LETTERS.findall(word):
        folded = _NOT_LATIN.sub("", _fold(letters))
        if len(folded) >= 4:
            features.add("p:" + folded[:4])
        elif len(folded) >= 2 and letters.isupper():
            features.add("a:" + folded)  # an acronym: US, EU
        if (letters[0].isupper() or _is_caseless(letters)) and len(folded) >= 3:
            skeleton = _skeleton(folded)
            if len(skeleton) >= 3:
                features.add("s:" + skeleton[:3])
    return frozenset(features)


def _features(text: str) -> Counter:
    features = Counter()
    for word in _WORD.findall(text):
        features.update(_word_features(word))
    for emoji in _EMOJI.findall(text):
        features["e:" + emoji] += 1
    if any(c in _QUOTES for c in text):
        features["q"] += 1
    return features


@dataclass
class _Side:
    text: str
    segments: list[Segment]
    features: list[set[str]]
    lengths: list[int]
    paragraph_of: list[int]
    heading: list[bool]


def _side(text: str, language: str) -> _Side:
    segments = sentences(text, language)
    paras = paragraphs(text)
    paragraph_of, index = [], 0
    for sentence in segments:
        while paras[index].end < sentence.start:
            index += 1
        paragraph_of.append(index)
    heading = []
    for i, sentence in enumerate(segments):
        body = sentence.text(text)
        alone = (i == 0 or paragraph_of[i - 1] != paragraph_of[i]) and (
            i + 1 == len(segments) or paragraph_of[i + 1] != paragraph_of[i]
        )
        heading.append(alone and len(body) <= 100 and body[-1] not in _END + _QUOTES)
    return _Side(
        text=text,
        segments=segments,
        features=[set(_features(s.text(text))) for s in segments],
        lengths=[len(s.text(text)) for s in segments],
        paragraph_of=paragraph_of,
        heading=heading,
    )


# Sentence alignment: Gale-Church with anchors.

# -log of Gale and Church's priors of each kind of bead.
_PRIOR = {(1, 1): 0.0, (1, 0): 4.6, (0, 1): 4.6, (2, 1): 2.4, (1, 2): 2.4, (2, 2): 4.5}
_VARIANCE = 6.8
_ANCHOR_WEIGHT = 5.0
_HEADING_SKIP = 1.5
_ACROSS_PARAGRAPHS = 2.5


def _length_cost(left: int, right: int, ratio: float) -> float:
    if left == 0 and right == 0:
        return 0.0
    mean = (left + right / ratio) / 2
    delta = (right - left * ratio) / math.sqrt(max(mean, 1) * _VARIANCE)
    tail = math.erfc(abs(delta) / math.sqrt(2))
    return -math.log(max(tail, 1e-12))


class _Scorer:
    def __init__(self, left: _Side, right: _Side):
        self.left, self.right = left, right
        shared = (
            set().union(*left.features) & set().union(*right.features) if left.features and right.features else set()
        )
        left_df = Counter(f for fs in left.features for f in fs & shared)
        right_df = Counter(f for fs in right.features for f in fs & shared)
        self.weight = {f: (2.0 if f[0] in "ne" else 1.0) / math.sqrt(left_df[f] * right_df[f]) for f in shared}
        self.ratio = (sum(right.lengths) or 1) / (sum(left.lengths) or 1)
        self._anchors: dict[tuple[int, int, int], tuple[frozenset[str], float]] = {}
        self.left_vocabulary = set().union(*left.features) if left.features else set()
        self.right_vocabulary = set().union(*right.features) if right.features else set()

    def similarity(self, left: tuple[frozenset[str], float], right: tuple[frozenset[str], float]) -> float | None:
        if not left[1] and not right[1]:
            return None
        weight = self.weight
        return 2 * sum(weight[f] for f in left[0] & right[0]) / (left[1] + right[1])

    def anchors(self, side: _Side, i: int, count: int) -> tuple[frozenset[str], float]:
        """The anchors of `count` sentences from the `i`-th, and their weight."""
        key = (id(side), i, count)
        found = self._anchors.get(key)
        if found is None:
            kept = frozenset().union(*side.features[i : i + count]) & self.weight.keys()
            found = self._anchors[key] = (kept, sum(self.weight[f] for f in kept))
        return found

    def bead(self, i: int, di: int, j: int, dj: int) -> tuple[float, float | None]:
        left, right = self.left, self.right
        cost = _PRIOR[(di, dj)]
        if di == 0 or dj == 0:
            side, index = (right, j) if di == 0 else (left, i)
            if side.heading[index]:
                cost = _HEADING_SKIP
            return cost, None
        if (
            di > 1 and (left.heading[i] or left.heading[i + 1] or left.paragraph_of[i] != left.paragraph_of[i + 1])
        ) or (
            dj > 1 and (right.heading[j] or right.heading[j + 1] or right.paragraph_of[j] != right.paragraph_of[j + 1])
        ):
            cost += _ACROSS_PARAGRAPHS
        cost += _length_cost(sum(left.lengths[i : i + di]), sum(right.lengths[j : j + dj]), self.ratio)
        similarity = self.similarity(self.anchors(left, i, di), self.anchors(right, j, dj))
        cost += _ANCHOR_WEIGHT * (1 - (0.5 if similarity is None else similarity))
        return cost, similarity


def _centres(left: _Side, right: _Side) -> tuple[list[int], int]:
    """For each left sentence, the right one the pairs should pass near: straight lines between
    the sentences that share an anchor found once in each text (the longest chain of them in the
    order of both), so that the search keeps to a narrow band around them and long articles
    cost time in proportion to their length."""
    n, m = len(left.segments), len(right.segments)
    where_left, where_right = {}, {}
    for side, where in ((left, where_left), (right, where_right)):
        seen = Counter(f for fs in side.features for f in fs)
        for index, fs in enumerate(side.features):
            for f in fs:
                if seen[f] == 1 and f[0] in "npae":
                    where[f] = index
    points = sorted({(where_left[f], where_right[f]) for f in where_left.keys() & where_right.keys()})
    chain = _longest_chain(points)
    chain = [(0, 0), *[p for p in chain if 0 < p[0] < n and 0 < p[1] < m], (n, m)]
    centres = []
    for (i0, j0), (i1, j1) in zip(chain, chain[1:], strict=False):
        for i in range(i0, i1):
            centres.append(j0 + round((i - i0) * (j1 - j0) / max(i1 - i0, 1)))
    centres.append(m)
    return centres, len(chain) - 2


def _longest_chain(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of points increasing in both coordinates (patience sorting)."""
    tails: list[int] = []
    ends: list[int] = []
    before = [-1] * len(points)
    for k, (_i, j) in enumerate(points):
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if tails[middle] < j:
                low = middle + 1
            else:
                high = middle
        before[k] = ends[low - 1] if low else -1
        if low == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[low], ends[low] = j, k
    chain, k = [], ends[-1] if ends else -1
    while k >= 0:
        chain.append(points[k])
        k = before[k]
    chain.reverse()
    # Strictly increasing in the left coordinate too.
    strict = []
    for point in chain:
        if not strict or point[0] > strict[-1][0]:
            strict.append(point)
    return strict


def _band(centres: list[int], m: int, i: int, width: int) -> range:
    centre = centres[i]
    return range(max(0, centre - width), min(m, centre + width) + 1)


@lru_cache(maxsize=64)
def _sentence_pairs(left_text: str, right_text: str, left_language: str, right_language: str) -> tuple[Pair, ...]:
    left, right = _side(left_text, left_language), _side(right_text, right_language)
    scorer = _Scorer(left, right)
    n, m = len(left.segments), len(right.segments)
    centres, anchors = _centres(left, right)
    # Wider where little anchors the line; never so wide that a long text costs its square.
    width = 12 if anchors >= 3 else max(12, min(40, max(n, m) // 5))
    best: dict[tuple[int, int], tuple[float, tuple[int, int] | None, float | None]] = {(0, 0): (0.0, None, None)}
    for i in range(n + 1):
        for j in _band(centres, m, i, width) if n else range(m + 1):
            if (i, j) == (0, 0):
                continue
            choice = None
            for di, dj in _PRIOR:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or (pi, pj) not in best:
                    continue
                cost, similarity = scorer.bead(pi, di, pj, dj)
                total = best[(pi, pj)][0] + cost
                if choice is None or total < choice[0]:
                    choice = (total, (di, dj), similarity)
            if choice is not None:
                best[(i, j)] = choice
    if (n, m) not in best:  # outside the band: cannot happen with the band's minimum, kept safe
        return (Pair(tuple(left.segments), tuple(right.segments), 0.0),)
    beads = []
    i, j = n, m
    while (i, j) != (0, 0):
        _total, (di, dj), similarity = best[(i, j)]
        beads.append((i - di, di, j - dj, dj, similarity))
        i, j = i - di, j - dj
    beads.reverse()
    beads = _unpaired_edges(beads)
    pairs = []
    for i, di, j, dj, similarity in beads:
        lefts, rights = tuple(left.segments[i : i + di]), tuple(right.segments[j : j + dj])
        left_only = right_only = ()
        if lefts and rights:
            left_only = _unmatched_names(left_text, lefts, scorer.right_vocabulary)
            right_only = _unmatched_names(right_text, rights, scorer.left_vocabulary)
        pairs.append(Pair(lefts, rights, round(similarity or 0.0, 3), left_only, right_only))
    return tuple(pairs)


def _unpaired_edges(beads: list) -> list:
    """Split the pairs at either end that share no anchor: the lines an outlet adds before or
    after every article (a disclaimer, a newsletter's invitation) pair up by length alone."""

    def split(bead):
        i, di, j, dj, _ = bead
        return [(i + k, 1, j, 0, None) for k in range(di)] + [(i + di, 0, j + k, 1, None) for k in range(dj)]

    def anchored(bead):
        return bead[1] and bead[3] and bead[4]

    if not any(anchored(bead) for bead in beads):
        return beads
    first = next(k for k, bead in enumerate(beads) if anchored(bead))
    last = max(k for k, bead in enumerate(beads) if anchored(bead))
    head = [piece for bead in beads[:first] for piece in split(bead)]
    tail = [piece for bead in beads[last + 1 :] for piece in split(bead)]
    return head + beads[first : last + 1] + tail


def _unmatched_names(text: str, segments: tuple[Segment, ...], other_vocabulary: set[str]) -> tuple[Segment, ...]:
    """Name phrases the other text never mentions, with the word before them (an attribution
    such as "told CPM Defence Network"): two or more capitalised words, two of them unknown to
    the other text, one an acronym or written in mixed case (capitals alone are every German
    noun)."""
    found = []
    for sentence in segments:
        words = list(_WORD.finditer(text, sentence.start, sentence.end))
        k = 0
        while k < len(words):
            run = k
            while run < len(words) and words[run].group()[0].isupper() and _adjacent(text, words, k, run):
                run += 1
            if run - k >= 2 and _unknown_name(words[k:run], other_vocabulary):
                start = words[k].start()
                if k > 0 and words[k - 1].group()[0].islower() and _adjacent(text, words, k - 1, k):
                    start = words[k - 1].start()
                found.append(Segment(start, words[run - 1].end()))
            k = max(run, k + 1)
    return tuple(found)


def _unknown_name(words: list, other_vocabulary: set[str]) -> bool:
    unknown = [w.group() for w in words if (f := _word_features(w.group())) and not f & other_vocabulary]
    return len(unknown) >= 2 and any(sum(c.isupper() for c in w) >= 2 for w in unknown)


def _adjacent(text: str, words: list, first: int, index: int) -> bool:
    """Whether word `index` follows the one before it with only spaces between (from `first` on)."""
    if index == first:
        return True
    return not text[words[index - 1].end() : words[index].start()].strip()


# Paragraphs from the sentences.


@lru_cache(maxsize=64)
def _paragraph_pairs(left_text: str, right_text: str, left_language: str, right_language: str) -> tuple[Pair, ...]:
    sentence_pairs = _sentence_pairs(left_text, right_text, left_language, right_language)
    left_paragraphs, right_paragraphs = paragraphs(left_text), paragraphs(right_text)

    def paragraph_index(paras, segment_):
        return next(k for k, p in enumerate(paras) if p.start <= segment_.start < p.end or segment_.start < p.start)

    # Union of paragraphs that share a pair of sentences, in order: runs on both sides.
    runs: list[dict] = []
    left_of: dict[int, int] = {}
    right_of: dict[int, int] = {}
    for pair in sentence_pairs:
        if pair.one_sided:
            continue
        lefts = {paragraph_index(left_paragraphs, s) for s in pair.left}
        rights = {paragraph_index(right_paragraphs, s) for s in pair.right}
        if runs and (lefts & runs[-1]["left"] or rights & runs[-1]["right"]):
            run = runs[-1]
        else:
            run = {"left": set(), "right": set(), "scores": []}
            runs.append(run)
        run["left"] |= lefts
        run["right"] |= rights
        run["scores"].append(pair.score)
    for number, run in enumerate(runs):
        for k in range(min(run["left"]), max(run["left"]) + 1):
            left_of[k] = number
        for k in range(min(run["right"]), max(run["right"]) + 1):
            right_of[k] = number

    # Parts within paired paragraphs that only one side has: unpaired sentences and name phrases.
    left_only: dict[int, list[Segment]] = {}
    right_only: dict[int, list[Segment]] = {}
    for pair in sentence_pairs:
        for side_only, paras, owners, segments in (
            (left_only, left_paragraphs, left_of, pair.left if not pair.right else pair.left_only),
            (right_only, right_paragraphs, right_of, pair.right if not pair.left else pair.right_only),
        ):
            for s in segments:
                owner = owners.get(paragraph_index(paras, s))
                if owner is not None:
                    side_only.setdefault(owner, []).append(s)

    pairs: list[Pair] = []
    li = ri = 0
    for number, run in enumerate(runs):
        low_left, high_left = min(run["left"]), max(run["left"])
        low_right, high_right = min(run["right"]), max(run["right"])
        pairs += [Pair((left_paragraphs[k],), (), 0.0) for k in range(li, low_left) if k not in left_of]
        pairs += [Pair((), (right_paragraphs[k],), 0.0) for k in range(ri, low_right) if k not in right_of]
        pairs.append(
            Pair(
                tuple(left_paragraphs[low_left : high_left + 1]),
                tuple(right_paragraphs[low_right : high_right + 1]),
                round(sum(run["scores"]) / len(run["scores"]), 3),
                tuple(left_only.get(number, ())),
                tuple(right_only.get(number, ())),
            )
        )
        li, ri = max(li, high_left + 1), max(ri, high_right + 1)
    pairs += [Pair((left_paragraphs[k],), (), 0.0) for k in range(li, len(left_paragraphs))]
    pairs += [Pair((), (right_paragraphs[k],), 0.0) for k in range(ri, len(right_paragraphs))]
    return tuple(pairs)
