"""Write a report to disk: ``$GHINTEL_HOME/reports/<timestamp>/`` plus a ``latest`` link.

A report is written into a hidden staging folder and renamed into place, and ``latest`` is
swapped with an atomic rename, so a reader (a browser on ``latest/report.html``) never sees a
half-written report. Old timestamped folders beyond ``GHINTEL_REPORT_KEEP`` are removed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ghintel_pipeline.lib.reports.charts import render_charts
from ghintel_pipeline.lib.reports.data import ReportOptions, load_report_data
from ghintel_pipeline.lib.reports.render import render_html, render_markdown, render_summary_markdown
from ghintel_pipeline.lib.settings import Settings

REPORT_DIR_PATTERN = re.compile(r"^\d{8}T\d{6}Z(-\d+)?$")
LATEST = "latest"


@dataclass
class ReportResult:
    directory: Path
    latest: Path | None  # None when written to an explicit folder
    files: dict[str, Path]  # file name -> path: report.md, report.html, *.png
    counts: dict[str, int]
    summary_markdown: str
    generated_at: dt.datetime
    as_of: dt.datetime | None
    missing_marts: list[str]

    def to_dict(self) -> dict:
        return {
            "directory": str(self.directory),
            "latest": str(self.latest) if self.latest else None,
            "files": {name: str(path) for name, path in self.files.items()},
            "counts": self.counts,
            "generated_at": self.generated_at.isoformat(),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "missing_marts": self.missing_marts,
        }


def reports_root(settings: Settings) -> Path:
    return settings.home / "reports"


def generate_report(
    settings: Settings,
    *,
    out_dir: Path | None = None,
    options: ReportOptions | None = None,
    now: dt.datetime | None = None,
) -> ReportResult:
    """Read the gold marts and write report.md, report.html and the PNG charts.

    ``out_dir`` given: the files go straight into it (no timestamp folder, no ``latest``).
    """
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    data = load_report_data(settings, options, now=now)
    contents: dict[str, bytes] = dict(render_charts(data))
    contents["report.md"] = render_markdown(data).encode()
    contents["report.html"] = render_html(data).encode()

    latest = None
    if out_dir is not None:
        directory = Path(out_dir)
        _write_files(directory, contents)
    else:
        root = reports_root(settings)
        directory = _publish(root, now, contents)
        latest = _point_latest(root, directory)
        prune_reports(root, keep=settings.ghintel_report_keep)
    return ReportResult(
        directory=directory,
        latest=latest,
        files={name: directory / name for name in contents},
        counts=data.counts(),
        summary_markdown=render_summary_markdown(data),
        generated_at=now,
        as_of=data.as_of,
        missing_marts=data.missing_marts,
    )


def _write_files(directory: Path, contents: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, payload in contents.items():
        (directory / name).write_bytes(payload)


def _publish(root: Path, now: dt.datetime, contents: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    base = now.strftime("%Y%m%dT%H%M%SZ")
    staging = root / f".{base}-{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    _write_files(staging, contents)
    # Two reports in the same second (a manual run next to the schedule) get -1, -2, ...
    for n in range(1000):
        target = root / (base if n == 0 else f"{base}-{n}")
        try:
            staging.rename(target)
            return target
        except OSError:
            if not target.exists():
                raise
    raise RuntimeError(f"no free report folder name for {base} under {root}")


def _point_latest(root: Path, directory: Path) -> Path:
    latest = root / LATEST
    staged = root / f".{LATEST}-{os.getpid()}.tmp"
    if staged.is_symlink() or staged.is_file():
        staged.unlink()
    shutil.rmtree(staged, ignore_errors=True)
    try:
        staged.symlink_to(directory.name, target_is_directory=True)
    except OSError:
        # No symlinks (e.g. Windows without the privilege): a copy serves readers the same way.
        shutil.copytree(directory, staged)
    if latest.is_dir() and not latest.is_symlink():
        # os.replace cannot overwrite a non-empty folder left by the copy fallback
        shutil.rmtree(latest)
    os.replace(staged, latest)
    return latest


def _age_key(folder: Path) -> tuple[str, int]:
    base, _, n = folder.name.partition("-")
    return base, int(n or 0)


def prune_reports(root: Path, *, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest timestamped report folders (0 keeps all)."""
    if keep <= 0 or not root.is_dir():
        return []
    folders = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and REPORT_DIR_PATTERN.match(p.name)),
        key=_age_key,
    )
    removed = folders[:-keep]
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed
