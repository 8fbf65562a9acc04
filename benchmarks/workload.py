"""A 2025-shaped ingest workload built from the shared 2015 hours, labelled *amplified*.

An hour of 2025 GH Archive holds 140-200k events; the shared hours hold 7-11k each. Each synthetic
hour is ``copies`` replays of every shared hour with distinct ids (``(50 + k) * 10**10 + id``:
every 2015 id is below 10**10, so copies never collide), ``created_at`` moved into the target
hour (minutes and seconds kept) and the payloads trimmed the way github.com has sent them since
2025-10-07 (docs/contract.md, "2015 shapes and 2025 trimmed shapes"): PushEvent keeps only
``repository_id, push_id, ref, head, before``; ``pull_request`` keeps ``url, id, number`` and a
slim ``head``/``base``. The files are written as gzip NDJSON, so every path reads them like a
real GH Archive file.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path

import orjson

from ghintel_pipeline.lib.gharchive.reader import event_lines

HOUR0 = dt.datetime(2025, 12, 1, 0, tzinfo=dt.UTC)
MIN_EVENTS_PER_HOUR = 150_000


def _slim_ref(side: dict | None) -> dict | None:
    if not isinstance(side, dict):
        return side
    repo = side.get("repo")
    slim_repo = {k: repo.get(k) for k in ("id", "url", "name")} if isinstance(repo, dict) else repo
    return {"ref": side.get("ref"), "sha": side.get("sha"), "repo": slim_repo}


def trim_2025(event: dict) -> dict:
    """The payload as github.com sends it since 2025-10-07 (unchanged for other types)."""
    payload = event.get("payload") or {}
    if event.get("type") == "PushEvent":
        event["payload"] = {
            "repository_id": (event.get("repo") or {}).get("id"),
            "push_id": payload.get("push_id"),
            "ref": payload.get("ref"),
            "head": payload.get("head"),
            "before": payload.get("before"),
        }
    elif isinstance(payload.get("pull_request"), dict):
        pr = payload["pull_request"]
        payload["pull_request"] = {
            "url": pr.get("url"),
            "id": pr.get("id"),
            "number": pr.get("number"),
            "head": _slim_ref(pr.get("head")),
            "base": _slim_ref(pr.get("base")),
        }
    return event


def _hour_lines(sources: list[Path], hour: dt.datetime, first_copy: int, copies: int) -> Iterator[bytes]:
    prefix = hour.strftime("%Y-%m-%dT%H:")
    for k in range(first_copy, first_copy + copies):
        shift = (50 + k) * 10**10
        for path in sources:
            for line in event_lines(path):
                event = orjson.loads(line)
                event["id"] = str(shift + int(event["id"]))
                event["created_at"] = prefix + event["created_at"][14:]
                yield orjson.dumps(trim_2025(event))


def amplified_2025_hours(sources: list[Path], hours: int, workdir: Path) -> list[Path]:
    """Write ``hours`` synthetic 2025 hour files (>= 150k events each) under ``workdir``."""
    per_copy = sum(1 for path in sources for _ in event_lines(path))
    if per_copy == 0:
        raise ValueError("the source hours hold no events")
    copies = -(-MIN_EVENTS_PER_HOUR // per_copy)
    workdir.mkdir(parents=True, exist_ok=True)
    out = []
    for h in range(hours):
        hour = HOUR0 + dt.timedelta(hours=h)
        path = workdir / f"{hour:%Y-%m-%d}-{hour.hour}.json.gz"
        with gzip.open(path, "wb", compresslevel=1) as f:
            for line in _hour_lines(sources, hour, h * copies, copies):
                f.write(line + b"\n")
        out.append(path)
    return out
