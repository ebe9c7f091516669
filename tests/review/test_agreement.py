"""Agreement figures against cases worked out by hand (each test's comment shows the working)."""

import random
from collections import Counter

import pytest
from django.utils import timezone

from apps.review.agreement import (
    ALL,
    KINDS,
    Mark,
    SpanCounts,
    cohen_kappa,
    compare_article,
    exact_counts,
    overlap_counts,
    project_agreement,
    tokens,
)
from tests.conftest import member
from tests.factories import AnnotationFactory, ArticleFactory

# Alpha 0-5, beta 6-10, gamma 11-16, delta 17-22, epsilon 23-30, zeta 31-35: six tokens.
SIX_WORDS = "Alpha beta gamma delta epsilon zeta"


def claim(start, end):
    return Mark(start, end, "claim")


def quote(start, end):
    return Mark(start, end, "quote")


def fact(start, end):
    return Mark(start, end, "fact")


# A is the reference: two claims and a quote. B: the same first claim, a claim that overlaps
# A's second one, a fact where A saw a quote (disagreement on kind) and a claim A did not mark.
A = [claim(0, 10), claim(20, 30), quote(40, 50)]
B = [claim(0, 10), claim(22, 35), fact(40, 50), claim(60, 70)]


def figures(counts: SpanCounts):
    return counts.precision, counts.recall, counts.f1


def test_exact_spans_per_kind_and_over_all_kinds():
    # Claims: A {0-10, 20-30}, B {0-10, 22-35, 60-70}; exactly the same: only 0-10.
    #   precision = 1 of B's 3 = 1/3, recall = 1 of A's 2 = 1/2, F1 = 2·1 / (2 + 3) = 0.4.
    # Quotes: A {40-50}, B none: recall 0/1 = 0, precision has no figure (B marked none), F1 0.
    # Facts: A none, B {40-50}: precision 0/1 = 0, no recall, F1 0 (the same characters, another kind).
    # All kinds: matched 1; precision 1/4, recall 1/3, F1 = 2·1 / (3 + 4) = 2/7.
    [result] = compare_article("x " * 40, {"A": A, "B": B})
    assert figures(result.exact["claim"]) == pytest.approx((1 / 3, 1 / 2, 0.4))
    assert figures(result.exact["quote"]) == (None, 0.0, 0.0)
    assert figures(result.exact["fact"]) == (0.0, None, 0.0)
    assert figures(result.exact[ALL]) == pytest.approx((1 / 4, 1 / 3, 2 / 7))


def test_overlapping_spans_per_kind_and_over_all_kinds():
    # Claims: A's 0-10 overlaps B's 0-10, A's 20-30 overlaps B's 22-35: recall 2/2 = 1.
    #   B's 0-10 and 22-35 overlap one of A's, 60-70 none: precision 2/3.
    #   F1 = 2 · 2/3 · 1 / (2/3 + 1) = (4/3) / (5/3) = 0.8.
    # The quote and the fact on 40-50 overlap, but are of different kinds: no match.
    # All kinds: precision 2/4, recall 2/3, F1 = 2 · 1/2 · 2/3 / (1/2 + 2/3) = (2/3) / (7/6) = 4/7.
    [result] = compare_article("x " * 40, {"A": A, "B": B})
    assert figures(result.overlap["claim"]) == pytest.approx((2 / 3, 1.0, 0.8))
    assert figures(result.overlap["quote"]) == (None, 0.0, 0.0)
    assert figures(result.overlap[ALL]) == pytest.approx((1 / 2, 2 / 3, 4 / 7))


def test_f1_is_the_same_whichever_analyst_is_the_reference():
    # Swapping the reference swaps precision and recall; their harmonic mean stays.
    forward, backward = exact_counts(A, B), exact_counts(B, A)
    assert (forward.precision, forward.recall) == (backward.recall, backward.precision)
    assert forward.f1 == backward.f1
    assert overlap_counts(A, B).f1 == pytest.approx(overlap_counts(B, A).f1)


def test_touching_spans_do_not_overlap():
    # 0-10 ends where 10-20 starts: no character in common.
    assert overlap_counts([claim(0, 10)], [claim(10, 20)]) == SpanCounts(1, 1, 0, 0)
    # One long span overlaps two short ones: both short ones match it, it matches one of them.
    assert overlap_counts([claim(0, 30)], [claim(2, 5), claim(25, 40), claim(31, 40)]) == SpanCounts(1, 3, 1, 2)


def test_no_spans_on_either_side_gives_no_figures():
    assert figures(exact_counts([], [])) == (None, None, None)
    assert figures(overlap_counts([], [])) == (None, None, None)
    assert compare_article(SIX_WORDS, {}) == []
    assert compare_article(SIX_WORDS, {"A": [claim(0, 5)]}) == []  # one analyst: no pair


def test_tokens_are_words_and_the_characters_of_scripts_without_spaces():
    text = "L’État a dit: नमस्ते 東京abc."
    assert [text[start:end] for start, end in tokens(text)] == ["L", "État", "a", "dit", "नमस्ते", "東", "京", "abc"]


def test_kappa_on_token_labels():
    # Tokens:  Alpha  beta   gamma  delta  epsilon  zeta
    # A:       claim  claim  none   quote  quote    none    (claim 0-10, quote 17-30)
    # B:       claim  claim  claim  fact   none     none    (claim 0-16, fact 17-22)
    # Observed: Alpha, beta, zeta agree: 3/6 = 1/2.
    # Marginals A: claim 2, quote 2, none 2; B: claim 3, fact 1, none 2.
    # Expected: (2·3 + 2·0 + 2·2 + 0·1) / 36 = 10/36 = 5/18.
    # Kappa = (1/2 - 5/18) / (1 - 5/18) = (4/18) / (13/18) = 4/13.
    marks = {"A": [claim(0, 10), quote(17, 30)], "B": [claim(0, 16), fact(17, 22)]}
    [pair] = compare_article(SIX_WORDS, marks)
    assert pair.kappa() == pytest.approx(4 / 13)
    # Claim or not: A T T F F F F, B T T T F F F; observed 5/6; A 2 T 4 F, B 3 T 3 F;
    #   expected (2·3 + 4·3) / 36 = 1/2; kappa = (5/6 - 1/2) / (1/2) = 2/3.
    assert pair.kappa("claim") == pytest.approx(2 / 3)
    # Quote or not: A F F F T T F, B all F; observed 4/6; expected (4·6 + 2·0) / 36 = 2/3: kappa 0.
    assert pair.kappa("quote") == pytest.approx(0.0)
    # Fact or not: A all F, B F F F T F F; observed 5/6; expected (6·5) / 36 = 5/6: kappa 0.
    assert pair.kappa("fact") == pytest.approx(0.0)


def test_kappa_labels_a_token_under_two_kinds_with_both():
    # one 0-3, two 4-7, three 8-13, four 14-18.
    # A: claim 0-13, quote 4-7  -> claim, claim+quote, claim, none
    # B: claim 0-7,  quote 4-13 -> claim, claim+quote, quote, none
    # Observed: one, two, four agree: 3/4.
    # Marginals A: claim 2, claim+quote 1, none 1; B: claim 1, claim+quote 1, quote 1, none 1.
    # Expected: (2·1 + 1·1 + 1·1 + 0·1) / 16 = 4/16; kappa = (3/4 - 1/4) / (3/4) = 2/3.
    text = "one two three four"
    [pair] = compare_article(text, {"A": [claim(0, 13), quote(4, 7)], "B": [claim(0, 7), quote(4, 13)]})
    assert pair.kappa() == pytest.approx(2 / 3)
    labels = Counter({(frozenset(left), frozenset(right)): n for (left, right), n in pair.confusion.items()})
    assert labels[frozenset({"claim", "quote"}), frozenset({"claim", "quote"})] == 1
    assert labels[frozenset({"claim"}), frozenset({"quote"})] == 1


def test_a_span_cutting_a_word_labels_the_whole_word():
    # B's claim covers only "lph" of Alpha: Alpha is still a claim for B, so they agree on all
    # six tokens (claim, then five none): observed 1, expected (1·1 + 5·5) / 36 = 26/36, kappa 1.
    [pair] = compare_article(SIX_WORDS, {"A": [claim(0, 5)], "B": [claim(1, 4)]})
    assert pair.kappa() == 1.0
    assert pair.exact["claim"].f1 == 0.0 and pair.overlap["claim"].f1 == 1.0


def test_kappa_has_no_figure_when_chance_agreement_is_one():
    # Both analysts gave every token the one label "none" (or "claim"): expected agreement
    # Σ = 6·6 / 36 = 1, so kappa = (1 - 1) / (1 - 1) is undefined: no figure, not 1 or 0.
    assert cohen_kappa(Counter({(frozenset(), frozenset()): 6})) is None
    [pair] = compare_article("one two", {"A": [claim(0, 7)], "B": [claim(0, 7)]})
    assert pair.kappa() is None
    assert pair.kappa("fact") is None  # neither marked a fact
    assert cohen_kappa(Counter()) is None  # no tokens at all


def brute_force_confusion(text, left, right):
    """Every token labelled one by one, as the definition reads."""
    confusion = Counter()
    for start, end in tokens(text):
        labels = [
            frozenset(mark.kind for mark in marks if mark.start < end and mark.end > start) for marks in (left, right)
        ]
        confusion[tuple(labels)] += 1
    return confusion


@pytest.mark.parametrize("seed", range(30))
def test_token_labels_read_from_the_marked_stretches_only_match_labelling_every_token(seed):
    rng = random.Random(seed)
    words = ["alpha", "béta", "γάμμα", "东京", "नमस्ते", "x", "—", "2025", "l’État", "🌍"]
    text = " ".join(rng.choice(words) for _ in range(40))
    marks = {}
    for analyst in ("A", "B"):
        marks[analyst] = []
        for _ in range(rng.randint(0, 6)):
            start = rng.randrange(len(text) - 1)
            marks[analyst].append(Mark(start, rng.randint(start + 1, min(len(text), start + 30)), rng.choice(KINDS)))
    [pair] = compare_article(text, marks)
    assert pair.confusion == +brute_force_confusion(text, marks["A"], marks["B"])


def test_perfect_and_opposite_agreement():
    # Two labels, a 2x2 table: agree 1+1 of 4, A: claim 2, none 2, B the reverse of A.
    # Observed 0, expected (2·2 + 2·2) / 16 = 1/2, kappa = (0 - 1/2) / (1/2) = -1.
    text = "one two three four"
    [pair] = compare_article(text, {"A": [claim(0, 7)], "B": [claim(8, 18)]})
    assert pair.kappa() == -1.0
    [pair] = compare_article(text, {"A": [claim(0, 7)], "B": [claim(0, 7)]})
    assert pair.kappa() == 1.0 and pair.exact[ALL].f1 == 1.0


def test_project_agreement_sums_articles_and_leaves_out_deleted_and_single_analyst_work(project):
    alice, bob, carol = (member(project, "analyst", name) for name in ("alice", "bob", "carol"))
    first = ArticleFactory(project=project, title="First", text=SIX_WORDS)
    second = ArticleFactory(project=project, title="Second", text="one two three four")
    alone = ArticleFactory(project=project, title="Alone", text="Only carol read this.")

    def mark(article, user, kind, start, end, **extra):
        return AnnotationFactory(article=article, created_by=user, kind=kind, start=start, end=end, **extra)

    # First: alice and bob as in test_kappa_on_token_labels.
    mark(first, alice, "claim", 0, 10)
    mark(first, alice, "quote", 17, 30)
    mark(first, bob, "claim", 0, 16)
    mark(first, bob, "fact", 17, 22)
    mark(first, carol, "claim", 0, 10, deleted_at=timezone.now())  # withdrawn: carol is not in First
    # Second: alice and bob mark "one two" the same; bob also "four".
    mark(second, alice, "claim", 0, 7)
    mark(second, bob, "claim", 0, 7)
    mark(second, bob, "claim", 14, 18)
    # Alone: only carol.
    mark(alone, carol, "claim", 0, 5)

    result = project_agreement(project)
    # The least agreed first: First (kappa 4/13, as in test_kappa_on_token_labels) before Second:
    # A claim claim none none, B claim claim none claim; observed 3/4; A claim 2 none 2, B claim 3
    # none 1; expected (2·3 + 2·1) / 16 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 1/2.
    assert [(a.title, a.analysts) for a in result.articles] == [
        ("First", ["alice", "bob"]),
        ("Second", ["alice", "bob"]),
    ]
    assert [a.pairs[0].kappa for a in result.articles] == pytest.approx([4 / 13, 1 / 2])
    [pair] = result.pairs
    assert (pair.reference, pair.other) == ("alice", "bob")
    # Exact claims over both articles: alice {0-10}, {0-7}; bob {0-16}, {0-7, 14-18}: matched 1.
    #   precision 1/3, recall 1/2. All kinds: alice 3 spans, bob 4, matched 1.
    assert pair.exact["claim"] == SpanCounts(2, 3, 1, 1)
    assert pair.exact[ALL] == SpanCounts(3, 4, 1, 1)
    # Tokens pooled: First as above (6 tokens; agree 3; A claim 2 quote 2 none 2; B claim 3 fact 1 none 2),
    # Second: A claim claim none none, B claim claim none claim (agree 3 of 4).
    # Pooled: 10 tokens, agree 6; A claim 4, quote 2, none 4; B claim 6, fact 1, none 3.
    # Expected Σ = 4·6 + 4·3 = 36 (of 100); kappa = (10·6 - 36) / (100 - 36) = 24/64 = 3/8.
    assert pair.kappa() == pytest.approx(3 / 8)
    assert result.total.kappa() == pytest.approx(3 / 8)


def test_a_project_without_shared_articles_has_no_pairs(project):
    assert project_agreement(project).pairs == []
    assert project_agreement(project).total is None
