"""A claim's spread as SVG geometry, drawn by a plain template (claims/timeline.svg.html).

As the review desk's charts: positions are worked out here and handed to the template as
strings, colours are SVG presentation attributes (which the Content-Security-Policy allows), one
unit is a pixel, and every mark names itself in a <title>; the page gives the same facts in a
table besides. Dates run along the x axis, one row per outlet and language.
"""

from dataclasses import dataclass, field
from datetime import date

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


@dataclass(frozen=True, slots=True)
class Point:
    """One appearance as the picture needs it."""

    day: date
    outlet: str
    language: str
    label: str


def timeline(points: list[Point], *, title: str) -> Timeline:
    """Each appearance a dot at its day, in the row of its outlet and language, coloured by language."""
    rows: list[tuple[str, str]] = []
    for point in points:
        if (point.outlet, point.language) not in rows:
            rows.append((point.outlet, point.language))
    left_out = max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    languages = list(dict.fromkeys(language for _, language in rows))
    colour = {language: COLOURS[index % len(COLOURS)] for index, language in enumerate(languages)}
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + AXIS_HEIGHT
    description = (
        f"{len(points)} appearance{'s' if len(points) != 1 else ''} in {len(rows)} outlet and language "
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
        chart.marks.append(Mark(_n(x_of(point.day)), _n(middle), colour[point.language], point.label))
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
