"""silver -> gold: the dbt-duckdb project (staging -> intermediate -> marts) as Dagster assets."""

import dagster as dg

from ghintel_pipeline.defs.gold_dbt.assets import GoldDbtResource, gold_dbt_models, gold_dbt_project
from ghintel_pipeline.defs.gold_dbt.jobs import build_gold_job
from ghintel_pipeline.lib.gold.project import dbt_executable

defs = dg.Definitions(
    assets=[gold_dbt_models],
    jobs=[build_gold_job],
    resources={"dbt": GoldDbtResource(project_dir=gold_dbt_project, dbt_executable=dbt_executable())},
)
