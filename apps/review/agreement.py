"""How far analysts who marked up the same article agree: span precision, recall and F1, and
Cohen's kappa on per-token labels, per pair of analysts, per article and over a project.

Definitions (the pages and the tests state the same):

- Only live annotations count (a deleted one was withdrawn by its author), in any status: the
  analysts' own work is compared, before and after review.
- For a pair, the first analyst (by user name) is the reference. Precision is the share of the
  other analyst's spans that match one of the reference's, recall the share of the reference's
  spans that match one of the other's; F1 is their harmonic mean, the same whichever is the
  reference. A span only ever matches a span of the same kind.
- Exact: same start and end. Overlapping: at least one character in common.
- With no spans on either side there is nothing to compare (no figure); with spans on one side
  only, precision or recall has no figure and F1 is 0.
- Tokens are words (runs of `\\w`, which takes in accents and vowel signs) and, in scripts
  written without spaces (Chinese, Japanese, Thai...), single characters. A token's label for an
  analyst is the kind of the spans that cover any character of it, "none" without one; a token
  under spans of several kinds gets the combined label ("claim+quote"), a category of its own.
  Per kind, kappa compares "this kind or not" per token, so there the combination cannot arise.
- Kappa is (observed - expected) / (1 - expected). When the expected agreement is 1 (both
  analysts gave every token the one same label, e.g. neither marked any fact) kappa has no
  figure: there is no agreement beyond chance left to measure. No tokens, no figure either.
- Over a project or several articles the counts are summed first (micro-averaged): each span and
  each token weighs the same, wherever it is.
"""

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import accumulate, combinations
from typing import NamedTuple

import regex
from django.db.models import Count

from apps.annotations.models import Annotation, AnnotationKind
from apps.articles.models import Article

KINDS: tuple[str, ...] = tuple(AnnotationKind.values)
ALL = "all"
NONE = "none"

_NO_SPACES = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
TOKEN = regex.compile(rf"[{_NO_SPACES}]\p{{M}}*|[^\W{_NO_SPACES}]+")
# Most texts have no script written without spaces; plain words are read three times as fast,
# and in ASCII text (where both agree on \w) the standard library's engine is faster still.
WORD = regex.compile(r"\w+")
ASCII_WORD = re.compile(r"\w+")
NO_SPACES = regex.compile(rf"[{_NO_SPACES}]")
WORD_CHARACTER = regex.compile(r"\w")


class Mark(NamedTuple):
    """What agreement needs of an annotation."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class SpanCounts:
    """Spans on each side of a pair and how many of them matched; sums stay meaningful."""

    reference: int = 0
    other: int = 0
    reference_matched: int = 0
    other_matched: int = 0

    def __add__(self, more: "SpanCounts") -> "SpanCounts":
        return SpanCounts(
            self.reference + more.reference,
            self.other + more.other,
            self.reference_matched + more.reference_matched,
            self.other_matched + more.other_matched,
        )

    def swapped(self) -> "SpanCounts":
        """The same counts with the other analyst as the reference."""
        return SpanCounts(self.other, self.reference, self.other_matched, self.reference_matched)

    def as_list(self) -> list[int]:
        return [self.reference, self.other, self.reference_matched, self.other_matched]

    @property
    def precision(self) -> float | None:
        return self.other_matched / self.other if self.other else None

    @property
    def recall(self) -> float | None:
        return self.reference_matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        if not self.reference and not self.other:
            return None
        precision, recall = self.precision or 0.0, self.recall or 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def exact_counts(reference: Iterable[Mark], other: Iterable[Mark]) -> SpanCounts:
    """Spans of one kind (or of several: a match needs the same kind too) matched exactly."""
    reference, other = set(reference), set(other)
    both = len(reference & other)
    return SpanCounts(len(reference), len(other), both, both)


def overlap_counts(reference: Iterable[Mark], other: Iterable[Mark]) -> SpanCounts:
    """Spans that share at least one character with a span of the same kind on the other side."""
    reference, other = set(reference), set(other)
    return SpanCounts(
        len(reference), len(other), _count_overlapping(reference, other), _count_overlapping(other, reference)
    )


def _count_overlapping(marks: set[Mark], against: set[Mark]) -> int:
    """How many of `marks` overlap some mark of `against` of their kind, in O(n log n): a mark
    overlaps one of those starting before its end iff the furthest end among them passes its start."""
    by_kind = defaultdict(list)
    for mark in against:
        by_kind[mark.kind].append((mark.start, mark.end))
    index = {}
    for kind, spans in by_kind.items():
        spans.sort()
        index[kind] = ([start for start, _ in spans], list(accumulate((end for _, end in spans), max)))
    matched = 0
    for mark in marks:
        if mark.kind not in index:
            continue
        starts, furthest_end = index[mark.kind]
        before_end = bisect_left(starts, mark.end)
        matched += before_end > 0 and furthest_end[before_end - 1] > mark.start
    return matched


def token_pattern(text: str):
    if text.isascii():
        return ASCII_WORD
    return TOKEN if NO_SPACES.search(text) else WORD


def tokens(text: str) -> list[tuple[int, int]]:
    """The (start, end) code-point offsets of the text's tokens."""
    return [match.span() for match in token_pattern(text).finditer(text)]


@dataclass(frozen=True, slots=True)
class Tokens:
    """How many tokens a text has, and where those lie that some mark covers (the others are
    "none" for everyone, so only their number matters)."""

    count: int
    starts: list[int]
    ends: list[int]


def tokenise(text: str, marks: Iterable[Mark]) -> Tokens:
    """Count the text's tokens and place those under `marks`, reading only the marked stretches."""
    pattern = token_pattern(text)
    starts, ends = [], []
    for region_start, region_end in _merged((mark.start, mark.end) for mark in marks):
        # Back to the start of the word the stretch begins in: a token never crosses a non-word character.
        position = region_start
        while position > 0 and WORD_CHARACTER.match(text, position - 1):
            position -= 1
        for match in pattern.finditer(text, position):
            start, end = match.span()
            if start >= region_end:
                break
            if end > region_start and (not starts or start > starts[-1]):
                starts.append(start)
                ends.append(end)
    return Tokens(len(pattern.findall(text)), starts, ends)


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def covered_tokens(text_tokens: Tokens, marks: Iterable[Mark]) -> dict[str, set[int]]:
    """Kind -> the starts of the tokens that marks of that kind cover (share a character with)."""
    covered = {kind: set() for kind in KINDS}
    for mark in marks:
        first = bisect_right(text_tokens.ends, mark.start)
        covered[mark.kind].update(text_tokens.starts[first : bisect_left(text_tokens.starts, mark.end)])
    return covered


def label_groups(covered: Mapping[str, set[int]]) -> dict[frozenset[str], set[int]]:
    """Label -> its tokens: a token under a claim and a quote is labelled "claim+quote", not either."""
    groups = {}
    for size in range(1, len(KINDS) + 1):
        for label in combinations(KINDS, size):
            inside = set.intersection(*(covered[kind] for kind in label))
            for kind in KINDS:
                if kind not in label:
                    inside -= covered[kind]
            if inside:
                groups[frozenset(label)] = inside
    return groups


def token_confusion(token_count: int, reference: Mapping[str, set[int]], other: Mapping[str, set[int]]) -> Counter:
    """(reference label, other label) -> tokens; labels are frozensets of kinds, empty for none.

    Worked out with set operations on the covered tokens, so an article costs a few dozen of
    them however long it is.
    """
    left, right = label_groups(reference), label_groups(other)
    left_any, right_any = set().union(*left.values()), set().union(*right.values())
    none = frozenset()
    confusion = Counter()
    for left_label, left_tokens in left.items():
        for right_label, right_tokens in right.items():
            confusion[left_label, right_label] = len(left_tokens & right_tokens)
        confusion[left_label, none] = len(left_tokens - right_any)
    for right_label, right_tokens in right.items():
        confusion[none, right_label] = len(right_tokens - left_any)
    confusion[none, none] = token_count - len(left_any | right_any)
    return +confusion  # without the empty cells


def label_name(kinds: frozenset[str]) -> str:
    return "+".join(sorted(kinds)) if kinds else NONE


def cohen_kappa(confusion: Mapping[tuple, int]) -> float | None:
    """Kappa of a confusion count; None without tokens or when chance alone agrees fully."""
    total = sum(confusion.values())
    if not total:
        return None
    agreed = sum(count for (left, right), count in confusion.items() if left == right)
    left_totals, right_totals = Counter(), Counter()
    for (left, right), count in confusion.items():
        left_totals[left] += count
        right_totals[right] += count
    # In whole numbers: observed = agreed / total, expected = chance / total².
    chance = sum(count * right_totals[label] for label, count in left_totals.items())
    if chance == total * total:
        return None
    return (total * agreed - chance) / (total * total - chance)


def kind_confusion(confusion: Mapping[tuple, int], kind: str) -> Counter:
    """The confusion of "this kind or not" per token."""
    binary = Counter()
    for (left, right), count in confusion.items():
        binary[kind in left, kind in right] += count
    return binary


@dataclass
class PairAgreement:
    """Two analysts' agreement on one article, or summed over several."""

    reference: str
    other: str
    exact: dict[str, SpanCounts] = field(default_factory=dict)
    overlap: dict[str, SpanCounts] = field(default_factory=dict)
    confusion: Counter = field(default_factory=Counter)

    def __add__(self, more: "PairAgreement") -> "PairAgreement":
        return PairAgreement(
            self.reference,
            self.other,
            {kind: self.exact.get(kind, SpanCounts()) + more.exact[kind] for kind in more.exact},
            {kind: self.overlap.get(kind, SpanCounts()) + more.overlap[kind] for kind in more.overlap},
            self.confusion + more.confusion,
        )

    def kappa(self, kind: str = ALL) -> float | None:
        return cohen_kappa(self.confusion if kind == ALL else kind_confusion(self.confusion, kind))

    def rows(self) -> list[dict]:
        """One row per kind and one for all kinds, as the agreement page shows them."""
        return [
            {"kind": kind, "exact": self.exact[kind], "overlap": self.overlap[kind], "kappa": self.kappa(kind)}
            for kind in (*KINDS, ALL)
        ]


def compare_pair(reference: str, other: str, marks: Mapping[str, list[Mark]], text_tokens: Tokens) -> PairAgreement:
    """The agreement of two analysts' marks over a text's tokens."""
    left, right = marks.get(reference, []), marks.get(other, [])
    exact, overlap = {}, {}
    for kind in KINDS:
        left_kind = [mark for mark in left if mark.kind == kind]
        right_kind = [mark for mark in right if mark.kind == kind]
        exact[kind] = exact_counts(left_kind, right_kind)
        overlap[kind] = overlap_counts(left_kind, right_kind)
    exact[ALL] = sum((exact[kind] for kind in KINDS), SpanCounts())
    overlap[ALL] = sum((overlap[kind] for kind in KINDS), SpanCounts())
    confusion = token_confusion(
        text_tokens.count, covered_tokens(text_tokens, left), covered_tokens(text_tokens, right)
    )
    return PairAgreement(reference, other, exact, overlap, confusion)


def compare_article(text: str, marks: Mapping[str, list[Mark]]) -> list[PairAgreement]:
    """Every pair of the analysts who marked the text, each pair in user-name order."""
    text_tokens = tokenise(text, (mark for analyst_marks in marks.values() for mark in analyst_marks))
    return [compare_pair(left, right, marks, text_tokens) for left, right in combinations(sorted(marks), 2)]


# The query layer: a project's live annotations, read in two queries.


class PairFigures(NamedTuple):
    """What the per-article table shows of a pair: kept small, as a project has thousands."""

    reference: str
    other: str
    exact_f1: float | None
    overlap_f1: float | None
    kappa: float | None

    @classmethod
    def of(cls, pair: PairAgreement) -> "PairFigures":
        return cls(pair.reference, pair.other, pair.exact[ALL].f1, pair.overlap[ALL].f1, pair.kappa())


@dataclass
class ArticleAgreement:
    article_id: int
    title: str
    analysts: list[str]
    pairs: list[PairFigures]

    @property
    def lowest_kappa(self) -> float | None:
        return min((pair.kappa for pair in self.pairs if pair.kappa is not None), default=None)


@dataclass
class ProjectAgreement:
    articles: list[ArticleAgreement]  # the least agreed first (lowest kappa; no kappa last)
    pairs: list[PairAgreement]  # summed over the articles both analysts marked

    @property
    def total(self) -> PairAgreement | None:
        """Every pair on every article summed: the project's figure."""
        return sum(self.pairs[1:], self.pairs[0]) if self.pairs else None


def shared_articles(articles):
    """Of `articles`, those marked by two analysts or more (live annotations only)."""
    marked = (
        Annotation.objects.live()
        .filter(article__in=articles)
        .order_by()
        .values("article")
        .annotate(analysts=Count("created_by", distinct=True))
        .filter(analysts__gte=2)
        .values("article")
    )
    return articles.filter(pk__in=marked)


def marks_by_article(articles) -> dict[int, dict[str, list[Mark]]]:
    """Article id -> analyst's user name -> their live marks, in one query."""
    rows = (
        Annotation.objects.live()
        .filter(article__in=articles)
        .order_by()
        .values_list("article_id", "created_by__username", "start", "end", "kind")
    )
    marks = defaultdict(lambda: defaultdict(list))
    for article_id, username, start, end, kind in rows:
        marks[article_id][username].append(Mark(start, end, kind))
    return marks


def project_agreement(project) -> ProjectAgreement:
    """Agreement on every article of `project` that two analysts or more marked (two queries)."""
    # Analysts compared on the latest text of each article; carried annotations are on it too.
    articles = shared_articles(Article.objects.filter(project=project).latest_versions())
    marks = marks_by_article(articles.values("pk"))
    per_article, per_pair = [], {}
    for article_id, title, text in articles.order_by("title", "pk").values_list("pk", "title", "text"):
        pairs = compare_article(text, marks[article_id])
        figures = [PairFigures.of(pair) for pair in pairs]
        per_article.append(ArticleAgreement(article_id, title, sorted(marks[article_id]), figures))
        for pair in pairs:
            key = (pair.reference, pair.other)
            per_pair[key] = per_pair[key] + pair if key in per_pair else pair
    per_article.sort(key=lambda article: (article.lowest_kappa is None, article.lowest_kappa or 0))
    return ProjectAgreement(per_article, [per_pair[key] for key in sorted(per_pair)])


# Kept per article (see figures.py): each article's share of the project's figures, by user id, in
# flat lists of numbers, as a page reads thousands of them.


def label_bits(kinds: frozenset[str]) -> int:
    """A token label as a number: a bit per kind (claim 1, quote 2, fact 4), 0 for none."""
    return sum(1 << KINDS.index(kind) for kind in kinds)


LABELS = {
    label_bits(frozenset(kinds)): frozenset(kinds)
    for size in range(len(KINDS) + 1)
    for kinds in combinations(KINDS, size)
}


def article_shares(article_ids: Iterable[int]) -> dict[int, dict]:
    """Article id -> its share of the agreement, in two queries (the marks, the texts): the analysts who marked it (user
    ids) and, for each pair of them (in id order), their user ids, the spans on each side and
    matched, exact then overlapping, per kind (24 numbers), the token confusion (left label, right
    label, tokens; ...) and the figures the per-article table shows (exact F1, overlap F1, kappa)."""
    article_ids = list(article_ids)
    rows = (
        Annotation.objects.live()
        .filter(article_id__in=article_ids)
        .order_by()
        .values_list("article_id", "created_by_id", "start", "end", "kind")
    )
    marks = defaultdict(lambda: defaultdict(list))
    for article_id, user_id, start, end, kind in rows:
        marks[article_id][user_id].append(Mark(start, end, kind))
    # The texts of those two analysts marked, chosen in the query: one query, whichever they are.
    texts = dict(shared_articles(Article.objects.filter(pk__in=article_ids)).values_list("pk", "text"))
    shares = {}
    for pk in article_ids:
        analysts = marks.get(pk, {})
        pairs = compare_article(texts[pk], analysts) if pk in texts else []
        shares[pk] = {"analysts": sorted(analysts), "pairs": [pair_share(pair) for pair in pairs]}
    return shares


def pair_share(pair: PairAgreement) -> list:
    counts = [number for counts in (pair.exact, pair.overlap) for kind in KINDS for number in counts[kind].as_list()]
    confusion = [
        number
        for (left, right), count in pair.confusion.items()
        for number in (label_bits(left), label_bits(right), count)
    ]
    return [pair.reference, pair.other, counts, confusion, [pair.exact[ALL].f1, pair.overlap[ALL].f1, pair.kappa()]]


class AgreementSums:
    """The pairs' counts summed over articles' shares: a share is added, and taken out again
    (`sign` -1) when its article changes, so that a change costs its own article's work."""

    def __init__(self):
        self.pairs: dict[tuple[int, int], list] = {}  # (user id, user id) -> [counts, cells, articles]

    def add(self, share: dict, sign: int = 1) -> None:
        for reference, other, counts, confusion, _ in share["pairs"]:
            summed = self.pairs.get((reference, other))
            if summed is None:
                summed = self.pairs[reference, other] = [[0] * len(counts), Counter(), 0]
            summed[0] = [a + sign * b for a, b in zip(summed[0], counts, strict=True)]
            cells = summed[1]
            for n in range(0, len(confusion), 3):
                cells[confusion[n], confusion[n + 1]] += sign * confusion[n + 2]
            summed[2] += sign
            if not summed[2]:
                del self.pairs[reference, other]

    def figures(
        self, shares: list[tuple[int, str, dict]], names_of: Callable[[set[int]], Mapping[int, str]]
    ) -> ProjectAgreement:
        """The project's agreement, `shares` being the articles' ((id, title, share), by title as
        the database orders them) and `names_of(ids)` naming the analysts: the same figures as
        project_agreement, whose pairs' reference is the first of its analysts by name."""
        names = names_of({user for _, _, share in shares for user in share["analysts"]})
        per_article = []
        for article_id, title, share in shares:
            if not share["pairs"]:
                continue
            figures = [
                PairFigures(*sorted((names[reference], names[other])), *table)
                for reference, other, _, _, table in share["pairs"]
            ]
            analysts = sorted(names[user] for user in share["analysts"])
            per_article.append(ArticleAgreement(article_id, title, analysts, sorted(figures)))
        per_article.sort(key=lambda article: (article.lowest_kappa is None, article.lowest_kappa or 0))
        pairs = [summed_pair(users, counts, cells, names) for users, (counts, cells, _) in self.pairs.items()]
        return ProjectAgreement(per_article, sorted(pairs, key=lambda pair: (pair.reference, pair.other)))


def agreement_of_shares(
    shares: list[tuple[int, str, dict]], names_of: Callable[[set[int]], Mapping[int, str]]
) -> ProjectAgreement:
    """The project's agreement from its articles' shares at once (see AgreementSums.figures)."""
    sums = AgreementSums()
    for _, _, share in shares:
        sums.add(share)
    return sums.figures(shares, names_of)


def summed_pair(users: tuple[int, int], counts: list[int], cells: Counter, names: Mapping[int, str]) -> PairAgreement:
    """A pair's summed counts as a PairAgreement whose reference is the first by name."""
    spans = [SpanCounts(*counts[n : n + 4]) for n in range(0, len(counts), 4)]
    exact, overlap = (
        dict(zip(KINDS, spans[: len(KINDS)], strict=True)),
        dict(zip(KINDS, spans[len(KINDS) :], strict=True)),
    )
    confusion = Counter({(LABELS[left], LABELS[right]): count for (left, right), count in cells.items()})
    reference, other = (names[user] for user in users)
    if other < reference:
        reference, other = other, reference
        exact = {kind: counts.swapped() for kind, counts in exact.items()}
        overlap = {kind: counts.swapped() for kind, counts in overlap.items()}
        confusion = Counter({(right, left): count for (left, right), count in confusion.items()})
    exact[ALL] = sum((exact[kind] for kind in KINDS), SpanCounts())
    overlap[ALL] = sum((overlap[kind] for kind in KINDS), SpanCounts())
    return PairAgreement(reference, other, exact, overlap, +confusion)
