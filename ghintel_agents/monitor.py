"""The monitor: find anomaly rows not investigated yet, run the anomaly-investigator on each, write
the reports to ``gold/anomaly_investigations`` and optionally POST each one to a webhook.

Dagster-free (defs/agents wraps it in a sensor and an asset). The sensor only reads gold's small
anomalies table; the investigations run in the asset's run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import TableNotFoundError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from ghintel_agents.run import make_target, run_agent
from ghintel_agents.tools import ApiTools, anomaly_id, parse_anomaly_id
from ghintel_pipeline.lib.arrow_types import UTC_US
from ghintel_pipeline.lib.lake import lake_table_uri, storage_options
from ghintel_pipeline.lib.settings import Settings

AGENT = "anomaly-investigator"
SCHEMA = pa.schema(
    [
        ("anomaly_id", pa.string()),
        ("entity_type", pa.string()),
        ("entity", pa.string()),
        ("metric", pa.string()),
        ("event_hour", UTC_US),
        ("investigated_at", UTC_US),
        ("anomalies_version", pa.int64()),
        ("verified", pa.bool_()),
        ("findings", pa.int32()),
        ("rejected", pa.int32()),
        ("model", pa.string()),
        ("report", pa.string()),  # the agent's JSON report: findings, citations, signals, tool calls
    ]
)


def _open(settings: Settings, table: str) -> DeltaTable | None:
    try:
        return DeltaTable(lake_table_uri(settings, "gold", table), storage_options=storage_options(settings))
    except TableNotFoundError:
        return None


def current_anomalies(settings: Settings) -> tuple[int | None, list[str]]:
    """gold/anomalies' Delta version and the ids of its rows (oldest hour first)."""
    table = _open(settings, "anomalies")
    if table is None:
        return None, []
    rows = table.to_pyarrow_table(columns=["entity_type", "entity", "metric", "event_hour"]).to_pylist()
    rows.sort(key=lambda r: (r["event_hour"], r["entity_type"], r["entity"], r["metric"]))
    return table.version(), [anomaly_id({**r, "event_hour": r["event_hour"].isoformat()}) for r in rows]


def investigated_ids(settings: Settings) -> set[str]:
    table = _open(settings, "anomaly_investigations")
    if table is None:
        return set()
    return set(table.to_pyarrow_table(columns=["anomaly_id"]).column("anomaly_id").to_pylist())


def investigation_row(report: dict[str, Any], anomalies_version: int | None) -> dict[str, Any]:
    key = parse_anomaly_id(report["target"]["anomaly"])
    return {
        "anomaly_id": report["target"]["anomaly"],
        "entity_type": key["entity_type"],
        "entity": key["entity"],
        "metric": key["metric"],
        "event_hour": datetime.fromisoformat(key["event_hour"] + ":00").replace(tzinfo=UTC),
        "investigated_at": datetime.now(UTC),
        "anomalies_version": anomalies_version,
        "verified": report["verified"],
        "findings": len(report["findings"]),
        "rejected": len(report["rejected"]),
        "model": report["model"],
        "report": json.dumps(report, default=str, sort_keys=True),
    }


def write_investigations(settings: Settings, rows: list[dict[str, Any]]) -> int:
    """Upsert by anomaly_id (a re-investigation replaces the earlier row); returns the version."""
    uri = lake_table_uri(settings, "gold", "anomaly_investigations")
    options = storage_options(settings)
    data = pa.Table.from_pylist(rows, schema=SCHEMA)
    if _open(settings, "anomaly_investigations") is None:
        write_deltalake(uri, data, storage_options=options)
    else:
        listed = ", ".join("'" + r["anomaly_id"].replace("'", "''") + "'" for r in rows)
        write_deltalake(
            uri, data, mode="overwrite", predicate=f"anomaly_id IN ({listed})", storage_options=options
        )
    return DeltaTable(uri, storage_options=options).version()


@retry(
    retry=retry_if_exception_type(httpx.TransportError),
    stop=stop_after_attempt(3),
    wait=wait_exponential(multiplier=0.5, max=4),
    reraise=True,
)
def post_webhook(url: str, report: dict[str, Any], timeout_s: float = 10.0) -> int:
    """POST one investigation as JSON; network errors are retried, an HTTP error status raises."""
    response = httpx.post(
        url,
        content=json.dumps(report, default=str),
        timeout=timeout_s,
        headers={"Content-Type": "application/json"},
    )
    response.raise_for_status()
    return response.status_code


def investigate(
    settings: Settings, ids: list[str], api: ApiTools, *, model=None, checkpointer=None
) -> tuple[list[dict[str, Any]], int | None]:
    """Investigate ``ids``, write their rows, notify the webhook; returns (reports, table version)."""
    if not ids:
        return [], None
    version, _ = current_anomalies(settings)
    reports = [
        run_agent(AGENT, make_target(AGENT, anomaly=i), api, model=model, checkpointer=checkpointer)
        for i in ids
    ]
    rows = [investigation_row(r, version) for r in reports]
    written = write_investigations(settings, rows)
    from ghintel_pipeline.lib.topics.publish import publish_investigations

    publish_investigations(settings, rows, written)
    if settings.ghintel_agent_webhook_url:
        for report in reports:
            post_webhook(settings.ghintel_agent_webhook_url, report)
    return reports, written
