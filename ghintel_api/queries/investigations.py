"""Investigations of anomalies written by the agents' monitor (``gold/anomaly_investigations``).

The table is optional: it exists once the monitor has run. It is read on demand (a few rows per
anomaly page) rather than copied into DuckDB with the marts, so the API's health does not depend on it.
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

from ghintel_api.core.lake import Lake, _storage_options, _table_uri
from ghintel_api.models import Anomaly

TABLE = "anomaly_investigations"
log = logging.getLogger("ghintel.api.investigations")


def investigation_for(lake: Lake, anomaly: Anomaly) -> list[dict[str, Any]] | None:
    """Rows of the table about this anomaly (newest first); None while the table does not exist."""
    uri = _table_uri(lake.settings, "gold", TABLE)
    storage = _storage_options(lake.settings)
    try:
        if not DeltaTable.is_deltatable(uri, storage_options=storage):
            return None
        dataset = DeltaTable(uri, storage_options=storage).to_pyarrow_dataset()
    except Exception:  # an unreadable optional table must not take the anomaly page down
        log.exception("investigations_unreadable")
        return None
    names = set(dataset.schema.names)
    wanted = {"entity": anomaly.entity, "metric": anomaly.metric}
    conditions = [pc.field(c).cast(pa.string()) == v for c, v in wanted.items() if c in names]
    if "event_hour" in names:
        hour = pa.scalar(anomaly.event_hour.astimezone(UTC), type=pa.timestamp("us", tz="UTC"))
        conditions.append(pc.field("event_hour").cast(pa.timestamp("us", tz="UTC")) == hour)
    if not conditions:
        return []
    rows = dataset.to_table(filter=functools.reduce(operator.and_, conditions)).to_pylist()
    for row in rows:
        for key in ("findings", "citations"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
    return rows[:5]
