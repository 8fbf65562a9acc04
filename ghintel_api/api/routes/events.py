from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import ActorQuery, LimitQuery, RepoQuery, SinceQuery, UntilQuery
from ghintel_api.core.windows import parse_time
from ghintel_api.models import EventsPage
from ghintel_api.queries.actors import actor_exists
from ghintel_api.queries.events import list_events
from ghintel_api.queries.repos import resolve_repo

router = APIRouter(prefix="/events", tags=["events"], dependencies=DATA_DEPENDENCIES)


@router.get(
    "",
    response_model=EventsPage,
    operation_id="listEvents",
    responses={404: {"description": "Unknown repository or actor"}},
)
def get_events(
    lake: LakeDep,
    cur: CursorDep,
    repo: RepoQuery = None,
    actor: ActorQuery = None,
    type: Annotated[str | None, Query(pattern=r"^[A-Za-z]{1,64}$", description="e.g. PushEvent")] = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    limit: LimitQuery = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,200}$", description="next_cursor")] = None,
) -> EventsPage:
    """Validated events from silver, newest first; follow next_cursor for older pages."""
    repo_name = None
    if repo is not None:
        found = resolve_repo(lake, cur, repo)
        if found is None:
            raise HTTPException(status_code=404, detail=f"unknown repository {repo}")
        repo_name = found["repo_name"]
    if actor is not None and not actor_exists(lake, cur, actor):
        raise HTTPException(status_code=404, detail=f"unknown actor {actor}")
    return list_events(
        lake,
        cur,
        repo=repo_name,
        actor=actor,
        event_type=type,
        since=parse_time(since, "since"),
        until=parse_time(until, "until"),
        limit=limit,
        cursor=cursor,
    )
