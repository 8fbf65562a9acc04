"""The one place that finds the shared GitHub data the benchmarks (and tests) read."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """``$GHINTEL_SHARED_DATA``, else ``../shared/data/github-events`` beside the repository."""
    default = REPO_ROOT.parent / "shared" / "data" / "github-events"
    return Path(os.environ.get("GHINTEL_SHARED_DATA", default))


def shared_hours(pattern: str = "2015-01-01-*.json.gz") -> list[Path]:
    """The shared GH Archive hour files matching ``pattern``, in name order."""
    return sorted((shared_data() / "gharchive").glob(pattern))


def hours_or_shared(files: list[Path] | None) -> list[Path]:
    """The files a benchmark was given, else the shared 2015 hours; a clear error when neither exists."""
    if files:
        return files
    hours = shared_hours()
    if not hours:
        import typer

        raise typer.BadParameter(f"no GH Archive hours found under {shared_data()}; pass files")
    return hours
