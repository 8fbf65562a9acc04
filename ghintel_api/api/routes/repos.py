from __future__ import annotations

from ghintel_api.api.deps import (
    NO_QUERY_PARAMS,
    CursorDep,
    LakeDep,
    RepoInPath,
    api_router,
    at_as_of,
    not_found,
    repo_name_or_404,
    repo_or_404,
)
from ghintel_api.api.params import QueryOf, RepoActivityParams, TrendingHistoryParams
from ghintel_api.history_models import TrendingHistoryPublic
from ghintel_api.models import RepoActivityPublic, RepoOverviewPublic
from ghintel_api.queries.repos import repo_activity, repo_overview
from ghintel_api.queries.trending import trending_history

router = api_router("repos")
_NOT_FOUND = not_found("repository")


@router.get("/repo/{owner}/{name}/activity", operation_id="getRepoActivity", responses=_NOT_FOUND)
def get_repo_activity(
    lake: LakeDep, cur: CursorDep, full_name: RepoInPath, params: QueryOf[RepoActivityParams]
) -> RepoActivityPublic:
    """Totals and a gap-filled series of a repository's activity (events, stars, pushes, PRs, ...)."""
    repo = repo_name_or_404(lake, cur, full_name)
    return at_as_of(
        lake,
        params.as_of,
        lambda as_of: repo_activity(lake, cur, repo, params.window, as_of, params.granularity),
    )


@router.get(
    "/repos/{owner}/{name}", operation_id="getRepo", responses=_NOT_FOUND, dependencies=[NO_QUERY_PARAMS]
)
def get_repo(lake: LakeDep, cur: CursorDep, full_name: RepoInPath) -> RepoOverviewPublic:
    """Lifetime totals of a repository, its current trending ranks and its latest anomalies."""
    return repo_overview(lake, cur, repo_or_404(lake, cur, full_name), lake.newest_hour)


@router.get(
    "/repos/{owner}/{name}/trending/history", operation_id="getRepoTrendingHistory", responses=_NOT_FOUND
)
def get_repo_trending_history(
    lake: LakeDep, cur: CursorDep, full_name: RepoInPath, params: QueryOf[TrendingHistoryParams]
) -> TrendingHistoryPublic:
    """A repository's trending rank and score in one window for every hour gold scored."""
    repo = repo_or_404(lake, cur, full_name)
    return at_as_of(
        lake,
        params.as_of,
        lambda as_of: trending_history(lake, cur, repo, params.window, as_of, params.hours),
    )
