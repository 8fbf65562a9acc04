"""gold -> reports: the scheduled anomaly report (Markdown, HTML and PNG charts on disk)."""

import dagster as dg

from ghintel_pipeline.defs.reports.assets import anomaly_report
from ghintel_pipeline.defs.reports.schedules import build_anomaly_report_job, build_report_schedule
from ghintel_pipeline.lib.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    # The cron is part of the definition, so it is read when the code location loads.
    return dg.Definitions(
        assets=[anomaly_report], jobs=[build_anomaly_report_job], schedules=[build_report_schedule(settings)]
    )
