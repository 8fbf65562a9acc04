from __future__ import annotations

from ghintel_api.api.deps import CursorDep, LakeDep, api_router, at_as_of
from ghintel_api.api.params import QueryOf, TrendingParams
from ghintel_api.models import TrendingPublic
from ghintel_api.queries.trending import trending_repos

router = api_router("trending", "/trending-repos")


@router.get("", operation_id="getTrendingRepos")
def get_trending_repos(lake: LakeDep, cur: CursorDep, params: QueryOf[TrendingParams]) -> TrendingPublic:
    """Repositories ranked by gold's trending score (stars, forks, activity, velocity) for the window."""
    return at_as_of(
        lake, params.as_of, lambda as_of: trending_repos(lake, cur, params.window, as_of, params.limit)
    )
