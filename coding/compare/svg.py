"""Server-rendered SVG charts: no JavaScript, every text escaped, accessible by design.

Each chart carries ``role="img"`` with a ``<title>`` and a ``<desc>`` that states the
data in words, direct labels instead of a legend, and a distinct marker shape per series
so that colour is never the only cue. The same markup is embedded in pages and served
as a file (``standalone=True`` adds the XML declaration and namespace).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as _escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; all >= 3:1 on
# white (the yellow is left out for that reason).
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#56B4E9", "#E69F00")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "triangle-down", "plus")


def esc(text) -> str:
    """Escape text for SVG/XML content and attribute values."""
    return _escape(str(text), {'"': "&quot;", "'": "&#x27;"})


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per x label; None = no data (gap)
    note: str = ""  # e.g. "n=5, 4, 5": appended to the description


def marker(shape: str, x: float, y: float, colour: str, size: float = 5.0) -> str:
    s = size
    common = f'fill="{colour}" stroke="#ffffff" stroke-width="1"'
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}" {common}/>'
    if shape == "square":
        return f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" height="{2 * s:.1f}" {common}/>'
    if shape == "diamond":
        pts = f"{x:.1f},{y - s * 1.3:.1f} {x + s * 1.3:.1f},{y:.1f} {x:.1f},{y + s * 1.3:.1f} {x - s * 1.3:.1f},{y:.1f}"
        return f'<polygon points="{pts}" {common}/>'
    if shape in ("triangle", "triangle-down"):
        d = 1 if shape == "triangle" else -1
        pts = (
            f"{x:.1f},{y - d * s * 1.3:.1f} {x + s * 1.2:.1f},{y + d * s:.1f} "
            f"{x - s * 1.2:.1f},{y + d * s:.1f}"
        )
        return f'<polygon points="{pts}" {common}/>'
    if shape == "cross":
        return (
            f'<path d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}'
            f'L{x + s:.1f},{y - s:.1f}" stroke="{colour}" stroke-width="2.5"/>'
        )
    return (
        f'<path d="M{x - s:.1f},{y:.1f}H{x + s:.1f}M{x:.1f},{y - s:.1f}V{y + s:.1f}" '
        f'stroke="{colour}" stroke-width="2.5"/>'
    )


def _spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label positions apart by at least ``gap`` while keeping their order."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
    for i in range(len(placed)):
        placed[i] = max(placed[i], low + i * gap)
    result = [0.0] * len(positions)
    for rank, i in enumerate(order):
        result[i] = placed[rank]
    return result


@dataclass(frozen=True)
class _Plot:
    """The geometry of a line chart: margins, plot area and the value -> pixel maps."""

    left: float
    top: float
    plot_w: float
    plot_h: float
    n_x: int
    y_max: float

    def x_at(self, i: int) -> float:
        if self.n_x <= 1:
            return self.left + self.plot_w / 2
        return self.left + self.plot_w * i / (self.n_x - 1)

    def y_at(self, v: float) -> float:
        return self.top + self.plot_h * (1 - (v / self.y_max if self.y_max else 0))


def _axes(plot: _Plot, x_labels: Sequence[str], y_suffix: str) -> list[str]:
    """Grid and y axis: 0, 25, 50, 75, 100 (% scale); the x labels below the plot."""
    parts = []
    for k in range(5):
        value = plot.y_max * k / 4
        y = plot.y_at(value)
        parts.append(
            f'<line x1="{plot.left}" y1="{y:.1f}" x2="{plot.left + plot.plot_w}" y2="{y:.1f}" '
            f'stroke="#d5d9e0" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5a6270">'
            f"{esc(f'{value:g}{y_suffix}')}</text>"
        )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{plot.x_at(i):.1f}" y="{plot.top + plot.plot_h + 20}" '
            f'text-anchor="middle" fill="#1b1f24">{esc(label)}</text>'
        )
    return parts


def _series(
    plot: _Plot, index: int, s: Series, x_labels: Sequence[str], y_suffix: str
) -> tuple[list[str], tuple[float, float] | None]:
    """One series' group (lines broken at None, a marker and a tooltip per point) and
    the position of its last point (None without points)."""
    colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    shape = MARKERS[index % len(MARKERS)]
    dash = "" if index < len(SERIES_COLOURS) else ' stroke-dasharray="6 3"'
    parts = [f'<g class="series" data-series="{esc(s.label)}">']
    segment: list[str] = []
    points = []

    def polyline() -> str:
        return (
            f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"{dash}/>'
        )

    for i, v in enumerate(s.values):
        if v is None:
            if len(segment) > 1:
                parts.append(polyline())
            segment = []
            continue
        x, y = plot.x_at(i), plot.y_at(v)
        segment.append(f"{x:.1f},{y:.1f}")
        points.append((x, y, v, x_labels[i]))
    if len(segment) > 1:
        parts.append(polyline())
    for x, y, v, xl in points:
        parts.append(marker(shape, x, y, colour))
        parts.append(f"<title>{esc(f'{s.label}, {xl}: {v:g}{y_suffix}')}</title>")
    parts.append("</g>")
    return parts, (points[-1][0], points[-1][1]) if points else None


def _direct_labels(
    plot: _Plot, ends: list[tuple[int, float, float]], series: Sequence[Series]
) -> list[str]:
    """Direct labels just right of each series' last point; series ending at the same
    wave are spread apart vertically so that labels never overlap."""
    parts = []
    by_x: dict[float, list[tuple[int, float]]] = {}
    for index, x, y in ends:
        by_x.setdefault(round(x, 1), []).append((index, y))
    for x, items in by_x.items():
        ys = _spread([y for _, y in items], 15, plot.top + 4, plot.top + plot.plot_h + 4)
        label_x = x + 12
        for (index, _y), ly in zip(items, ys, strict=True):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            shape = MARKERS[index % len(MARKERS)]
            parts.append(marker(shape, label_x + 4, ly, colour, size=4.0))
            parts.append(
                f'<text x="{label_x + 14:.1f}" y="{ly + 4:.1f}" fill="#1b1f24" '
                f'paint-order="stroke" stroke="#ffffff" stroke-width="3">'
                f"{esc(series[index].label)}</text>"
            )
    return parts


def line_chart(
    *,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_max: float = 100.0,
    y_suffix: str = "%",
    chart_id: str = "chart",
    standalone: bool = False,
) -> str:
    """A line chart of ``series`` over ``x_labels`` (e.g. % of participants per wave).

    Lines break where a value is None. Each series ends in a direct label placed beside
    its last point, nudged apart when labels would overlap.
    """
    label_width = max((len(s.label) for s in series), default=0) * 7 + 40
    left, right, top, bottom = 48, max(120, label_width), 20, 44
    plot_w = max(170 * max(len(x_labels) - 1, 1), 340)
    plot_h = 220
    width, height = left + plot_w + right, top + plot_h + bottom
    plot = _Plot(left=left, top=top, plot_w=plot_w, plot_h=plot_h, n_x=len(x_labels), y_max=y_max)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = []
    if standalone:
        parts.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    parts.append(
        f'<svg{ns} class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{esc(title_id)} {esc(desc_id)}" '
        f'font-family="system-ui, sans-serif" font-size="12">'
    )
    parts.append(f'<title id="{esc(title_id)}">{esc(title)}</title>')
    parts.append(f'<desc id="{esc(desc_id)}">{esc(description)}</desc>')
    parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    parts += _axes(plot, x_labels, y_suffix)
    ends: list[tuple[int, float, float]] = []  # (series index, x, y) of the last point
    for index, s in enumerate(series):
        group, end = _series(plot, index, s, x_labels, y_suffix)
        parts += group
        if end is not None:
            ends.append((index, *end))
    parts += _direct_labels(plot, ends, series)
    parts.append("</svg>")
    return "".join(parts)
