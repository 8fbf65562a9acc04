"""``build_anomaly_report_job`` + ``anomaly_report_schedule`` (hourly by default)."""

from __future__ import annotations

import dagster as dg

from ghintel_pipeline.defs.jobs import settings_schedule
from ghintel_pipeline.defs.reports.assets import ANOMALY_REPORT_KEY

build_anomaly_report_job = dg.define_asset_job(
    "build_anomaly_report_job",
    selection=[ANOMALY_REPORT_KEY],
    description="Render the anomaly report from the current gold marts.",
)


build_report_schedule = settings_schedule(
    "anomaly_report_schedule",
    build_anomaly_report_job,
    "ghintel_report_cron",
    "Writes a report a few minutes after each hour, once gold has the hour's events.",
)
