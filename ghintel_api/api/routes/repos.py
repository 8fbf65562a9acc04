from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AsOfQuery, NamePath, OwnerPath, WindowQuery
from ghintel_api.core.windows import Granularity, Window, resolve_as_of
from ghintel_api.models import RepoActivityPublic, RepoOverviewPublic
from ghintel_api.queries.repos import repo_activity, repo_overview, resolve_repo

router = APIRouter(tags=["repos"], dependencies=DATA_DEPENDENCIES)
_NOT_FOUND = {404: {"description": "Unknown repository"}}


@router.get(
    "/repo/{owner}/{name}/activity",
    response_model=RepoActivityPublic,
    operation_id="getRepoActivity",
    responses=_NOT_FOUND,
)
def get_repo_activity(
    lake: LakeDep,
    cur: CursorDep,
    owner: OwnerPath,
    name: NamePath,
    window: WindowQuery = Window.h24,
    granularity: Annotated[Granularity, Query(description="Series buckets")] = Granularity.hour,
    as_of: AsOfQuery = None,
) -> RepoActivityPublic:
    """Totals and a gap-filled series of a repository's activity (events, stars, pushes, PRs, ...)."""
    repo = resolve_repo(lake, cur, f"{owner}/{name}")
    if repo is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {owner}/{name}")
    return repo_activity(
        lake, cur, repo["repo_name"], window, resolve_as_of(as_of, lake.newest_hour), granularity
    )


@router.get(
    "/repos/{owner}/{name}", response_model=RepoOverviewPublic, operation_id="getRepo", responses=_NOT_FOUND
)
def get_repo(lake: LakeDep, cur: CursorDep, owner: OwnerPath, name: NamePath) -> RepoOverviewPublic:
    """Lifetime totals of a repository, its current trending ranks and its latest anomalies."""
    repo = resolve_repo(lake, cur, f"{owner}/{name}")
    if repo is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {owner}/{name}")
    return repo_overview(lake, cur, repo, lake.newest_hour)
