"""Where the dbt project lives, the environment dbt runs with, and running dbt in-process.

The dbt profile (dbt_project/profiles.yml) reads everything machine-specific from environment
variables; ``dbt_env`` turns ``Settings`` into those variables with absolute values, so dbt finds
the same lake and DuckDB file whatever its working directory.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ghintel_pipeline.lib.settings import Settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# dbt must never phone home: no usage tracking, no PyPI version check (both time out offline).
OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "DO_NOT_TRACK": "1",
}

_DBT_LOCK = threading.Lock()


def dbt_home(settings: Settings) -> Path:
    """$GHINTEL_HOME/dbt: the DuckDB file dbt builds in, its target/ and logs/."""
    return settings.home / "dbt"


def duckdb_path(settings: Settings) -> Path:
    return dbt_home(settings) / "ghintel.duckdb"


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment variables the profile and the silver source read (absolute values)."""
    env = {
        **OFFLINE_ENV,
        "GHINTEL_HOME": str(settings.home),
        "GHINTEL_LAKE_ROOT": settings.lake_root.rstrip("/"),
        "GHINTEL_DBT_DUCKDB_PATH": str(duckdb_path(settings)),
    }
    # The delta plugin opens silver with delta-rs, which takes S3 settings from the environment.
    # Imported here: the lake's storage module loads pyarrow and deltalake, which `ghintel status`
    # (it only needs the mart names from this package) must not pay for.
    from ghintel_pipeline.lib.lake.storage import storage_options

    for key, value in (storage_options(settings) or {}).items():
        env[key if key.isupper() else f"AWS_{key.upper()}"] = value
    return env


@contextmanager
def patched_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore the old values."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@dataclass
class DbtRunResult:
    success: bool
    seconds: float
    statuses: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "success": self.success,
            "seconds": round(self.seconds, 2),
            "statuses": self.statuses,
            "failures": self.failures,
        }


def run_dbt(settings: Settings, args: list[str]) -> DbtRunResult:
    """Run one dbt command in this process (dbtRunner: no interpreter start-up per run).

    dbt's in-process runner is not re-entrant, hence the process-wide lock; target/ and logs/
    go under $GHINTEL_HOME/dbt so concurrent homes (tests, several lakes) never share state.
    """
    from dbt.cli.main import dbtRunner

    home = dbt_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(home / "target"),
        "--log-path",
        str(home / "logs"),
        "--quiet",
    ]
    started = time.monotonic()
    env = dbt_env(settings)
    with _DBT_LOCK, patched_environ(env):
        try:
            result = dbtRunner(manifest=_parsed_manifest(env, full_args)).invoke(full_args)
        finally:
            _release_duckdb()
    statuses: dict[str, int] = {}
    failures: list[str] = []
    for node in getattr(result.result, "results", None) or []:
        status = str(node.status)
        statuses[status] = statuses.get(status, 0) + 1
        if status in ("error", "fail", "runtime error"):
            failures.append(f"{node.node.unique_id}: {status}: {(node.message or '').strip()[:500]}")
    if result.exception is not None:
        failures.append(f"dbt: {result.exception}")
    return DbtRunResult(
        success=bool(result.success), seconds=time.monotonic() - started, statuses=statuses, failures=failures
    )


_MANIFESTS: dict[tuple, object] = {}


def _parsed_manifest(env: dict[str, str], args: list[str]):
    """The project parsed once per process and environment, reused by later runs.

    --vars change on every run, which makes dbt discard its partial-parse state and parse the
    whole project again; nothing parse-time depends on those vars (they are read when models
    compile), so one parse per (environment, project files) is enough.
    """
    from dbt.cli.main import dbtRunner

    key = (tuple(sorted(env.items())), _project_mtime())
    if key not in _MANIFESTS:
        flags = args[args.index("--project-dir") :]
        parsed = dbtRunner().invoke(["parse", *flags])
        if not parsed.success or parsed.result is None:
            return None
        _MANIFESTS.clear()
        _MANIFESTS[key] = parsed.result
    manifest = _MANIFESTS[key]
    # A run compiles the nodes in place and marks their ephemeral CTEs as injected; a later run
    # recompiles the SQL (new --vars) and must inject them again, so that mark is reset.
    for node in manifest.nodes.values():
        if getattr(node, "extra_ctes_injected", False):
            node.extra_ctes_injected = False
            node.extra_ctes = []
    return manifest


def _release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process after a run.

    Without this the file stays attached with dbt's configuration and the read-only export
    connection of the same process is refused.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()
    gc.collect()


def _project_mtime(project_dir: Path = DBT_PROJECT_DIR) -> float:
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files if p.exists())


def dbt_executable() -> str:
    """The dbt CLI of this interpreter's environment (a venv need not be on PATH)."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


@lru_cache(maxsize=4)
def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """target/manifest.json of the dbt project, prepared on demand (clean checkout, edited models).

    When the manifest is missing or older than any project file, dagster-dbt's preparer
    (``DbtProject.preparer.prepare``: ``dbt parse``, guarded against processes preparing at the same
    time) writes it, offline (no tracking, no version check); otherwise nothing is imported.
    Every process that builds the Dagster definitions or plans gold needs the manifest, not just
    ``dagster dev`` (where ``DbtProject.prepare_if_dev`` re-parses on each load). Cached for the
    life of the process.
    """
    manifest = project_dir / "target" / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= _project_mtime(project_dir):
        return manifest
    from dagster_dbt import DbtProject

    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    # The preparer runs the `dbt` on PATH: this environment's own, even when it is not activated.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    try:
        with _DBT_LOCK, patched_environ({**OFFLINE_ENV, "PATH": path}):
            project.preparer.prepare(project)
    except Exception as exc:
        raise RuntimeError(f"dbt parse of {project_dir} failed: {exc}") from exc
    if not manifest.exists():
        raise RuntimeError(f"dbt parse of {project_dir} wrote no {manifest}")
    return manifest
