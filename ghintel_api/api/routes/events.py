from __future__ import annotations

from fastapi import HTTPException

from ghintel_api.api.deps import CursorDep, CursorKeyDep, LakeDep, api_router, not_found, repo_name_or_404
from ghintel_api.api.params import EventsParams, QueryOf
from ghintel_api.core.windows import parse_time
from ghintel_api.models import EventsPage
from ghintel_api.queries.actors import actor_exists
from ghintel_api.queries.events import list_events

router = api_router("events", "/events")


@router.get("", operation_id="listEvents", responses=not_found("repository or actor"))
def get_events(lake: LakeDep, cur: CursorDep, key: CursorKeyDep, params: QueryOf[EventsParams]) -> EventsPage:
    """Validated events from silver, newest first; follow next_cursor for older pages."""
    repo_name = repo_name_or_404(lake, cur, params.repo) if params.repo else None
    if params.actor is not None and not actor_exists(lake, cur, params.actor):
        raise HTTPException(status_code=404, detail=f"unknown actor {params.actor}")
    return list_events(
        lake,
        cur,
        repo=repo_name,
        actor=params.actor,
        event_type=params.type.value if params.type else None,
        since=parse_time(params.since, "since"),
        until=parse_time(params.until, "until"),
        limit=params.limit,
        cursor=params.cursor,
        cursor_key=key,
    )
