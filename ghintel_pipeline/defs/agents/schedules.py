"""``build_agent_digest_job`` + ``agent_digest_schedule`` (daily by default)."""

from __future__ import annotations

import dagster as dg

from ghintel_pipeline.defs.agents.assets import DIGEST_KEY
from ghintel_pipeline.defs.jobs import settings_schedule

build_agent_digest_job = dg.define_asset_job(
    "build_agent_digest_job", selection=[DIGEST_KEY], description="Run the reporter agent's digest."
)


build_digest_schedule = settings_schedule(
    "agent_digest_schedule",
    build_agent_digest_job,
    "ghintel_digest_cron",
    "Writes the reporter's digest of GHINTEL_DIGEST_WINDOW on GHINTEL_DIGEST_CRON.",
)
