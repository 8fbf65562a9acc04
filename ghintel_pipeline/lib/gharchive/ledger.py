"""Which GH Archive sources were already delivered completely, kept under ``GHINTEL_HOME``.

``ghintel up`` replays its ``GHINTEL_SOURCE`` on every start; with ``--skip-done`` (what ``up``
passes) a file whose every line the broker acknowledged before is not produced again. A file counts
as done only with status ``ok``, nothing failed and every non-empty line acknowledged.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ghintel_pipeline.lib.gharchive.produce import FileResult
from ghintel_pipeline.lib.gharchive.reader import HourSource


def ledger_path(home: Path) -> Path:
    return home / "producer" / "gharchive_done.json"


def load_done(home: Path) -> dict[str, dict]:
    try:
        return json.loads(ledger_path(home).read_text())
    except (OSError, ValueError):
        return {}


def split_done(home: Path, sources: list[HourSource]) -> tuple[list[HourSource], list[HourSource]]:
    """(sources still to produce, sources already produced completely)."""
    done = load_done(home)
    return [s for s in sources if s.location not in done], [s for s in sources if s.location in done]


def record_done(home: Path, results: list[FileResult]) -> None:
    done = load_done(home)
    for r in results:
        if r.status == "ok" and r.failed == 0 and r.produced == r.read - r.empty:
            done[r.location] = {"hour": r.hour, "produced": r.produced, "finished_at": time.time()}
    path = ledger_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(done, indent=2))
    os.replace(tmp, path)
