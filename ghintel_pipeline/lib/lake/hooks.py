"""The hook points of the one ingest composition (docs/architecture.md, "Hook points").

``after_silver_commit``: ``run_ingest`` (which the Dagster ingest step, ``ghintel ingest``, the
benchmarks and the fault tests all run) calls each hook once per run, after the run's last silver
commit, with the run's ``IngestSummary`` (``silver_versions`` = silver's version before and after).
``after_gold``: ``finish_gold_run`` (the Dagster gold step and ``build_gold``) calls each hook after
the marts were exported, with the plan and what was written per mart.

A hook runs after the data is committed: if it raises, the run fails and nothing is lost, and the
next run calls the hook again with its own range, so a hook that must not miss a range keeps its
own progress (as the ingest keeps its offsets in the Delta log). A step is plugged in by adding it
to the list its function returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ghintel_pipeline.lib.settings import Settings

SilverHook = Callable[[Settings, Any], None]  # (settings, IngestSummary)
GoldHook = Callable[[Settings, Any, dict], None]  # (settings, GoldPlan, exported per mart)


def after_silver_commit_hooks(settings: Settings) -> list[SilverHook]:
    """What runs after an ingest run's silver commits, in this order."""
    return []


def after_gold_hooks(settings: Settings) -> list[GoldHook]:
    """What runs after a gold build was exported to Delta, in this order."""
    return []
