"""PNG charts of a report, drawn with matplotlib's Agg canvas.

Figures are built with the object API (``Figure`` + ``FigureCanvasAgg``), never ``pyplot``: no
global figure registry to leak from a long-running Dagster process and no GUI backend to pick.
An empty mart still yields a valid chart that says so, so a report never links a missing file.
"""

from __future__ import annotations

import datetime as dt
import io

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ghintel_pipeline.lib.reports.data import ReportData

SEVERITY_COLORS = {"high": "#c0392b", "medium": "#e67e22", "low": "#f1c40f"}
COMPONENT_COLORS = {"star_component": "#f1c40f", "fork_component": "#3498db", "activity_component": "#2ecc71"}
BASELINE_COLOR = "#95a5a6"
DPI = 100
PREFERRED_TRENDING_WINDOW = "24h"


def hour_label(hour: dt.datetime | None) -> str:
    return "-" if hour is None else hour.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _message(title: str, text: str) -> bytes:
    fig = Figure(figsize=(8, 2.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555", wrap=True)
    ax.set_axis_off()
    return _png(fig)


def _shorten(text: str, width: int = 42) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def anomaly_chart(data: ReportData) -> bytes:
    """Observed value against its baseline (log scale) and the robust score, per top anomaly."""
    if "anomalies" in data.missing_marts:
        return _message("Top anomalies", "gold anomalies not built yet")
    if data.as_of is None:
        return _message("Top anomalies", "no anomalies: the lake has no data yet")
    title = f"Top anomalies, {hour_label(data.window_start)} to {hour_label(data.as_of)}"
    if not data.anomalies:
        return _message(title, f"no anomalies in the last {data.options.lookback_hours} h")
    rows = list(reversed(data.anomalies))  # barh draws bottom-up; the worst goes on top
    labels = [
        f"{_shorten(r['entity'])} · {r['metric']} · {r['event_hour'].astimezone(dt.UTC):%m-%d %H}h"
        for r in rows
    ]
    colors = [SEVERITY_COLORS.get(r["severity"], "#7f8c8d") for r in rows]
    y = range(len(rows))
    fig = Figure(figsize=(11, 1.6 + 0.42 * len(rows)), layout="constrained")
    values_ax, score_ax = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    height = 0.38
    values_ax.barh([i + height / 2 for i in y], [r["observed"] or 0 for r in rows], height, color=colors)
    values_ax.barh(
        [i - height / 2 for i in y], [r["baseline"] or 0 for r in rows], height, color=BASELINE_COLOR
    )
    # Metrics differ by orders of magnitude (events vs stars); symlog keeps a zero baseline drawable.
    values_ax.set_xscale("symlog", linthresh=1)
    values_ax.set_xlim(left=0)
    values_ax.set_yticks(list(y), labels, fontsize=8)
    values_ax.set_xlabel("observed (severity colour) vs baseline (grey) in the hour")
    values_ax.grid(axis="x", alpha=0.3)
    handles = [Patch(color=c, label=f"observed, {s}") for s, c in SEVERITY_COLORS.items()]
    handles.append(Patch(color=BASELINE_COLOR, label="baseline (trailing median)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    score_ax.barh(list(y), [r["score"] or 0 for r in rows], color=colors)
    for i, r in zip(y, rows, strict=True):
        score_ax.text(r["score"] or 0, i, f" {r['score']:.1f}", va="center", fontsize=8)
    score_ax.set_xlabel("score (robust z)")
    score_ax.grid(axis="x", alpha=0.3)
    score_ax.margins(x=0.15)
    fig.suptitle(title)
    return _png(fig)


def trending_window(data: ReportData) -> str | None:
    """The window the trending chart shows: 24h when present, else the first non-empty one."""
    if data.trending.get(PREFERRED_TRENDING_WINDOW):
        return PREFERRED_TRENDING_WINDOW
    return next((w for w, rows in data.trending.items() if rows), None)


def trending_chart(data: ReportData) -> bytes:
    """Trending score of the top repos split into its star, fork and activity components."""
    window = trending_window(data)
    if window is None:
        why = (
            "gold repo_trending not built yet"
            if "repo_trending" in data.missing_marts
            else "no trending repos"
        )
        return _message("Trending repositories", why)
    rows = list(reversed(data.trending[window]))
    y = list(range(len(rows)))
    fig = Figure(figsize=(10, 1.2 + 0.38 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    left = [0.0] * len(rows)
    for column, color in COMPONENT_COLORS.items():
        widths = [r[column] or 0.0 for r in rows]
        ax.barh(y, widths, left=left, color=color, label=column.removesuffix("_component"))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for i, r in zip(y, rows, strict=True):
        ax.text(left[i], i, f" {r['score']:.1f}", va="center", fontsize=8)
    ax.set_yticks(
        y, [f"#{r['rank']} {_shorten(r['repo_name'] or str(r['repo_id']))}" for r in rows], fontsize=8
    )
    ax.set_xlabel("trending score")
    ax.margins(x=0.12)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Trending repositories, window {window}, as of {hour_label(data.trending_as_of)}")
    return _png(fig)


def hour_span(hours: list[dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    """The x range of hourly points: from the first hour's start to the last hour's end, so a
    one-hour lake shows that whole hour instead of matplotlib's few minutes around one point."""
    return min(hours), max(hours) + dt.timedelta(hours=1)


def _shares(rows: list[dict], column: str) -> list[tuple[dt.datetime, float]]:
    """(hour, percent) of a share column, hours without a value left out."""
    return [(r["event_hour"], 100 * r[column]) for r in rows if r[column] is not None]


def _line(ax, points: list[tuple], label: str) -> None:
    if points:
        ax.plot(*zip(*points, strict=True), marker=".", label=label)


def _mark(ax, points: list[tuple], label: str, **style) -> None:
    """Highlight points over a line; none drawn (and no legend entry) when there are none."""
    if points:
        ax.scatter(*zip(*points, strict=True), zorder=3, label=label, **style)


def coverage_chart(data: ReportData) -> bytes:
    """Events per hour and source, gaps and low-coverage hours marked; watch/PR share vs baseline."""
    if not data.coverage:
        title = f"Data coverage, last {data.options.coverage_hours} h"
        why = (
            "gold data_coverage not built yet"
            if "data_coverage" in data.missing_marts
            else "no data in the lake"
        )
        return _message(title, why)
    title = f"Data coverage, {hour_label(data.coverage[0]['event_hour'])} to {hour_label(data.as_of)}"
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    events_ax, share_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    sources = sorted({r["source"] for r in data.coverage})
    for source in sources:
        rows = [r for r in data.coverage if r["source"] == source]
        hours = [r["event_hour"] for r in rows]
        events_ax.plot(hours, [r["events"] for r in rows], marker="o", markersize=3, label=source)
        low = [(r["event_hour"], r["events"]) for r in rows if r["coverage"] == "low"]
        _mark(events_ax, low, f"{source}: low coverage", color="#e67e22")
        _line(share_ax, _shares(rows, "watch_share"), f"{source}: watch share")
        share_ax.plot(
            hours,
            [100 * (r["baseline_watch_share"] or 0) for r in rows],
            linestyle="--",
            label=f"{source}: watch baseline",
        )
        star_low = _shares([r for r in rows if r["star_coverage"] == "low"], "watch_share")
        _mark(share_ax, star_low, f"{source}: low star coverage", color="#c0392b", marker="x")
        _line(share_ax, _shares(rows, "pr_share"), f"{source}: PR share")
    gaps = sorted({r["event_hour"] for r in data.coverage if r["is_gap"]})
    for i, hour in enumerate(gaps):
        for ax in (events_ax, share_ax):
            ax.axvspan(
                hour,
                hour + dt.timedelta(hours=1),
                color="#c0392b",
                alpha=0.15,
                label="gap" if i == 0 and ax is events_ax else None,
            )
    events_ax.set_ylabel("events per hour")
    events_ax.set_ylim(bottom=0)
    events_ax.legend(fontsize=8, loc="best")
    events_ax.grid(alpha=0.3)
    share_ax.set_ylabel("share of events (%)")
    share_ax.set_ylim(bottom=0)
    share_ax.legend(fontsize=7, loc="best", ncols=2)
    share_ax.grid(alpha=0.3)
    share_ax.set_xlim(*hour_span([r["event_hour"] for r in data.coverage]))
    locator = mdates.AutoDateLocator(tz=dt.UTC)
    share_ax.xaxis.set_major_locator(locator)
    share_ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=dt.UTC))
    fig.suptitle(title)
    return _png(fig)


def render_charts(data: ReportData) -> dict[str, bytes]:
    """File name -> PNG bytes."""
    return {
        "anomalies.png": anomaly_chart(data),
        "trending.png": trending_chart(data),
        "coverage.png": coverage_chart(data),
    }
