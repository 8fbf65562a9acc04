from __future__ import annotations

from fastapi import APIRouter

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep
from ghintel_api.api.params import AsOfQuery, LimitQuery, WindowQuery
from ghintel_api.core.windows import Window, resolve_as_of
from ghintel_api.models import TrendingPublic
from ghintel_api.queries.trending import trending_repos

router = APIRouter(prefix="/trending-repos", tags=["trending"], dependencies=DATA_DEPENDENCIES)


@router.get("", response_model=TrendingPublic, operation_id="getTrendingRepos")
def get_trending_repos(
    lake: LakeDep,
    cur: CursorDep,
    window: WindowQuery = Window.h24,
    limit: LimitQuery = 25,
    as_of: AsOfQuery = None,
) -> TrendingPublic:
    """Repositories ranked by gold's trending score (stars, forks, activity, velocity) for the window."""
    return trending_repos(lake, cur, window, resolve_as_of(as_of, lake.newest_hour), limit)
