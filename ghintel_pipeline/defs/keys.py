"""Asset keys shared across domains; each equals the table's path under the lake root."""

from __future__ import annotations

import dagster as dg

KAFKA_TOPIC_KEY = dg.AssetKey(["sources", "github_raw_events"])
GHARCHIVE_KEY = dg.AssetKey(["sources", "gharchive_hourly"])
BRONZE_KEY = dg.AssetKey(["bronze", "github_events"])
SILVER_KEY = dg.AssetKey(["silver", "github_events"])
QUARANTINE_KEY = dg.AssetKey(["silver", "github_events_quarantine"])


def table_of(key: dg.AssetKey) -> tuple[str, str]:
    """(layer, table) of a lake asset key: the arguments of ``lake_table_uri``."""
    layer, table = key.path
    return layer, table
