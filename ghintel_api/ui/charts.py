"""Server-rendered SVG charts: no JavaScript, readable by screen readers (title + desc), and every
chart is drawn next to a table holding the same numbers (the text alternative)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_W, _H, _PAD_L, _PAD_B, _PAD_T = 720, 220, 48, 28, 12


def hour_label(t: datetime | None) -> str:
    return "–" if t is None else t.strftime("%Y-%m-%d %H:%M")


def columns(points: Sequence[Any], fields: Sequence[str]) -> tuple[list[str], dict[str, list]]:
    """An answer's series as chart input: bucket labels and one value list per field."""
    return [hour_label(p.ts) for p in points], {f: [getattr(p, f) for p in points] for f in fields}


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {_W} {height}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def _legend(names: Sequence[str], y: int) -> list[str]:
    out, x = [], _PAD_L
    for i, name in enumerate(names):
        out.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}" class="legend">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    return out


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    baseline: float | None = None,
    band: tuple[float, float] | None = None,
    mark: int | None = None,
) -> Markup:
    """One line per series over the labels; optional baseline line, spread band and a marked point."""
    top = max(
        [v or 0 for values in series.values() for v in values] + [baseline or 0, band[1] if band else 0]
    )
    top = top or 1
    plot_w, plot_h = _W - _PAD_L - 8, _H - _PAD_B - _PAD_T - 16
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return _PAD_L + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return _PAD_T + 16 + plot_h * (1 - v / top)

    desc = (
        f"{len(labels)} points from {labels[0]} to {labels[-1]}; maximum {top:g}." if labels else "No data."
    )
    if baseline is not None:
        desc += f" Baseline {baseline:g}."
    out = _open(chart_id, title, desc, _H)
    out += _legend(list(series) + (["baseline"] if baseline is not None else []), _PAD_T + 4)
    out.append(f'<line x1="{_PAD_L}" y1="{y(0):.1f}" x2="{_W - 8}" y2="{y(0):.1f}" class="axis"/>')
    out.append(f'<text x="{_PAD_L - 4}" y="{y(top) + 4:.1f}" class="tick" text-anchor="end">{top:g}</text>')
    out.append(f'<text x="{_PAD_L - 4}" y="{y(0) + 4:.1f}" class="tick" text-anchor="end">0</text>')
    if band is not None:
        lo, hi = max(band[0], 0), band[1]
        out.append(
            f'<rect x="{_PAD_L}" y="{y(hi):.1f}" width="{plot_w}" height="{y(lo) - y(hi):.1f}" class="band"/>'
        )
    if baseline is not None:
        color = PALETTE[len(series) % len(PALETTE)]
        out.append(
            f'<line x1="{_PAD_L}" y1="{y(baseline):.1f}" x2="{_W - 8}" y2="{y(baseline):.1f}" '
            f'stroke="{color}" class="baseline"/>'
        )
    for i, values in enumerate(series.values()):
        points = " ".join(f"{x(j):.1f},{y(v or 0):.1f}" for j, v in enumerate(values))
        out.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[i % len(PALETTE)]}"/>')
    if mark is not None and labels:
        first = next(iter(series.values()))
        out.append(f'<circle cx="{x(mark):.1f}" cy="{y(first[mark] or 0):.1f}" r="5" class="mark"/>')
    for j in sorted({0, n // 2, n - 1}):
        if j < len(labels):
            tick, anchor = escape(labels[j]), "start" if j == 0 else "end" if j == n - 1 else "middle"
            out.append(f'<text x="{x(j):.1f}" y="{_H - 8}" class="tick" text-anchor="{anchor}">{tick}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def stacked_bars(
    chart_id: str, title: str, labels: Sequence[str], parts: dict[str, Sequence[float | None]]
) -> Markup:
    """Horizontal bars, one per label, split into the parts (e.g. a trending score's components)."""
    row_h, label_w = 22, 260
    height = _PAD_T + 24 + row_h * max(len(labels), 1) + 8
    totals = [sum(max(values[i] or 0, 0) for values in parts.values()) for i in range(len(labels))]
    top = max(totals + [0]) or 1
    plot_w = _W - label_w - 60
    desc = f"{len(labels)} bars split into {', '.join(parts)}." if labels else "No data."
    out = _open(chart_id, title, desc, height)
    out += _legend(list(parts), _PAD_T + 4)
    for i, label in enumerate(labels):
        y = _PAD_T + 24 + row_h * i
        out.append(
            f'<text x="{label_w - 6}" y="{y + 14}" class="tick" text-anchor="end">{escape(label)}</text>'
        )
        x = float(label_w)
        for k, values in enumerate(parts.values()):
            width = plot_w * max(values[i] or 0, 0) / top
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{row_h - 6}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            )
            x += width
        out.append(f'<text x="{x + 4:.1f}" y="{y + 14}" class="tick">{totals[i]:.2f}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def versus(observed: float | None, baseline: float | None) -> Markup:
    """A two-bar sparkline of an anomaly: observed (top) against its baseline (bottom)."""
    top = max(observed or 0, baseline or 0) or 1
    known = observed is not None and baseline is not None
    label = f"observed {observed:g} against baseline {baseline:g}" if known else "–"
    bars = [
        f'<rect x="0" y="{y}" width="{120 * (v or 0) / top:.1f}" height="6" fill="{color}"/>'
        for y, v, color in ((1, observed, PALETTE[5]), (9, baseline, PALETTE[0]))
    ]
    return Markup(
        f'<svg class="versus" width="120" height="16" viewBox="0 0 120 16" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(bars)}</svg>'
    )
