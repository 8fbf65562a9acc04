"""The reporter's digest as Markdown and HTML, written under ``$GHINTEL_HOME/reports/digests/``.

Tables and sections reuse the anomaly report's renderer (lib/reports/render.py), so both reports
look alike; only verified findings are printed, rejected ones are listed as such.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ghintel_pipeline.lib.reports.render import CSS, Section, Table, _html_table, _md_sections, fmt_num
from ghintel_pipeline.lib.settings import Settings


def _sections(report: dict[str, Any]) -> list[Section]:
    trending = Table(
        ["rank", "repository", "score", "stars", "forks"],
        [
            [str(r["rank"]), r["repo_name"], fmt_num(r["score"]), str(r["stars"]), str(r["forks"])]
            for r in report.get("trending", [])
        ],
        numeric={0, 2, 3, 4},
    )
    signals = {i["anomaly_id"]: i["signals"] for i in report.get("investigations", [])}
    anomalies = Table(
        ["anomaly", "observed", "baseline", "severity", "evidence (signal: strength)"],
        [
            [
                r["anomaly_id"],
                fmt_num(r["observed"]),
                fmt_num(r["baseline"]),
                r["severity"],
                "; ".join(f"{s['name']}: {s['label']}" for s in signals.get(r["anomaly_id"], [])) or "-",
            ]
            for r in report.get("anomalies", [])
        ],
        numeric={1, 2},
    )
    coverage = report.get("coverage") or {}
    return [
        Section("Trending", tables=[(None, trending)]),
        Section("Anomalies and their investigations", tables=[(None, anomalies)]),
        Section(
            "Coverage",
            paragraphs=[
                f"{coverage.get('hours_ok', 0)} of {coverage.get('hours_expected', 0)} hours complete; "
                f"status {coverage.get('status', 'missing')}, stars {coverage.get('star_status', 'missing')}."
            ],
        ),
        Section("Verified findings", paragraphs=[f["text"] for f in report["findings"]] or ["none"]),
        Section(
            "Rejected by the verifier",
            paragraphs=[f"{r['text']} ({r['reason']})" for r in report["rejected"]] or ["none"],
        ),
    ]


def _title(report: dict[str, Any]) -> str:
    return f"ghintel digest: {report.get('window')} window as of {report.get('as_of') or 'no data'}"


def render_markdown(report: dict[str, Any]) -> str:
    return "\n".join([f"# {_title(report)}", ""] + _md_sections(_sections(report), charts=False, level=2))


def render_html(report: dict[str, Any]) -> str:
    title = html.escape(_title(report))
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">']
    parts += [f"<title>{title}</title><style>{CSS}</style></head><body>", f"<h1>{title}</h1>"]
    for section in _sections(report):
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [f"<p>{html.escape(p)}</p>" for p in section.paragraphs]
        parts += [_html_table(table) for _, table in section.tables]
    return "\n".join([*parts, "</body></html>"]) + "\n"


def write_digest(report: dict[str, Any], settings: Settings) -> dict[str, Path]:
    """digest.md and digest.html in a folder named after the window and as_of (rewritten if rerun)."""
    stamp = (report.get("as_of") or "empty").replace(":", "").replace("-", "")
    folder = settings.home / "reports" / "digests" / f"{report.get('window')}-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    files = {"digest.md": render_markdown(report), "digest.html": render_html(report)}
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: folder / name for name in files}
