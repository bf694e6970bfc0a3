"""Server-drawn SVG charts: the geometry here, the markup in templates/chart/_line_chart.html
and templates/reports/_bar_chart.html.

No JavaScript and no inline styles (the Content-Security-Policy allows neither): colours
come from classes in clinic.css. Every chart also has its numbers in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

LEFT, RIGHT, TOP, BOTTOM = 36, 16, 12, 30
VALUE_ROOM = 150


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: int = LEFT
    bottom: float = 0
    right: float = 0


def line_chart(
    labels: list[str],
    series: list[tuple[str, str, list[int | None]]],
    *,
    y_max: int = 10,
    width: int = 560,
    height: int = 220,
) -> LineChart:
    """One line per (name, css class, values) over the x labels; a missing value leaves
    that point out."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    step = plot_w / (len(labels) - 1) if len(labels) > 1 else 0
    xs = [LEFT + (i * step if len(labels) > 1 else plot_w / 2) for i in range(len(labels))]

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / y_max)

    lines = [
        Line(
            name,
            css,
            [
                Point(xs[i], y(v), v, labels[i])
                for i, v in enumerate(values[: len(labels)])
                if v is not None
            ],
        )
        for name, css, values in series
    ]
    y_ticks = [Tick(y(v), str(v)) for v in range(0, y_max + 1, max(1, y_max // 2))]
    x_ticks = [Tick(x, label) for x, label in zip(xs, labels, strict=True)]
    return LineChart(width, height, lines, x_ticks, y_ticks, bottom=y(0), right=width - RIGHT)


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    label_width: int
    bar_height: int

    @property
    def text_x(self) -> int:
        return self.label_width - 8

    @property
    def track_width(self) -> int:
        return self.width - self.label_width - VALUE_ROOM

    @property
    def value_x(self) -> int:
        return self.width - VALUE_ROOM + 6


def bar_chart(
    rows: list[tuple[str, float, str]],
    *,
    maximum: float = 100.0,
    width: int = 640,
    label_width: int = 220,
    bar_height: int = 22,
) -> BarChart:
    """Horizontal bars: (label, value, value as shown) each, scaled to `maximum`."""
    room = width - label_width - VALUE_ROOM  # the value is written after the bar
    gap = bar_height + 10
    bars = [
        Bar(
            label if len(label) <= 30 else label[:29] + "…",
            text,
            TOP + i * gap,
            max(0.0, min(value, maximum)) / maximum * room if maximum else 0.0,
        )
        for i, (label, value, text) in enumerate(rows)
    ]
    return BarChart(width, TOP * 2 + gap * len(rows), bars, label_width, bar_height)
