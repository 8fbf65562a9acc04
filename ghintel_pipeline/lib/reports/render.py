"""Markdown and HTML of a report, both built from the same tables so they never disagree."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

from ghintel_pipeline.lib.reports.charts import hour_label
from ghintel_pipeline.lib.reports.data import ReportData

COVERAGE_ROWS = 48  # the chart shows every hour; the table lists only the newest problems


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # right-aligned column indexes


@dataclass
class Section:
    title: str
    chart: str | None = None  # PNG file name beside the report
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str | None, Table]] = field(default_factory=list)  # (subtitle, table)


def fmt_num(value: float | int | None) -> str:
    """Integers as integers, other numbers with two decimals, NULL as a dash."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def fmt_share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def summary_table(data: ReportData) -> Table:
    counts = data.counts()
    window = f"last {data.options.lookback_hours} h"
    labels = [
        (f"anomalies ({window})", "anomalies"),
        ("high severity", "anomalies_high"),
        ("medium severity", "anomalies_medium"),
        ("low severity", "anomalies_low"),
        ("anomalies (all hours in gold)", "anomalies_all_hours"),
        ("trending repos listed (all windows)", "trending_repos"),
        (f"hours with data coverage rows (last {data.options.coverage_hours} h)", "coverage_hours"),
        ("events in those hours", "coverage_events"),
        ("gap hours (per source)", "gap_hours"),
        ("low coverage hours (per source)", "low_coverage_hours"),
        ("low star coverage hours (per source)", "low_star_coverage_hours"),
    ]
    return Table(["measure", "value"], [[label, fmt_num(counts[key])] for label, key in labels], {1})


def anomalies_table(data: ReportData) -> Table:
    figures = ("observed", "baseline", "spread", "score")
    rows = [
        [str(i), r["severity"], f"{r['entity_type']} {r['entity']}", r["metric"], hour_label(r["event_hour"])]
        + [fmt_num(r[k]) for k in figures]
        + [r["explanation"] or ""]
        for i, r in enumerate(data.anomalies, start=1)
    ]
    columns = ["#", "severity", "entity", "metric", "hour", *figures, "explanation"]
    return Table(columns, rows, {0, *range(5, 5 + len(figures))})


# Trending figures in table order; two are titled by what they count.
TRENDING_FIGURES = (
    "score",
    "stargazers",
    "stars",
    "forks",
    "contributors",
    "velocity_per_hour",
    "velocity_change",
)
_FIGURE_TITLES = {"velocity_per_hour": "stargazers/h", "velocity_change": "change/h"}


def trending_table(rows: list[dict]) -> Table:
    body = [
        [fmt_num(r["rank"]), r["repo_name"] or str(r["repo_id"])]
        + [fmt_num(r[k]) for k in TRENDING_FIGURES]
        + [r["explanation"] or ""]
        for r in rows
    ]
    columns = ["rank", "repo", *(_FIGURE_TITLES.get(k, k) for k in TRENDING_FIGURES), "explanation"]
    return Table(columns, body, {0, *range(2, 2 + len(TRENDING_FIGURES))})


def coverage_table(data: ReportData) -> Table:
    flagged = [r for r in data.coverage if r["is_gap"] or r["coverage"] != "ok" or r["star_coverage"] != "ok"]
    body = [
        [
            hour_label(r["event_hour"]),
            r["source"],
            fmt_num(r["events"]),
            fmt_share(r["watch_share"]),
            fmt_share(r["baseline_watch_share"]),
            r["coverage"],
            r["star_coverage"],
            r["note"] or "",
        ]
        for r in flagged[-COVERAGE_ROWS:][::-1]
    ]
    columns = [
        "hour",
        "source",
        "events",
        "watch share",
        "watch baseline",
        "coverage",
        "star coverage",
        "note",
    ]
    return Table(columns, body, {2, 3, 4})


def build_sections(data: ReportData) -> list[Section]:
    missing = [f"gold `{name}` is not built yet; it reads as empty." for name in data.missing_marts]
    summary = Section("Summary", paragraphs=missing, tables=[(None, summary_table(data))])

    anomalies = Section("Top anomalies", chart="anomalies.png")
    if data.anomalies:
        anomalies.paragraphs.append(
            f"The {len(data.anomalies)} most severe of {data.anomalies_in_window} anomalies between "
            f"{hour_label(data.window_start)} and {hour_label(data.as_of)}; baseline = median of the "
            "trailing hours, spread = robust standard deviation, score = (observed - baseline) / spread."
        )
        anomalies.tables.append((None, anomalies_table(data)))
    elif data.as_of is None:
        anomalies.paragraphs.append("No anomalies: the lake has no data yet.")
    else:
        anomalies.paragraphs.append(
            f"No anomalies between {hour_label(data.window_start)} and {hour_label(data.as_of)}."
        )

    trending = Section("Trending repositories", chart="trending.png")
    if data.trending:
        trending.paragraphs.append(
            f"Top {data.options.top_n} per window as of {hour_label(data.trending_as_of)}."
        )
        trending.tables = [
            (f"Window {window}", trending_table(rows)) for window, rows in data.trending.items()
        ]
    else:
        trending.paragraphs.append("No trending repositories.")

    coverage = Section("Data coverage", chart="coverage.png")
    table = coverage_table(data)
    if not data.coverage:
        coverage.paragraphs.append("No coverage rows: the lake has no data yet.")
    elif table.rows:
        coverage.paragraphs.append(
            f"Hours with a gap or low coverage (newest first, at most {COVERAGE_ROWS}); "
            "star/PR counts of low-coverage hours undercount."
        )
        coverage.tables.append((None, table))
    else:
        coverage.paragraphs.append(
            f"All {data.coverage_counts.get('coverage_hours', 0)} hours from "
            f"{hour_label(data.coverage_start)} to {hour_label(data.as_of)} have full coverage."
        )
    return [summary, anomalies, trending, coverage]


def _heading(data: ReportData) -> tuple[str, str]:
    return (
        "ghintel anomaly report",
        f"Generated {data.generated_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC; "
        f"newest hour in the lake: {hour_label(data.as_of)}.",
    )


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.columns))]
    lines = ["| " + " | ".join(table.columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def _md_sections(sections: list[Section], *, charts: bool, level: int) -> list[str]:
    lines: list[str] = []
    for section in sections:
        lines += ["#" * level + " " + section.title, ""]
        if charts and section.chart:
            lines += [f"![{section.title}]({section.chart})", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        for subtitle, table in section.tables:
            if subtitle:
                lines += ["#" * (level + 1) + " " + subtitle, ""]
            lines += _md_table(table) + [""]
    return lines


def render_markdown(data: ReportData) -> str:
    """The full report; charts are linked by file name (they sit beside report.md)."""
    title, subtitle = _heading(data)
    return "\n".join(
        [f"# {title}", "", subtitle, ""] + _md_sections(build_sections(data), charts=True, level=2)
    )


def render_summary_markdown(data: ReportData) -> str:
    """Summary and top anomalies without images: the Dagster UI's description of a run's report."""
    _, subtitle = _heading(data)
    sections = build_sections(data)[:2]
    return "\n".join([subtitle, ""] + _md_sections(sections, charts=False, level=3)).rstrip() + "\n"


CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .severity-high { color: #c0392b; font-weight: bold; }
.severity-medium { color: #e67e22; } .note { color: #555; }
"""


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            classes = ["num"] if i in table.numeric else []
            if table.columns[i] == "severity":
                classes.append(f"severity-{cell}")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{html.escape(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(data: ReportData) -> str:
    title, subtitle = _heading(data)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{html.escape(subtitle)}</p>',
    ]
    for section in build_sections(data):
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.chart:
            parts.append(f'<img src="{html.escape(section.chart)}" alt="{html.escape(section.title)} chart">')
        parts += [f"<p>{html.escape(p).replace('`', '')}</p>" for p in section.paragraphs]
        for subtitle_, table in section.tables:
            if subtitle_:
                parts.append(f"<h3>{html.escape(subtitle_)}</h3>")
            parts.append(_html_table(table))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
