"""Anomaly reports over the gold marts: top anomalies with their baselines, trending repos and
data coverage over time, as Markdown + HTML with PNG charts. See docs/reports.md."""

from ghintel_pipeline.lib.reports.charts import anomaly_chart, coverage_chart, render_charts, trending_chart
from ghintel_pipeline.lib.reports.data import REPORT_MARTS, ReportData, ReportOptions, load_report_data
from ghintel_pipeline.lib.reports.publish import ReportResult, generate_report, prune_reports, reports_root
from ghintel_pipeline.lib.reports.render import render_html, render_markdown, render_summary_markdown

__all__ = [
    "REPORT_MARTS",
    "ReportData",
    "ReportOptions",
    "ReportResult",
    "anomaly_chart",
    "coverage_chart",
    "generate_report",
    "load_report_data",
    "prune_reports",
    "render_charts",
    "render_html",
    "render_markdown",
    "render_summary_markdown",
    "reports_root",
    "trending_chart",
]
