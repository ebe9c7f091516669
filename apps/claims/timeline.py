"""A claim's spread as an SVG picture: dates along the x axis, one row per outlet and language.

As the review desk's charts: positions are worked out here, colours are SVG presentation
attributes (which the Content-Security-Policy allows), one unit is a pixel, and every mark names
itself in a <title>; the page gives the same facts in a table besides. Appearances of one row on
one day are one mark, larger for more. The SVG is written here rather than by a template loop:
a claim of a thousand appearances drew its marks in a quarter of a second that way.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Okabe–Ito colours, one a language, told apart by colour-blind readers too.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
WIDTH = 720
LABEL_WIDTH = 220
ROW_HEIGHT = 24
TOP = 10
AXIS_HEIGHT = 40
RADIUS = 6
# Beyond this many rows the picture says less than the table under it.
MAX_ROWS = 40


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True, slots=True)
class Mark:
    x: str
    y: str
    fill: str
    label: str
    radius: str = str(RADIUS)


@dataclass(frozen=True, slots=True)
class Text:
    x: str
    y: str
    text: str
    anchor: str = "start"


@dataclass(frozen=True, slots=True)
class Line:
    x1: str
    y1: str
    x2: str
    y2: str


@dataclass
class Timeline:
    id: str
    title: str
    description: str
    width: int
    height: int
    marks: list[Mark] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rows_left_out: int = 0

    def svg(self) -> SafeString:
        lines = format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#cccccc"/>',
            ((line.x1, line.y1, line.x2, line.y2) for line in self.lines),
        )
        texts = format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="{}" fill="currentColor">{}</text>',
            ((t.x, t.y, t.anchor, t.text) for t in self.texts),
        )
        marks = format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="{}" fill="{}" fill-opacity="0.8"><title>{}</title></circle>',
            ((m.x, m.y, m.radius, m.fill, m.label) for m in self.marks),
        )
        return format_html(
            '<svg class="chart timeline" id="{id}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
            'width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" font-size="12" '
            'font-family="sans-serif"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc} The table '
            "below gives the same facts.</desc>{lines}{texts}{marks}</svg>",
            id=self.id,
            w=self.width,
            h=self.height,
            title=self.title,
            desc=self.description,
            lines=lines,
            texts=texts,
            marks=marks,
        )


@dataclass(frozen=True, slots=True)
class Point:
    """The appearances of one outlet and language on one day, as the picture needs them."""

    day: date
    outlet: str
    language: str
    count: int
    title: str  # an article of theirs

    @property
    def label(self) -> str:
        where = f"{self.day:%Y-%m-%d}, {self.outlet} ({self.language})"
        if self.count == 1:
            return f"{where}: {self.title}"
        return f"{where}: {self.count} appearances, in {self.title} and others"


def timeline(points: list[Point], *, title: str) -> Timeline:
    """A dot for each day an outlet said it in a language, in the row of that outlet and language,
    coloured by language, larger for more appearances that day."""
    rows: list[tuple[str, str]] = []
    for point in points:
        if (point.outlet, point.language) not in rows:
            rows.append((point.outlet, point.language))
    left_out = max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    languages = list(dict.fromkeys(language for _, language in rows))
    colour = {language: COLOURS[index % len(COLOURS)] for index, language in enumerate(languages)}
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + AXIS_HEIGHT
    total = sum(point.count for point in points)
    description = (
        f"{total} appearance{'s' if total != 1 else ''} in {len(rows)} outlet and language "
        f"row{'s' if len(rows) != 1 else ''}, by date."
    )
    chart = Timeline("claim-timeline", title, description, WIDTH, height, rows_left_out=left_out)
    if not points:
        return chart
    first, last = min(p.day for p in points), max(p.day for p in points)
    span = max((last - first).days, 1)
    left, right = LABEL_WIDTH + RADIUS * 2, WIDTH - RADIUS * 3
    bottom = TOP + ROW_HEIGHT * len(rows)

    def x_of(day: date) -> float:
        if first == last:
            return (left + right) / 2
        return left + (day - first).days * (right - left) / span

    for index, (outlet, language) in enumerate(rows):
        middle = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        chart.texts.append(Text(_n(LABEL_WIDTH - 4), _n(middle + 4), f"{outlet} · {language}", "end"))
        chart.lines.append(Line(_n(LABEL_WIDTH), _n(middle), _n(WIDTH - 4), _n(middle)))
    row_of = {row: index for index, row in enumerate(rows)}
    for point in points:
        index = row_of.get((point.outlet, point.language))
        if index is None:
            continue
        middle = TOP + index * ROW_HEIGHT + ROW_HEIGHT / 2
        radius = min(RADIUS * math.sqrt(point.count), ROW_HEIGHT / 2 - 1)
        chart.marks.append(Mark(_n(x_of(point.day)), _n(middle), colour[point.language], point.label, _n(radius)))
    chart.lines.append(Line(_n(LABEL_WIDTH), _n(bottom), _n(WIDTH - 4), _n(bottom)))
    chart.texts.append(
        Text(_n(x_of(first)), _n(bottom + 16), f"{first:%Y-%m-%d}", "start" if first != last else "middle")
    )
    if last != first:
        chart.texts.append(Text(_n(x_of(last)), _n(bottom + 16), f"{last:%Y-%m-%d}", "end"))
    chart.texts.append(
        Text(_n(LABEL_WIDTH), _n(bottom + 33), f"first seen {first:%Y-%m-%d}, last seen {last:%Y-%m-%d}")
    )
    return chart
