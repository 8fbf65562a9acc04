"""Investigations of anomalies written by the agents' monitor (``gold/anomaly_investigations``).

The table is optional: it exists once the monitor has run. It is read on demand (a few rows per
anomaly page) rather than copied into DuckDB with the marts, so the API's health does not depend on
it. One row per anomaly (entity_type, entity, metric, event_hour); ``report`` holds the agent's JSON
report: findings ``{text, citations, verified}``, citations ``{id, table, key, delta_version, values}``.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
from datetime import UTC
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from ghintel_api.core.lake import Lake
from ghintel_api.models import Anomaly
from ghintel_pipeline.lib.arrow_types import UTC_US
from ghintel_pipeline.lib.lake import lake_table_uri, storage_options

TABLE = "anomaly_investigations"
_KEY = ("entity_type", "entity", "metric")
log = logging.getLogger("ghintel.api.investigations")


def investigation_for(lake: Lake, anomaly: Anomaly) -> list[dict[str, Any]] | None:
    """Rows of the table about this anomaly, each with its parsed ``report``; None while the table
    does not exist (or cannot be read: an optional table must not take the anomaly page down)."""
    uri = lake_table_uri(lake.settings, "gold", TABLE)
    options = storage_options(lake.settings)
    try:
        if not DeltaTable.is_deltatable(uri, storage_options=options):
            return None
        dataset = DeltaTable(uri, storage_options=options).to_pyarrow_dataset()
    except Exception:
        log.exception("investigations_unreadable")
        return None
    names = set(dataset.schema.names)
    if not {*_KEY, "event_hour"} <= names:
        log.warning("investigations_unexpected_schema", extra={"columns": sorted(names)})
        return None
    hour = pa.scalar(anomaly.event_hour.astimezone(UTC), type=UTC_US)
    conditions = [pc.field(c).cast(pa.string()) == getattr(anomaly, c) for c in _KEY]
    conditions.append(pc.field("event_hour").cast(UTC_US) == hour)
    rows = dataset.to_table(filter=functools.reduce(operator.and_, conditions)).to_pylist()
    for row in rows:
        report = row.get("report")
        row["report"] = json.loads(report) if isinstance(report, str) else (report or {})
    return rows
