"""The gold marts written to Delta and how each one is replaced.

``hour``/``day``: the Delta table is partitioned by event_date and a run replaces only the
partitions that contain recomputed rows. A partition is the smallest unit delta-rs replaces
without rewriting other rows, so the hourly marts are partitioned by event_date and their hour
column (``partition_by: [event_date, event_hour]``) and a minute replaces one hour, not the day.
``horizon``: like ``hour`` but a touched hour also rescored the hours after it (anomalies).
``full``: small tables rebuilt by every run and overwritten as a whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from ghintel_pipeline.lib.gold.project import DBT_PROJECT_DIR, ensure_manifest

# libyaml's loader when PyYAML has it: the registry reads every marts .yml at import (~10x faster)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Mart:
    name: str
    grain: str  # hour | day | horizon | full
    partition_by: tuple[str, ...] = ()
    sort_by: tuple[str, ...] = ()  # the order the API keeps its in-memory copy in (zone maps)

    @property
    def incremental(self) -> bool:
        return self.grain != "full"

    @property
    def hour_column(self) -> str | None:
        """The hour partition column of an hourly mart, replaced hour by hour."""
        hours = [c for c in self.partition_by if c != "event_date"]
        return hours[0] if self.grain == "hour" and hours else None


def _registered_marts(project_dir=DBT_PROJECT_DIR) -> tuple[Mart, ...]:
    """Every model of ``models/marts`` whose properties carry ``config.meta.gold``: adding a mart
    is its .sql and .yml, nothing else (the API, ``ghintel status`` and the export read this)."""
    marts = []
    # marts/api/ holds rollups shaped for API routes (docs/api.md); they are marts like the others
    for path in sorted((project_dir / "models" / "marts").glob("**/*.yml")):
        with open(path) as fh:
            for model in yaml.load(fh, Loader=_YAML_LOADER).get("models", []):
                gold = (model.get("config") or {}).get("meta", {}).get("gold")
                if gold:
                    marts.append(
                        Mart(
                            model["name"],
                            gold["grain"],
                            tuple(gold.get("partition_by", ())),
                            tuple(gold.get("sort_by", ())),
                        )
                    )
    return tuple(marts)


MARTS: tuple[Mart, ...] = _registered_marts()
MART_NAMES: tuple[str, ...] = tuple(m.name for m in MARTS)


def state_models(manifest: Path | None = None) -> tuple[str, ...]:
    """The incremental dbt models, read from the dbt manifest: their rows exist only in the DuckDB
    file, so if any is missing the file is new (or was lost) and the next run must rebuild
    everything from silver."""
    nodes = json.loads((manifest or ensure_manifest()).read_text())["nodes"].values()
    return tuple(
        sorted(
            node["name"]
            for node in nodes
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        )
    )


def mart(name: str) -> Mart:
    for item in MARTS:
        if item.name == name:
            return item
    raise KeyError(name)


def _project_var(name: str):
    with open(DBT_PROJECT_DIR / "dbt_project.yml") as fh:
        return yaml.safe_load(fh)["vars"][name]


# anomalies rescoring reaches this many hours past a touched hour (dbt var of the same meaning)
ANOMALY_HORIZON_HOURS: int = int(_project_var("anomaly_baseline_hours"))
