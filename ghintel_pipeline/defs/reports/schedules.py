"""``build_anomaly_report_job`` + ``anomaly_report_schedule`` (hourly by default)."""

from __future__ import annotations

import dagster as dg

from ghintel_pipeline.defs.jobs import running_utc_schedule
from ghintel_pipeline.defs.reports.assets import ANOMALY_REPORT_KEY
from ghintel_pipeline.lib.settings import Settings

build_anomaly_report_job = dg.define_asset_job(
    "build_anomaly_report_job",
    selection=[ANOMALY_REPORT_KEY],
    description="Render the anomaly report from the current gold marts.",
)


def build_report_schedule(settings: Settings) -> dg.ScheduleDefinition:
    """The report schedule on ``GHINTEL_REPORT_CRON`` (UTC); on by default."""
    return running_utc_schedule(
        "anomaly_report_schedule",
        build_anomaly_report_job,
        settings.ghintel_report_cron,
        "Writes a report a few minutes after each hour, once gold has the hour's events.",
    )
