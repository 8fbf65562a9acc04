"""Gold layer: dbt-duckdb marts over silver, exported to Delta tables under ``<lake>/gold/``.

See docs/gold.md (how it runs) and docs/metrics.md (what every column means).
"""

from ghintel_pipeline.lib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "build": ["GoldBuildError", "build_gold", "finish_gold_run", "gold_lock"],
        "export": ["export_marts"],
        "marts": ["MARTS", "Mart", "MART_NAMES", "state_models"],
        "plan": ["GoldPlan", "gold_watermark", "hours_touched_since", "plan_gold_run", "state_version"],
        "project": [
            "DBT_PROJECT_DIR",
            "dbt_env",
            "duckdb_path",
            "ensure_manifest",
            "patched_environ",
            "run_dbt",
        ],
    },
)
