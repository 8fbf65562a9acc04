"""The live poller's status file, ``$GHINTEL_HOME/producer/live_status.json`` (read by ``ghintel status``)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from ghintel_pipeline.lib.github_api.poller import EventsPoller


def live_status_file(home: Path) -> Path:
    return home / "producer" / "live_status.json"


def build_live_status(
    poller: EventsPoller, *, state: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A JSON-ready snapshot: run state, totals, the last poll and the last result per endpoint."""
    last_poll = poller.last_result
    summary = poller.refresh_summary().to_dict()
    return {
        "state": state,
        "pid": os.getpid(),
        "updated_at": time.time(),
        "api_url": poller.client.base_url,
        "summary": summary,
        "rate_limit": poller.client.rate.to_dict(),
        "dedup_capacity": poller.seen.capacity,
        "last_poll": last_poll.to_dict() if last_poll is not None else None,
        "endpoints": {
            ep.path: (poller.state(ep.path).last.to_dict() if poller.state(ep.path).last else None)
            for ep in poller.endpoints
        },
        **(extra or {}),
    }


def live_state_file(home: Path) -> Path:
    return home / "producer" / "live_state.json"


def _write_json(path: Path, data: dict[str, Any], indent: int | None = 2) -> Path:
    """Written to a temp file then renamed, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=indent, default=str))
    os.replace(tmp, path)
    return path


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def write_live_status(home: Path, status: dict[str, Any]) -> Path:
    return _write_json(live_status_file(home), status)


def save_poller_state(home: Path, poller: EventsPoller) -> Path:
    """ETags + seen ids under ``GHINTEL_HOME``, so a restarted poller neither re-produces nor re-fetches.
    Saved only after the producer flushed: every id in it was acknowledged by the broker."""
    return _write_json(live_state_file(home), poller.export_state(), indent=None)


def load_poller_state(home: Path, poller: EventsPoller) -> bool:
    saved = _read_json(live_state_file(home))
    if saved is None:
        return False
    poller.import_state(saved)
    return True


def read_live_status(home: Path) -> dict[str, Any] | None:
    return _read_json(live_status_file(home))
