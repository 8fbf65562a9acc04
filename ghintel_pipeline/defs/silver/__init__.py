"""bronze -> silver: validated, enriched, deduplicated events plus the quarantine, and their checks."""

import dagster as dg

from ghintel_pipeline.defs.silver.assets import silver_github_events
from ghintel_pipeline.defs.silver.checks import silver_checks

defs = dg.Definitions(assets=[silver_github_events], asset_checks=silver_checks)
