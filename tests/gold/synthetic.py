"""Labelled synthetic GitHub events injected into a real GH Archive hour for detection tests.

Every synthetic event has an id starting with 9_000 (above any 2015 id), an actor/repo under the
``ghintel-synthetic`` owner and ``payload.ghintel_synthetic = true``, so nothing can mistake them
for real data.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

STAR_BURST_REPO = {"id": 900_000_001, "name": "ghintel-synthetic/star-burst"}
PUSH_BURST_REPO = {"id": 900_000_002, "name": "ghintel-synthetic/push-burst"}
CO_STAR_REPO = {"id": 900_000_003, "name": "ghintel-synthetic/co-star"}
CO_STARS = 5
STAR_BURST_SIZE = 40
PUSH_BURST_SIZE = 60
PUSH_BURST_ACTORS = 3

_next_id = iter(range(9_000_000_000_001, 9_000_000_999_999))


def event(kind: str, actor_id: int, login: str, repo: dict, created_at: dt.datetime, payload: dict) -> dict:
    return {
        "id": str(next(_next_id)),
        "type": kind,
        "actor": {"id": actor_id, "login": login, "gravatar_id": "", "url": "", "avatar_url": ""},
        "repo": {**repo, "url": f"https://api.github.com/repos/{repo['name']}"},
        "payload": {**payload, "ghintel_synthetic": True},
        "public": True,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def stars_from_burst_accounts(repo: dict, start: dt.datetime, count: int) -> list[dict]:
    """``count`` stars on ``repo`` from the burst accounts (ghintel-synthetic-stargazer-<i>), 50 s apart."""
    return [
        event(
            "WatchEvent",
            910_000_000 + i,
            f"ghintel-synthetic-stargazer-{i}",
            repo,
            start + dt.timedelta(seconds=50 * i),
            {"action": "started"},
        )
        for i in range(count)
    ]


def star_burst(hour: dt.datetime) -> list[dict]:
    """STAR_BURST_SIZE stars from brand-new accounts that do nothing else: a fake-star campaign."""
    return stars_from_burst_accounts(STAR_BURST_REPO, hour + dt.timedelta(minutes=5), STAR_BURST_SIZE)


def co_stars(hour: dt.datetime) -> list[dict]:
    """The first CO_STARS burst accounts also star a second repo a minute after the first."""
    return stars_from_burst_accounts(CO_STAR_REPO, hour + dt.timedelta(minutes=6), CO_STARS)


def push_burst(hour: dt.datetime) -> list[dict]:
    """PUSH_BURST_SIZE pushes from a few accounts within one hour."""
    return [
        event(
            "PushEvent",
            920_000_000 + i % PUSH_BURST_ACTORS,
            f"ghintel-synthetic-pusher-{i % PUSH_BURST_ACTORS}",
            PUSH_BURST_REPO,
            hour + dt.timedelta(minutes=2, seconds=55 * i),
            {"push_id": 1, "size": 1, "distinct_size": 1, "ref": "refs/heads/main", "commits": []},
        )
        for i in range(PUSH_BURST_SIZE)
    ]


def write_hour_file(path: Path, source: Path | None, extra: list[dict]) -> Path:
    """``source`` (a GH Archive hour file, may be None) plus ``extra`` events as a new .json.gz."""
    with gzip.open(path, "wb") as out:
        if source is not None:
            with gzip.open(source, "rb") as fh:
                for line in fh:
                    if line.strip():
                        out.write(line.rstrip(b"\n") + b"\n")
        for item in extra:
            out.write(json.dumps(item).encode() + b"\n")
    return path
