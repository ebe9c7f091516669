"""Snippets with their matches marked, built so that no markup of a text can ever come through.

ts_headline marks matches with the strings it is given; these are random for each search, so
no text holds them. Everything between them is text: the HTML snippet escapes it all and only
then puts <mark> around the matches, and the API's snippet is the plain text with the matches
as offsets into it.
"""

import secrets
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

ELLIPSIS = " … "


@dataclass(frozen=True)
class Sentinels:
    """The strings ts_headline writes around each match and between fragments, for one search."""

    start: str = field(default_factory=lambda: f"[s{secrets.token_hex(8)}]")
    stop: str = field(default_factory=lambda: f"[e{secrets.token_hex(8)}]")
    gap: str = field(default_factory=lambda: f"[g{secrets.token_hex(8)}]")

    def options(self, *, fragments: int) -> str:
        """ts_headline's options: `fragments` passages of about 30 words, or 0 for the whole text."""
        marks = f"StartSel={self.start}, StopSel={self.stop}, FragmentDelimiter={self.gap}"
        if not fragments:
            return f"{marks}, HighlightAll=true"
        return f"{marks}, MaxFragments={fragments}, MaxWords=30, MinWords=12"

    def parse(self, headline: str | None) -> "Marked":
        """A headline's plain text, and where the matches are in it."""
        text, highlights = [], []
        length = 0
        for fragment_number, fragment in enumerate((headline or "").split(self.gap)):
            if fragment_number:
                text.append(ELLIPSIS)
                length += len(ELLIPSIS)
            for number, part in enumerate(fragment.split(self.start)):
                inside, _, after = part.partition(self.stop) if number else ("", "", part)
                if inside:
                    highlights.append((length, length + len(inside)))
                    text.append(inside)
                    length += len(inside)
                text.append(after)
                length += len(after)
        return Marked("".join(text), tuple(highlights))


@dataclass(frozen=True)
class Marked:
    """Plain text with the [start, end) code-point ranges of its matches."""

    text: str
    highlights: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.text)

    def around_first_match(self, chars: int) -> "Marked":
        """At most about `chars` characters around the first match, cut at spaces, with "…" where cut."""
        if len(self.text) <= chars:
            return self
        first = self.highlights[0][0] if self.highlights else 0
        start = max(0, first - chars // 3)
        if start:
            start = self.text.find(" ", start, first) + 1 or start
        end = start + chars
        if end < len(self.text):
            end = self.text.rfind(" ", start, end) if " " in self.text[start:end] else end
        head, tail = ("…" if start else ""), ("…" if end < len(self.text) else "")
        shift = len(head) - start
        highlights = tuple(
            (max(s, start) + shift, min(e, end) + shift) for s, e in self.highlights if s < end and e > start
        )
        return Marked(head + self.text[start:end] + tail, highlights)

    def html(self) -> SafeString:
        parts, position = [], 0
        for start, end in self.highlights:
            parts.append(escape(self.text[position:start]))
            parts.append(f"<mark>{escape(self.text[start:end])}</mark>")
            position = end
        parts.append(escape(self.text[position:]))
        return mark_safe("".join(parts))  # noqa: S308 - every piece of text is escaped
