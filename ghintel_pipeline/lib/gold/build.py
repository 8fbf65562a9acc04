"""``build_gold``: plan the hours, ``dbt build`` them in DuckDB, export the marts to Delta."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Unpack

from ghintel_pipeline.lib.gold.export import export_marts
from ghintel_pipeline.lib.gold.plan import GoldPlan, GoldRequest, plan_gold_run, record_state
from ghintel_pipeline.lib.gold.project import dbt_home, run_dbt
from ghintel_pipeline.lib.lake.hooks import after_gold_hooks
from ghintel_pipeline.lib.settings import Settings


class GoldBuildError(RuntimeError):
    """dbt build failed (a model error or a failing data test); nothing was exported."""

    def __init__(self, failures: list[str]):
        super().__init__("dbt build failed:\n" + "\n".join(failures))
        self.failures = failures


@contextmanager
def gold_lock(settings: Settings) -> Iterator[None]:
    """One gold build per GHINTEL_HOME at a time: DuckDB admits a single writer per file and the
    watermark must advance in order. Blocks until the running build ends."""
    home = dbt_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "gold.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def finish_gold_run(settings: Settings, plan: GoldPlan) -> dict:
    """After a successful ``dbt build``: remember the silver version in DuckDB, export to Delta,
    then run the ``after_gold`` hooks (lib/lake/hooks.py)."""
    if plan.silver_version is not None:
        record_state(settings, plan.silver_version)
    exported = export_marts(settings, plan)
    for hook in after_gold_hooks(settings):
        hook(settings, plan, exported)
    return exported


def build_gold(settings: Settings, **request: Unpack[GoldRequest]) -> dict:
    """Bring the gold Delta tables up to date with silver.

    ``event_hours`` adds hours to recompute (for example ``event_hours_touched`` of an ingest, or
    a backfill); the hours silver gained since the last build are always included, so passing
    nothing is correct too. ``full_refresh`` rebuilds every mart from all of silver. ``as_of``
    pins repo_trending's newest hour (default: newest hour in silver).
    Returns the plan, dbt's statuses and what was written per mart.
    """
    started = time.monotonic()
    with gold_lock(settings):
        plan = plan_gold_run(settings, **request)
        summary: dict = {**plan.to_dict(), "dbt": None, "exported": {}}
        if plan.mode != "noop":
            result = run_dbt(settings, plan.dbt_args())
            summary["dbt"] = result.to_dict()
            if not result.success:
                raise GoldBuildError(result.failures or ["dbt reported failure without details"])
            summary["exported"] = finish_gold_run(settings, plan)
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary
