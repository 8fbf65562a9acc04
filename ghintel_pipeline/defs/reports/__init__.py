"""gold -> reports: the scheduled anomaly report (Markdown, HTML and PNG charts on disk)."""

import dagster as dg

from ghintel_pipeline.defs.reports.assets import anomaly_report
from ghintel_pipeline.defs.reports.schedules import anomaly_report_schedule, build_anomaly_report_job

defs = dg.Definitions(
    assets=[anomaly_report], jobs=[build_anomaly_report_job], schedules=[anomaly_report_schedule]
)
