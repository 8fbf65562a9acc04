from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from ghintel_api.agent_models import StargazersPublic
from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep, noted, repo_or_404
from ghintel_api.api.params import NamePath, OwnerPath, StargazersParams
from ghintel_api.core.routing import OneHopRoute
from ghintel_api.core.windows import clamp_as_of, window_span
from ghintel_api.queries.stargazers import repo_stargazers

router = APIRouter(tags=["repos"], dependencies=DATA_DEPENDENCIES, route_class=OneHopRoute)


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
    params: Annotated[StargazersParams, Query()],
) -> StargazersPublic:
    """Accounts that starred the repository in the window, with their account signals
    (low-activity, account-id percentile as an age proxy), and repos they co-starred."""
    repo = repo_or_404(lake, cur, f"{owner}/{name}")
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    if as_of is None:
        raise HTTPException(status_code=404, detail="no data in gold yet")
    span = window_span(params.window, as_of)
    answer = repo_stargazers(
        lake, cur, repo["repo_name"], span, limit=params.limit, min_shared=params.min_shared
    )
    return noted(answer, note)
