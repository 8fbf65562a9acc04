"""Table upkeep: compact closed partitions, checkpoint, vacuum files no version needs any more."""

from __future__ import annotations

import datetime as dt

from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.lake.storage import BRONZE, PARTITION_BY, QUARANTINE, SILVER, open_table
from ghintel_pipeline.lib.settings import Settings

# Today's and yesterday's partitions still receive rows (minute appends, late GH Archive events);
# compacting them would race the writers and be undone by the next append anyway.
OPEN_DAYS = 2


def maintain_tables(settings: Settings, *, retention_hours: int = 168, today: dt.date | None = None) -> dict:
    """Compact partitions older than yesterday, write a checkpoint, vacuum with retention.

    ``enforce_retention_duration`` stays on: delta-rs refuses a retention shorter than the table's
    ``delta.deletedFileRetentionDuration`` (7 days by default), which must outlast any reader or
    run that could still hold an old version."""
    today = today or dt.datetime.now(dt.UTC).date()
    cutoff = (today - dt.timedelta(days=OPEN_DAYS - 1)).isoformat()
    report = {}
    for which in (BRONZE, SILVER, QUARANTINE):
        table = open_table(settings, which)
        name = "/".join(which)
        if table is None:
            report[name] = {"exists": False}
            continue
        entry: dict = {"exists": True, "version_before": table.version()}
        try:
            metrics = table.optimize.compact(partition_filters=[(PARTITION_BY[which][0], "<", cutoff)])
            entry["compacted"] = {
                k: metrics.get(k) for k in ("numFilesAdded", "numFilesRemoved", "partitionsOptimized")
            }
        except CommitFailedError as exc:
            entry["compacted"] = {"skipped": f"concurrent write: {exc}"}
        table.update_incremental()
        table.create_checkpoint()
        entry["checkpoint_version"] = table.version()
        removed = table.vacuum(
            retention_hours=retention_hours, dry_run=False, enforce_retention_duration=True
        )
        entry["vacuumed_files"] = len(removed)
        table.cleanup_metadata()
        report[name] = entry
    return report
