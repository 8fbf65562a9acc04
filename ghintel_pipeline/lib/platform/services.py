"""What ``ghintel up`` runs: one :class:`ServiceSpec` per child, built from :class:`Settings`.

The children are the project's own commands (``ghintel produce ...``, ``ghintel api``) and Dagster's
(``dagster-webserver``, ``dagster-daemon run``), run with this interpreter so that they use the same
environment as the supervisor.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import ghintel_pipeline
from ghintel_pipeline.lib.dagster_instance import dagster_home, write_instance_config
from ghintel_pipeline.lib.settings import Settings

ALL_SERVICES = ("producer", "api", "dagster-webserver", "dagster-daemon")
REPO_ROOT = Path(ghintel_pipeline.__file__).resolve().parents[1]


class SourceError(ValueError):
    """``GHINTEL_SOURCE`` is not ``live`` nor ``gharchive:<spec>``."""


@dataclass
class ServiceSpec:
    name: str
    argv: list[str]
    kind: str = "service"  # "job" children may finish (exit 0 = done); "service" children run until stopped
    port: int | None = None
    url: str | None = None
    env: dict[str, str] = field(default_factory=dict)


def parse_services(value: str | None, settings: Settings) -> list[str]:
    """``"api,producer"`` -> ``["producer", "api"]`` (canonical order); ``all``/empty -> the default set."""
    raw = value if value is not None else settings.ghintel_services
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names or names == ["all"]:
        names = list(ALL_SERVICES)
    if names == ["none"]:
        return []
    unknown = sorted(set(names) - set(ALL_SERVICES))
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(ALL_SERVICES)}")
    return [n for n in ALL_SERVICES if n in names]


def ghintel_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "ghintel_pipeline.cli.main", *args]


def _script(name: str) -> str:
    """A console script of this environment (beside the interpreter), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found beside {sys.executable} nor on PATH")
    return found


def producer_argv(source: str) -> tuple[list[str], str]:
    """The producer command for ``GHINTEL_SOURCE`` and its kind.

    ``live`` -> ``ghintel produce live`` (a service); ``gharchive:<a>[,<b>...]`` -> ``ghintel produce
    gharchive --skip-done <a> <b> ...`` (a job: the replay ends; files produced completely by an
    earlier start are skipped). Each item is a file, an hour ``YYYY-MM-DD-H`` or
    (once) a range ``<hour>..<hour>`` (passed as ``--from/--to``); existing relative files are made
    absolute so the child's working directory never matters.
    """
    source = source.strip()
    if source in ("", "live"):
        return ghintel_argv("produce", "live"), "service"
    if source.startswith("gharchive:"):
        items = [item.strip() for item in source.removeprefix("gharchive:").split(",") if item.strip()]
        if not items:
            raise SourceError("GHINTEL_SOURCE=gharchive: needs files, hours or a range after the colon")
        ranges = [item for item in items if ".." in item]
        if len(ranges) > 1:
            raise SourceError(f"GHINTEL_SOURCE: one hour range at most, got {', '.join(ranges)}")
        args = [
            str(Path(item).resolve()) if Path(item).exists() else item for item in items if ".." not in item
        ]
        if ranges:
            first, _, last = ranges[0].partition("..")
            args += ["--from", first, "--to", last]
        return ghintel_argv("produce", "gharchive", "--skip-done", *args), "job"
    raise SourceError(f"GHINTEL_SOURCE={source!r}: expected `live` or `gharchive:<files|hours|range>`")


def workspace_file() -> Path | None:
    """The Dagster workspace (``workspace.yaml``) of the current folder or of the repository."""
    for folder in (Path.cwd(), REPO_ROOT):
        candidate = folder / "workspace.yaml"
        if candidate.exists():
            return candidate.resolve()
    return None


def dagster_target_args() -> list[str]:
    workspace = workspace_file()
    if workspace is not None:
        return ["-w", str(workspace)]
    return ["-m", "ghintel_pipeline.definitions"]


def ensure_dagster_home(settings: Settings) -> Path:
    """``$GHINTEL_HOME/dagster`` with the code location's ``dagster.yaml`` (persistent runs and cursors)."""
    return write_instance_config(settings)


def child_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The supervisor's environment plus absolute paths, so a child's cwd never changes what it uses."""
    env = dict(os.environ)
    env["GHINTEL_HOME"] = str(settings.home)
    env["DAGSTER_HOME"] = str(dagster_home(settings))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def build_services(settings: Settings, names: list[str]) -> list[ServiceSpec]:
    """The specs for ``names`` (already validated by :func:`parse_services`)."""
    host, specs = settings.ghintel_host, []
    for name in names:
        if name == "producer":
            argv, kind = producer_argv(settings.ghintel_source)
            specs.append(ServiceSpec(name, argv, kind=kind))
        elif name == "api":
            port = settings.ghintel_api_port
            specs.append(
                ServiceSpec(
                    name,
                    ghintel_argv("api", "--host", host, "--port", str(port)),
                    port=port,
                    url=f"http://{host}:{port}",
                )
            )
        elif name == "dagster-webserver":
            port = settings.ghintel_dagster_port
            argv = [_script("dagster-webserver"), *dagster_target_args(), "-h", host, "-p", str(port)]
            specs.append(ServiceSpec(name, argv, port=port, url=f"http://{host}:{port}"))
        elif name == "dagster-daemon":
            specs.append(ServiceSpec(name, [_script("dagster-daemon"), "run", *dagster_target_args()]))
    return specs
