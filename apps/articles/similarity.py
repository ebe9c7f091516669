"""Cheap signals that two articles tell the same story: shared names and numbers.

Names and numbers survive translation ("Mil-Man", "INSS", "2025-27"), so the overlap of these
signals finds translations as well as re-published copies, without any language model.
"""

import hashlib
import re
from dataclasses import dataclass


def content_hash(text: str) -> str:
    """What `Article.content_hash` holds for `text`: the hex SHA-256 of its UTF-8 bytes; the same
    text imported twice into a project is found by it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Both patterns open with a plain character class so that the regular expression engine can
# skip ahead quickly; this runs on every imported article.
_NUMBER = re.compile(r"\d\d*(?:[.,:/-]\d+)*")
# A word opening with an ASCII capital or any non-ASCII character; `fingerprint` keeps those
# that open with a letter that is not lower case: names in scripts with case, any word in
# scripts without (Arabic, Hebrew, CJK).
_NAME_CANDIDATE = re.compile(r"[A-Z\u00c0-\U0010ffff]\w*(?:-\w+)*")
# Nouns are capitalised in German; the most common sentence openers carry no signal either.
_STOP = {
    "the",
    "this",
    "that",
    "and",
    "but",
    "der",
    "die",
    "das",
    "und",
    "ein",
    "eine",
    "dieses",
    "mit",
    "for",
    "with",
    "als",
    "auch",
    "sie",
    "ist",
    "was",
    "wie",
    "von",
    "besides",
    "however",
    "his",
    "her",
    "its",
}
MAX_SIGNALS = 200


def fingerprint(text: str) -> list[str]:
    """Return the article's signals: '#' numbers and '@' names, folded and sorted."""
    numbers = {"#" + n for n in set(_NUMBER.findall(text)) if len(n) >= 2}
    names = {
        "@" + word.casefold()
        for word in set(_NAME_CANDIDATE.findall(text))
        if len(word) >= 3 and word[0].isalpha() and not word[0].islower()
    }
    names -= {"@" + word for word in _STOP}
    signals = sorted(numbers) + sorted(names)
    return signals[:MAX_SIGNALS]


@dataclass(frozen=True)
class Resemblance:
    kind: str  # "near-duplicate" or "translation"
    score: float
    shared: list[str]


# Tuned on the sample pair and the pairs in bench/story_pairs (see bench/story_matching.py).
NEAR_DUPLICATE_SCORE = 0.8
TRANSLATION_SCORE = 0.35
MIN_SHARED = 5
MAX_LENGTH_RATIO = 2.5


def resemblance(a_signals, a_language, a_length, b_signals, b_language, b_length) -> Resemblance | None:
    """How article b resembles article a, or None when it does not tell the same story."""
    a, b = set(a_signals), set(b_signals)
    shared = a & b
    if len(shared) < MIN_SHARED or not a or not b:
        return None
    ratio = max(a_length, b_length) / max(1, min(a_length, b_length))
    if ratio > MAX_LENGTH_RATIO:
        return None
    score = len(shared) / min(len(a), len(b))
    shown = sorted(s[1:] for s in shared)[:12]
    same_language = a_language == b_language and a_language != "und"
    if same_language and score >= NEAR_DUPLICATE_SCORE:
        return Resemblance("near-duplicate", score, shown)
    if not same_language and score >= TRANSLATION_SCORE:
        return Resemblance("translation", score, shown)
    return None
