"""Pre-2015 GH Archive hours (the Timeline format) normalized into the event envelope of 2015+.

A Timeline record has no event ``id``, names its repository in ``repository`` (owner + name, no id),
gives the actor as a login string (``actor_attributes`` beside it, no id) and writes times with
Pacific offsets (``-07:00``). ``normalize_timeline`` turns it into the modern shape the lean
contract reads; the recipe is in docs/contract.md ("Timeline records"):

- ``id``: ``2**62 + (first 8 bytes of sha256(canonical JSON of the whole record)) mod 2**62`` as
  decimal text. Canonical JSON = keys sorted, no spaces, UTF-8: the same record gives the same id
  on every rerun (so silver's dedup holds), and the range lies above every real GitHub event id.
- ``actor.id`` / ``repo.id`` / ``org.id``: ``-(1 + sha256(kind:lower(name)) mod 2**62)``. Negative
  so they can never be mistaken for GitHub's ids; stable per login/repo name.
- ``created_at``: converted to UTC (``Z``).
- payload: IssuesEvent's ``issue`` (an id) and ``number`` become ``issue: {id, number}``; the rest is
  read as is. ``payload_json`` keeps the original payload text.

Records that cannot become a repository event (FollowEvent, GistEvent: no ``repository``; anonymous
gists: no actor) raise ``ContractViolation("legacy_timeline_format", ...)`` and stay in quarantine.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from ghintel_pipeline.lib.contracts.quarantine import ContractViolation

_ID_BASE = 2**62


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % _ID_BASE


def timeline_event_id(obj: dict) -> str:
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(_ID_BASE + _digest(canonical))


def synthetic_id(kind: str, name: str) -> int:
    return -(1 + _digest(f"{kind}:{name.lower()}"))


def _utc(created_at: Any) -> str:
    if not isinstance(created_at, str):
        raise ContractViolation("legacy_timeline_format", "Timeline record without a created_at string")
    try:
        ts = datetime.fromisoformat(created_at)
    except ValueError:
        raise ContractViolation(
            "legacy_timeline_format", f"created_at: not an ISO 8601 timestamp: {created_at[:40]!r}"
        ) from None
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(event_type: Any, payload: Any) -> Any:
    if not isinstance(payload, dict):
        return {} if payload is None else payload
    if event_type == "IssuesEvent" and not isinstance(payload.get("issue"), dict):
        payload = {**payload, "issue": {"id": payload.get("issue"), "number": payload.get("number")}}
    elif event_type == "IssueCommentEvent":
        payload = {k: v for k, v in payload.items() if k != "issue"}  # only issue_id: no number to keep
    return payload


def normalize_timeline(obj: dict) -> dict:
    """The modern envelope for one Timeline record (see the module docstring for the recipe)."""
    repository = obj.get("repository")
    if not isinstance(repository, dict):
        raise ContractViolation(
            "legacy_timeline_format",
            f"Timeline {obj.get('type')} without a repository (a user or gist event): not a repo event",
        )
    owner, name = repository.get("owner"), repository.get("name")
    if not (isinstance(owner, str) and isinstance(name, str) and owner and name):
        raise ContractViolation("legacy_timeline_format", "Timeline repository without owner/name")
    actor = obj.get("actor")
    if not isinstance(actor, str) or not actor:
        raise ContractViolation("legacy_timeline_format", "Timeline record without an actor (anonymous)")
    repo_name = f"{owner}/{name}"
    event = {
        "id": timeline_event_id(obj),
        "type": obj.get("type"),
        "actor": {"id": synthetic_id("actor", actor), "login": actor},
        "repo": {"id": synthetic_id("repo", repo_name), "name": repo_name},
        "payload": _payload(obj.get("type"), obj.get("payload")),
        "created_at": _utc(obj.get("created_at")),
        "public": obj.get("public"),
    }
    org = repository.get("organization")
    if isinstance(org, str) and org:
        event["org"] = {"id": synthetic_id("org", org), "login": org}
    return event
