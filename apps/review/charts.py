"""Bar charts as SVG geometry, drawn by a plain template (review/chart.html).

Positions are worked out here, where arithmetic is plain Python, and handed to the template as
strings; colours are SVG presentation attributes, which the Content-Security-Policy allows where
it refuses inline styles. A chart is shown at its own size, one unit a pixel (review/desk.css), so
its 12-unit labels are 12 px, never shrunk with the chart. Every chart names itself in
<title>/<desc>, and each bar carries its number in a <title> of its own; the page shows the same
numbers in a table besides.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# Okabe–Ito colours, told apart by colour-blind readers too.
STATUS_COLOURS = {"draft": "#999999", "submitted": "#E69F00", "approved": "#009E73", "rejected": "#D55E00"}
SUBMITTED_COLOUR, DECIDED_COLOUR, CREATED_COLOUR = "#E69F00", "#0072B2", "#56B4E9"

WIDTH = 640
LABEL_WIDTH = 130
ROW_HEIGHT = 26
BAR_HEIGHT = 16
LEGEND_HEIGHT = 26
PLOT_HEIGHT = 160
AXIS_HEIGHT = 34


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True, slots=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    fill: str
    label: str


@dataclass(frozen=True, slots=True)
class Text:
    x: str
    y: str
    text: str
    anchor: str = "start"


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    legend: list[tuple[Bar, Text]] = field(default_factory=list)


def _legend(series: Sequence[tuple[str, str]]) -> list[tuple[Bar, Text]]:
    items, x = [], LABEL_WIDTH
    for name, fill in series:
        items.append((Bar(_n(x), "6", "12", "12", fill, name), Text(_n(x + 16), "16", name)))
        x += 24 + 7 * len(name)
    return items


def stacked_bars(
    *, id: str, title: str, description: str, rows: Mapping[str, Mapping[str, int]], segments: Mapping[str, str]
) -> Chart:
    """One horizontal bar per row, cut into `segments` (key -> colour), on one scale for all rows."""
    largest = max((sum(counts.get(key, 0) for key in segments) for counts in rows.values()), default=0)
    scale = (WIDTH - LABEL_WIDTH - 60) / largest if largest else 0
    chart = Chart(id, title, description, WIDTH, LEGEND_HEIGHT + ROW_HEIGHT * max(len(rows), 1) + 6)
    chart.legend = _legend(list(segments.items()))
    for index, (row, counts) in enumerate(rows.items()):
        top = LEGEND_HEIGHT + index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        chart.texts.append(Text(_n(LABEL_WIDTH - 8), _n(top + BAR_HEIGHT - 3), row, "end"))
        x = LABEL_WIDTH
        for key, fill in segments.items():
            count = counts.get(key, 0)
            if count:
                width = count * scale
                chart.bars.append(Bar(_n(x), _n(top), _n(width), str(BAR_HEIGHT), fill, f"{row}, {key}: {count}"))
                x += width
        chart.texts.append(Text(_n(x + 6), _n(top + BAR_HEIGHT - 3), str(sum(counts.get(k, 0) for k in segments))))
    return chart


def weekly_bars(
    *, id: str, title: str, description: str, weeks: Sequence, series: Sequence[tuple[str, str, Sequence[int]]]
) -> Chart:
    """Bars side by side for each week, one per series (name, colour, a value per week)."""
    chart = Chart(id, title, description, WIDTH, LEGEND_HEIGHT + PLOT_HEIGHT + AXIS_HEIGHT)
    chart.legend = _legend([(name, fill) for name, fill, _ in series])
    largest = max((value for _, _, values in series for value in values), default=0)
    left, bottom = 40, LEGEND_HEIGHT + PLOT_HEIGHT
    plot_width = WIDTH - left - 10
    chart.texts += [
        Text(_n(left - 6), _n(bottom), "0", "end"),
        Text(_n(left - 6), _n(LEGEND_HEIGHT + 10), str(largest), "end"),
    ]
    if not weeks or not largest:
        return chart
    slot = plot_width / len(weeks)
    bar_width = max(slot * 0.8 / len(series), 1)
    every = math.ceil(len(weeks) / 6)  # at most six dates under the axis, each written as the tables write it
    for index, week in enumerate(weeks):
        for position, (name, fill, values) in enumerate(series):
            height = values[index] * PLOT_HEIGHT / largest
            x = left + index * slot + slot * 0.1 + position * bar_width
            label = f"Week of {week:%Y-%m-%d}, {name.lower()}: {values[index]}"
            chart.bars.append(Bar(_n(x), _n(bottom - height), _n(bar_width), _n(height), fill, label))
        if index % every == 0:
            chart.texts.append(Text(_n(left + index * slot + slot / 2), _n(bottom + 16), f"{week:%Y-%m-%d}", "middle"))
    chart.texts.append(Text(_n(left), _n(bottom + 31), f"weeks from {weeks[0]:%Y-%m-%d} to {weeks[-1]:%Y-%m-%d}"))
    return chart
