"""A code location with only the lake domains (no gold/reports): the same sensor, job and asset
objects, so daemon and CLI tests exercise our part without waiting for dbt."""

import dagster as dg

from ghintel_pipeline.definitions import lake_definitions
from ghintel_pipeline.lib.settings import Settings

defs = dg.definitions(lambda: lake_definitions(Settings()))
