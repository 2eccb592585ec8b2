"""The results table (terminal and Markdown) and a dependency-free SVG line chart."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Row:
    """One measured figure, beside its floor; ``target`` is a ratio bound unless ``absolute`` is set."""

    name: str
    value: float
    floor: float | None
    unit: str
    target: str = ""  # "<= 1.2" / ">= 3" on the ratio, or "<= 50 ms" absolute
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None

    @property
    def met(self) -> bool | None:
        if not self.target:
            return None
        op, bound, *unit = self.target.split()
        measured = self.value if unit else self.ratio
        if measured is None:
            return None
        return measured <= float(bound) if op == "<=" else measured >= float(bound)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ms":
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "q/s":
        return f"{value:.0f} q/s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:.3g} {unit}".strip()


def cells(row: Row) -> list[str]:
    ratio = row.ratio
    target = row.target.replace("<=", "≤").replace(">=", "≥")
    if target and len(row.target.split()) == 2:
        target += "×"
    met = {True: "yes", False: "**no**", None: ""}[row.met]
    return [
        row.name,
        fmt(row.value, row.unit),
        fmt(row.floor, row.unit),
        "—" if ratio is None else f"{ratio:.2f}×",
        target,
        met,
        row.note,
    ]


HEADER = ["figure", "EssayBot", "floor", "ratio", "target", "met", "note"]


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "|".join(["---"] + ["---:"] * 3 + ["---"] * 3) + "|"]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: Sequence[Row]) -> str:
    table = [HEADER[:-1]] + [[c.replace("**", "") for c in cells(row)[:-1]] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER) - 1)]
    out = []
    for n, r in enumerate(table):
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    color: str
    dashed: bool = False


def svg_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    log_y: bool = False,
    width: int = 600,
    height: int = 340,
) -> str:
    """A line chart with a log2 x axis (concurrency levels) and a linear or log10 y axis."""
    left, right, top, bottom = 64, 190, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = sorted({x for s in series for x, _ in s.points})
    ys = [y for s in series for _, y in s.points if y > 0]
    x_min, x_max = math.log2(xs[0]), math.log2(xs[-1]) or 1.0
    if log_y:
        y_min = 10 ** math.floor(math.log10(min(ys)))
        y_max = 10 ** math.ceil(math.log10(max(ys)))
        y_ticks = [10**e for e in range(round(math.log10(y_min)), round(math.log10(y_max)) + 1)]
    else:
        y_min, y_max = 0.0, _nice_ceiling(max(ys))
        y_ticks = [y_max * i / 5 for i in range(6)]

    def px(x: float) -> float:
        span = (x_max - x_min) or 1.0
        return left + (math.log2(x) - x_min) / span * plot_w

    def py(y: float) -> float:
        if log_y:
            fraction = (math.log10(y) - math.log10(y_min)) / (math.log10(y_max) - math.log10(y_min))
        else:
            fraction = (y - y_min) / (y_max - y_min)
        return top + plot_h - fraction * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + plot_w / 2}" y="18" text-anchor="middle" font-size="13">{escape(title)}</text>',
    ]
    for y in y_ticks:
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{_tick(y)}</text>'
        )
    for x in xs:
        out.append(
            f'<line x1="{px(x):.1f}" x2="{px(x):.1f}" y1="{top}" y2="{top + plot_h}" stroke="#eee"/>'
            f'<text x="{px(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_tick(x)}</text>'
        )
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>'
        f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text transform="translate(16 {top + plot_h / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    for n, s in enumerate(series):
        points = [(px(x), py(y)) for x, y in s.points if y > 0]
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{s.color}" stroke-width="2"{dash}/>')
        out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{s.color}"/>' for x, y in points]
        ly = top + 10 + n * 18
        out.append(
            f'<line x1="{left + plot_w + 12}" x2="{left + plot_w + 34}" y1="{ly}" y2="{ly}" '
            f'stroke="{s.color}" stroke-width="2"{dash}/>'
            f'<text x="{left + plot_w + 40}" y="{ly + 4}">{escape(s.label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _nice_ceiling(value: float) -> float:
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _tick(value: float) -> str:
    return f"{value:g}" if value >= 1 else f"{value:.2g}"
