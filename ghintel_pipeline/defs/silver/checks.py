"""Asset checks on silver: unique event_id, quarantine share, freshness, no events from the future.

The scans are plain functions in ``lib/lake/silver_checks.py``. The uniqueness check scans only
the event_date partitions the latest silver materialization changed (silver merges are scoped to
those partitions, so a duplicate can only appear there); without such a record it scans the whole
table.
"""

import datetime as dt

import dagster as dg

from ghintel_pipeline.defs.keys import QUARANTINE_KEY, SILVER_KEY
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.defs.silver.assets import DATES_TOUCHED
from ghintel_pipeline.lib.lake.quality import quarantine_share
from ghintel_pipeline.lib.lake.silver_checks import duplicate_event_ids, future_events, newest_ingested_at


def dates_to_check(instance: dg.DagsterInstance, key: dg.AssetKey = SILVER_KEY) -> list[str] | None:
    """event_date partitions of silver changed by the latest materialization of ``key`` (silver, or
    the backfill asset, which merges into silver itself); None = unknown (scan all)."""
    event = instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event else None
    entry = materialization.metadata.get(DATES_TOUCHED) if materialization else None
    return None if entry is None else list(entry.value)


def uniqueness_result(found: dict) -> dg.AssetCheckResult:
    """The check result of a ``duplicate_event_ids`` scan: passed when no event_id repeats."""
    return dg.AssetCheckResult(
        passed=found["duplicates"] == 0,
        metadata={
            "rows_checked": found["rows"],
            "duplicates": found["duplicates"],
            "sample_event_ids": dg.MetadataValue.json(found["sample"]),
            "scope": found["scope"],
        },
    )


@dg.asset_check(
    asset=SILVER_KEY,
    blocking=True,
    description="event_id is unique in silver (checked in the event_date partitions the run changed).",
)
def silver_event_id_unique(context: dg.AssetCheckExecutionContext, lake: LakeResource) -> dg.AssetCheckResult:
    return uniqueness_result(duplicate_event_ids(lake.settings(), dates_to_check(context.instance)))


@dg.asset_check(
    asset=QUARANTINE_KEY,
    description="Quarantined share of the records ingested in the last 24 h stays below the threshold.",
)
def quarantine_share_below_threshold(lake: LakeResource) -> dg.AssetCheckResult:
    settings = lake.settings()
    found = quarantine_share(settings, dt.datetime.now(dt.UTC), dt.timedelta(hours=24))
    threshold = settings.ghintel_max_quarantine_share
    return dg.AssetCheckResult(
        passed=found["share"] <= threshold,
        metadata={
            "share": found["share"],
            "threshold": threshold,
            "quarantined": found["quarantined"],
            "accepted": found["accepted"],
            "reasons": dg.MetadataValue.json(found["reasons"]),
        },
    )


@dg.asset_check(
    asset=SILVER_KEY, description="The newest silver row was ingested within GHINTEL_FRESHNESS_MINUTES."
)
def silver_is_fresh(lake: LakeResource) -> dg.AssetCheckResult:
    settings = lake.settings()
    newest = newest_ingested_at(settings)
    now = dt.datetime.now(dt.UTC)
    age_min = None if newest is None else round((now - newest).total_seconds() / 60, 2)
    return dg.AssetCheckResult(
        passed=age_min is not None and age_min <= settings.ghintel_freshness_minutes,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "newest_ingested_at": newest.isoformat() if newest else "none",
            "age_minutes": age_min if age_min is not None else -1.0,
            "limit_minutes": settings.ghintel_freshness_minutes,
        },
    )


@dg.asset_check(
    asset=SILVER_KEY,
    description="No event's created_at lies in the future beyond GHINTEL_FUTURE_SKEW_MINUTES.",
)
def silver_no_future_created_at(lake: LakeResource) -> dg.AssetCheckResult:
    settings = lake.settings()
    limit = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.ghintel_future_skew_minutes)
    found = future_events(settings, limit)
    return dg.AssetCheckResult(
        passed=found["count"] == 0,
        metadata={
            "future_events": found["count"],
            "max_created_at": found["max_created_at"] or "none",
            "limit": limit.isoformat(),
            "sample_event_ids": dg.MetadataValue.json(found["sample"]),
        },
    )


silver_checks = [
    silver_event_id_unique,
    quarantine_share_below_threshold,
    silver_is_fresh,
    silver_no_future_created_at,
]
