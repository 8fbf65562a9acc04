"""Gold layer: dbt-duckdb marts over silver, exported to Delta tables under ``<lake>/gold/``.

See docs/gold.md (how it runs) and docs/metrics.md (what every column means).
"""

from ghintel_pipeline.lib.gold.build import GoldBuildError, build_gold, finish_gold_run, gold_lock
from ghintel_pipeline.lib.gold.export import export_marts
from ghintel_pipeline.lib.gold.marts import MARTS, Mart
from ghintel_pipeline.lib.gold.plan import (
    GoldPlan,
    gold_watermark,
    hours_touched_since,
    plan_gold_run,
    state_version,
)
from ghintel_pipeline.lib.gold.project import (
    DBT_PROJECT_DIR,
    dbt_env,
    duckdb_path,
    ensure_manifest,
    patched_environ,
    run_dbt,
)

__all__ = [
    "DBT_PROJECT_DIR",
    "MARTS",
    "GoldBuildError",
    "GoldPlan",
    "Mart",
    "build_gold",
    "dbt_env",
    "duckdb_path",
    "ensure_manifest",
    "export_marts",
    "finish_gold_run",
    "gold_lock",
    "gold_watermark",
    "hours_touched_since",
    "patched_environ",
    "plan_gold_run",
    "run_dbt",
    "state_version",
]
