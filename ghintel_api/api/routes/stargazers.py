from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AsOfQuery, LimitQuery, NamePath, OwnerPath, WindowQuery
from ghintel_api.core.windows import Window, resolve_as_of, window_span
from ghintel_api.models import StargazersPublic
from ghintel_api.queries.repos import resolve_repo
from ghintel_api.queries.stargazers import repo_stargazers

router = APIRouter(tags=["repos"], dependencies=DATA_DEPENDENCIES)


@router.get(
    "/repo/{owner}/{name}/stargazers",
    response_model=StargazersPublic,
    operation_id="getRepoStargazers",
    responses={404: {"description": "Unknown repository, or no data in gold yet"}},
)
def get_repo_stargazers(
    lake: LakeDep,
    cur: CursorDep,
    owner: OwnerPath,
    name: NamePath,
    window: WindowQuery = Window.h1,
    as_of: AsOfQuery = None,
    limit: LimitQuery = 500,
    min_shared: Annotated[
        int, Query(ge=1, le=1000, description="co_starred: repos shared by at least this many accounts")
    ] = 2,
) -> StargazersPublic:
    """Accounts that starred the repository in the window, with their account signals
    (low-activity, account-id percentile as an age proxy), and repos they co-starred."""
    repo = resolve_repo(lake, cur, f"{owner}/{name}")
    as_of_hour = resolve_as_of(as_of, lake.newest_hour)
    if repo is None or as_of_hour is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {owner}/{name}")
    span = window_span(window, as_of_hour)
    return repo_stargazers(lake, cur, repo["repo_name"], span, limit=limit, min_shared=min_shared)
