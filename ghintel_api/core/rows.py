"""A DuckDB result as the API's rows: one dict per row, TIMESTAMP values as UTC datetimes.

The in-memory copies hold timestamps as naive UTC (see ``lake._select_expr``); every row the API
reads, by a route's query or into a rollup index, passes through here to get its time zone back.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import duckdb


def result_rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the query last executed on ``cur``."""
    rows = cur.fetchall()
    description = cur.description
    names = [d[0] for d in description]
    stamps = [names[i] for i, d in enumerate(description) if str(d[1]) == "TIMESTAMP"]
    out = [dict(zip(names, row, strict=True)) for row in rows]
    for row in out:
        for name in stamps:
            value = row[name]
            if value is not None:
                row[name] = value.replace(tzinfo=UTC)
    return out
