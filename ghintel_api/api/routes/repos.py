from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, NO_QUERY_PARAMS, CursorDep, LakeDep, noted, repo_or_404
from ghintel_api.api.params import NamePath, OwnerPath, RepoActivityParams, TrendingHistoryParams
from ghintel_api.core.windows import clamp_as_of
from ghintel_api.history_models import TrendingHistoryPublic
from ghintel_api.models import RepoActivityPublic, RepoOverviewPublic
from ghintel_api.queries.repos import repo_activity, repo_overview
from ghintel_api.queries.trending import trending_history

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
    params: Annotated[RepoActivityParams, Query()],
) -> RepoActivityPublic:
    """Totals and a gap-filled series of a repository's activity (events, stars, pushes, PRs, ...)."""
    repo = repo_or_404(lake, cur, f"{owner}/{name}")
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    answer = repo_activity(lake, cur, repo["repo_name"], params.window, as_of, params.granularity)
    return noted(answer, note)


@router.get(
    "/repos/{owner}/{name}",
    response_model=RepoOverviewPublic,
    operation_id="getRepo",
    responses=_NOT_FOUND,
    dependencies=[NO_QUERY_PARAMS],
)
def get_repo(lake: LakeDep, cur: CursorDep, owner: OwnerPath, name: NamePath) -> RepoOverviewPublic:
    """Lifetime totals of a repository, its current trending ranks and its latest anomalies."""
    return repo_overview(lake, cur, repo_or_404(lake, cur, f"{owner}/{name}"), lake.newest_hour)


@router.get(
    "/repos/{owner}/{name}/trending/history",
    response_model=TrendingHistoryPublic,
    operation_id="getRepoTrendingHistory",
    responses=_NOT_FOUND,
)
def get_repo_trending_history(
    lake: LakeDep,
    cur: CursorDep,
    owner: OwnerPath,
    name: NamePath,
    params: Annotated[TrendingHistoryParams, Query()],
) -> TrendingHistoryPublic:
    """A repository's trending rank and score in one window for every hour gold scored."""
    repo = repo_or_404(lake, cur, f"{owner}/{name}")
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    return noted(trending_history(lake, cur, repo, params.window, as_of, params.hours), note)
