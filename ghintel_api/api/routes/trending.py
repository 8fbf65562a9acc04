from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep, noted
from ghintel_api.api.params import TrendingParams
from ghintel_api.core.routing import OneHopRoute
from ghintel_api.core.windows import clamp_as_of
from ghintel_api.models import TrendingPublic
from ghintel_api.queries.trending import trending_repos

router = APIRouter(
    prefix="/trending-repos", tags=["trending"], dependencies=DATA_DEPENDENCIES, route_class=OneHopRoute
)


@router.get("", response_model=TrendingPublic, operation_id="getTrendingRepos")
def get_trending_repos(
    lake: LakeDep, cur: CursorDep, params: Annotated[TrendingParams, Query()]
) -> TrendingPublic:
    """Repositories ranked by gold's trending score (stars, forks, activity, velocity) for the window."""
    as_of, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    return noted(trending_repos(lake, cur, params.window, as_of, params.limit), note)
