"""Cheap signals that two articles tell the same story: shared names and numbers.

Names and numbers survive translation ("Mil-Man", "INSS", "2025-27"), so the overlap of these
signals finds translations as well as re-published copies, without any language model.
"""

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def content_hash(text: str) -> str:
    """What `Article.content_hash` holds for `text`: the hex SHA-256 of its UTF-8 bytes; the same
    text imported twice into a project is found by it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Both patterns open with a plain character class so that the regular expression engine can
# skip ahead quickly; this runs on every imported article.
_NUMBER = re.compile(r"\d\d*(?:[.,:/-]\d+)*")
# A word opening with an ASCII capital or any non-ASCII character; `as_name` keeps those that
# open with a letter that is not lower case: names in scripts with case, any word in scripts
# without (Arabic, Hebrew, CJK).
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
_STOP_SIGNALS = frozenset("@" + word for word in _STOP)
MAX_SIGNALS = 200


def fingerprint(text: str) -> list[str]:
    """Return the article's signals: '#' numbers and '@' names, folded and sorted."""
    numbers = {"#" + n for n in set(_NUMBER.findall(text)) if len(n) >= 2}
    names = {"@" + name.casefold() for name in map(as_name, set(_NAME_CANDIDATE.findall(text))) if name}
    names -= _STOP_SIGNALS
    signals = sorted(numbers) + sorted(names)
    return signals[:MAX_SIGNALS]


def names_in(text: str) -> Iterator[str]:
    """Each name `text` writes (as `fingerprint` finds them, sentence openers aside), once, in order."""
    for candidate in dict.fromkeys(_NAME_CANDIDATE.findall(text)):
        name = as_name(candidate)
        if name and name.casefold() not in _STOP:
            yield name


def as_name(candidate: str) -> str:
    """The name a match of _NAME_CANDIDATE writes, or "" when it is none.

    The pattern's first character may be an opening quote or dash outside ASCII („, “, «, —, 「),
    since it admits every such character; the name is the word after it.
    """
    if not candidate[0].isalpha():
        candidate = candidate[1:]
    if len(candidate) >= 3 and candidate[0].isalpha() and not candidate[0].islower():
        return candidate
    return ""


def spellings(text: str, names: set[str]) -> dict[str, str]:
    """Folded name -> the name as `text` first writes it, in the order it names them; a name the
    text does not write (it comes from another text) is left out."""
    spelled = {}
    if not names:
        return spelled
    for match in _NAME_CANDIDATE.finditer(text):
        name = as_name(match.group())
        folded = name.casefold()
        if folded in names and folded not in spelled:
            spelled[folded] = name
            if len(spelled) == len(names):
                break
    return spelled


# A description names this many names and numbers and counts the rest.
NAMED_SIGNALS = 3


@dataclass(frozen=True)
class Resemblance:
    kind: str  # "near-duplicate" or "translation"
    score: float
    shared: list[str]  # up to 12 shared signals, folded, without their marks
    signals: frozenset[str] = frozenset()  # every shared signal, marked "@" (name) or "#" (number)
    names: tuple[str, ...] = ()  # the shared names as an article writes them, once `spelled_from` its spellings

    @classmethod
    def from_signals(cls, kind: str, score: float, signals) -> "Resemblance":
        """A resemblance as kept in a StoryMatch: its kind, score and every shared signal."""
        return cls(kind, score, sorted(s[1:] for s in signals)[:12], frozenset(signals))

    @property
    def folded_names(self) -> set[str]:
        return {signal[1:] for signal in self.signals if signal.startswith("@")}

    def spelled_from(self, spelled: dict[str, str]) -> "Resemblance":
        """This resemblance with its names as a text writes them (`spellings` of that text, for
        these names or more), in the order the text first names them."""
        folded = self.folded_names
        written = [name for key, name in spelled.items() if key in folded]
        unwritten = sorted(name.title() for name in folded - spelled.keys())
        return replace(self, names=(*written, *unwritten))

    @property
    def description(self) -> SafeString:
        """What the texts share, in words: "Both name Mil-Man, INSS, Lukashenko and 4 more, and
        share 6 numbers (2025-27, 2025, 11, …)"."""
        names = self.names or tuple(sorted(s[1:].title() for s in self.signals if s.startswith("@")))
        # Longer numbers first: "2025-27" tells more than "11".
        numbers = sorted((s[1:] for s in self.signals if s.startswith("#")), key=lambda n: (-len(n), n))
        parts = []
        if names:
            parts.append(format_html("name {}", _series(names)))
        if len(numbers) == 1:
            parts.append(format_html("share the number {}", numbers[0]))
        elif numbers:
            shown = ", ".join(numbers[:NAMED_SIGNALS]) + (", …" if len(numbers) > NAMED_SIGNALS else "")
            parts.append(format_html("share {} numbers ({})", len(numbers), shown))
        # A comma keeps the names' own "and" apart from this one.
        joiner = ", and " if len(names) > 1 else " and "
        return format_html("Both {}.", mark_safe(joiner.join(parts)))  # noqa: S308 - parts are format_html's


def _series(names) -> SafeString:
    """ "A", "A and B", "A, B and C" or "A, B, C and 4 more"; each name isolated, as it may read
    right to left inside this left-to-right sentence."""
    shown = [format_html("<bdi>{}</bdi>", name) for name in names[:NAMED_SIGNALS]]
    rest = len(names) - len(shown)
    if rest:
        return format_html("{} and {} more", mark_safe(", ".join(shown)), rest)  # noqa: S308 - escaped above
    if len(shown) == 1:
        return shown[0]
    return format_html("{} and {}", mark_safe(", ".join(shown[:-1])), shown[-1])  # noqa: S308 - escaped above


# Tuned on the sample pair and the pairs in bench/story_pairs (see bench/story_matching.py).
NEAR_DUPLICATE_SCORE = 0.8
TRANSLATION_SCORE = 0.35
MIN_SHARED = 5
MAX_LENGTH_RATIO = 2.5


def resemblance(a_signals, a_language, a_length, b_signals, b_language, b_length) -> Resemblance | None:
    """How article b resembles article a, or None when it does not tell the same story."""
    # A frozenset passed in is used as it is, not copied: matching compares each article with
    # up to 200 others.
    a, b = frozenset(a_signals), frozenset(b_signals)
    shared = a & b
    kind = story_kind(len(shared), len(a), a_language, a_length, len(b), b_language, b_length)
    if kind is None:
        return None
    return Resemblance(kind, len(shared) / min(len(a), len(b)), sorted(s[1:] for s in shared)[:12], frozenset(shared))


def story_kind(shared: int, a_signals: int, a_language, a_length, b_signals: int, b_language, b_length) -> str | None:
    """Whether articles a and b, of a_signals and b_signals signals of which they share `shared`,
    tell the same story: "near-duplicate", "translation", or None. Matching counts the shared
    signals of many pairs at once and builds a Resemblance only for those that pass."""
    if shared < MIN_SHARED or not a_signals or not b_signals:
        return None
    ratio = max(a_length, b_length) / max(1, min(a_length, b_length))
    if ratio > MAX_LENGTH_RATIO:
        return None
    score = shared / min(a_signals, b_signals)
    same_language = a_language == b_language and a_language != "und"
    if same_language and score >= NEAR_DUPLICATE_SCORE:
        return "near-duplicate"
    if not same_language and score >= TRANSLATION_SCORE:
        return "translation"
    return None
