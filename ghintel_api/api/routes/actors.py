from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ghintel_api.api.deps import DATA_DEPENDENCIES, CursorDep, LakeDep, noted
from ghintel_api.api.params import TopActorsParams
from ghintel_api.core.routing import OneHopRoute
from ghintel_api.core.windows import clamp_as_of, window_span
from ghintel_api.models import TopActorsPublic
from ghintel_api.queries.actors import top_actors
from ghintel_api.queries.coverage import span_coverage

router = APIRouter(prefix="/actors", tags=["actors"], dependencies=DATA_DEPENDENCIES, route_class=OneHopRoute)


@router.get("/top", response_model=TopActorsPublic, operation_id="getTopActors")
def get_top_actors(
    lake: LakeDep, cur: CursorDep, params: Annotated[TopActorsParams, Query()]
) -> TopActorsPublic:
    """The most active actors of the window by the chosen metric."""
    resolved, note = clamp_as_of(params.as_of, lake.newest_hour, lake.oldest_hour)
    span = window_span(params.window, resolved) if resolved is not None else None
    data = (
        top_actors(
            lake, cur, span, metric=params.metric, include_bots=params.include_bots, limit=params.limit
        )
        if span
        else []
    )
    answer = TopActorsPublic(
        window=params.window.value,
        as_of=resolved,
        metric=params.metric.value,
        include_bots=params.include_bots,
        coverage=span_coverage(lake, span),
        data=data,
    )
    return noted(answer, note)
